import type { LimitRefs } from './limits/index.ts';
import { accountEquity, evaluateAccount, evaluateFor, type PartialEvaluation } from './margin.ts';
import type { AgentLimits, Policy } from './policy.ts';
import type { Evaluation } from './risk-types.ts';
import type { AccountSnapshot, MaintenanceCurve, MaintenanceTier, Position } from './snapshot.ts';

/**
 * The pre-trade engine for AI trading agents: apply one order to a snapshot the way the venue
 * would fill it, run the margin engine on the result, and hold it against the agent limits.
 * Pure: no I/O, no clock (`now` is passed in). Money in quote currency, ratios as fractions.
 */

/** An order as an agent proposes it. `size` in base units, or `notional` in quote currency at the mark. */
export interface OrderIntent {
  symbol: string;
  side: 'buy' | 'sell';
  size?: number | undefined;
  notional?: number | undefined;
  leverage?: number | undefined;
  marginMode: 'cross' | 'isolated';
  reduceOnly?: boolean | undefined;
}

/** What the venue says about one symbol: its mark, lot step, maintenance tiers and taker fee. */
export interface MarketSpec {
  symbol: string;
  markPrice: number;
  /** Quantity step (base units): order sizes are whole multiples of it. */
  lotStep: number;
  maintenanceTiers: MaintenanceTier[];
  /**
   * A size-dependent maintenance rate (Orderly) that replaces the tiers for the ordered position:
   * its MM is re-chosen at the new notional by the curve. Default: the tiers.
   */
  maintenanceCurve?: MaintenanceCurve | undefined;
  /** Taker fee rate (0.0005 = 5 bp); null: the policy's `agentLimits.takerFee`. */
  takerFee: number | null;
}

/** The market a snapshot already implies for a symbol it holds (mark and tiers of a position). */
export function marketFromSnapshot(snapshot: AccountSnapshot, symbol: string, lotStep: number): MarketSpec | null {
  const p = snapshot.positions.find((x) => x.symbol === symbol);
  if (!p) return null;
  const tiers = p.maintenanceTiers ?? [{ notionalFloor: 0, rate: p.maintenanceMarginRate ?? p.maintenanceCurve?.floorRate ?? 0, amount: p.maintenanceAmount ?? 0 }];
  return { symbol, markPrice: p.markPrice, lotStep, maintenanceTiers: tiers, ...(p.maintenanceCurve !== undefined ? { maintenanceCurve: p.maintenanceCurve } : {}), takerFee: null };
}

const EPS = 1e-12;

/** Rounds a size down to whole lots (with a tolerance for binary fractions: 0.3 / 0.1). */
export const lotsOf = (size: number, step: number): number => Math.floor(size / step + 1e-9);
const sizeOfLots = (lots: number, step: number): number => Number((lots * step).toPrecision(12));

/** Size in base units of an intent: `size`, or `notional` / mark rounded down to the lot step. */
export function orderSize(order: OrderIntent, market: MarketSpec): number {
  if (order.size !== undefined) return order.size;
  if (order.notional !== undefined) return sizeOfLots(lotsOf(order.notional / market.markPrice, market.lotStep), market.lotStep);
  throw new RangeError('an order needs size or notional');
}

/**
 * The snapshot after the order fills: at mark × (1 ± slippage), the taker fee paid from the cross
 * wallet, the ordered position carrying the venue's tier table (so a bigger position is priced in
 * its new tier). One-way position mode: an order against the symbol's position in its margin
 * mode reduces it first, then the rest opens the other side. Cross: adds to, reduces or flips the
 * symbol's cross position. Isolated: creates or adds to the symbol's isolated position of that
 * side, its margin (fill notional / leverage) moved out of the cross wallet. Reduce-only: reduces the opposite-side position(s) in that mode,
 * never past flat, realized PnL and released margin back to the cross wallet.
 * Returns the new snapshot and the index of the ordered position in it (null when it closed).
 */
