import { describe, expect, it } from 'vitest';
import { backstopFiredWhilePaused, diffBackstops, isolatedTrigger, missingBackstops, wantedBackstops, type VenueBackstop, type WantedBackstop } from '../../functions/domain/backstop.ts';
import { evaluateAccount } from '../../functions/domain/margin.ts';
import { decide } from '../../functions/domain/decide.ts';
import { DEFAULT_POLICY } from '../../functions/domain/policy.ts';
import { initialState } from '../../functions/domain/state.ts';
import type { AccountSnapshot, Position } from '../../functions/domain/snapshot.ts';

const iso = (side: 'long' | 'short', over: Partial<Position> = {}): Position => ({
  symbol: 'SOLUSDT',
  side,
  contracts: 1,
  entryPrice: 100,
  markPrice: 100,
  marginMode: 'isolated',
  isolatedWallet: 10,
  maintenanceMarginRate: 0.01,
  ...over,
});
const cross = (symbol: string, side: 'long' | 'short', over: Partial<Position> = {}): Position => ({
  symbol,
  side,
  contracts: 1,
  entryPrice: 100,
  markPrice: 100,
  marginMode: 'cross',
  maintenanceMarginRate: 0.005,
  ...over,
});
const book = (positions: Position[], crossWalletBalance = 100): AccountSnapshot => ({ crossWalletBalance, positions });

describe('isolatedTrigger: the mark where the isolated margin ratio reaches EMERGENCY', () => {
  it.each<[string, Position, number, number | null]>([
    // r (W + s q (p − E)) = rate q p, solved by hand
    ['long 10x: 0.85 × 90 / 0.84', iso('long'), 0.85, (0.85 * 90) / 0.84],
    ['short 10x: 0.85 × 110 / 0.86', iso('short'), 0.85, (0.85 * 110) / 0.86],
    ['long with a lower limit sits nearer the mark', iso('long'), 0.5, (0.5 * 90) / 0.49],
    ['long already past the limit: none (the tick trips)', iso('long', { markPrice: 91 }), 0.85, null],
    ['long with a maintenance amount 0.5: (0.85 × 90 − 0.5) / 0.84', iso('long', { maintenanceAmount: 0.5 }), 0.85, (0.85 * 90 - 0.5) / 0.84],
  ])('%s', (_name, p, limit, want) => {
    const got = isolatedTrigger(p, limit);
    if (want === null) expect(got).toBeNull();
    else {
      expect(got).toBeCloseTo(want, 6);
      // At the solved mark the engine's own isolated margin ratio is the limit.
      const ev = evaluateAccount(book([{ ...p, markPrice: got! }], 0), DEFAULT_POLICY.stress);
      expect(ev.pools[1]!.marginRatio).toBeCloseTo(limit, 6);
    }
  });
});

describe('wantedBackstops', () => {
  const policy = DEFAULT_POLICY;
  it.each<[string, AccountSnapshot, number | null, { symbol: string; side: 'long' | 'short'; stopPrice: number }[]]>([
    ['cross BTC long, peak 100: drawdown 15 % at 85', book([cross('BTCUSDT', 'long')]), 100, [{ symbol: 'BTCUSDT', side: 'long', stopPrice: 85 }]],
    ['cross ETH long (beta 1.2): the same equity, so the same price', book([cross('ETHUSDT', 'long')]), 100, [{ symbol: 'ETHUSDT', side: 'long', stopPrice: 85 }]],
    ['cross BTC short, peak 100: 115', book([cross('BTCUSDT', 'short')]), 100, [{ symbol: 'BTCUSDT', side: 'short', stopPrice: 115 }]],
    ['peak above the breach already: none', book([cross('BTCUSDT', 'long')]), 120, []],
    [
      // equity = 100 − 20x either way: a fall never breaches, a rise does at x = 0.75 → ETH × 1.9
      'hedged BTC long / ETH short: only the short gets a stop (the long profits on the breaching move)',
      book([cross('BTCUSDT', 'long'), cross('ETHUSDT', 'short')]),
      100,
      [{ symbol: 'ETHUSDT', side: 'short', stopPrice: 190 }],
    ],
    [
      // no peak: the margin ratio alone; MM 0.005 × 10 p, equity 100 + 10 (p − 100) → 0.85 (10p − 900) = 0.05 p
      'no peak: the cross margin ratio at 0.85',
      book([cross('BTCUSDT', 'long', { contracts: 10 })]),
      null,
      [{ symbol: 'BTCUSDT', side: 'long', stopPrice: (0.85 * 900) / (8.5 - 0.05) }],
    ],
    ['isolated long next to an empty cross pool', book([iso('long')], 0), null, [{ symbol: 'SOLUSDT', side: 'long', stopPrice: (0.85 * 90) / 0.84 }]],
  ])('%s', (_name, snapshot, peak, want) => {
    const got = wantedBackstops({ snapshot, peakEquity: peak, policy });
    expect(got.map(({ symbol, side }) => ({ symbol, side }))).toEqual(want.map(({ symbol, side }) => ({ symbol, side })));
    got.forEach((g, i) => expect(g.stopPrice).toBeCloseTo(want[i]!.stopPrice, 4));
  });

  it('a policy without EMERGENCY limits wants none', () => {
    const off = {
      ...policy,
      thresholds: { ...policy.thresholds, EMERGENCY: { marginRatio: null, drawdown: null, isolatedMarginRatio: null, stressSurvival: null } },
    };
    expect(wantedBackstops({ snapshot: book([cross('BTCUSDT', 'long'), iso('short')]), peakEquity: 100, policy: off })).toEqual([]);
  });
});

