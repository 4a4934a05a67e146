import { WEEKDAYS, type PeriodLoss } from '../policy.ts';

/**
 * When a loss period began, from the injected `now` alone (no clock here). The period begins at
 * `resetAt` local time in `timeZone` (each day, or each `weekday`). Across a daylight-saving
 * change the local time is kept: "00:00 Europe/Berlin" is 23:00 UTC in winter, 22:00 UTC in
 * summer. A `resetAt` that does not exist that day (skipped by a spring-forward) is read with
 * the jump applied: 02:30 on the night Berlin skips 02:00–03:00 is 03:30 local.
 */

const DAY = 86_400_000;

const formats = new Map<string, Intl.DateTimeFormat>();
function formatFor(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, f);
  }
  return f;
}

/** The wall clock in `timeZone` at instant `t`, as if it were UTC (ms, seconds resolution). */
function wallAt(t: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatFor(timeZone).formatToParts(new Date(t))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** Local time minus UTC at instant `t` (ms). */
const offsetAt = (t: number, timeZone: string): number => wallAt(t, timeZone) - Math.floor(t / 1000) * 1000;

/** The instant whose wall clock in `timeZone` reads `wall` (a local time written as UTC ms). */
function instantOf(wall: number, timeZone: string): number {
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  // In a skipped hour neither guess reads `wall`: the later instant is where the clocks jumped to.
  return wallAt(second, timeZone) === wall ? second : Math.max(first, second);
}

/**
 * The start (ms) of the period that contains `now`: the latest instant ≤ now at which the
 * period resets.
 * @example periodStartOf(Date.UTC(2026, 11, 4, 5, 9), { period: 'day', resetAt: '00:00', timeZone: 'UTC' }) === Date.UTC(2026, 11, 4)
 */
export function periodStartOf(now: number, p: Pick<PeriodLoss, 'period' | 'resetAt' | 'timeZone' | 'weekday'>): number {
  const [hh, mm] = p.resetAt.split(':').map(Number) as [number, number];
  const resetMs = (hh * 60 + mm) * 60_000;
  // The local calendar day of `now`, as UTC midnight of that date.
  let day = Math.floor(wallAt(now, p.timeZone) / DAY) * DAY;
  const startOn = (d: number) => instantOf(d + resetMs, p.timeZone);
  if (startOn(day) > now) day -= DAY;
  if (p.period === 'week') {
    // The schema requires a weekday for weekly periods.
    const want = WEEKDAYS.indexOf(p.weekday!);
    day -= ((new Date(day).getUTCDay() - want + 7) % 7) * DAY;
  }
  return startOn(day);
}

/** "00:00 UTC" or "monday 00:00 Europe/Berlin": when the period resets, for reasons. */
export const resetLabel = (p: Pick<PeriodLoss, 'period' | 'resetAt' | 'timeZone' | 'weekday'>): string =>
  `${p.period === 'week' ? `${p.weekday} ` : ''}${p.resetAt} ${p.timeZone}`;