export function applyOrder(
  snapshot: AccountSnapshot,
  order: OrderIntent & { size: number },
  market: MarketSpec,
  limits: Pick<AgentLimits, 'slippage' | 'takerFee'>,
): { snapshot: AccountSnapshot; position: number | null; fillPrice: number; fee: number; filled: number } {
  // Copy on write: only the positions the order touches are copied (the solver calls this often).
  const positions: Position[] = snapshot.positions.slice();
  let wallet = snapshot.crossWalletBalance;
  const buy = order.side === 'buy';
  const fillPrice = market.markPrice * (buy ? 1 + limits.slippage : 1 - limits.slippage);
  const feeRate = market.takerFee ?? limits.takerFee;
  const orderSide: Position['side'] = buy ? 'long' : 'short';
  const opposite: Position['side'] = buy ? 'short' : 'long';
  // The market's schedule replaces the position's (a curve or tiers, never both). A flat rate the
  // position may carry is left in place: either takes precedence over it (margin.ts).
  const curve = market.maintenanceCurve;
  const tiers: Pick<Position, 'maintenanceTiers' | 'maintenanceCurve'> = curve !== undefined ? { maintenanceCurve: curve } : { maintenanceTiers: market.maintenanceTiers };
  const withTiers = (p: Position): Position => {
    if (curve === undefined ? p.maintenanceCurve === undefined : p.maintenanceTiers === undefined) return { ...p, ...tiers, markPrice: market.markPrice };
    const { maintenanceTiers: _t, maintenanceCurve: _c, ...rest } = p;
    return { ...rest, ...tiers, markPrice: market.markPrice };
  };
  const sameSymbol = (p: Position) => p.symbol === order.symbol && p.marginMode === order.marginMode;

  /** Closes `q` of position i at the fill: realized PnL and released isolated margin to the cross wallet. */
  const reduce = (i: number, q: number): void => {
    const p = { ...positions[i]! };
    positions[i] = p;
    const sign = p.side === 'long' ? 1 : -1;
    wallet += sign * q * (fillPrice - p.entryPrice);
    if (p.marginMode === 'isolated') {
      const released = (p.isolatedWallet ?? 0) * (q / p.contracts);
      p.isolatedWallet = (p.isolatedWallet ?? 0) - released;
      wallet += released;
    }
    p.contracts = Number((p.contracts - q).toPrecision(12));
  };

  let remaining = order.size;
  let filled = 0;
  let position: number | null = null;
  // One-way position mode: an order against the symbol's position in that margin mode reduces
  // it first (reduce-only stops at flat; otherwise the rest opens the other side).
  {
    for (let i = 0; i < positions.length && remaining > EPS; i++) {
      const p = positions[i]!;
      if (!sameSymbol(p) || p.side !== opposite) continue;
      const q = Math.min(remaining, p.contracts);
      reduce(i, q);
      remaining -= q;
      filled += q;
      positions[i] = withTiers(positions[i]!);
      position = i;
    }
  }
  if (!order.reduceOnly && remaining > EPS) {
    const i = positions.findIndex((p) => sameSymbol(p) && p.side === orderSide);
    if (i >= 0) {
      const p = positions[i]!;
      const contracts = Number((p.contracts + remaining).toPrecision(12));
      const entryPrice = (p.contracts * p.entryPrice + remaining * fillPrice) / contracts;
      const next: Position = { ...withTiers(p), contracts, entryPrice };
      if (p.marginMode === 'isolated') {
        const leverage = order.leverage ?? p.leverage;
        if (leverage === undefined) throw new RangeError(`isolated ${p.symbol}: give the leverage`);
        const margin = (remaining * fillPrice) / leverage;
        next.isolatedWallet = (p.isolatedWallet ?? 0) + margin;
        next.leverage = leverage;
        wallet -= margin;
      } else if (order.leverage !== undefined) next.leverage = order.leverage;
      positions[i] = next;
      position = i;
    } else {
      const leverage = order.leverage;
      const next: Position = {
        symbol: order.symbol,
        side: orderSide,
        contracts: remaining,
        entryPrice: fillPrice,
        markPrice: market.markPrice,
        marginMode: order.marginMode,
        ...tiers,
        ...(leverage !== undefined ? { leverage } : {}),
      };
      if (order.marginMode === 'isolated') {
        if (leverage === undefined) throw new RangeError(`isolated ${order.symbol}: give the leverage`);
        const margin = (remaining * fillPrice) / leverage;
        next.isolatedWallet = margin;
        wallet -= margin;
      }
      positions.push(next);
      position = positions.length - 1;
    }
    filled += remaining;
  }
  const fee = filled * fillPrice * feeRate;
  wallet -= fee;
  // Positions closed to (float) zero leave the book.
  const kept: Position[] = [];
  let index: number | null = null;
  positions.forEach((p, i) => {
    if (p.contracts > EPS * Math.max(1, order.size)) {
      if (i === position) index = kept.length;
      kept.push(p);
    }
  });
  return { snapshot: { ...snapshot, crossWalletBalance: wallet, positions: kept }, position: index, fillPrice, fee, filled };
}

