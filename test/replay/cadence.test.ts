import { describe, expect, it } from 'vitest';
import { DEFAULT_ADAPTIVE, intervalSeconds, nextTickSeconds } from '../../functions/use-cases/cadence.ts';
import { BINANCE_WEIGHTS, closeAllWeight, weightPerMinute } from '../../functions/venues/binanceusdm/weights.ts';

describe('intervalSeconds', () => {
  it.each([
    ['OK', false, 'adaptive', 60],
    ['WARNING', false, 'adaptive', 5],
    ['DANGER', false, 'adaptive', 1],
    ['EMERGENCY', false, 'adaptive', 1],
    ['OK', true, 'adaptive', 1],
    ['WARNING', true, 'adaptive', 1],
    ['EMERGENCY', false, '60s', 60],
    ['OK', true, '60s', 60],
    ['OK', false, '10s', 10],
    ['EMERGENCY', true, '10s', 10],
  ] as const)('%s, halted %s, %s → %i s', (level, halted, cadence, seconds) => {
    expect(intervalSeconds(level, halted, cadence)).toBe(seconds);
  });

  it('uses an account’s own seconds per level, never slower than the schedule', () => {
    const cadence = { WARNING: 30, DANGER: 2, EMERGENCY: 2 };
    expect(intervalSeconds('WARNING', false, cadence)).toBe(30);
    expect(intervalSeconds('DANGER', false, cadence)).toBe(2);
    expect(intervalSeconds('OK', false, cadence)).toBe(60);
    expect(intervalSeconds('OK', true, cadence)).toBe(2);
  });

  it('ticks at an account’s own OK seconds when it gives them, and not for a halted, flat account', () => {
    const cadence = { WARNING: 5, DANGER: 1, EMERGENCY: 1, OK: 10 };
    expect(intervalSeconds('OK', false, cadence)).toBe(10);
    expect(intervalSeconds('WARNING', false, cadence)).toBe(5);
    const ok = { status: 'OK', level: 'OK', halted: false, residuals: [] } as const;
    expect(nextTickSeconds(ok, cadence, 60)).toBe(10);
    expect(nextTickSeconds(ok, DEFAULT_ADAPTIVE, 60)).toBe(60);
    expect(nextTickSeconds({ ...ok, halted: true }, cadence, 60)).toBe(60);
    expect(nextTickSeconds({ ...ok, status: 'UNKNOWN' }, cadence, 60)).toBe(60);
    expect(nextTickSeconds(ok, { ...cadence, OK: 90 }, 60)).toBe(60);
  });

  it('has the documented adaptive default', () => {
    expect(DEFAULT_ADAPTIVE).toEqual({ WARNING: 5, DANGER: 1, EMERGENCY: 1 });
    expect(intervalSeconds('DANGER', false, 'adaptive')).toBe(intervalSeconds('DANGER', false, DEFAULT_ADAPTIVE));
  });
});

describe('weightPerMinute', () => {
  it.each([
    [60, 1 * 20 + 80 + 6],
    [10, 6 * 20 + 80 + 6],
    [5, 12 * 20 + 80 + 6],
    [1, 60 * 20 + 80 + 6],
  ])('every %i s costs %i weight a minute', (seconds, weight) => {
    expect(weightPerMinute(seconds)).toBe(weight);
  });

  it('rises as the cadence shortens', () => {
    expect(weightPerMinute(1)).toBeGreaterThan(weightPerMinute(5));
    expect(weightPerMinute(5)).toBeGreaterThan(weightPerMinute(60));
  });

  it('rejects a cadence that is not a positive number', () => {
    expect(() => weightPerMinute(0)).toThrow(RangeError);
    expect(() => weightPerMinute(Number.NaN)).toThrow(RangeError);
  });

  it('fits the fastest default cadence in Binance’s 2,400/min with room for a 10-symbol close-all', () => {
    const fastest = Math.min(...Object.values(DEFAULT_ADAPTIVE));
    const closing = closeAllWeight(10);
    expect(weightPerMinute(fastest) + closing).toBeLessThanOrEqual(BINANCE_WEIGHTS.limitPerMinute);
    // Room left for a second account or a retry storm, not just barely under the limit.
    expect(BINANCE_WEIGHTS.limitPerMinute - weightPerMinute(fastest) - closing).toBeGreaterThan(500);
  });
});
