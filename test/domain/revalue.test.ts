import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type Policy } from '../../functions/domain/policy.ts';
import { atMarks, revalue } from '../../functions/domain/revalue.ts';
import type { AccountSnapshot } from '../../functions/domain/snapshot.ts';

// Stress off: these cases are about the marks moving margin and drawdown.
const thresholds = DEFAULT_POLICY.thresholds;
const policy: Policy = {
  ...DEFAULT_POLICY,
  thresholds: {
    WARNING: { ...thresholds.WARNING, stressSurvival: null },
    DANGER: { ...thresholds.DANGER, stressSurvival: null },
    EMERGENCY: { ...thresholds.EMERGENCY, stressSurvival: null },
  },
};

/** `contracts` BTC long from 100,000 (cross, 1 % maintenance) on `wallet` USDT, marked at `mark`. */
const btcLong = (wallet: number, contracts: number, mark: number): AccountSnapshot => ({
  crossWalletBalance: wallet,
  positions: [
    { symbol: 'BTCUSDT', side: 'long', contracts, entryPrice: 100_000, markPrice: mark, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.01 },
  ],
});

describe('revalue', () => {
  it.each<[string, AccountSnapshot, number | null, Record<string, number>, boolean, RegExp | null]>([
    ['a 1 % fall at 3× stays under WARNING drawdown 5 %', btcLong(10_000, 0.3, 100_000), 10_000, { BTCUSDT: 99_000 }, false, null],
    ['a 2 % fall at 3× is a 6 % drawdown: look', btcLong(10_000, 0.3, 100_000), 10_000, { BTCUSDT: 98_000 }, true, /drawdown 6\.0 % from trailing peak ≥ WARNING 5\.0 %/],
    ['a 5 % fall at 3× is past EMERGENCY 15 %', btcLong(10_000, 0.3, 100_000), 10_000, { BTCUSDT: 95_000 }, true, /≥ EMERGENCY 15\.0 %/],
    ['marks of other symbols leave the book as it was', btcLong(10_000, 0.3, 100_000), 10_000, { ETHUSDT: 1 }, false, null],
    ['a mark of 0 or NaN is not a mark', btcLong(10_000, 0.3, 100_000), 10_000, { BTCUSDT: 0 }, false, null],
    ['margin ratio past WARNING 0.50 with no peak yet', btcLong(2_200, 1, 100_000), null, { BTCUSDT: 99_700 }, true, /margin ratio 0\.52 ≥ WARNING 0\.50/],
    ['margin ratio just under WARNING', btcLong(2_200, 1, 100_000), null, { BTCUSDT: 99_800 }, false, null],
    ['already at WARNING by its own marks (the tick said OK): the same breach is no news', btcLong(10_000, 0.3, 98_000), 10_000, { BTCUSDT: 97_900 }, false, null],
    ['already at WARNING by its own marks: a new DANGER breach is', btcLong(10_000, 0.3, 98_000), 10_000, { BTCUSDT: 96_000 }, true, /≥ DANGER 10\.0 %/],
    ['a short gains on a fall', { ...btcLong(10_000, 0.3, 100_000), positions: [{ ...btcLong(10_000, 0.3, 100_000).positions[0]!, side: 'short' }] }, 10_000, { BTCUSDT: 90_000 }, false, null],
  ])('%s', (_name, snapshot, peak, marks, look, reason) => {
    const r = revalue(snapshot, peak, marks, policy);
    expect(r.look).toBe(look);
    expect(r.level === 'OK').toBe(!look);
    if (reason) expect(r.reasons.join('\n')).toMatch(reason);
    else expect(r.reasons).toEqual([]);
  });

  it('looks when the snapshot cannot be valued (any doubt)', () => {
    const bad = { crossWalletBalance: 1_000, positions: [{ ...btcLong(1_000, 1, 100_000).positions[0]!, maintenanceMarginRate: undefined }] } as AccountSnapshot;
    const r = revalue(bad, 1_000, { BTCUSDT: 100_000 }, policy);
    expect(r.look).toBe(true);
    expect(r.reasons[0]).toMatch(/could not be re-valued/);
    expect(r.level).toBe('EMERGENCY');
  });

  it.each([
    [98_000, 'WARNING'],
    [96_000, 'DANGER'],
    [95_000, 'EMERGENCY'],
  ])('ranks a fall to %d at %s', (mark, level) => {
    expect(revalue(btcLong(10_000, 0.3, 100_000), 10_000, { BTCUSDT: mark }, policy).level).toBe(level);
  });

  it('moves only the marks', () => {
    const s = btcLong(10_000, 0.3, 100_000);
    expect(atMarks(s, { BTCUSDT: 90_000 })).toEqual({ ...s, positions: [{ ...s.positions[0]!, markPrice: 90_000 }] });
    expect(s.positions[0]!.markPrice).toBe(100_000);
  });
});