/** One agent limit after the order: the metric, its limit, and whether it holds. */
export interface LimitCheck {
  limit: 'accountMarginRatio' | 'crossMarginRatio' | 'isolatedMarginRatio' | 'crossStressSurvival' | 'liquidationDistance' | 'drawdownBudget';
  ok: boolean;
  readonly reason: string;
  /** How far inside the limit (> 0) or past it (≤ 0), in the metric's own unit: nearly linear in the order's size. */
  slack: number;
}

/**
 * The account's drawdown budget: money between equity and the nearest EMERGENCY level below it —
 * the drawdown level below the peak, the equity floor (`limits.equityFloor.EMERGENCY`, as
 * deposits and withdrawals moved it) and the period loss level below the period's start equity
 * (`limits.periodLoss.EMERGENCY`); null when none is set.
 * @param refs the floor and period references of the guard state (limitRefsOf); without them the
 *   floor is taken as configured and the period as starting at this equity
 * @example equity 10,000, peak 10,000, drawdown 15 % (budget 1,500), floor 9,000 → 1,000
 */
export function drawdownBudgetLeft(equity: number, peakEquity: number | null, policy: Policy, refs?: LimitRefs): number | null {
  const budgets: number[] = [];
  const dd = policy.thresholds.EMERGENCY.drawdown;
  if (dd !== null) budgets.push(equity - Math.max(peakEquity ?? equity, equity) * (1 - dd));
  const floor = refs?.floorEquity ?? policy.limits?.equityFloor?.EMERGENCY;
  if (floor !== undefined) budgets.push(equity - floor);
  const periodLoss = policy.limits?.periodLoss?.EMERGENCY;
  if (periodLoss !== undefined) budgets.push(equity - (refs?.periodStartEquity ?? equity) * (1 - periodLoss));
  return budgets.length > 0 ? Math.min(...budgets) : null;
}

const f2 = (x: number): string => x.toFixed(2);
const f4 = (x: number): string => x.toFixed(4);
const pc = (x: number): string => `${(x * 100).toFixed(1)} %`;
const money = (x: number, currency = 'USDT'): string => `${x.toFixed(2)} ${currency}`;

/**
 * A limit checked. Its sentence is written only when read: the maxAllowed solve judges several
 * sizes and reads the sentences of one or two, and formatting them all was most of its garbage.
 */
class Check implements LimitCheck {
  constructor(
    readonly limit: LimitCheck['limit'],
    readonly ok: boolean,
    readonly slack: number,
    private readonly say: () => string,
  ) {}
  get reason(): string {
    return this.say();
  }
}

