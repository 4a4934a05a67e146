import { money as moneyIn } from '../alert-format.ts';
import type { LevelLimit, Limits, Policy } from '../policy.ts';
import type { Evaluation } from '../risk-types.ts';
import type { GuardState } from '../state.ts';
import { equityFloorFindings, floorAfterTransfers, sameLevels } from './equity-floor.ts';
import { periodLossFindings, periodLossOf, periodName, periodRefAfter } from './period-loss.ts';
import { periodStartOf, resetLabel } from './period.ts';
import { positionLimitFindings, positionValues } from './position-limits.ts';
import { fmtPct, type LimitFinding } from './types.ts';

export type { LimitFinding, LimitMetric } from './types.ts';

/** What the policy's `limits` say about one tick, for decide(). */
export interface LimitsEvaluation {
  /** Every breach at every level; `shift` applies the hysteresis band. */
  findings(shift: boolean): LimitFinding[];
  /** The state fields to write (the floor and period references); empty when no limit needs any. */
  state: Partial<Pick<GuardState, 'floorRef' | 'periodStart' | 'periodStartEquity'>>;
  /** The current value of each limit by its label, for the all-clear ("equity floor now 8,120.00 USDT"). */
  values: Map<string, string>;
}

/**
 * The equity floor, the period loss and the per-position limits on one tick.
 * @param netTransfers deposits − withdrawals since the previous tick (quote), as the peak takes them
 * @param judged false when the history holds rows of unknown type: the floor and the period loss
 *   are not judged this tick (as the drawdown is not), though their references still move
 * @param cap the highest value a new period reference may take (decide's peakCap); null = equity
 */
export function evaluateLimits(
  ev: Evaluation,
  state: GuardState,
  policy: Policy,
  now: number,
  netTransfers: number,
  judged: boolean,
  cap: number | null = null,
): LimitsEvaluation {
  const limits = policy.limits;
  const equity = ev.account.equity;
  const band = policy.hysteresis.drawdown;
  const parts: ((shift: boolean) => LimitFinding[])[] = [];
  const patch: LimitsEvaluation['state'] = {};
  const values = new Map<string, string>();
  const cash = (x: number) => moneyIn(x, ev.currency);

  if (limits?.equityFloor) {
    const ref = floorAfterTransfers(state.floorRef, limits.equityFloor, equity, netTransfers);
    patch.floorRef = ref;
    values.set('equity floor', `equity ${cash(equity)} (floor ${levels(ref.adjusted, cash)})`);
    if (judged) parts.push((shift) => equityFloorFindings(equity, ref, band, shift, ev.currency));
  } else if (state.floorRef) {
    patch.floorRef = null;
  }

  if (limits?.periodLoss) {
    const spec = limits.periodLoss;
    const ref = periodRefAfter(state, spec, equity, netTransfers, now, cap);
    patch.periodStart = ref.start;
    patch.periodStartEquity = ref.equity;
    const loss = periodLossOf(ref, equity);
    values.set(periodName(spec), loss === null ? '—' : fmtPct(loss));
    if (judged) parts.push((shift) => periodLossFindings(loss, ref, equity, spec, band, shift, ev.currency));
  } else if (state.periodStart != null || state.periodStartEquity != null) {
    patch.periodStart = null;
    patch.periodStartEquity = null;
  }

  if (limits && (limits.positionLoss || limits.positionLossOfEquity || limits.symbolNotional)) {
    for (const [k, v] of positionValues(ev)) values.set(k, v);
    parts.push((shift) => positionLimitFindings(ev, limits, band, shift));
  }
  return { findings: (shift) => parts.flatMap((f) => f(shift)), state: patch, values };
}

/** Where the floor and the period loss put the EMERGENCY level, for an agent's drawdown budget. */
export interface LimitRefs {
  /** The EMERGENCY equity floor as deposits and withdrawals moved it (quote); null: none. */
  floorEquity: number | null;
  /** The equity the current period's loss is measured from (quote); null: none stored for this period yet. */
  periodStartEquity: number | null;
}

/** The floor and period references of a stored state, read against the policy and `now`. */
export function limitRefsOf(state: GuardState | null, policy: Policy, now: number): LimitRefs {
  const floor = policy.limits?.equityFloor;
  const ref = state?.floorRef;
  const floorEquity = floor?.EMERGENCY === undefined ? null : ref && sameLevels(ref.configured, floor) ? (ref.adjusted.EMERGENCY ?? null) : floor.EMERGENCY;
  const spec = policy.limits?.periodLoss;
  const current = spec !== undefined && state?.periodStart != null && state.periodStart === periodStartOf(now, spec);
  return { floorEquity, periodStartEquity: current ? (state!.periodStartEquity ?? null) : null };
}

const levels = (m: LevelLimit, f: (x: number) => string): string =>
  (['WARNING', 'DANGER', 'EMERGENCY'] as const)
    .filter((l) => m[l] !== undefined)
    .map((l) => `${l} ${f(m[l]!)}`)
    .join(', ');

/**
 * The limits in words, one per line, for summaries.
 * @example describeLimits({ equityFloor: { EMERGENCY: 8_000 } }) → ['equity floor: EMERGENCY 8,000.00 USDT']
 */
export function describeLimits(limits: Limits | null | undefined, currency?: string): string[] {
  if (!limits) return [];
  const money = (x: number) => moneyIn(x, currency);
  const out: string[] = [];
  if (limits.equityFloor) out.push(`equity floor: ${levels(limits.equityFloor, money)}`);
  if (limits.periodLoss) out.push(`${periodName(limits.periodLoss)} since ${resetLabel(limits.periodLoss)}: ${levels(limits.periodLoss, fmtPct)}`);
  if (limits.positionLoss) out.push(`loss per position: ${levels(limits.positionLoss, money)}`);
  if (limits.positionLossOfEquity) out.push(`loss per position, of equity: ${levels(limits.positionLossOfEquity, fmtPct)}`);
  for (const [symbol, m] of Object.entries(limits.symbolNotional ?? {})) out.push(`${symbol} notional cap: ${levels(m, money)}`);
  return out;
}
