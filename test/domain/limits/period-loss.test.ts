import { describe, expect, it } from 'vitest';
import { decide } from '../../../functions/domain/decide.ts';
import { periodLossFindings, periodLossOf, periodRefAfter } from '../../../functions/domain/limits/period-loss.ts';
import type { PeriodLoss } from '../../../functions/domain/policy.ts';
import type { Level } from '../../../functions/domain/state.ts';
import { btcBook, DAY_START, NOW, stateAt, withLimits } from './fixtures.ts';

const DAILY: PeriodLoss = { period: 'day', resetAt: '00:00', timeZone: 'UTC', WARNING: 0.02, DANGER: 0.03, EMERGENCY: 0.05 };
const H = 3_600_000;

describe('periodRefAfter', () => {
  it.each<[string, { periodStart?: number | null; periodStartEquity?: number | null }, number, number, number, { start: number; equity: number }]>([
    ['no reference yet: this tick’s equity', {}, 9_800, 0, NOW, { start: DAY_START, equity: 9_800 }],
    ['same period: kept', { periodStart: DAY_START, periodStartEquity: 10_000 }, 9_800, 0, NOW, { start: DAY_START, equity: 10_000 }],
    ['same period, a deposit of 1,000: added', { periodStart: DAY_START, periodStartEquity: 10_000 }, 10_800, 1_000, NOW, { start: DAY_START, equity: 11_000 }],
    ['same period, half withdrawn: halved', { periodStart: DAY_START, periodStartEquity: 10_000 }, 4_900, -4_900, NOW, { start: DAY_START, equity: 5_000 }],
    ['a new day: re-based at this tick’s equity', { periodStart: DAY_START - 24 * H, periodStartEquity: 12_000 }, 9_800, 0, NOW, { start: DAY_START, equity: 9_800 }],
    ['an old state without the fields (null)', { periodStart: null, periodStartEquity: null }, 9_800, 0, NOW, { start: DAY_START, equity: 9_800 }],
  ])('%s', (_name, stored, equity, transfers, now, expected) => {
    expect(periodRefAfter(stored, DAILY, equity, transfers, now)).toEqual(expected);
  });

  it('starts a new period no higher than the confirmed cap, as the peak rises (a bad high read sets no false loss)', () => {
    expect(periodRefAfter({}, DAILY, 12_000, 0, NOW, 9_900)).toEqual({ start: DAY_START, equity: 9_900 });
    expect(periodRefAfter({}, DAILY, 9_800, 0, NOW, 9_900)).toEqual({ start: DAY_START, equity: 9_800 });
    // Within a period the cap does not apply: the reference only moves with transfers.
    expect(periodRefAfter({ periodStart: DAY_START, periodStartEquity: 10_000 }, DAILY, 12_000, 0, NOW, 9_900)).toEqual({ start: DAY_START, equity: 10_000 });
  });
});

describe('periodLossFindings', () => {
  const ref = { start: DAY_START, equity: 10_000 };
  it.each<[number, boolean, Level[]]>([
    [10_100, false, []], // a gain is no loss
    [9_850, false, []], // 1.5 %
    [9_800, false, ['WARNING']], // 2 %: at the threshold
    [9_650, false, ['WARNING', 'DANGER']],
    [9_480, false, ['WARNING', 'DANGER', 'EMERGENCY']],
    [9_750, true, ['WARNING', 'DANGER']], // 2.5 % ≥ 3 % − 1 % band
    [9_880, true, ['WARNING']], // 1.2 % ≥ 2 % − 1 % band
    [9_910, true, []], // 0.9 %
  ])('equity %d from 10,000 (band shifted: %s) breaches %j', (equity, shift, expected) => {
    expect(periodLossFindings(periodLossOf(ref, equity), ref, equity, DAILY, 0.01, shift).map((f) => f.level)).toEqual(expected);
  });

  it('reads as a sentence with the loss, both amounts and the reset time', () => {
    const [f] = periodLossFindings(0.052, ref, 9_480, { period: 'day', resetAt: '00:00', timeZone: 'UTC', EMERGENCY: 0.05 }, 0.01, false);
    expect(f).toEqual({ level: 'EMERGENCY', metric: 'periodLoss', label: 'daily loss', reason: 'daily loss 5.2 % (10,000.00 USDT → 9,480.00 USDT since 00:00 UTC) ≥ EMERGENCY 5.0 %' });
    const weekly: PeriodLoss = { period: 'week', weekday: 'monday', resetAt: '08:00', timeZone: 'Europe/Berlin', EMERGENCY: 0.05 };
    expect(periodLossFindings(0.06, ref, 9_400, weekly, 0.01, false)[0]!.reason).toBe(
      'weekly loss 6.0 % (10,000.00 USDT → 9,400.00 USDT since monday 08:00 Europe/Berlin) ≥ EMERGENCY 5.0 %',
    );
  });

  it('has no loss to judge from a reference ≤ 0', () => {
    expect(periodLossOf({ start: DAY_START, equity: 0 }, -10)).toBeNull();
    expect(periodLossFindings(null, ref, 9_000, DAILY, 0.01, false)).toEqual([]);
  });
});