describe('diffBackstops', () => {
  const w = (symbol: string, side: 'long' | 'short', stopPrice: number): WantedBackstop => ({ symbol, side, stopPrice, reason: 'r' });
  const v = (id: string, symbol: string, side: 'long' | 'short', stopPrice: number): VenueBackstop => ({ id, symbol, side, stopPrice });
  it.each<[string, WantedBackstop[], VenueBackstop[], { place: string[]; cancel: string[]; keep: string[] }]>([
    ['nothing on the venue: place', [w('BTC', 'long', 85)], [], { place: ['BTC:long'], cancel: [], keep: [] }],
    ['within the band: keep', [w('BTC', 'long', 85)], [v('a', 'BTC', 'long', 85.3)], { place: [], cancel: [], keep: ['a'] }],
    ['drifted past the band: cancel and re-place', [w('BTC', 'long', 85)], [v('a', 'BTC', 'long', 86)], { place: ['BTC:long'], cancel: ['a'], keep: [] }],
    ['two on one side: keep the one within the band, cancel the other', [w('BTC', 'long', 85)], [v('a', 'BTC', 'long', 80), v('b', 'BTC', 'long', 85.1)], { place: [], cancel: ['a'], keep: ['b'] }],
    ['two on one side, both off: cancel both, place one', [w('BTC', 'long', 85)], [v('a', 'BTC', 'long', 80), v('b', 'BTC', 'long', 90)], { place: ['BTC:long'], cancel: ['a', 'b'], keep: [] }],
    ['no longer wanted: cancel', [], [v('a', 'BTC', 'long', 85)], { place: [], cancel: ['a'], keep: [] }],
    ['the other side of the symbol is its own stop', [w('BTC', 'short', 115)], [v('a', 'BTC', 'long', 85)], { place: ['BTC:short'], cancel: ['a'], keep: [] }],
    ['a duplicate wanted side places once', [w('BTC', 'long', 85), w('BTC', 'long', 84)], [], { place: ['BTC:long'], cancel: [], keep: [] }],
  ])('%s', (_name, wanted, onVenue, want) => {
    const plan = diffBackstops(wanted, onVenue, 0.005);
    expect(plan.place.map((p) => `${p.symbol}:${p.side}`)).toEqual(want.place);
    expect(plan.cancel.map((c) => c.id).sort()).toEqual(want.cancel);
    expect(plan.keep.map((k) => k.id)).toEqual(want.keep);
  });
});

describe('missingBackstops', () => {
  const v = (id: string, symbol: string, side: 'long' | 'short'): VenueBackstop => ({ id, symbol, side, stopPrice: 1 });
  const snap = book([cross('BTCUSDT', 'long'), cross('ETHUSDT', 'short')]);
  it.each<[string, VenueBackstop[], VenueBackstop[], { fired: string[]; vanished: string[] }]>([
    ['all still listed: nothing', [v('a', 'BTCUSDT', 'long')], [v('a', 'BTCUSDT', 'long')], { fired: [], vanished: [] }],
    ['gone, side still held: vanished', [v('a', 'BTCUSDT', 'long')], [], { fired: [], vanished: ['a'] }],
    ['gone, side flat: fired', [v('a', 'SOLUSDT', 'long')], [], { fired: ['a'], vanished: [] }],
    ['gone, only the other side of the symbol held: fired', [v('a', 'ETHUSDT', 'long')], [], { fired: ['a'], vanished: [] }],
    ['a new stop listed that was not known: nothing', [], [v('b', 'BTCUSDT', 'long')], { fired: [], vanished: [] }],
  ])('%s', (_name, known, listed, want) => {
    const r = missingBackstops(known, listed, snap);
    expect({ fired: r.fired.map((b) => b.id), vanished: r.vanished.map((b) => b.id) }).toEqual(want);
  });
});

describe('backstopFiredWhilePaused', () => {
  const fired: VenueBackstop[] = [{ id: '7', symbol: 'BTCUSDT', side: 'long', stopPrice: 48_500 }];
  const book: AccountSnapshot = { crossWalletBalance: 10_000, positions: [cross('ETHUSDT', 'long')] };
  const T = 1_760_054_400_000;
  const pausedState = { ...initialState('a'), version: 1, peakEquity: 10_000, pausedBy: 'ana', pausedUntil: T + 600_000 };

  it.each([
    ['no alert of its own: one escalation alert, the reason first', 10_000, 'escalation', /^exchange-side backstop stop fired between ticks while paused by ana until 2025-10-10T00:10:00.000Z: BTCUSDT long at 48,500 \(mark price\); no close-all during a pause/],
    ['its own alert (the breach with its orders withheld) follows in the same alert', 5_000, 'escalation', /no close-all during a pause, the rest of the book is left as it is \| PAUSED \(orders withheld\) \| OK → EMERGENCY/],
  ] as const)('%s', (_name, wallet, kind, message) => {
    const d = decide({ ...book, crossWalletBalance: wallet }, pausedState, DEFAULT_POLICY, T);
    const out = backstopFiredWhilePaused(d, fired, pausedState, T);
    const alerts = out.actions.filter((a) => a.type === 'alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind, message: expect.stringMatching(message) });
    expect(out.actions.some((a) => a.type === 'closeAll' || a.type === 'closePosition' || a.type === 'reduce')).toBe(false);
    expect(out.state.halted).toBe(false);
    expect(out.state.lastAlertAt).toBe(T);
    expect(out.reasons[0]).toMatch(/^exchange-side backstop stop fired/);
  });

  it('leaves the decision alone when nothing fired', () => {
    const d = decide(book, pausedState, DEFAULT_POLICY, T);
    expect(backstopFiredWhilePaused(d, [], pausedState, T)).toBe(d);
  });
});
