import type { MarginType, OrderRecord, PaperAccount, Side } from '../../core/index.ts';
import type { ActiveFault, FaultKind, FaultTarget } from '../../faults.ts';
import type { DialectDeps } from '../types.ts';
import { OE } from './errors.ts';
import { leverageRoutes } from './leverage.ts';
import { mode, num, side } from './params.ts';
import * as fmt from './format.ts';
import { orderlyKeysOf } from './keys.ts';
import { ORDERLY_SYMBOL } from './markets.ts';

/**
 * Orderly v1 REST routes over the neutral engine: the paths ccxt's woofipro class and riskguard's
 * Orderly adapter call. Positions are per (symbol, margin mode): GET /v1/positions answers the
 * rows of ONE mode, CROSS unless `margin_mode=ISOLATED` is sent — a reader that omits it never
 * sees an isolated leg (https://orderly.network/docs/build-on-omnichain/user-flows/isolated-margin).
 */

export type Query = Record<string, string>;

export interface Ctx {
  deps: DialectDeps;
  query: Query;
  body: Record<string, unknown>;
  /** Path parameters (`{symbol}`, `{oid}`). */
  path: Record<string, string>;
  acc: PaperAccount;
  target: FaultTarget;
  take(kind: FaultKind): ActiveFault | undefined;
  /** The venue's wall clock, ms (envelopes' `timestamp`). */
  wall: number;
  /** The account is under liquidation (liquidation.ts): its balance shows as frozen. */
  frozen: boolean;
}

export interface Route {
  method: string;
  /** `/v1/position/{symbol}` style. */
  pattern: string;
  signed: boolean;
  /** Needs the key's `trading` scope. */
  trade?: boolean;
  /** The endpoint's own rate limit per user, when it is not the dialect's per-second one. */
  limit?: { count: number; windowMs: number };
  handler(ctx: Ctx): unknown;
}

function faults(ctx: Ctx, kinds: ('zero-balance' | 'empty-positions' | 'stale-mark' | 'bad-mark')[]): fmt.DataFaults {
  const f: fmt.DataFaults = {};
  if (kinds.includes('bad-mark')) {
    const b = ctx.take('bad-mark');
    if (b) f.markFactor = b.factor;
  }
  if (kinds.includes('zero-balance') && ctx.take('zero-balance')) f.zeroBalance = true;
  if (kinds.includes('empty-positions') && ctx.take('empty-positions')) f.emptyPositions = true;
  if (kinds.includes('stale-mark')) {
    const s = ctx.take('stale-mark');
    if (s) f.markTimeShift = -s.staleMs;
  }
  return f;
}

/** Rows of one page, Orderly's `{ meta, rows }` (page from 1, size ≤ 500). */
function page<T>(rows: T[], q: Query): { meta: { total: number; records_per_page: number; current_page: number }; rows: T[] } {
  const size = Math.min(Math.max(Number(q.size ?? 25) || 25, 1), 500);
  const current = Math.max(Number(q.page ?? 1) || 1, 1);
  return { meta: { total: rows.length, records_per_page: size, current_page: current }, rows: rows.slice((current - 1) * size, current * size) };
}

const inWindow = (t: number, q: Query): boolean => (q.start_t === undefined || t >= Number(q.start_t)) && (q.end_t === undefined || t <= Number(q.end_t));

function positionRows(ctx: Ctx, want: MarginType, symbol: string | undefined, f: fmt.DataFaults) {
  const { engine } = ctx.deps;
  const pending = (sym: string, s: Side, m: MarginType) =>
    [...ctx.acc.openOrders.values()].filter((o) => o.symbol === sym && o.side === s && (o.marginType ?? 'CROSSED') === m).reduce((a, o) => a + o.origQty - o.executedQty, 0);
  const risk = engine.accountRisk(ctx.acc);
  const rows = risk.positions
    .filter((r) => r.position.marginType === want && (symbol === undefined || r.position.symbol === symbol))
    .map((r) => fmt.positionRow(r, pending(r.position.symbol, 'BUY', want), pending(r.position.symbol, 'SELL', want), engine.mark(r.position.symbol)?.time ?? engine.now(), f));
  return { risk, rows };
}