/**
 * The agent limits on a post-trade evaluation. `ordered` is the index of the ordered position in
 * it (null: the order closed it). `preEquity` is the account equity before the order: the
 * worst-scenario loss is measured from it, so the order's own fee and slippage count.
 */
export function checkLimits(post: PartialEvaluation, ordered: number | null, preEquity: number, budgetLeft: number | null, policy: Policy): LimitCheck[] {
  const w = policy.thresholds.WARNING;
  const out: LimitCheck[] = [];
  const mrShow = (r: number | null) => (r === null ? 'undefined (equity ≤ 0)' : f4(r));
  if (w.marginRatio !== null) {
    const a = post.account.marginRatio;
    const aBad = post.positions.length > 0 && (a === null || a >= w.marginRatio);
    out.push(new Check('accountMarginRatio', !aBad, a === null ? (aBad ? -1 : 1) : w.marginRatio - a, () => `account margin ratio after the order ${mrShow(a)} ${aBad ? '≥' : '<'} WARNING ${f2(w.marginRatio!)}`));
    const cross = post.pools[0]!;
    const c = cross.marginRatio;
    const cBad = cross.positions.length > 0 ? c === null || c >= w.marginRatio : cross.equity < 0;
    out.push(new Check('crossMarginRatio', !cBad, c === null ? (cBad ? -1 : 1) : w.marginRatio - c, () => `cross margin ratio after the order ${mrShow(c)} ${cBad ? '≥' : '<'} WARNING ${f2(w.marginRatio!)}`));
  }
  if (w.isolatedMarginRatio !== null) {
    for (const pool of post.pools) {
      if (pool.kind !== 'isolated') continue;
      const p = post.positions[pool.positions[0]!]!;
      const r = pool.marginRatio;
      const bad = r === null || r >= w.isolatedMarginRatio;
      const limit = w.isolatedMarginRatio;
      out.push(
        new Check('isolatedMarginRatio', !bad, r === null ? -1 : limit - r, () => `isolated ${p.symbol} ${p.side} margin ratio after the order ${mrShow(r)} ${bad ? '≥' : '<'} WARNING ${f2(limit)}`),
      );
    }
  }
  if (w.stressSurvival !== null) {
    const s = post.account.stress.crossSurvivalRatio;
    const bad = s !== null && s < w.stressSurvival;
    const limit = w.stressSurvival;
    out.push(
      new Check('crossStressSurvival', !bad, s === null ? 1 : s - limit, () =>
        s === null ? 'cross stress survival: no cross position' : `cross stress survival after the order ${f2(s)} ${bad ? '<' : '≥'} WARNING ${f2(limit)}`,
      ),
    );
  }
  if (ordered !== null) {
    const p = post.positions[ordered]!;
    const d = p.liquidationDistance;
    const min = policy.agentLimits.minLiquidationDistance;
    const bad = d !== null && d < min;
    out.push(
      new Check('liquidationDistance', !bad, d === null ? 1 : d - min, () =>
        d === null
          ? `${p.marginMode} ${p.symbol} ${p.side}: no liquidation price`
          : `${p.marginMode} ${p.symbol} ${p.side} liquidation price ${p.liquidationPrice!.toPrecision(8)} is ${pc(d)} from mark ${bad ? '<' : '≥'} ${pc(min)}`,
      ),
    );
  }
  if (budgetLeft !== null) {
    const worst = post.account.stress.worstEquity;
    const loss = worst === null ? 0 : Math.max(0, preEquity - worst);
    const bad = loss > budgetLeft;
    const scenario = post.account.stress.worstScenario;
    out.push(
      new Check('drawdownBudget', !bad, budgetLeft - loss, () => `worst-scenario loss ${money(loss, post.currency)} (${scenario ?? 'no scenario'}) ${bad ? '>' : '≤'} drawdown budget left ${money(budgetLeft, post.currency)}`),
    );
  }
  return out;
}

