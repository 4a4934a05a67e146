import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decide, levelWithHysteresis } from '../../functions/domain/decide.ts';
import { DEFAULT_POLICY, resolvePolicy } from '../../functions/domain/policy.ts';
import type { AccountSnapshot } from '../../functions/domain/snapshot.ts';
import { initialState, LEVELS, levelRank, type GuardState, type Level } from '../../functions/domain/state.ts';

const NOW = 1_760_054_400_000;

/** One cross BTC long whose margin ratio is set by the wallet. */
function crossBook(wallet: number, mark = 50_000): AccountSnapshot {
  return {
    crossWalletBalance: wallet,
    positions: [
      { symbol: 'BTCUSDT', side: 'long', contracts: 1, entryPrice: 50_000, markPrice: mark, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.01 },
    ],
  };
}

const stateAt = (over: Partial<GuardState> = {}): GuardState => ({ ...initialState('a'), version: 3, ...over });
const noStress = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });

describe('decide', () => {
  it.each<[number, Level]>([
    [2_000, 'OK'], // MM 500 / equity 2000 = 0.25
    [900, 'WARNING'], // 500/900 = 0.56
    [650, 'DANGER'], // 0.77
    [550, 'EMERGENCY'], // 0.91
  ])('wallet %d gives level %s on margin ratio', (wallet, level) => {
    const d = decide(crossBook(wallet), stateAt({ peakEquity: wallet }), noStress, NOW);
    expect(d.level).toBe(level);
  });

  it('explains a breach with a sentence carrying the numbers', () => {
    const d = decide(crossBook(550), stateAt({ peakEquity: 550 }), noStress, NOW);
    expect(d.reasons).toContain('account margin ratio 0.91 ≥ EMERGENCY 0.85');
    expect(d.reasons).toContain('cross margin ratio 0.91 ≥ EMERGENCY 0.85');
  });

  it('keeps the snapshot’s currency in the state and writes its limit reasons in it (USDT when the snapshot names none)', () => {
    const limits = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } }, limits: { equityFloor: { EMERGENCY: 1_500 } } });
    const usdc = decide({ ...crossBook(1_000), currency: 'USDC' }, stateAt({ peakEquity: 1_000 }), limits, NOW);
    expect(usdc.state.currency).toBe('USDC');
    expect(usdc.reasons).toContain('equity 1,000.00 USDC < EMERGENCY floor 1,500.00 USDC');
    const plain = decide(crossBook(1_000), stateAt({ peakEquity: 1_000 }), limits, NOW);
    expect(plain.state.currency).toBeUndefined();
    expect(plain.reasons).toContain('equity 1,000.00 USDT < EMERGENCY floor 1,500.00 USDT');
  });

  it('closes all and halts at EMERGENCY from an account-wide breach', () => {
    const d = decide(crossBook(550), stateAt({ peakEquity: 550 }), noStress, NOW);
    expect(d.actions.map((a) => a.type)).toEqual(['alert', 'closeAll']);
    expect(d.state.halted).toBe(true);
    expect(d.actions[0]).toMatchObject({ type: 'alert', kind: 'trip' });
  });

  it('trips on a 15 % drawdown from the trailing peak', () => {
    const d = decide(crossBook(10_000, 50_000 - 1_600), stateAt({ peakEquity: 10_000 }), noStress, NOW);
    expect(d.drawdown).toBeCloseTo(0.16, 10);
    expect(d.level).toBe('EMERGENCY');
    expect(d.reasons[0]).toBe('drawdown 16.0 % from trailing peak ≥ EMERGENCY 15.0 %');
  });

  it('reduces gross exposure once on entering DANGER, not on every tick after', () => {
    const first = decide(crossBook(650), stateAt({ peakEquity: 650 }), noStress, NOW);
    expect(first.actions.find((a) => a.type === 'reduce')).toMatchObject({ fraction: 0.2, positions: [0] });
    const second = decide(crossBook(650), { ...first.state }, noStress, NOW + 60_000);
    expect(second.actions.find((a) => a.type === 'reduce')).toBeUndefined();
  });

  it('closes an isolated position that breaches alone, and nothing else', () => {
    const snap: AccountSnapshot = {
      crossWalletBalance: 10_000,
      positions: [
        { symbol: 'BTCUSDT', side: 'long', contracts: 0.1, entryPrice: 50_000, markPrice: 50_000, marginMode: 'cross', maintenanceMarginRate: 0.004 },
        { symbol: 'WIFUSDT', side: 'long', contracts: 1_000, entryPrice: 1, markPrice: 0.905, marginMode: 'isolated', isolatedWallet: 100, maintenanceMarginRate: 0.01 },
      ],
    };
    // isolated equity 100 − 95 = 5, MM 9.05 → ratio 1.81
    const d = decide(snap, stateAt({ peakEquity: 10_005 }), noStress, NOW);
    expect(d.level).toBe('EMERGENCY');
    expect(d.actions.filter((a) => a.type !== 'alert')).toEqual([
      expect.objectContaining({ type: 'closePosition', position: 1 }),
    ]);
    expect(d.state.halted).toBe(false);
  });

  it('withholds orders while paused but still alerts', () => {
    const d = decide(crossBook(550), stateAt({ peakEquity: 550, pausedUntil: NOW + 1, pausedBy: 'ana' }), noStress, NOW);
    expect(d.actions.map((a) => a.type)).toEqual(['alert']);
    expect(d.state.halted).toBe(false);
    expect(d.reasons.at(-1)).toMatch(/paused by ana/);
  });

  it('marks orders as dry run and does not halt in dry-run mode', () => {
    const d = decide(crossBook(550), stateAt({ peakEquity: 550 }), { ...noStress, dryRun: true }, NOW);
    expect(d.actions.find((a) => a.type === 'closeAll')).toMatchObject({ dryRun: true });
    expect(d.state.halted).toBe(false);
  });

  it('enforces flat while halted: any open position is a breach', () => {
    const d = decide(crossBook(2_000), stateAt({ peakEquity: 2_000, halted: true, level: 'EMERGENCY' }), noStress, NOW);
    expect(d.level).toBe('EMERGENCY');
    expect(d.actions.find((a) => a.type === 'closeAll')).toBeDefined();
    expect(d.reasons[0]).toMatch(/HALTED/);
  });

  it('alerts only on a level change, then reminds after the interval', () => {
    const s0 = stateAt({ peakEquity: 900 });
    const d1 = decide(crossBook(900), s0, noStress, NOW);
    expect(d1.actions).toEqual([expect.objectContaining({ type: 'alert', kind: 'escalation' })]);
    const d2 = decide(crossBook(900), d1.state, noStress, NOW + 60_000);
    expect(d2.actions).toEqual([]);
    const d3 = decide(crossBook(900), d1.state, noStress, NOW + 30 * 60_000);
    expect(d3.actions).toEqual([expect.objectContaining({ kind: 'reminder' })]);
    const d4 = decide(crossBook(5_000), d1.state, noStress, NOW + 60_000);
    expect(d4.level).toBe('OK');
    expect(d4.actions).toEqual([expect.objectContaining({ kind: 'all-clear' })]);
  });

  it('keeps the level while a metric sits inside the hysteresis band', () => {
    // 500/1020 = 0.49: below WARNING 0.50 but inside its 0.05 band.
    const d = decide(crossBook(1_020), stateAt({ level: 'WARNING', peakEquity: 1_020 }), noStress, NOW);
    expect(d.level).toBe('WARNING');
    const d2 = decide(crossBook(1_200), stateAt({ level: 'WARNING', peakEquity: 1_200 }), noStress, NOW);
    expect(d2.level).toBe('OK');
  });

  it('does not trip on a withdrawal', () => {
    // peak 10,000 at equity 10,000; the user withdraws 5,000.
    const snap = { ...crossBook(5_000), netTransfers: -5_000 };
    const d = decide(snap, stateAt({ peakEquity: 10_000 }), noStress, NOW);
    expect(d.drawdown).toBe(0);
    expect(d.level).toBe('OK');
    expect(d.state.peakEquity).toBe(5_000);
  });

  it('raises stress survival findings from the stress test', () => {
    const d = decide(crossBook(1_500), stateAt({ peakEquity: 1_500 }), DEFAULT_POLICY, NOW);
    // −20 % on 1 BTC loses 10,000: the pool does not survive.
    expect(d.reasons.some((r) => r.startsWith('cross pool stress survival'))).toBe(true);
  });

  it('judges an isolated position that fails stress by its own margin, not the account', () => {
    const snap: AccountSnapshot = {
      crossWalletBalance: 10_000,
      positions: [
        { symbol: 'WIFUSDT', side: 'long', contracts: 1_000, entryPrice: 1, markPrice: 1, marginMode: 'isolated', isolatedWallet: 100, maintenanceMarginRate: 0.01 },
      ],
    };
    const d = decide(snap, stateAt({ peakEquity: 10_100 }), DEFAULT_POLICY, NOW);
    expect(d.evaluation.account.stress.survivalRatio).toBeLessThan(1);
    expect(d.level).toBe('OK');
  });
});