describe('decide with a daily loss limit', () => {
  const policy = withLimits({ periodLoss: DAILY });
  // The all-time peak far above: the drawdown rule is switched off so only the period speaks.
  const noDrawdown = withLimits({ periodLoss: DAILY }, { thresholds: { WARNING: { drawdown: null, stressSurvival: null }, DANGER: { drawdown: null, stressSurvival: null }, EMERGENCY: { drawdown: null } } });

  it('starts the period at the first tick of the day, with no loss', () => {
    const d = decide(btcBook(10_000), stateAt({ peakEquity: 10_000 }), policy, NOW);
    expect(d.level).toBe('OK');
    expect(d.state).toMatchObject({ periodStart: DAY_START, periodStartEquity: 10_000 });
  });

  it('closes all at a 5.2 % loss since midnight UTC (the same drawdown from the peak is only WARNING)', () => {
    const d = decide(btcBook(10_000, 49_480), stateAt({ peakEquity: 10_000, periodStart: DAY_START, periodStartEquity: 10_000 }), policy, NOW);
    expect(d.level).toBe('EMERGENCY');
    expect(d.reasons[0]).toBe('daily loss 5.2 % (10,000.00 USDT → 9,480.00 USDT since 00:00 UTC) ≥ EMERGENCY 5.0 %');
    expect(d.actions.map((a) => a.type)).toEqual(['alert', 'closeAll']);
    expect(d.state.halted).toBe(true);
  });

  it('measures from the start of the day, not from the all-time peak', () => {
    // 12,000 peak a week ago; the day began at 10,000; now 9,480: drawdown 21 % is off, the day's loss 5.2 % is not
    const d = decide(btcBook(10_000, 49_480), stateAt({ peakEquity: 12_000, periodStart: DAY_START, periodStartEquity: 10_000 }), noDrawdown, NOW);
    expect(d.level).toBe('EMERGENCY');
    expect(d.reasons).toEqual(['daily loss 5.2 % (10,000.00 USDT → 9,480.00 USDT since 00:00 UTC) ≥ EMERGENCY 5.0 %']);
  });

  it('resets at the next midnight: yesterday’s loss does not carry over', () => {
    const yesterday = stateAt({ peakEquity: 12_000, level: 'DANGER', periodStart: DAY_START - 24 * 3_600_000, periodStartEquity: 10_000 });
    const d = decide(btcBook(10_000, 49_650), yesterday, noDrawdown, NOW);
    expect(d.state).toMatchObject({ periodStart: DAY_START, periodStartEquity: 9_650 });
    expect(d.level).toBe('OK');
  });

  it('is not tripped by a withdrawal, and a deposit does not hide a loss', () => {
    const state = stateAt({ peakEquity: 10_000, periodStart: DAY_START, periodStartEquity: 10_000 });
    const out = decide(btcBook(5_000, 50_000, -5_000), state, noDrawdown, NOW);
    expect(out.level).toBe('OK');
    expect(out.state.periodStartEquity).toBe(5_000);
    // 1,000 in, equity 10,480: 520 lost from 11,000 = 4.7 % → DANGER, not the 4.8 % gain it would look like
    const dep = decide(btcBook(11_000, 49_480, 1_000), state, noDrawdown, NOW);
    expect(dep.state.periodStartEquity).toBe(11_000);
    expect(dep.level).toBe('DANGER');
  });

  it('keeps DANGER inside the band, like the drawdown rule', () => {
    const state = stateAt({ peakEquity: 10_000, level: 'DANGER', periodStart: DAY_START, periodStartEquity: 10_000 });
    expect(decide(btcBook(10_000, 49_750), state, noDrawdown, NOW).level).toBe('DANGER'); // 2.5 %
    expect(decide(btcBook(10_000, 49_850), state, noDrawdown, NOW).level).toBe('WARNING'); // 1.5 %: WARNING 2 % band 1 %
  });

  it('is not judged while the history holds rows of unknown type, but its reference moves', () => {
    const state = stateAt({ peakEquity: 10_000, periodStart: DAY_START, periodStartEquity: 10_000 });
    const d = decide(btcBook(10_000, 49_480, 100), state, noDrawdown, NOW, { drawdownUnknown: true });
    expect(d.level).toBe('OK');
    expect(d.state.periodStartEquity).toBe(10_100);
  });
});