function placeOrder(ctx: Ctx): unknown {
  const { engine, faults: inj } = ctx.deps;
  const b = ctx.body;
  const symbol = String(b.symbol ?? '');
  if (symbol === '') throw OE.invalidParam('symbol is required');
  const type = String(b.order_type ?? '');
  const tif = ({ LIMIT: 'GTC', IOC: 'IOC', FOK: 'FOK', POST_ONLY: 'GTX' } as const)[type as 'LIMIT'];
  if (type !== 'MARKET' && tif === undefined) throw OE.invalidParam('order_type must be one of MARKET, LIMIT, IOC, FOK, POST_ONLY');
  // Orderly: an order without margin_mode is CROSS ("All symbols default to Cross Margin").
  const marginType: MarginType = mode(b.margin_mode) ?? 'CROSSED';
  const reduceOnly = b.reduce_only === true || b.reduce_only === 'true';
  const o = engine.placeOrder(
    ctx.acc,
    {
      symbol,
      side: side(b.side),
      type: type === 'MARKET' ? 'MARKET' : 'LIMIT',
      quantity: num(b.order_quantity, 'order_quantity', true),
      ...(type !== 'MARKET' ? { price: num(b.order_price, 'order_price', true), timeInForce: tif } : {}),
      ...(reduceOnly ? { reduceOnly: true } : {}),
      ...(typeof b.client_order_id === 'string' ? { newClientOrderId: b.client_order_id } : {}),
      ...(marginType !== undefined ? { marginType } : {}),
    },
    {
      takeFillRatio: () => inj.take(['partial-fill'], ctx.target)?.fillRatio,
      takeReduceOnlyReject: () => inj.take(['reduce-only-reject'], ctx.target) !== undefined,
    },
  );
  return { order_id: o.orderId, client_order_id: o.clientOrderId, order_type: type, order_price: o.price || null, order_quantity: o.origQty, order_amount: null, margin_mode: fmt.orderlyMode(o.marginType) };
}

function cancelAll(ctx: Ctx, algo: boolean): unknown {
  const { engine } = ctx.deps;
  const symbol = ctx.query.symbol;
  if (symbol !== undefined) engine.market(symbol);
  let n = 0;
  if (algo) {
    for (const a of engine.listOpenAlgoOrders(ctx.acc, symbol)) {
      engine.cancelAlgoOrder(ctx.acc, { algoId: a.algoId });
      n++;
    }
  } else {
    const symbols = new Set(engine.listOpenOrders(ctx.acc, symbol).map((o) => o.symbol));
    for (const s of symbols) n += engine.cancelAllOpenOrders(ctx.acc, s);
  }
  return { status: algo ? 'CANCEL_ALL_SENT' : 'CANCEL_ALL_SENT', cancelled: n };
}

const INCOMPLETE = new Set<OrderRecord['status']>(['NEW', 'PARTIALLY_FILLED']);

