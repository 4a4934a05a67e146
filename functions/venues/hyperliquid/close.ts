import { actionWeight } from './weights.ts';

/**
 * The closing-order plan for Hyperliquid, pure. Hyperliquid has no true market order: ccxt sends a
 * "market" order as an IOC limit at mid ± its `defaultSlippage` (5 %). The guard sets the price
 * itself: an IOC limit at mark × (1 ± slippage), reduce-only, every close of a round in ONE batched
 * order action (one signature, weight 1 + floor(n / 40), n actions of the address budget), the
 * slippage widening round by round while the book does not fill.
 *
 * Price and size rules: "Tick and lot size",
 * https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/tick-and-lot-size — prices have
 * at most 5 significant figures and at most MAX_DECIMALS − szDecimals decimals (MAX_DECIMALS = 6 for
 * perps), integer prices are always allowed; sizes have at most szDecimals decimals.
 */

/** Decimals a perp price may have before szDecimals is taken off (docs: 6 for perps, 8 for spot). */
export const PERP_MAX_DECIMALS = 6;
/** Significant figures a non-integer price may have. */
export const PRICE_SIG_FIGS = 5;
/** The venue's minimum order value, USDC ("Order must have minimum value of $10"). */
export const MIN_ORDER_VALUE = 10;
/** Slippage per close round (fraction of the mark): 1 %, 2 %, 5 %, 10 %; after the last, stop and report. */
export const SLIPPAGE_STEPS: readonly number[] = Object.freeze([0.01, 0.02, 0.05, 0.1]);

/** The slippage of close round `round` (0-based), or null once the schedule is spent. */
export const slippageForRound = (round: number): number | null => (Number.isInteger(round) && round >= 0 ? (SLIPPAGE_STEPS[round] ?? null) : null);

/** `x × 10^d` as the decimal the float stands for (0.3 × 10 is 3, not 2.9999999999999996). */
const scaled = (x: number, d: number): number => Number((x * 10 ** d).toPrecision(15));

/** Drops trailing zeros (the venue signs prices and sizes without them). */
const trim = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);

/** A number and the exact text to send. */
export interface Rounded {
  value: number;
  text: string;
}

/**
 * A size rounded DOWN to the asset's szDecimals: a close never asks for more than the position.
 * @example roundSizeDown(0.12345, 3) → { value: 0.123, text: '0.123' }
 */
export function roundSizeDown(size: number, szDecimals: number): Rounded {
  if (!(size >= 0) || !Number.isFinite(size)) throw new RangeError(`size must be a finite number ≥ 0, got ${size}`);
  const units = Math.floor(scaled(size, szDecimals));
  const text = trim((units / 10 ** szDecimals).toFixed(szDecimals));
  return { value: Number(text), text };
}

/** Decimals a perp price of this size may carry. */
export function priceDecimals(price: number, szDecimals: number, maxDecimals = PERP_MAX_DECIMALS): number {
  const magnitude = Math.floor(Math.log10(price));
  return Math.max(0, Math.min(maxDecimals - szDecimals, PRICE_SIG_FIGS - 1 - magnitude));
}

/**
 * A price rounded to Hyperliquid's rules, in the given direction (`up` for a buy, `down` for a sell:
 * rounding never narrows the slippage the guard allowed).
 * @example roundPrice(1234.56, 0, 'down') → '1234.5'; roundPrice(0.0123456, 1, 'up') → '0.01235'; roundPrice(123456.7, 0, 'down') → '123456'
 */
export function roundPrice(price: number, szDecimals: number, direction: 'up' | 'down', maxDecimals = PERP_MAX_DECIMALS): Rounded {
  if (!(price > 0) || !Number.isFinite(price)) throw new RangeError(`price must be a finite number > 0, got ${price}`);
  let d = priceDecimals(price, szDecimals, maxDecimals);
  let units = direction === 'up' ? Math.ceil(scaled(price, d)) : Math.floor(scaled(price, d));
  if (units === 0) {
    // Below the smallest tick: the smallest valid price, never 0.
    units = 1;
  }
  // Rounding up can cross a power of ten (9999.95 → 10000.0): fewer decimals then; still valid.
  let text = trim((units / 10 ** d).toFixed(d));
  const v = Number(text);
  const d2 = priceDecimals(v, szDecimals, maxDecimals);
  if (d2 < d) {
    d = d2;
    units = direction === 'up' ? Math.ceil(scaled(v, d)) : Math.floor(scaled(v, d));
    text = trim((units / 10 ** d).toFixed(d));
  }
  return { value: Number(text), text };
}