/** What the agent is told about an order (the pure part of `check_order`). */
export interface OrderCheck {
  decision: 'allow' | 'reduce_only' | 'deny';
  /** Sentences with numbers: the restriction or the limits that fail (all limits when allowed). */
  reasons: string[];
  /** The size checked, base units (a notional is converted at the mark, down to the lot step). */
  size: number;
  postTrade: PostTrade | null;
  maxAllowed: { size: number; notional: number };
  limitedBy: string[];
}

export interface PostTrade {
  fillPrice: number;
  fee: number;
  equity: number;
  accountMarginRatio: number | null;
  crossMarginRatio: number | null;
  isolatedMarginRatios: { symbol: string; side: string; marginRatio: number | null }[];
  position: { symbol: string; side: string; marginMode: string; contracts: number; liquidationPrice: number | null; liquidationDistance: number | null } | null;
  crossStressSurvival: number | null;
  worstScenario: string | null;
  worstScenarioLoss: number;
  drawdownBudgetLeft: number | null;
}

/** Where the account stands for an agent: restrictions come from the guard state (halted, paused, stale, …). */
export interface AgentContext {
  /** Why only reduce-only orders may be placed now; empty when the account is open to new risk. */
  restrictions: string[];
  /** Trailing peak of equity (null: the snapshot's equity). */
  peakEquity: number | null;
  /** The guard state's equity floor and period references (limitRefsOf), when the policy sets those limits. */
  limitRefs?: LimitRefs;
}

function postTradeOf(post: PartialEvaluation, applied: ReturnType<typeof applyOrder>, preEquity: number, budget: number | null): PostTrade {
  const p = applied.position === null ? null : post.positions[applied.position]!;
  const worst = post.account.stress.worstEquity;
  return {
    fillPrice: applied.fillPrice,
    fee: applied.fee,
    equity: post.account.equity,
    accountMarginRatio: post.account.marginRatio,
    crossMarginRatio: post.pools[0]!.marginRatio,
    isolatedMarginRatios: post.pools
      .filter((x) => x.kind === 'isolated')
      .map((x) => {
        const q = post.positions[x.positions[0]!]!;
        return { symbol: q.symbol, side: q.side, marginRatio: x.marginRatio };
      }),
    position: p && {
      symbol: p.symbol,
      side: p.side,
      marginMode: p.marginMode,
      contracts: p.contracts,
      liquidationPrice: p.liquidationPrice,
      liquidationDistance: p.liquidationDistance,
    },
    crossStressSurvival: post.account.stress.crossSurvivalRatio,
    worstScenario: post.account.stress.worstScenario,
    worstScenarioLoss: worst === null ? 0 : Math.max(0, preEquity - worst),
    drawdownBudgetLeft: budget,
  };
}

/** The order applied and judged: the post-trade evaluation and each limit. */
export function tryOrder(snapshot: AccountSnapshot, ctx: AgentContext, policy: Policy, order: OrderIntent & { size: number }, market: MarketSpec, preEquity?: number) {
  const equity = preEquity ?? accountEquity(snapshot);
  const budget = drawdownBudgetLeft(equity, ctx.peakEquity, policy, ctx.limitRefs);
  const applied = applyOrder(snapshot, order, market, policy.agentLimits);
  // Liquidation prices are needed for the ordered symbol only (postTrade reports that position's).
  const post = evaluateFor(applied.snapshot, policy.stress, new Set([order.symbol]));
  const limits = checkLimits(post, applied.position, equity, budget, policy);
  return { applied, post, limits, budget, preEquity: equity };
}

/**
 * The largest size (whole lots) for which every agent limit holds after the order, for
 * symbol/side/mode/leverage. The limits tighten as the order grows, so the answer is found by
 * doubling then bisection on the lot count: `ok(max)` and `!ok(max + 1 lot)` by construction.
 * Restricted accounts (halted, paused, stale, …) get 0.
 */