export const ROUTES: Route[] = [
  // ───────── public ─────────
  { method: 'GET', pattern: '/v1/public/system_info', signed: false, handler: () => ({ status: 0, msg: 'System is functioning properly.' }) },
  { method: 'GET', pattern: '/v1/public/info', signed: false, handler: (ctx) => ({ rows: ctx.deps.engine.listMarkets().filter((m) => ORDERLY_SYMBOL.test(m.symbol)).map((m) => fmt.marketInfo(ctx.deps.engine, m.symbol, ctx.wall)) }) },
  // ccxt's loadMarkets also reads the collateral tokens and chains (woofipro fetchCurrencies).
  {
    method: 'GET',
    pattern: '/v1/public/token',
    signed: false,
    handler: () => ({
      rows: [{ token: 'USDC', decimals: 6, minimum_withdraw_amount: 0.000001, token_hash: `0x${'d6aca1be9729c13d677335161321649cccae6a591554772516700f986f942eaa'}`, chain_details: [{ chain_id: 42161, contract_address: '0xaf88d065e77c8cc2239327c5edb3a432268e5831', cross_chain_withdrawal_fee: 0, decimals: 6, withdraw_fee: 1 }] }],
    }),
  },
  { method: 'GET', pattern: '/v1/public/chain_info', signed: false, handler: () => ({ rows: [{ name: 'Arbitrum', public_rpc_url: 'https://arb1.arbitrum.io/rpc', chain_id: '42161', currency_symbol: 'ETH', currency_decimal: 18, explorer_base_url: 'https://arbiscan.io', vault_address: '0x816f722424B49Cf1275cc86DA9840Fbd5a6167e9' }] }) },
  { method: 'GET', pattern: '/v1/public/info/{symbol}', signed: false, handler: (ctx) => fmt.marketInfo(ctx.deps.engine, ctx.path.symbol!, ctx.wall) },
  {
    method: 'GET',
    pattern: '/v1/public/futures',
    signed: false,
    handler: (ctx) => {
      const f = faults(ctx, ['stale-mark', 'bad-mark']);
      const marks = ctx.deps.engine.marksSnapshot();
      return { rows: Object.keys(marks).filter((s) => ORDERLY_SYMBOL.test(s)).map((s) => fmt.futuresRow(ctx.deps.engine, s, f)) };
    },
  },
  { method: 'GET', pattern: '/v1/public/futures/{symbol}', signed: false, handler: (ctx) => fmt.futuresRow(ctx.deps.engine, ctx.path.symbol!, faults(ctx, ['stale-mark', 'bad-mark'])) },

  // ───────── account ─────────
  {
    method: 'GET',
    pattern: '/v1/client/key_info',
    signed: true,
    handler: (ctx) => {
      const scope = ['read', ...(ctx.acc.canTrade ? ['trading'] : []), ...(ctx.acc.enableWithdrawals ? ['asset'] : [])].join(',');
      // Orderly keys carry an expiry (wall time, as signatures: the paper's keys expire 300 days on).
      return { orderly_key: orderlyKeysOf(ctx.acc).orderlyKey, key_status: 'ACTIVE', scope, expiration: ctx.wall + 300 * 86_400_000, ip_restriction_list: [] };
    },
  },
  {
    method: 'GET',
    pattern: '/v1/client/info',
    signed: true,
    handler: (ctx) => ({ account_id: orderlyKeysOf(ctx.acc).accountId, account_mode: 'FUTURES', max_leverage: 50, taker_fee_rate: ctx.deps.engine.takerFee * 10_000, maker_fee_rate: 2, futures_taker_fee_rate: ctx.deps.engine.takerFee * 10_000, futures_maker_fee_rate: 2 }),
  },
  {
    method: 'GET',
    pattern: '/v1/client/holding',
    signed: true,
    handler: (ctx) => fmt.holding(ctx.acc, ctx.deps.engine.accountRisk(ctx.acc), faults(ctx, ['zero-balance']), ctx.frozen),
  },
  ...leverageRoutes,
  {
    method: 'GET',
    pattern: '/v1/positions',
    signed: true,
    handler: (ctx) => {
      const f = faults(ctx, ['zero-balance', 'empty-positions', 'stale-mark', 'bad-mark']);
      // Without margin_mode the venue answers the CROSS rows only.
      const { risk, rows } = positionRows(ctx, mode(ctx.query.margin_mode) ?? 'CROSSED', undefined, f);
      return fmt.positionsData(risk, rows, f);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/position/{symbol}',
    signed: true,
    handler: (ctx) => {
      const symbol = ctx.path.symbol!;
      ctx.deps.engine.market(symbol);
      const f = faults(ctx, ['empty-positions', 'stale-mark', 'bad-mark']);
      const want = mode(ctx.query.margin_mode) ?? 'CROSSED';
      const { rows } = positionRows(ctx, want, symbol, f);
      return rows[0] ?? { symbol, margin_mode: fmt.orderlyMode(want), position_qty: 0, average_open_price: 0, mark_price: ctx.deps.engine.markPrice(symbol), unsettled_pnl: 0, timestamp: ctx.deps.engine.now() };
    },
  },

  // ───────── orders ─────────
  { method: 'POST', pattern: '/v1/order', signed: true, trade: true, handler: placeOrder },
  {
    method: 'DELETE',
    pattern: '/v1/order',
    signed: true,
    trade: true,
    handler: (ctx) => {
      const id = num(ctx.query.order_id, 'order_id', true)!;
      ctx.deps.engine.cancelOrder(ctx.acc, ctx.query.symbol ?? '', { orderId: id });
      return { status: 'CANCEL_SENT' };
    },
  },
  { method: 'DELETE', pattern: '/v1/orders', signed: true, trade: true, handler: (ctx) => cancelAll(ctx, false) },
  {
    method: 'GET',
    pattern: '/v1/orders',
    signed: true,
    handler: (ctx) => {
      const { symbol, status } = ctx.query;
      const rows = [...ctx.acc.orders.values()].filter(
        (o) => (symbol === undefined || o.symbol === symbol) && (status !== 'INCOMPLETE' || INCOMPLETE.has(o.status)) && (status !== 'COMPLETED' || !INCOMPLETE.has(o.status)) && inWindow(o.time, ctx.query),
      );
      return page(rows.map(fmt.orderRow), ctx.query);
    },
  },
  {
    method: 'POST',
    pattern: '/v1/algo/order',
    signed: true,
    trade: true,
    handler: (ctx) => {
      const b = ctx.body;
      const type = b.type === 'LIMIT' ? 'STOP' : 'STOP_MARKET';
      // Orderly: an order without margin_mode is CROSS ("All symbols default to Cross Margin").
      const marginType: MarginType = mode(b.margin_mode) ?? 'CROSSED';
      const a = ctx.deps.engine.placeAlgoOrder(ctx.acc, {
        symbol: String(b.symbol ?? ''),
        side: side(b.side),
        type,
        quantity: num(b.quantity, 'quantity', true),
        triggerPrice: num(b.trigger_price, 'trigger_price', true),
        ...(type === 'STOP' ? { price: num(b.price, 'price', true) } : {}),
        ...(b.reduce_only === true ? { reduceOnly: true } : {}),
        ...(marginType !== undefined ? { marginType } : {}),
      });
      return { rows: [{ order_id: a.algoId, client_order_id: a.clientAlgoId, algo_type: 'STOP' }] };
    },
  },
  { method: 'DELETE', pattern: '/v1/algo/orders', signed: true, trade: true, handler: (ctx) => cancelAll(ctx, true) },
  {
    method: 'GET',
    pattern: '/v1/algo/orders',
    signed: true,
    handler: (ctx) => {
      const rows = ctx.deps.engine.listOpenAlgoOrders(ctx.acc, ctx.query.symbol).map((a) => ({
        algo_order_id: a.algoId,
        client_order_id: a.clientAlgoId,
        algo_type: 'STOP',
        type: a.orderType === 'STOP' ? 'LIMIT' : 'MARKET',
        symbol: a.symbol,
        side: a.side,
        quantity: a.quantity,
        trigger_price: a.triggerPrice,
        price: a.price || null,
        reduce_only: a.reduceOnly,
        margin_mode: fmt.orderlyMode(a.marginType),
        algo_status: a.algoStatus,
        created_time: a.createTime,
        updated_time: a.updateTime,
      }));
      return page(rows, ctx.query);
    },
  },

  // ───────── history ─────────
  {
    method: 'GET',
    pattern: '/v1/trades',
    signed: true,
    handler: (ctx) => {
      // A liquidation transfers the positions to a liquidator, not through the book: no trade row (see /v1/liquidations).
      const transferred = new Set(ctx.acc.forceOrders.map((o) => o.orderId));
      const rows = ctx.acc.trades
        .filter((t) => !transferred.has(t.orderId) && (ctx.query.symbol === undefined || t.symbol === ctx.query.symbol) && inWindow(t.time, ctx.query))
        .map((t) => ({
          id: t.id,
          symbol: t.symbol,
          order_id: t.orderId,
          side: t.side,
          executed_price: t.price,
          executed_quantity: t.qty,
          fee: t.commission,
          fee_asset: 'USDC',
          is_maker: t.maker ? 1 : 0,
          realized_pnl: t.realizedPnl,
          margin_mode: fmt.orderlyMode(ctx.acc.orders.get(t.orderId)?.marginType),
          executed_timestamp: t.time,
        }));
      return page(rows, ctx.query);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/liquidations',
    signed: true,
    handler: (ctx) => {
      // Late rows: a liquidation becomes visible when the venue's history delay has passed.
      const now = ctx.deps.engine.now();
      const rows = ctx.acc.forceOrders
        .filter((o) => o.clientOrderId.startsWith('autoclose') && (ctx.acc.forceOrderVisibleAt.get(o.orderId) ?? o.time) <= now && inWindow(o.time, ctx.query))
        .map((o) => ({
          liquidation_id: o.orderId,
          timestamp: o.time,
          type: 'liquidated',
          transfer_amount_to_insurance_fund: 0,
          positions_by_perp: [
            {
              symbol: o.symbol,
              margin_mode: fmt.orderlyMode(o.marginType),
              position_qty: o.side === 'SELL' ? o.executedQty : -o.executedQty,
              transfer_price: o.avgPrice,
              cost_position_transfer: o.cumQuote,
              liquidator_fee: 0.012,
              insurance_fund_fee: 0.012,
              abs_liquidator_fee: o.cumQuote * 0.012,
              abs_insurance_fund_fee: o.cumQuote * 0.012,
            },
          ],
        }));
      return page(rows, ctx.query);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/asset/history',
    signed: true,
    handler: (ctx) => {
      const rows = ctx.acc.income
        .filter((r) => r.incomeType === 'TRANSFER' && r.visibleAt <= ctx.deps.engine.now() && inWindow(r.time, ctx.query))
        .map((r) => ({
          id: String(r.tranId),
          tx_id: `0x${r.tranId.toString(16).padStart(64, '0')}`,
          side: r.income >= 0 ? 'DEPOSIT' : 'WITHDRAW',
          token: 'USDC',
          amount: Math.abs(r.income),
          fee: 0,
          trans_status: 'COMPLETED',
          created_time: r.time,
          updated_time: r.time,
          chain_id: '42161',
        }))
        .filter((r) => ctx.query.side === undefined || r.side === ctx.query.side);
      return page(rows, ctx.query);
    },
  },
  { method: 'GET', pattern: '/v1/internal_transfer_history', signed: true, handler: (ctx) => page([], ctx.query) },
  {
    method: 'GET',
    pattern: '/v1/funding_fee/history',
    signed: true,
    handler: (ctx) => {
      const rows = ctx.acc.income
        .filter((r) => r.incomeType === 'FUNDING_FEE' && r.visibleAt <= ctx.deps.engine.now() && (ctx.query.symbol === undefined || r.symbol === ctx.query.symbol) && inWindow(r.time, ctx.query))
        .map((r) => ({
          id: r.tranId,
          symbol: r.symbol,
          funding_rate: ctx.deps.engine.fundingRate(r.symbol),
          mark_price: ctx.deps.engine.mark(r.symbol)?.price ?? 0,
          // Orderly: funding_fee > 0 is paid BY the account.
          funding_fee: -r.income,
          payment_type: r.income <= 0 ? 'Pay' : 'Receive',
          status: 'Accrued',
          created_time: r.time,
          updated_time: r.time,
        }));
      return page(rows, ctx.query);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/pnl_settlement/history',
    signed: true,
    // Orderly settles PnL into the balance on request or at funding; the paper settles every fill at once.
    handler: (ctx) => page([], ctx.query),
  },
];
