import { money } from '../alert-format.ts';
import { peakAfterTransfers } from '../peak.ts';
import type { PeriodLoss } from '../policy.ts';
import { periodStartOf, resetLabel } from './period.ts';
import { BREACH_LEVELS, fmtPct, type LimitFinding } from './types.ts';

/**
 * A daily (or weekly) loss limit: the loss of equity since the period began, as a fraction of
 * the equity then, judged by the same levels and hysteresis band as the drawdown from the peak.
 *
 * The reference is the equity of the period's first accepted tick (at or after `resetAt`; a
 * guard that was not running at the reset starts the period where it resumes). It does not
 * rise with gains inside the period: the limit is on the loss since the period began. Deposits
 * and withdrawals move it exactly as they move the trailing peak (`peakAfterTransfers`): a
 * deposit adds its amount, a withdrawal scales it by what is left (the loss fraction unchanged).
 * The period start is computed from the injected `now` only.
 */
export interface PeriodRef {
  /** When the period began (ms). */
  start: number;
  /** The equity the loss is measured from (quote). */
  equity: number;
}

/**
 * The reference for this tick: a new one at this tick's equity when a period began since the
 * stored one (or none is stored), else the stored one moved by this tick's transfers.
 * @param netTransfers deposits − withdrawals since the previous tick (quote)
 * @param cap the highest value a new reference may take (the peak's cap: a value a second read or
 *   the venue's figures confirmed); null = the equity. A bad high read never sets a false loss.
 */
export function periodRefAfter(
  stored: { periodStart?: number | null | undefined; periodStartEquity?: number | null | undefined },
  spec: PeriodLoss,
  equity: number,
  netTransfers: number,
  now: number,
  cap: number | null = null,
): PeriodRef {
  const start = periodStartOf(now, spec);
  if (stored.periodStart !== start || stored.periodStartEquity === null || stored.periodStartEquity === undefined) {
    return { start, equity: cap === null ? equity : Math.min(equity, cap) };
  }
  return { start, equity: peakAfterTransfers(stored.periodStartEquity, equity, netTransfers)! };
}

/** (reference − equity) / reference as a fraction, ≥ 0; null when the reference is ≤ 0. */
export const periodLossOf = (ref: PeriodRef, equity: number): number | null =>
  ref.equity > 0 ? Math.max(0, (ref.equity - equity) / ref.equity) : null;

export const periodName = (spec: PeriodLoss): string => (spec.period === 'day' ? 'daily loss' : 'weekly loss');

/**
 * The rule: loss ≥ the level's fraction breaches it; `shift` lowers each threshold by `band`
 * (policy.hysteresis.drawdown), as for the drawdown.
 * @example periodLossFindings(0.052, { start, equity: 10_000 }, 9_480, { period: 'day', resetAt: '00:00', timeZone: 'UTC', EMERGENCY: 0.05 }, 0.01, false)
 *   // reason: 'daily loss 5.2 % (10,000.00 USDT → 9,480.00 USDT since 00:00 UTC) ≥ EMERGENCY 5.0 %'
 */
export function periodLossFindings(loss: number | null, ref: PeriodRef, equity: number, spec: PeriodLoss, band: number, shift: boolean, currency?: string): LimitFinding[] {
  if (loss === null) return [];
  const out: LimitFinding[] = [];
  const name = periodName(spec);
  for (const level of BREACH_LEVELS) {
    const t = spec[level];
    if (t === undefined || !(loss >= (shift ? t - band : t))) continue;
    out.push({
      level,
      metric: 'periodLoss',
      label: name,
      reason: `${name} ${fmtPct(loss)} (${money(ref.equity, currency)} → ${money(equity, currency)} since ${resetLabel(spec)}) ≥ ${level} ${fmtPct(t)}`,
    });
  }
  return out;
}