export function maxOrderSize(
  snapshot: AccountSnapshot,
  ctx: AgentContext,
  policy: Policy,
  order: Omit<OrderIntent, 'size' | 'notional' | 'reduceOnly'>,
  market: MarketSpec,
  /** What the caller already computed: the account's equity before the order, one size already judged (lots). */
  known: { preEquity?: number; judged?: { lots: number; limits: LimitCheck[] } } = {},
): { maxAllowed: { size: number; notional: number }; limitedBy: string[] } {
  if (ctx.restrictions.length > 0) return { maxAllowed: { size: 0, notional: 0 }, limitedBy: [...ctx.restrictions] };
  const preEquity = known.preEquity ?? accountEquity(snapshot);
  const step = market.lotStep;
  const judge = (lots: number): LimitCheck[] =>
    known.judged?.lots === lots ? known.judged.limits : tryOrder(snapshot, ctx, policy, { ...order, size: sizeOfLots(lots, step) }, market, preEquity).limits;
  const failing = (limits: LimitCheck[]) => limits.filter((l) => !l.ok);
  const guess = Math.floor(Math.max(preEquity, 0) / market.markPrice / step);
  // A bracket [lo ok, hi failing]: from a size already judged when there is one; else one lot first
  // (an account at its limits answers at once), then a first guess as large as the account's
  // equity (1x); doubled until it fails.
  let lo = 0;
  let loLimits: LimitCheck[] | null = null;
  let hi: number;
  let hiLimits: LimitCheck[];
  const seed = known.judged && known.judged.lots >= 1 ? known.judged : null;
  if (seed && failing(seed.limits).length === 0) {
    lo = seed.lots;
    loLimits = seed.limits;
    hi = Math.max(guess, 2 * lo);
    hiLimits = judge(hi);
  } else if (seed) {
    hi = seed.lots;
    hiLimits = seed.limits;
    if (hi > 1) {
      const one = judge(1);
      if (failing(one).length === 0) {
        lo = 1;
        loLimits = one;
      } else {
        hi = 1;
        hiLimits = one;
      }
    }
  } else {
    hi = 1;
    hiLimits = judge(1);
    if (failing(hiLimits).length === 0 && guess > 1) {
      lo = 1;
      loLimits = hiLimits;
      hi = guess;
      hiLimits = judge(hi);
    }
  }
  if (failing(hiLimits).length === 0) {
    lo = hi;
    loLimits = hiLimits;
  }
  if (failing(hiLimits).length === 0) {
    // Doubling: the notional is bounded by the snapshot schema's ABSURD, far below 2^60 lots.
    while (failing(hiLimits).length === 0 && hi < 2 ** 60) {
      lo = hi;
      loLimits = hiLimits;
      hi *= 2;
      hiLimits = judge(hi);
    }
  }
  // [lo ok, hi failing]. The limits are nearly linear in size: interpolate where the first one
  // crosses and test that lot and its neighbour (usually two engine runs); fall back to bisection
  // whenever an estimate does not halve the bracket, so the answer stays exact and bounded.
  let interpolate = loLimits !== null;
  while (hi - lo > 1) {
    const width = hi - lo;
    let mid = Math.floor((lo + hi) / 2);
    if (interpolate && loLimits) {
      const x = crossing(lo, loLimits, hi, hiLimits);
      if (x !== null) mid = Math.min(hi - 1, Math.max(lo + 1, x));
    }
    const at = judge(mid);
    if (failing(at).length === 0) {
      lo = mid;
      loLimits = at;
      if (interpolate && mid + 1 < hi) {
        const next = judge(mid + 1);
        if (failing(next).length > 0) {
          hi = mid + 1;
          hiLimits = next;
        } else {
          lo = mid + 1;
          loLimits = next;
        }
      }
    } else {
      hi = mid;
      hiLimits = at;
      if (interpolate && mid - 1 > lo) {
        const prev = judge(mid - 1);
        if (failing(prev).length === 0) {
          lo = mid - 1;
          loLimits = prev;
        } else {
          hi = mid - 1;
          hiLimits = prev;
        }
      }
    }
    interpolate = hi - lo <= width / 2;
  }
  const fails = failing(hiLimits);
  const size = sizeOfLots(lo, step);
  return {
    maxAllowed: { size, notional: size * market.markPrice },
    limitedBy: fails.map((l) => `one lot more (${sizeOfLots(lo + 1, step)}): ${l.reason}`),
  };
}

