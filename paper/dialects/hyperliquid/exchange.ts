import * as z from 'zod';
import { PaperReject, type PaperAccount, type PaperEngine, type RejectReason } from '../../core/index.ts';
import type { ActiveFault } from '../../faults.ts';
import { isMultipleOf, roundTo } from '../../markets.ts';
import { universe } from './info.ts';
import { MIN_ORDER_VALUE } from './markets.ts';
import type { HyperliquidState } from './state.ts';

/**
 * POST /exchange actions on the engine, answered as Hyperliquid does ("Exchange endpoint",
 * https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/exchange-endpoint): a batched
 * `order` or `cancel` answers `{"status":"ok","response":{"type":"order","data":{"statuses":[…]}}}`
 * with one status per item, an item's refusal being `{"error":"<text> asset=<n>"}`; other actions
 * answer `{"status":"ok","response":{"type":"default"}}`. Error texts: "Error responses",
 * https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/error-responses.
 */

export const OK_DEFAULT = { status: 'ok', response: { type: 'default' } } as const;
export const err = (response: string) => ({ status: 'err', response });

/** The venue's words for an engine refusal of an order. */
const ORDER_ERRORS: Partial<Record<RejectReason, string>> = {
  'reduce-only-increases': 'Reduce only order would increase position.',
  'reduce-only-covered': 'Reduce only order would increase position.',
  'insufficient-margin': 'Insufficient margin to place order.',
  'position-above-leverage-cap': 'Order would cause position to exceed margin tier limit at current leverage.',
  'below-min-notional': `Order must have minimum value of $${MIN_ORDER_VALUE}.`,
  'price-off-tick': 'Price must be divisible by tick size.',
  'invalid-price': 'Price must be divisible by tick size.',
  'quantity-off-step': 'Order has invalid size.',
  'invalid-quantity': 'Order has invalid size.',
  'post-only-would-take': 'Post only order would have immediately matched.',
  'would-trigger-immediately': 'Invalid TP/SL price.',
  'no-mark-price': 'No liquidity available for market order.',
};
const IOC_CANCEL = 'Order could not immediately match against any resting orders.';
const MISSING_ORDER = 'Order was never placed, already canceled, or filled.';

export interface ExchangeCtx {
  engine: PaperEngine;
  state: HyperliquidState;
  acc: PaperAccount;
  take: (kind: ActiveFault['kind']) => ActiveFault | undefined;
}

const decimal = z.union([z.string().regex(/^-?\d+(\.\d+)?$/), z.number()]).transform(String);

/** One order of an `order` action, in the venue's wire names (docs: Place an order). */
const WireOrderSchema = z.object({
  a: z.number().int().nonnegative(),
  b: z.boolean(),
  p: decimal,
  s: decimal,
  r: z.boolean(),
  t: z.union([
    z.object({ limit: z.object({ tif: z.enum(['Gtc', 'Ioc', 'Alo']) }) }),
    z.object({ trigger: z.object({ isMarket: z.boolean(), triggerPx: decimal, tpsl: z.enum(['tp', 'sl']) }) }),
  ]),
  c: z.string().regex(/^0x[0-9a-fA-F]{32}$/).optional(),
});
type WireOrder = z.output<typeof WireOrderSchema>;

/** The actions the paper executes, checked before anything runs; a body the venue could not read is its 422. */
export const ActionSchemas: Readonly<Record<string, z.ZodType>> = {
  order: z.object({ type: z.literal('order'), orders: z.array(WireOrderSchema).min(1), grouping: z.enum(['na', 'normalTpsl', 'positionTpsl']), builder: z.object({ b: z.string(), f: z.number() }).optional() }),
  cancel: z.object({ type: z.literal('cancel'), cancels: z.array(z.object({ a: z.number().int().nonnegative(), o: z.number().int().nonnegative() })).min(1) }),
  cancelByCloid: z.object({ type: z.literal('cancelByCloid'), cancels: z.array(z.object({ asset: z.number().int().nonnegative(), cloid: z.string() })).min(1) }),
  scheduleCancel: z.object({ type: z.literal('scheduleCancel'), time: z.number().int().optional() }),
  updateLeverage: z.object({ type: z.literal('updateLeverage'), asset: z.number().int().nonnegative(), isCross: z.boolean(), leverage: z.number().int().positive() }),
  setReferrer: z.object({ type: z.literal('setReferrer'), code: z.string() }),
};

