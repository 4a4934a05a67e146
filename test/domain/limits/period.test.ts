import { describe, expect, it } from 'vitest';
import { periodStartOf } from '../../../functions/domain/limits/period.ts';
import type { PeriodLoss } from '../../../functions/domain/policy.ts';

type Spec = Pick<PeriodLoss, 'period' | 'resetAt' | 'timeZone' | 'weekday'>;
const day = (resetAt: string, timeZone: string): Spec => ({ period: 'day', resetAt, timeZone });
const week = (weekday: NonNullable<Spec['weekday']>, resetAt: string, timeZone: string): Spec => ({ period: 'week', weekday, resetAt, timeZone });
const FRI_0509Z = Date.UTC(2026, 11, 4, 5, 9); // Friday 2026-12-04 05:09 UTC

describe('periodStartOf', () => {
  it.each<[string, number, Spec, number]>([
    ['midnight UTC, same day', FRI_0509Z, day('00:00', 'UTC'), Date.UTC(2026, 11, 4)],
    ['a reset later today: the period began yesterday', FRI_0509Z, day('08:00', 'UTC'), Date.UTC(2026, 11, 3, 8)],
    ['exactly at the reset: the new period', Date.UTC(2026, 11, 4, 8), day('08:00', 'UTC'), Date.UTC(2026, 11, 4, 8)],
    ['one ms before the reset: the old period', Date.UTC(2026, 11, 4, 8) - 1, day('08:00', 'UTC'), Date.UTC(2026, 11, 3, 8)],
    ['Berlin in winter (UTC+1)', FRI_0509Z, day('00:00', 'Europe/Berlin'), Date.UTC(2026, 11, 3, 23)],
    ['Berlin in summer (UTC+2)', Date.UTC(2026, 6, 4, 5, 9), day('00:00', 'Europe/Berlin'), Date.UTC(2026, 6, 3, 22)],
    ['New York 17:00, local date behind UTC', Date.UTC(2026, 11, 4, 3), day('17:00', 'America/New_York'), Date.UTC(2026, 11, 3, 22)],
    ['Kolkata (UTC+5:30)', FRI_0509Z, day('00:00', 'Asia/Kolkata'), Date.UTC(2026, 11, 3, 18, 30)],
    ['Berlin midnight on the spring-forward day (still UTC+1)', Date.UTC(2026, 2, 29, 12), day('00:00', 'Europe/Berlin'), Date.UTC(2026, 2, 28, 23)],
    ['Berlin 02:30 skipped by the spring-forward: read as 03:30 CEST', Date.UTC(2026, 2, 29, 12), day('02:30', 'Europe/Berlin'), Date.UTC(2026, 2, 29, 1, 30)],
    ['a week from Monday 00:00 UTC', FRI_0509Z, week('monday', '00:00', 'UTC'), Date.UTC(2026, 10, 30)],
    ['a week from Friday 08:00 UTC, on Friday before 08:00', FRI_0509Z, week('friday', '08:00', 'UTC'), Date.UTC(2026, 10, 27, 8)],
    ['a week from Friday 00:00 UTC, on Friday after it', FRI_0509Z, week('friday', '00:00', 'UTC'), Date.UTC(2026, 11, 4)],
    ['a week from Sunday 18:00 New York', FRI_0509Z, week('sunday', '18:00', 'America/New_York'), Date.UTC(2026, 10, 29, 23)],
  ])('%s', (_name, now, spec, start) => {
    expect(new Date(periodStartOf(now, spec)).toISOString()).toBe(new Date(start).toISOString());
  });

  it('is the latest local midnight at or before now, every 10 minutes across the Berlin autumn change', () => {
    const spec = day('00:00', 'Europe/Berlin');
    // Local midnights: 24 and 25 October in CEST (UTC+2), 26 October in CET (UTC+1): 25 October lasts 25 h.
    const midnights = [Date.UTC(2026, 9, 23, 22), Date.UTC(2026, 9, 24, 22), Date.UTC(2026, 9, 25, 23)];
    for (let t = Date.UTC(2026, 9, 24); t < Date.UTC(2026, 9, 26, 12); t += 600_000) {
      const expected = Math.max(...midnights.filter((m) => m <= t));
      expect(periodStartOf(t, spec)).toBe(expected);
    }
  });
});
