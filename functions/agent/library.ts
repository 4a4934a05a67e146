/**
 * The typed library entry for TypeScript agents (`import { checkOrder } from 'riskguard/agent'`):
 * the same pure functions the MCP tools, `riskguard check` and the status function call. No I/O.
 *
 * @example
 * const policy = resolvePolicy();                    // or your riskguard policy overrides
 * const answer = checkOrder(snapshot, state, policy, { symbol: 'BTCUSDT', side: 'buy', size: 0.01, marginMode: 'cross' });
 * if (answer.decision === 'allow') placeOrder(…);
 */
import { limitRefsOf } from '../domain/limits/index.ts';
import { evaluateAccount } from '../domain/margin.ts';
import type { Policy } from '../domain/policy.ts';
import { checkOrder as checkOrderPure, marketFromSnapshot, maxOrderSize as maxOrderSizePure, type MarketSpec, type OrderCheck, type OrderIntent } from '../domain/pre-trade.ts';
import type { Evaluation } from '../domain/risk-types.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import type { GuardState } from '../domain/state.ts';
import { tradeStatus } from '../domain/trade-status.ts';

export { resolvePolicy, DEFAULT_POLICY, DEFAULT_AGENT_LIMITS, type Policy, type AgentLimits } from '../domain/policy.ts';
export { AccountSnapshotSchema, type AccountSnapshot } from '../domain/snapshot.ts';
export { GuardStateSchema, initialState, type GuardState } from '../domain/state.ts';
export type { Evaluation } from '../domain/risk-types.ts';
export type { MarketSpec, OrderCheck, OrderIntent, PostTrade } from '../domain/pre-trade.ts';
export * from './contract.ts';

export interface CheckOptions {
  /** ms; default the snapshot's timestamp (so the answer is a pure function of its inputs). */
  now?: number;
  /** The symbol's venue data when the snapshot does not hold it, or to give the lot step (default 0.001). */
  market?: MarketSpec;
  /** The guard's staleness limit (default 150 s: a 1-minute guard's watchdog limit). */
  staleAfterMs?: number;
}

/** The margin engine on one snapshot, as `riskguard eval` runs it. */
export const evaluate = (snapshot: AccountSnapshot, policy: Policy): Evaluation => evaluateAccount(snapshot, policy.stress);

function inputs(snapshot: AccountSnapshot, state: GuardState | null, policy: Policy, symbol: string, opts: CheckOptions) {
  const now = opts.now ?? snapshot.timestamp ?? 0;
  const restrictions = state === null ? [] : tradeStatus(state.accountId, state, now, opts.staleAfterMs ?? 150_000).reasons;
  const market = opts.market ?? marketFromSnapshot(snapshot, symbol, 0.001);
  if (!market) throw new RangeError(`the snapshot holds no ${symbol} position: pass opts.market (mark, lot step, maintenance tiers)`);
  return { ctx: { restrictions, peakEquity: state?.peakEquity ?? null, limitRefs: limitRefsOf(state, policy, now) }, market };
}

/**
 * `check_order` on a snapshot and guard state (null: no guard state, no restriction).
 * The decision is `allow`, `reduce_only` (halted, paused, DANGER or above, stale, UNKNOWN) or `deny`.
 */
export function checkOrder(snapshot: AccountSnapshot, state: GuardState | null, policy: Policy, order: OrderIntent, opts: CheckOptions = {}): OrderCheck {
  const { ctx, market } = inputs(snapshot, state, policy, order.symbol, opts);
  return checkOrderPure(snapshot, ctx, policy, order, market);
}

/** `max_order_size`: the largest size, to the lot step, inside the agent limits. */
export function maxOrderSize(
  snapshot: AccountSnapshot,
  state: GuardState | null,
  policy: Policy,
  order: Omit<OrderIntent, 'size' | 'notional' | 'reduceOnly'>,
  opts: CheckOptions = {},
): { maxAllowed: { size: number; notional: number }; limitedBy: string[] } {
  const { ctx, market } = inputs(snapshot, state, policy, order.symbol, opts);
  return maxOrderSizePure(snapshot, ctx, policy, order, market);
}