/** Hyperliquid prices: at most 5 significant figures and 6 − szDecimals decimals; integers always valid ("Tick and lot size"). */
export function validPrice(px: number, szDecimals: number): boolean {
  if (!(px > 0) || !Number.isFinite(px)) return false;
  if (Number.isInteger(px)) return true;
  const decimals = Math.max(0, 6 - szDecimals);
  if (!isMultipleOf(px, 10 ** -decimals)) return false;
  const digits = Math.floor(Math.log10(px)) + 1;
  return isMultipleOf(px, 10 ** (digits - 5));
}

function placeOne(ctx: ExchangeCtx, o: WireOrder): unknown {
  const { engine, acc } = ctx;
  const asset = universe(engine)[o.a];
  const fail = (text: string) => ({ error: `${text} asset=${o.a}` });
  if (asset === undefined) return { error: `Invalid asset. asset=${o.a}` };
  const px = Number(o.p);
  let sz = Number(o.s);
  if (!(sz > 0) || !isMultipleOf(sz, 10 ** -asset.szDecimals)) return fail('Order has invalid size.');
  if (!validPrice(px, asset.szDecimals)) return fail('Price must be divisible by tick size.');
  // The minimum value counts every order, reduce-only included (a residual under $10 cannot be closed by an order).
  if (sz * px < MIN_ORDER_VALUE - 1e-9) return fail(`Order must have minimum value of $${MIN_ORDER_VALUE}.`);
  const side = o.b ? 'BUY' : 'SELL';
  try {
    if ('trigger' in o.t) {
      const tr = o.t.trigger;
      const sl = tr.tpsl === 'sl';
      const type = tr.isMarket ? (sl ? 'STOP_MARKET' : 'TAKE_PROFIT_MARKET') : sl ? 'STOP' : 'TAKE_PROFIT';
      const a = engine.placeAlgoOrder(acc, {
        symbol: asset.name, side, type, quantity: sz, triggerPrice: Number(tr.triggerPx), ...(tr.isMarket ? {} : { price: px }),
        reduceOnly: o.r, workingType: 'MARK_PRICE', ...(o.c !== undefined ? { clientAlgoId: o.c } : {}),
      });
      return { resting: { oid: a.algoId } };
    }
    const tif = 'limit' in o.t ? o.t.limit.tif : 'Gtc';
    const partial = tif === 'Ioc' ? ctx.take('partial-fill') : undefined;
    if (partial !== undefined) {
      sz = roundTo(Math.floor((sz * partial.fillRatio) / 10 ** -asset.szDecimals + 1e-9) * 10 ** -asset.szDecimals, asset.szDecimals);
      if (!(sz > 0)) return fail(IOC_CANCEL);
    }
    const order = engine.placeOrder(
      acc,
      {
        symbol: asset.name, side, type: 'LIMIT', quantity: sz, price: px, timeInForce: tif === 'Ioc' ? 'IOC' : tif === 'Alo' ? 'GTX' : 'GTC',
        ...(o.r ? { reduceOnly: true } : {}), ...(o.c !== undefined ? { newClientOrderId: o.c } : {}),
      },
      { takeReduceOnlyReject: () => ctx.take('reduce-only-reject') !== undefined },
    );
    if (order.executedQty > 0 && ![...acc.positions.values()].some((p) => p.symbol === asset.name)) ctx.state.noteClosed(acc, asset.name);
    if (order.executedQty > 0) return { filled: { totalSz: String(order.executedQty), avgPx: String(roundTo(order.avgPrice, 6)), oid: order.orderId } };
    if (order.status === 'NEW') return { resting: { oid: order.orderId, ...(o.c !== undefined ? { cloid: o.c } : {}) } };
    return fail(IOC_CANCEL);
  } catch (e) {
    if (!(e instanceof PaperReject)) throw e;
    return fail(ORDER_ERRORS[e.reason] ?? `Order rejected: ${e.reason}.`);
  }
}