/** Where (in lots) the first limit that fails at `hi` crosses zero, by linear interpolation of its slack. */
function crossing(lo: number, atLo: LimitCheck[], hi: number, atHi: LimitCheck[]): number | null {
  let best: number | null = null;
  for (let i = 0; i < atHi.length && i < atLo.length; i++) {
    const a = atLo[i]!;
    const b = atHi[i]!;
    if (a.limit !== b.limit || b.ok || !(a.slack > b.slack)) continue;
    const x = Math.floor(lo + ((hi - lo) * a.slack) / (a.slack - b.slack));
    if (best === null || x < best) best = x;
  }
  return best;
}

/**
 * `check_order`, pure: HALTED, PAUSED, EMERGENCY, stale or UNKNOWN accounts (ctx.restrictions)
 * answer `reduce_only`; a reduce-only order is otherwise always allowed (it can only make the
 * account safer); any other order is `allow` when every agent limit holds after it, else `deny`.
 */
export function checkOrder(snapshot: AccountSnapshot, ctx: AgentContext, policy: Policy, order: OrderIntent, market: MarketSpec): OrderCheck {
  const size = orderSize(order, market);
  const sized = { ...order, size };
  const lots = size / market.lotStep;
  const offStep = Math.abs(lots - Math.round(lots)) > 1e-6;
  const preEquity = accountEquity(snapshot);
  const tried = size > 0 ? tryOrder(snapshot, ctx, policy, sized, market, preEquity) : null;
  // The order itself is one point of the maxAllowed solve (the same order, unless reduce-only).
  const judged = tried && !offStep && !order.reduceOnly ? { lots: Math.round(lots), limits: tried.limits } : undefined;
  const max = maxOrderSize(snapshot, ctx, policy, { symbol: order.symbol, side: order.side, marginMode: order.marginMode, leverage: order.leverage }, market, {
    preEquity,
    ...(judged ? { judged } : {}),
  });
  const postTrade = tried && postTradeOf(tried.post, tried.applied, tried.preEquity, tried.budget);
  const base = { size, postTrade, maxAllowed: max.maxAllowed, limitedBy: max.limitedBy };
  if (ctx.restrictions.length > 0) {
    const note = order.reduceOnly ? 'this order is reduce-only: it may be placed' : 'only reduce-only orders may be placed';
    return { ...base, decision: 'reduce_only', reasons: [...ctx.restrictions, note] };
  }
  if (!(size > 0)) return { ...base, decision: 'deny', reasons: [`size ${size} is not positive (one lot is ${market.lotStep})`] };
  if (offStep) return { ...base, decision: 'deny', reasons: [`size ${size} is not a whole number of lots of ${market.lotStep}`] };
  const failed = tried!.limits.filter((l) => !l.ok);
  if (order.reduceOnly) {
    return { ...base, decision: 'allow', reasons: ['reduce-only: it can only make the account safer', ...failed.map((l) => `still: ${l.reason}`)] };
  }
  if (failed.length > 0) return { ...base, decision: 'deny', reasons: failed.map((l) => l.reason) };
  return { ...base, decision: 'allow', reasons: tried!.limits.map((l) => l.reason) };
}

/** `evaluate(snapshot, policy)`: the margin engine, as `riskguard eval` runs it. */
export const evaluate = (snapshot: AccountSnapshot, policy: Policy): Evaluation => evaluateAccount(snapshot, policy.stress);
