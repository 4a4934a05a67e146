import { money } from '../alert-format.ts';
import { peakAfterTransfers } from '../peak.ts';
import type { LevelLimit } from '../policy.ts';
import { BREACH_LEVELS, type LimitFinding } from './types.ts';

/**
 * An absolute equity floor ("close everything if equity falls below 8,000 USDT"), per level.
 *
 * Deposits and withdrawals move the floor exactly as they move the trailing peak
 * (`peakAfterTransfers` in peak.ts), so that neither is mistaken for trading:
 * - a deposit adds its amount: floor 8,000, deposit 1,000 → floor 9,000 (the loss allowed in
 *   money, equity − floor, is unchanged);
 * - a withdrawal scales the floor by what is left: equity 10,000, floor 8,000, withdraw 5,000 →
 *   equity 5,000, floor 4,000 (the loss allowed as a fraction of equity, 20 %, is unchanged).
 *   Without it, withdrawing 5,000 would put equity under the floor and close everything.
 * The transfers are the ones the data gate hands the peak: history rows, and a wallet rise
 * whose row has not arrived yet (pendingCredit), reconciled once when it does.
 *
 * The configured levels are kept beside the moved ones: a floor changed in the policy starts
 * again from its new value. A re-arm does not move the floor.
 */
export interface FloorRef {
  /** The levels as the policy gave them when this reference was set (quote). */
  configured: LevelLimit;
  /** The same levels moved by every deposit and withdrawal since (quote). */
  adjusted: LevelLimit;
}

export const sameLevels = (a: LevelLimit, b: LevelLimit): boolean => BREACH_LEVELS.every((l) => a[l] === b[l]);

/**
 * The floor for this tick: the stored reference moved by this tick's transfers, or the policy's
 * levels when there is none yet or the policy changed them.
 * @param netTransfers deposits − withdrawals since the previous tick (quote)
 */
export function floorAfterTransfers(ref: FloorRef | null | undefined, floor: LevelLimit, equity: number, netTransfers: number): FloorRef {
  if (!ref || !sameLevels(ref.configured, floor)) return { configured: { ...floor }, adjusted: { ...floor } };
  const adjusted: LevelLimit = {};
  for (const l of BREACH_LEVELS) {
    const v = ref.adjusted[l];
    if (v !== undefined) adjusted[l] = peakAfterTransfers(v, equity, netTransfers)!;
  }
  return { configured: ref.configured, adjusted };
}

/**
 * The rule: equity < floor breaches the level. `shift` (hysteresis) raises each floor by the
 * `band` fraction of itself: the level falls only once equity is back above floor × (1 + band).
 * @example equityFloorFindings(7_950, { configured: { EMERGENCY: 8_000 }, adjusted: { EMERGENCY: 8_000 } }, 0.01, false)
 *   // → [{ level: 'EMERGENCY', reason: 'equity 7,950.00 USDT < EMERGENCY floor 8,000.00 USDT', … }]
 */
export function equityFloorFindings(equity: number, ref: FloorRef, band: number, shift: boolean, currency?: string): LimitFinding[] {
  const out: LimitFinding[] = [];
  for (const level of BREACH_LEVELS) {
    const floor = ref.adjusted[level];
    if (floor === undefined) continue;
    const threshold = shift ? floor * (1 + band) : floor;
    if (!(equity < threshold)) continue;
    const configured = ref.configured[level]!;
    const moved = Math.abs(floor - configured) > 0.005 ? ` (${money(configured, currency)} as configured, moved by deposits and withdrawals since)` : '';
    out.push({ level, metric: 'equityFloor', label: 'equity floor', reason: `equity ${money(equity, currency)} < ${level} floor ${money(floor, currency)}${moved}` });
  }
  return out;
}