describe('levelWithHysteresis (property)', () => {
  const level = fc.constantFrom(...LEVELS);
  it('never drops below the band-shifted level, and rises at once', () => {
    fc.assert(
      fc.property(level, level, level, (raw, bandedExtra, prev) => {
        // the banded level is never below the raw one (bands only make breaches easier)
        const banded = levelRank(bandedExtra) < levelRank(raw) ? raw : bandedExtra;
        const next = levelWithHysteresis(raw, banded, prev);
        if (levelRank(raw) >= levelRank(prev)) return next === raw;
        return levelRank(next) >= levelRank(raw) && levelRank(next) <= levelRank(prev) && levelRank(next) >= Math.min(levelRank(banded), levelRank(prev));
      }),
    );
  });

  it('a level never drops without every metric crossing its hysteresis band', () => {
    const noStressPolicy = noStress;
    fc.assert(
      fc.property(fc.double({ min: 300, max: 5_000, noNaN: true }), fc.constantFrom(...LEVELS), (wallet, prev) => {
        const d = decide(crossBook(wallet), stateAt({ level: prev, peakEquity: wallet }), noStressPolicy, NOW);
        if (levelRank(d.level) >= levelRank(prev)) return true;
        // dropped: the margin ratio must be below (threshold − band) of every level above the new one
        const ratio = d.evaluation.account.marginRatio!;
        for (const l of ['WARNING', 'DANGER', 'EMERGENCY'] as const) {
          if (levelRank(l) > levelRank(d.level)) {
            const t = noStressPolicy.thresholds[l].marginRatio!;
            if (ratio >= t - noStressPolicy.hysteresis.marginRatio) return false;
          }
        }
        return true;
      }),
    );
  });
});
