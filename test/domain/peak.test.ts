import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyTransfers, drawdownOf } from '../../functions/domain/peak.ts';

describe('trailing peak', () => {
  it('starts at the first equity seen', () => {
    expect(applyTransfers(null, null, 1_000, 0, 5)).toEqual({ peakEquity: 1_000, peakAt: 5 });
  });

  it('rises with equity and keeps the time of the high', () => {
    expect(applyTransfers(1_000, 1, 1_200, 0, 9)).toEqual({ peakEquity: 1_200, peakAt: 9 });
    expect(applyTransfers(1_200, 9, 1_100, 0, 10)).toEqual({ peakEquity: 1_200, peakAt: 9 });
  });

  it('keeps the drawdown unchanged through a withdrawal (not a drawdown)', () => {
    // 10 % down at 9,000 from 10,000; withdraw 4,500.
    const p = applyTransfers(10_000, 1, 4_500, -4_500, 2);
    expect(p.peakEquity).toBeCloseTo(5_000, 9);
    expect(drawdownOf(p.peakEquity, 4_500)).toBeCloseTo(0.1, 12);
  });

  it('does not treat a deposit as a new high to fall from', () => {
    // 1,000 down at 9,000; deposit 9,000 → equity 18,000: still 1,000 below the peak, not a new peak.
    const p = applyTransfers(10_000, 1, 18_000, 9_000, 2);
    expect(p).toEqual({ peakEquity: 19_000, peakAt: 1 });
    expect(drawdownOf(p.peakEquity, 18_000)).toBeCloseTo(1_000 / 19_000, 12);
  });

  it('stays finite when a nearly empty account receives a large deposit', () => {
    const p = applyTransfers(10_000, 1, 10_050, 10_000, 2);
    expect(p.peakEquity).toBe(20_000);
  });

  it('never falls except by a withdrawal (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ equity: fc.double({ min: 1, max: 1e7, noNaN: true }), transfer: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }), { minLength: 1, maxLength: 40 }),
        (steps) => {
          let peak: number | null = null;
          let at: number | null = null;
          for (const [i, s] of steps.entries()) {
            const transfer = Math.max(s.transfer, -s.equity / 2);
            const next = applyTransfers(peak, at, s.equity, transfer, i);
            if (peak !== null && next.peakEquity! < peak - 1e-6 && transfer >= 0) return false;
            if (next.peakEquity! < s.equity) return false;
            peak = next.peakEquity;
            at = next.peakAt;
          }
          return true;
        },
      ),
    );
  });
});
