import { describe, expect, it } from 'vitest';
import { decide } from '../../functions/domain/decide.ts';
import { BRIEF_LADDER, episodeAt, ladderCut, LadderSchema, type Episode, type LadderStep } from '../../functions/domain/ladder.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import type { AccountSnapshot } from '../../functions/domain/snapshot.ts';
import { initialState, type GuardState } from '../../functions/domain/state.ts';

const NOW = 1_760_054_400_000;
const MIN = 60_000;

const steps = (reached: number): LadderStep[] =>
  BRIEF_LADDER.map((r, i) => ({ exposure: r.exposure, reached: i < reached, label: `rung ${i}` }));
const ep = (cutStep: number, peakExposure = 40_000): Episode => ({ peakAt: 1, peakExposure, cutStep });

describe('ladderCut', () => {
  it.each<[string, number, Episode, number, { step: number; fraction: number } | null, number]>([
    // name, rungs reached, episode, gross now → cut, cutStep after
    ['nothing reached: nothing', 0, ep(-1), 40_000, null, -1],
    ['first rung from the peak exposure: cut to 90 %', 1, ep(-1), 40_000, { step: 0, fraction: 0.1 }, 0],
    ['first rung with prices already down 2 %: cut to 90 % of the peak exposure, not by 10 %', 1, ep(-1), 39_200, { step: 0, fraction: 1 - 36_000 / 39_200 }, 0],
    ['re-entering a rung already cut: nothing', 1, ep(0), 36_000, null, 0],
    ['re-entering a cut rung with exposure back up (owner bought): still nothing in this episode', 1, ep(0), 40_000, null, 0],
    ['a deeper rung after a cut one: cut to its target', 2, ep(0), 35_000, { step: 1, fraction: 1 - 30_000 / 35_000 }, 1],
    ['straight to the third rung: one cut to 50 %', 3, ep(-1), 38_000, { step: 2, fraction: 1 - 20_000 / 38_000 }, 2],
    ['a shallower rung after a deeper one was cut: nothing', 1, ep(2), 20_000, null, 2],
    ['target already met (owner reduced): no order, the rung counts as met', 1, ep(-1), 30_000, null, 0],
    ['within the 1 % lot-rounding tolerance of the target: met', 1, ep(-1), 36_300, null, 0],
  ])('%s', (_name, reached, episode, gross, want, cutStepAfter) => {
    const r = ladderCut(steps(reached), episode, gross);
    if (want === null) expect(r.cut).toBeNull();
    else {
      expect(r.cut).toMatchObject({ step: want.step });
      expect(r.cut!.fraction).toBeCloseTo(want.fraction, 9);
      // After the cut the exposure is the rung's target of the peak exposure.
      expect(gross * (1 - r.cut!.fraction)).toBeCloseTo(BRIEF_LADDER[want.step]!.exposure * episode.peakExposure, 3);
    }
    expect(r.episode.cutStep).toBe(cutStepAfter);
    expect(r.episode.peakExposure).toBe(episode.peakExposure);
  });

  it('starts a new episode at a new peak (or a re-based one), with the exposure then, and keeps it otherwise', () => {
    const prev: Episode = { peakAt: 100, peakExposure: 40_000, cutStep: 1 };
    expect(episodeAt(prev, 100, 30_000)).toBe(prev);
    expect(episodeAt(prev, 200, 30_000)).toEqual({ peakAt: 200, peakExposure: 30_000, cutStep: -1 });
    expect(episodeAt(undefined, 100, 25_000)).toEqual({ peakAt: 100, peakExposure: 25_000, cutStep: -1 });
  });
});

describe('policy ladder', () => {
  it('accepts rungs by rising drawdown and falling exposure, and names the rung that breaks the order', () => {
    expect(LadderSchema.parse(BRIEF_LADDER)).toEqual(BRIEF_LADDER);
    const bad = LadderSchema.safeParse([{ drawdown: 0.05, exposure: 0.9 }, { drawdown: 0.04, exposure: 0.95 }]);
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.'))).toEqual(['1.drawdown', '1.exposure']);
    expect(LadderSchema.safeParse([{ drawdown: 0.05, exposure: 1 }]).success).toBe(false);
    expect(resolvePolicy({ ladder: BRIEF_LADDER }).ladder).toEqual(BRIEF_LADDER);
  });
});

/** One cross BTC long at `mark`, entered there (equity = the wallet), MM rate 0.1 %: the drawdown alone moves the level. */
const book = (equity: number, contracts = 1, mark = 50_000): AccountSnapshot => ({
  crossWalletBalance: equity,
  positions: [{ symbol: 'BTCUSDT', side: 'long', contracts, entryPrice: mark, markPrice: mark, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.001 }],
});
const noStress = { thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } };
const reduces = (d: ReturnType<typeof decide>) => d.actions.filter((a) => a.type === 'reduce');