/** Whether a price text obeys the perp rules (for tests and a last check before signing). */
export function isValidPerpPrice(text: string, szDecimals: number, maxDecimals = PERP_MAX_DECIMALS): boolean {
  if (!/^\d+(\.\d+)?$/.test(text)) return false;
  const [int, frac = ''] = text.split('.');
  if (frac.length > maxDecimals - szDecimals) return false;
  if (frac === '' || /^0*$/.test(frac)) return true;
  const digits = (int!.replace(/^0+/, '') + frac).replace(/^0+/, '');
  return digits.length <= PRICE_SIG_FIGS;
}

/** A close the guard wants: reduce `amount` (base units) of the position. */
export interface CloseRequest {
  symbol: string;
  /** The position's side. */
  side: 'long' | 'short';
  amount: number;
}

/** The position as just re-read: the size to clamp to and the mark to price from. */
export interface FreshPosition {
  symbol: string;
  side: 'long' | 'short';
  contracts: number;
  markPrice: number;
}

/** One order of the batch. */
export interface PlannedOrder {
  symbol: string;
  side: 'buy' | 'sell';
  positionSide: 'long' | 'short';
  size: Rounded;
  price: Rounded;
  reduceOnly: true;
  timeInForce: 'Ioc';
}

/** Left open and not retried this round, with the reason as a sentence. */
export interface Residual {
  symbol: string;
  side: 'long' | 'short';
  /** Base units left. */
  size: number;
  /** USDC at the order's price. */
  value: number;
  reason: string;
}

export interface ClosePlan {
  slippage: number;
  /** All in one order action. */
  orders: PlannedOrder[];
  residuals: Residual[];
  /** Requests with nothing to close (the position is gone or flipped). */
  skipped: { symbol: string; side: 'long' | 'short'; reason: string }[];
  /** IP weight of the batch (1 + floor(n / 40)); 0 when there is no order. */
  weight: number;
}

/**
 * The orders of one close round: each request clamped to the fresh position, rounded down to the
 * asset's szDecimals, priced at mark × (1 ∓ slippage) rounded outward, reduce-only IOC. A remainder
 * worth less than the minimum order value is a residual, reported and not retried (the venue would
 * refuse it every round).
 */
export function planCloses(
  requests: readonly CloseRequest[],
  fresh: readonly FreshPosition[],
  szDecimalsOf: (symbol: string) => number | undefined,
  slippage: number,
  minValue = MIN_ORDER_VALUE,
): ClosePlan {
  if (!(slippage > 0 && slippage < 1)) throw new RangeError(`slippage must be a fraction in (0, 1), got ${slippage}`);
  const plan: ClosePlan = { slippage, orders: [], residuals: [], skipped: [], weight: 0 };
  for (const r of requests) {
    const p = fresh.find((x) => x.symbol === r.symbol && x.side === r.side);
    if (!p || !(p.contracts > 0)) {
      plan.skipped.push({ symbol: r.symbol, side: r.side, reason: `no ${r.side} ${r.symbol} position on the fresh read` });
      continue;
    }
    const szDecimals = szDecimalsOf(r.symbol);
    if (szDecimals === undefined) throw new RangeError(`no szDecimals for ${r.symbol}`);
    const side = r.side === 'long' ? 'sell' : 'buy';
    const price = roundPrice(p.markPrice * (side === 'buy' ? 1 + slippage : 1 - slippage), szDecimals, side === 'buy' ? 'up' : 'down');
    const size = roundSizeDown(Math.min(r.amount, p.contracts), szDecimals);
    const value = size.value * price.value;
    if (size.value <= 0) {
      const left = Math.min(r.amount, p.contracts);
      plan.residuals.push({ symbol: r.symbol, side: r.side, size: left, value: left * price.value, reason: `${left} ${r.symbol} is below the lot size (${szDecimals} decimals)` });
      continue;
    }
    if (value < minValue) {
      plan.residuals.push({
        symbol: r.symbol,
        side: r.side,
        size: size.value,
        value,
        reason: `${size.text} ${r.symbol} at ${price.text} is worth ${value.toFixed(2)} USDC, below the venue's minimum order value of ${minValue}: left open, not retried`,
      });
      continue;
    }
    plan.orders.push({ symbol: r.symbol, side, positionSide: r.side, size, price, reduceOnly: true, timeInForce: 'Ioc' });
  }
  plan.weight = plan.orders.length ? actionWeight(plan.orders.length) : 0;
  return plan;
}