function cancelOne(ctx: ExchangeCtx, asset: number, ref: { oid?: number; cloid?: string }): unknown {
  const { engine, acc } = ctx;
  const coin = universe(engine)[asset]?.name;
  let oid = ref.oid;
  if (oid === undefined && ref.cloid !== undefined) {
    oid = [...acc.openOrders.values()].find((o) => o.clientOrderId === ref.cloid)?.orderId ?? [...acc.openAlgoOrders.values()].find((a) => a.clientAlgoId === ref.cloid)?.algoId;
  }
  if (coin !== undefined && oid !== undefined) {
    if (acc.openOrders.get(oid)?.symbol === coin) {
      engine.cancelOrder(acc, coin, { orderId: oid });
      return 'success';
    }
    if (acc.openAlgoOrders.get(oid)?.symbol === coin) {
      engine.cancelAlgoOrder(acc, { algoId: oid });
      return 'success';
    }
  }
  return { error: `${MISSING_ORDER} asset=${asset}` };
}

/** Cancels every open order of `acc` (scheduleCancel's dead man's switch). */
export function cancelEverything(engine: PaperEngine, acc: PaperAccount): void {
  for (const o of engine.listOpenOrders(acc)) engine.cancelOrder(acc, o.symbol, { orderId: o.orderId });
  for (const a of engine.listOpenAlgoOrders(acc)) engine.cancelAlgoOrder(acc, { algoId: a.algoId });
}

/** Executes one verified L1 action for `ctx.acc`. */
export function answerL1(ctx: ExchangeCtx, action: Record<string, unknown>, wallNow: number): unknown {
  switch (action.type) {
    case 'order': {
      const orders = Array.isArray(action.orders) ? (action.orders as WireOrder[]) : [];
      return { status: 'ok', response: { type: 'order', data: { statuses: orders.map((o) => placeOne(ctx, o)) } } };
    }
    case 'cancel': {
      const cancels = Array.isArray(action.cancels) ? (action.cancels as { a: number; o: number }[]) : [];
      return { status: 'ok', response: { type: 'cancel', data: { statuses: cancels.map((c) => cancelOne(ctx, c.a, { oid: Number(c.o) })) } } };
    }
    case 'cancelByCloid': {
      const cancels = Array.isArray(action.cancels) ? (action.cancels as { asset: number; cloid: string }[]) : [];
      return { status: 'ok', response: { type: 'cancel', data: { statuses: cancels.map((c) => cancelOne(ctx, c.asset, { cloid: c.cloid })) } } };
    }
    case 'scheduleCancel': {
      // "time" absent removes the schedule; otherwise at least 5 s ahead (docs: Schedule cancel).
      if (action.time === undefined || action.time === null) ctx.state.scheduledCancels.delete(ctx.acc.id);
      else {
        const t = Number(action.time);
        if (!(t >= wallNow + 5_000)) return err('Scheduled cancel time too early, must be at least 5 seconds from now.');
        ctx.state.scheduledCancels.set(ctx.acc.id, t);
      }
      return OK_DEFAULT;
    }
    case 'updateLeverage': {
      const coin = universe(ctx.engine)[Number(action.asset)]?.name;
      if (coin === undefined) return err('Invalid asset.');
      try {
        const want = action.isCross === false ? 'ISOLATED' : 'CROSSED';
        if (ctx.engine.symbolConfig(ctx.acc, coin).marginType !== want) ctx.engine.setMarginType(ctx.acc, coin, want);
        ctx.engine.setLeverage(ctx.acc, coin, Number(action.leverage));
      } catch (e) {
        if (!(e instanceof PaperReject)) throw e;
        return err(e.reason === 'invalid-leverage' ? 'Invalid leverage value.' : 'Cannot switch leverage type with open position.');
      }
      return OK_DEFAULT;
    }
    case 'setReferrer':
      return OK_DEFAULT;
    default:
      return err(`Unsupported action in the paper exchange: ${String(action.type)}`);
  }
}
