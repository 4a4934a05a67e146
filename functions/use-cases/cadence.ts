import type { AccountConfig } from '../config.ts';
import type { Level } from '../domain/state.ts';

/**
 * How often the guard ticks. EventBridge's floor is one invocation a minute; above OK one
 * invocation keeps ticking at a shorter interval within its own time (see run-invocation.ts).
 * Pure: no clock, no I/O.
 */

/** Seconds between ticks at each level above OK (AccountConfig.cadence). */
export type CadenceSeconds = NonNullable<AccountConfig['cadence']>;

/** A named cadence: one tick a minute, one every 10 s at every level, or adaptive by level. */
export type CadenceMode = '60s' | '10s' | 'adaptive';

/** The scheduled interval (EventBridge's floor), seconds. */
export const SCHEDULE_SECONDS = 60;

/**
 * Adaptive default: 5 s at WARNING, 1 s at DANGER (just below the trip, where a fast candle can
 * cross the last 5 pp within seconds), at EMERGENCY and while closing. Measured on the crash
 * replays: 10 s at WARNING let 2022-06-18 jump from 9.6 % to 15 % between two ticks. At 1 s one
 * account spends 1,286 request weight a minute on Binance, inside 2,400 (venues/binanceusdm/weights.ts);
 * accounts that share one egress IP share that budget.
 */
export const DEFAULT_ADAPTIVE: CadenceSeconds = Object.freeze({ WARNING: 5, DANGER: 1, EMERGENCY: 1 });

/** Fixed modes as the seconds they tick at, whatever the level. */
const FIXED: Record<Exclude<CadenceMode, 'adaptive'>, number> = { '60s': 60, '10s': 10 };

/**
 * Seconds until the next tick.
 *
 * - `'60s'` / `'10s'`: that interval at every level.
 * - `'adaptive'` (= {@link DEFAULT_ADAPTIVE}) or explicit seconds per level: 60 at OK, the
 *   level's interval above it, and the EMERGENCY interval whenever the account is halted — a
 *   halted account that is still being ticked is being flattened ("while closing"). Whether a
 *   halted account is already flat (nothing left to do, back to the schedule) is the caller's
 *   knowledge, not the level's: after a trip the drawdown from the old peak keeps the level high.
 *
 * @example intervalSeconds('DANGER', false, 'adaptive') === 1
 * @example intervalSeconds('OK', true, DEFAULT_ADAPTIVE) === 1 // halted with positions open: closing
 * @example intervalSeconds('EMERGENCY', false, '60s') === 60
 */
export function intervalSeconds(level: Level, halted: boolean, cadence: CadenceMode | CadenceSeconds): number {
  if (cadence === '60s' || cadence === '10s') return FIXED[cadence];
  const c = cadence === 'adaptive' ? DEFAULT_ADAPTIVE : cadence;
  if (halted) return Math.min(c.EMERGENCY, SCHEDULE_SECONDS);
  if (level === 'OK') return Math.min(c.OK ?? SCHEDULE_SECONDS, SCHEDULE_SECONDS);
  return Math.min(c[level], SCHEDULE_SECONDS);
}

/** What a finished tick says about when to look again (the fields of TickResult this rule reads). */
export interface TickOutcome {
  status: Level | 'UNKNOWN';
  level: Level;
  halted: boolean;
  residuals: readonly unknown[];
}

/**
 * Whether an account needs another look before its next scheduled tick: above OK, or halted with
 * positions still open, or halted and not seen (a flat, halted account waits for a human).
 */
export function needsAnotherLook(r: TickOutcome): boolean {
  if (r.halted) return r.status === 'UNKNOWN' || r.residuals.length > 0;
  return r.level !== 'OK';
}

/**
 * Seconds until an account's next tick — one rule for the Lambda's invocation loop, `riskguard run`
 * and the demo: `okSeconds` when nothing needs another look, else the cadence's interval for the
 * level (the EMERGENCY one while closing), never slower than `okSeconds`.
 * @example nextTickSeconds({ status: 'EMERGENCY', level: 'EMERGENCY', halted: true, residuals: [{}] }, DEFAULT_ADAPTIVE, 60) === 1
 */
export function nextTickSeconds(r: TickOutcome, cadence: CadenceMode | CadenceSeconds, okSeconds: number): number {
  if (!needsAnotherLook(r)) {
    // An account's own OK seconds (cadence.OK) look sooner; a halted, flat account waits for a human.
    const ok = typeof cadence === 'object' && !r.halted && r.status !== 'UNKNOWN' ? cadence.OK : undefined;
    return ok === undefined ? okSeconds : Math.min(ok, okSeconds);
  }
  return Math.min(okSeconds, intervalSeconds(r.level, r.halted, cadence));
}

/**
 * Milliseconds until an account's next tick: {@link nextTickSeconds}, and never before the
 * Retry-After a venue asked for in that tick (429/418). The one loop decision of the Lambda's
 * invocation loop, `riskguard run` and the demo.
 * @example nextTickDelayMs({ status: 'UNKNOWN', level: 'DANGER', halted: false, residuals: [], rateLimit: { status: 418, retryAfterMs: 30_000 } }, DEFAULT_ADAPTIVE, 60) === 30_000
 */
export function nextTickDelayMs(r: TickOutcome & { rateLimit?: { retryAfterMs: number | null } }, cadence: CadenceMode | CadenceSeconds, okSeconds: number): number {
  return Math.max(nextTickSeconds(r, cadence, okSeconds) * 1_000, r.rateLimit?.retryAfterMs ?? 0);
}