describe('decide: cuts once per episode', () => {
  const policy = resolvePolicy(noStress);
  const start = (): GuardState => ({ ...initialState('a'), version: 1, peakEquity: 10_000, peakAt: NOW - MIN, ladder: { peakAt: NOW - MIN, peakExposure: 50_000, cutStep: -1 } });

  it('the default DANGER cut: once, not again when the account falls back to WARNING and re-enters DANGER', () => {
    // 11 % drawdown: DANGER. Exposure 48,900 of 50,000 at the peak → cut to 80 % of 50,000.
    const first = decide(book(8_900, 1, 48_900), start(), policy, NOW);
    expect(first.level).toBe('DANGER');
    expect(reduces(first)).toHaveLength(1);
    expect(reduces(first)[0]).toMatchObject({ fraction: expect.closeTo(1 - 40_000 / 48_900, 9) });
    expect(first.state.ladder).toEqual({ peakAt: NOW - MIN, peakExposure: 50_000, cutStep: 0 });
    // After the cut (0.818 BTC) the account eases to WARNING (7 %), then falls back into DANGER (11 %): no second cut.
    const eased = decide(book(9_300, 0.818, 48_900), first.state, policy, NOW + MIN);
    expect(eased.level).toBe('WARNING');
    const back = decide(book(8_900, 0.818, 47_000), eased.state, policy, NOW + 2 * MIN);
    expect(back.level).toBe('DANGER');
    expect(reduces(back)).toEqual([]);
    expect(back.state.ladder!.cutStep).toBe(0);
  });

  it('a new peak ends the episode: the next DANGER cuts again, from the exposure at the new peak', () => {
    const first = decide(book(8_900, 1, 48_900), start(), policy, NOW);
    const high = decide(book(10_500, 0.818, 60_000), { ...first.state, level: 'OK' }, policy, NOW + MIN);
    expect(high.state.peakAt).toBe(NOW + MIN);
    expect(high.state.ladder).toEqual({ peakAt: NOW + MIN, peakExposure: 0.818 * 60_000, cutStep: -1 });
    const again = decide(book(9_000, 0.818, 55_000), high.state, policy, NOW + 2 * MIN);
    expect(again.level).toBe('DANGER');
    expect(reduces(again)).toHaveLength(1);
    expect(reduces(again)[0]).toMatchObject({ fraction: expect.closeTo(1 - (0.8 * 0.818 * 60_000) / (0.818 * 55_000), 9) });
  });

  it('counts what this tick closes: cuts only the positions kept, to the target of what they leave', () => {
    // A lone isolated WIF long past EMERGENCY is closed alone; the account is at DANGER by drawdown (11 %).
    const snap: AccountSnapshot = {
      crossWalletBalance: 8_895,
      positions: [
        { symbol: 'BTCUSDT', side: 'long', contracts: 1, entryPrice: 48_900, markPrice: 48_900, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.001 },
        { symbol: 'WIFUSDT', side: 'long', contracts: 1_000, entryPrice: 1, markPrice: 0.905, marginMode: 'isolated', isolatedWallet: 100, maintenanceMarginRate: 0.01 },
      ],
    };
    const d = decide(snap, { ...start(), ladder: { peakAt: NOW - MIN, peakExposure: 60_000, cutStep: -1 } }, policy, NOW);
    expect(d.actions.filter((a) => a.type === 'closePosition')).toEqual([expect.objectContaining({ position: 1 })]);
    // 80 % of 60,000 is 48,000: BTC's 48,900 alone is cut by 900, not WIF's notional counted in.
    expect(reduces(d)).toEqual([expect.objectContaining({ positions: [0], fraction: expect.closeTo(1 - 48_000 / 48_900, 9) })]);
  });

  it('withholds the cut while paused and makes it when the pause is over', () => {
    const paused = decide(book(8_900, 1, 48_900), { ...start(), pausedUntil: NOW + MIN, pausedBy: 'ana' }, policy, NOW);
    expect(reduces(paused)).toEqual([]);
    expect(paused.state.ladder!.cutStep).toBe(-1);
    const after = decide(book(8_900, 1, 48_900), { ...paused.state }, policy, NOW + 2 * MIN);
    expect(reduces(after)).toHaveLength(1);
  });

  it('the brief ladder: 5 % → 90 %, 8 % → 75 %, 12 % → 50 %, each rung once, skipping rungs already passed', () => {
    const ladder = resolvePolicy(noStress, { ladder: BRIEF_LADDER });
    // 6 % drawdown: rung 0, to 90 % of 50,000.
    const a = decide(book(9_400, 1, 49_400), start(), ladder, NOW);
    expect(reduces(a)).toHaveLength(1);
    expect(reduces(a)[0]).toMatchObject({ fraction: expect.closeTo(1 - 45_000 / 49_400, 9) });
    // Still 6.5 %, a tick later, the owner having bought back to 1 BTC: nothing.
    const b = decide(book(9_350, 1, 49_300), a.state, ladder, NOW + MIN);
    expect(reduces(b)).toEqual([]);
    // 13 %: past rung 1 straight to rung 2: one cut, to 50 % of 50,000.
    const c = decide(book(8_700, 0.9, 48_700), b.state, ladder, NOW + 2 * MIN);
    expect(c.level).toBe('DANGER');
    expect(reduces(c)).toHaveLength(1);
    expect(reduces(c)[0]).toMatchObject({ fraction: expect.closeTo(1 - 25_000 / (0.9 * 48_700), 9) });
    expect(c.state.ladder!.cutStep).toBe(2);
    // Back to 9 % (rung 1): nothing; 16 %: the close-all.
    const d = decide(book(9_100, 0.513, 49_100), c.state, ladder, NOW + 3 * MIN);
    expect(reduces(d)).toEqual([]);
    const e = decide(book(8_400, 0.513, 47_000), d.state, ladder, NOW + 4 * MIN);
    expect(e.actions.map((x) => x.type)).toContain('closeAll');
  });
});
