import type { AlgoOrderRecord, IncomeRecord, OrderRecord, PaperAccount, PaperEngine, PositionSide, Side } from '../../core/index.ts';
import { BE } from './errors.ts';
import * as fmt from './format.ts';
import { linear, optBool, optInt, optNum, optStr, page, reqStr, type Params } from './params.ts';
import { sig, type Ctx, type RouteTable } from './routes.ts';

/** Bybit v5 routes, part 2: orders (plain and conditional), cancels, the transaction log. */

const sideOf = (p: Params): Side => {
  const s = reqStr(p, 'side');
  if (s === 'Buy') return 'BUY';
  if (s === 'Sell') return 'SELL';
  throw BE.params('side invalid');
};

/** positionIdx → the engine's position side, checked against the account's position mode. */
function positionSideOf(acc: PaperAccount, p: Params): PositionSide {
  const idx = optInt(p, 'positionIdx') ?? 0;
  if (idx !== 0 && idx !== 1 && idx !== 2) throw BE.params('positionIdx invalid');
  if (acc.dualSide !== (idx !== 0)) throw BE.params('position idx not match position mode');
  return idx === 1 ? 'LONG' : idx === 2 ? 'SHORT' : 'BOTH';
}

const TIF = { GTC: 'GTC', IOC: 'IOC', FOK: 'FOK', PostOnly: 'GTX' } as const;

/** A Bybit order id (UUID) or orderLinkId → the engine's reference. */
function refOf(p: Params): { orderId?: number; clientOrderId?: string; conditional?: boolean } {
  const id = optStr(p, 'orderId');
  const link = optStr(p, 'orderLinkId');
  if (id !== undefined) {
    const parsed = fmt.parseOrderId(id);
    if (parsed === null) throw BE.orderNotFound();
    return { orderId: parsed.n, conditional: parsed.conditional };
  }
  if (link !== undefined) return { clientOrderId: link };
  throw BE.params('orderId or orderLinkId is required');
}

/** Open orders of the account, plain and conditional, as the v5 filters select them. */
function openRows(ctx: Ctx, p: Params): unknown[] {
  const { engine } = ctx.deps;
  const symbol = optStr(p, 'symbol');
  const settleCoin = optStr(p, 'settleCoin');
  const baseCoin = optStr(p, 'baseCoin');
  if (symbol !== undefined) engine.market(symbol);
  const match = (s: string) =>
    (symbol === undefined || s === symbol) &&
    (settleCoin === undefined || settleCoin === 'USDT') &&
    (baseCoin === undefined || engine.market(s).baseAsset === baseCoin);
  // UTA: every kind of order by default; `Order` = plain only, `StopOrder` = conditional only.
  const filter = optStr(p, 'orderFilter');
  const plain = filter === undefined || filter === 'Order' ? engine.listOpenOrders(ctx.acc).filter((o) => match(o.symbol)) : [];
  const cond = filter === undefined || filter === 'StopOrder' ? engine.listOpenAlgoOrders(ctx.acc).filter((a) => match(a.symbol)) : [];
  const rows: { t: number; row: unknown }[] = [
    ...plain.map((o) => ({ t: o.time, row: fmt.order(engine, o) })),
    ...cond.map((a) => ({ t: a.createTime, row: fmt.conditional(engine, a) })),
  ];
  return rows.sort((a, b) => b.t - a.t).map((x) => x.row);
}

function needsScope(p: Params): void {
  if (optStr(p, 'symbol') === undefined && optStr(p, 'settleCoin') === undefined && optStr(p, 'baseCoin') === undefined) {
    throw BE.params('symbol, baseCoin or settleCoin is required');
  }
}

/** One order by id, any status (the recent ones realtime keeps). */
function oneOrder(engine: PaperEngine, acc: PaperAccount, ref: ReturnType<typeof refOf>): unknown[] {
  if (ref.orderId !== undefined) {
    if (ref.conditional) {
      const a = acc.algoOrders.get(ref.orderId);
      return a ? [fmt.conditional(engine, a)] : [];
    }
    const o = acc.orders.get(ref.orderId);
    return o ? [fmt.order(engine, o)] : [];
  }
  const o = [...acc.orders.values()].find((x) => x.clientOrderId === ref.clientOrderId);
  if (o) return [fmt.order(engine, o)];
  const a = [...acc.algoOrders.values()].find((x) => x.clientAlgoId === ref.clientOrderId);
  return a ? [fmt.conditional(engine, a)] : [];
}

/** Create, cancel, cancel-all, open orders, order history. */
export function orderRoutes(r: RouteTable): void {
  sig(r,
    'POST /v5/order/create',
    (ctx) => {
      const p = ctx.params;
      linear(p);
      const { engine, faults } = ctx.deps;
      const symbol = reqStr(p, 'symbol');
      const side = sideOf(p);
      const orderType = reqStr(p, 'orderType');
      if (orderType !== 'Market' && orderType !== 'Limit') throw BE.params('orderType invalid');
      const qty = optNum(p, 'qty');
      if (qty === undefined) throw BE.params('qty is required');
      const price = optNum(p, 'price');
      const positionSide = positionSideOf(ctx.acc, p);
      // Hedge mode: positionIdx says which side; the engine takes no reduceOnly flag there.
      const reduceOnly = ctx.acc.dualSide ? undefined : optBool(p, 'reduceOnly');
      const tifRaw = optStr(p, 'timeInForce');
      if (tifRaw !== undefined && !(tifRaw in TIF)) throw BE.params('timeInForce invalid');
      const timeInForce = tifRaw !== undefined ? TIF[tifRaw as keyof typeof TIF] : undefined;
      const link = optStr(p, 'orderLinkId');
      const triggerPrice = optNum(p, 'triggerPrice');
      if (triggerPrice !== undefined) {
        const dir = optInt(p, 'triggerDirection');
        if (dir !== 1 && dir !== 2) throw BE.params('triggerDirection is required for a conditional order');
        // Rising trigger: a buy stop or a sell take-profit; falling: a sell stop or a buy take-profit.
        const stop = (dir === 1) === (side === 'BUY');
        const market = orderType === 'Market';
        const type = stop ? (market ? 'STOP_MARKET' : 'STOP') : market ? 'TAKE_PROFIT_MARKET' : 'TAKE_PROFIT';
        const triggerBy = optStr(p, 'triggerBy') ?? 'LastPrice';
        const a = engine.placeAlgoOrder(ctx.acc, {
          symbol,
          side,
          type,
          quantity: qty,
          ...(price !== undefined ? { price } : {}),
          triggerPrice,
          positionSide,
          ...(reduceOnly !== undefined ? { reduceOnly } : {}),
          workingType: triggerBy === 'MarkPrice' ? 'MARK_PRICE' : 'CONTRACT_PRICE',
          ...(timeInForce !== undefined ? { timeInForce } : {}),
          ...(link !== undefined ? { clientAlgoId: link } : {}),
        });
        return { orderId: fmt.orderIdOf(a.algoId, true), orderLinkId: a.clientAlgoId };
      }
      const o = engine.placeOrder(
        ctx.acc,
        {
          symbol,
          side,
          type: orderType === 'Market' ? 'MARKET' : 'LIMIT',
          quantity: qty,
          ...(price !== undefined && orderType === 'Limit' ? { price } : {}),
          positionSide,
          ...(reduceOnly !== undefined ? { reduceOnly } : {}),
          // A Bybit market order is IOC.
          timeInForce: orderType === 'Market' ? 'IOC' : (timeInForce ?? 'GTC'),
          ...(link !== undefined ? { newClientOrderId: link } : {}),
        },
        {
          takeFillRatio: () => faults.take(['partial-fill'], ctx.target)?.fillRatio,
          takeReduceOnlyReject: () => faults.take(['reduce-only-reject'], ctx.target) !== undefined,
        },
      );
      return { orderId: fmt.orderIdOf(o.orderId), orderLinkId: o.clientOrderId };
    },
    true,
  );
  sig(r,
    'POST /v5/order/cancel',
    (ctx) => {
      linear(ctx.params);
      const { engine } = ctx.deps;
      const symbol = reqStr(ctx.params, 'symbol');
      const ref = refOf(ctx.params);
      if (ref.conditional) {
        const a = engine.cancelAlgoOrder(ctx.acc, { algoId: ref.orderId! });
        return { orderId: fmt.orderIdOf(a.algoId, true), orderLinkId: a.clientAlgoId };
      }
      const algo = ref.clientOrderId !== undefined ? [...ctx.acc.openAlgoOrders.values()].find((a) => a.clientAlgoId === ref.clientOrderId) : undefined;
      if (algo !== undefined) {
        engine.cancelAlgoOrder(ctx.acc, { algoId: algo.algoId });
        return { orderId: fmt.orderIdOf(algo.algoId, true), orderLinkId: algo.clientAlgoId };
      }
      const o = engine.cancelOrder(ctx.acc, symbol, {
        ...(ref.orderId !== undefined ? { orderId: ref.orderId } : {}),
        ...(ref.clientOrderId !== undefined ? { clientOrderId: ref.clientOrderId } : {}),
      });
      return { orderId: fmt.orderIdOf(o.orderId), orderLinkId: o.clientOrderId };
    },
    true,
  );
  sig(r,
    'POST /v5/order/cancel-all',
    (ctx) => {
      linear(ctx.params);
      needsScope(ctx.params);
      const { engine } = ctx.deps;
      const symbol = optStr(ctx.params, 'symbol');
      const settleCoin = optStr(ctx.params, 'settleCoin');
      const baseCoin = optStr(ctx.params, 'baseCoin');
      if (symbol !== undefined) engine.market(symbol);
      const match = (s: string) =>
        (symbol === undefined || s === symbol) && (settleCoin === undefined || settleCoin === 'USDT') && (baseCoin === undefined || engine.market(s).baseAsset === baseCoin);
      const filter = optStr(ctx.params, 'orderFilter');
      const list: { orderId: string; orderLinkId: string }[] = [];
      if (filter === undefined || filter === 'Order') {
        for (const o of [...ctx.acc.openOrders.values()].filter((x) => match(x.symbol))) {
          engine.cancelOrder(ctx.acc, o.symbol, { orderId: o.orderId });
          list.push({ orderId: fmt.orderIdOf(o.orderId), orderLinkId: o.clientOrderId });
        }
      }
      if (filter === undefined || filter === 'StopOrder') {
        for (const a of [...ctx.acc.openAlgoOrders.values()].filter((x) => match(x.symbol))) {
          engine.cancelAlgoOrder(ctx.acc, { algoId: a.algoId });
          list.push({ orderId: fmt.orderIdOf(a.algoId, true), orderLinkId: a.clientAlgoId });
        }
      }
      return { list, success: '1' };
    },
    true,
  );
  sig(r, 'GET /v5/order/realtime', (ctx) => {
    const p = ctx.params;
    linear(p);
    const { engine } = ctx.deps;
    if (optStr(p, 'orderId') !== undefined || optStr(p, 'orderLinkId') !== undefined) {
      return { category: 'linear', list: oneOrder(engine, ctx.acc, refOf(p)), nextPageCursor: '' };
    }
    needsScope(p);
    return { category: 'linear', ...page(openRows(ctx, p), p, 20, 50) };
  });
  sig(r, 'GET /v5/order/history', (ctx) => {
    const p = ctx.params;
    linear(p);
    const { engine } = ctx.deps;
    if (optStr(p, 'orderId') !== undefined || optStr(p, 'orderLinkId') !== undefined) {
      return { category: 'linear', list: oneOrder(engine, ctx.acc, refOf(p)), nextPageCursor: '' };
    }
    const symbol = optStr(p, 'symbol');
    const rows: { t: number; row: unknown }[] = [
      ...[...ctx.acc.orders.values()].filter((o: OrderRecord) => symbol === undefined || o.symbol === symbol).map((o) => ({ t: o.time, row: fmt.order(engine, o) })),
      ...[...ctx.acc.algoOrders.values()].filter((a: AlgoOrderRecord) => symbol === undefined || a.symbol === symbol).map((a) => ({ t: a.createTime, row: fmt.conditional(engine, a) })),
    ];
    return { category: 'linear', ...page(rows.sort((a, b) => b.t - a.t).map((x) => x.row), p, 20, 50) };
  });
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** A transaction-log id: a UUID per engine record (the first of a trade's rows). */
const logId = (tranId: number): string => `00000000-0000-4000-a000-${tranId.toString(16).padStart(12, '0')}`;

/**
 * The account's UTA transaction log (https://bybit-exchange.github.io/docs/v5/account/transaction-log),
 * newest first, from the engine's ledger: a trade's realized PnL and fee are one TRADE row
 * (LIQUIDATION / ADL when the venue closed the position), funding a SETTLEMENT row, transfers
 * TRANSFER_IN / TRANSFER_OUT, the liquidation clearance fee a LIQUIDATION row of its own. Rows
 * appear when the engine makes them visible (late rows: setHistoryDelay).
 */
export function transactionLog(engine: PaperEngine, acc: PaperAccount, now: number): { t: number; row: Record<string, string> }[] {
  const forced = new Map(acc.forceOrders.map((o) => [o.orderId, o]));
  const tradeById = new Map(acc.trades.map((t) => [String(t.id), t]));
  const byTrade = new Map<string, IncomeRecord[]>();
  const out: { t: number; row: Record<string, string> }[] = [];
  const base = (r: IncomeRecord): Record<string, string> => ({
    id: logId(r.tranId),
    symbol: r.symbol,
    category: r.symbol === '' ? '' : 'linear',
    side: 'None',
    transactionTime: String(r.time),
    type: '',
    transSubType: '',
    qty: '0',
    size: '0',
    currency: 'USDT',
    tradePrice: '0',
    funding: '0',
    fee: '0',
    cashFlow: '0',
    change: '0',
    cashBalance: '',
    feeRate: '0',
    bonusChange: '',
    tradeId: '',
    orderId: '',
    orderLinkId: '',
  });
  const d8 = (x: number) => fmt.dec(x, 8);
  for (const r of acc.income) {
    if (r.visibleAt > now) continue;
    if ((r.incomeType === 'REALIZED_PNL' || r.incomeType === 'COMMISSION') && r.tradeId !== '') {
      const list = byTrade.get(r.tradeId) ?? [];
      list.push(r);
      byTrade.set(r.tradeId, list);
      continue;
    }
    const row = base(r);
    if (r.incomeType === 'TRANSFER') {
      Object.assign(row, { type: r.income >= 0 ? 'TRANSFER_IN' : 'TRANSFER_OUT', cashFlow: d8(r.income), change: d8(r.income) });
    } else if (r.incomeType === 'FUNDING_FEE') {
      // funding: positive = received (docs); change = cashFlow + funding − fee.
      Object.assign(row, { type: 'SETTLEMENT', funding: d8(r.income), change: d8(r.income), feeRate: fmt.dec(engine.fundingRate(r.symbol), 6) });
    } else if (r.incomeType === 'INSURANCE_CLEAR') {
      Object.assign(row, { type: 'LIQUIDATION', fee: d8(-r.income), change: d8(r.income) });
    } else {
      Object.assign(row, { type: 'TRADE', cashFlow: d8(r.income), change: d8(r.income) });
    }
    out.push({ t: r.time, row });
  }
  for (const [tradeId, rows] of byTrade) {
    const first = rows[0]!;
    const t = tradeById.get(tradeId);
    const pnl = rows.filter((x) => x.incomeType === 'REALIZED_PNL').reduce((s, x) => s + x.income, 0);
    const fee = -rows.filter((x) => x.incomeType === 'COMMISSION').reduce((s, x) => s + x.income, 0);
    const fo = t !== undefined ? forced.get(t.orderId) : undefined;
    const type = fo === undefined ? 'TRADE' : fo.clientOrderId === 'adl_autoclose' ? 'ADL' : 'LIQUIDATION';
    const m = t !== undefined ? engine.market(t.symbol) : undefined;
    const row = base(first);
    Object.assign(row, {
      type,
      side: t?.side === 'BUY' ? 'Buy' : t?.side === 'SELL' ? 'Sell' : 'None',
      qty: t && m ? fmt.dec(t.qty, m.quantityPrecision) : '0',
      tradePrice: t && m ? fmt.dec(t.price, m.pricePrecision) : '0',
      fee: d8(fee),
      cashFlow: d8(pnl),
      change: d8(pnl - fee),
      feeRate: t && t.quoteQty > 0 ? fmt.dec(fee / t.quoteQty, 6) : '0',
      tradeId,
      orderId: t ? fmt.orderIdOf(t.orderId) : '',
    });
    out.push({ t: first.time, row });
  }
  return out.sort((a, b) => b.t - a.t || (b.row.id! < a.row.id! ? -1 : 1));
}

/** GET /v5/account/transaction-log: ≤ 7 days per query (docs), newest first, cursor pages of ≤ 50. */
export function historyRoutes(r: RouteTable): void {
  sig(r, 'GET /v5/account/transaction-log', (ctx) => {
    const p = ctx.params;
    const accountType = optStr(p, 'accountType');
    if (accountType !== undefined && accountType !== 'UNIFIED') throw BE.params('accountType only support UNIFIED');
    const now = ctx.deps.engine.now();
    const start = optInt(p, 'startTime');
    const end = optInt(p, 'endTime');
    let from: number;
    let to: number;
    if (start === undefined && end === undefined) [from, to] = [now - WEEK, now];
    else if (end === undefined) [from, to] = [start!, start! + WEEK];
    else if (start === undefined) [from, to] = [end - WEEK, end];
    else {
      if (end - start > WEEK) throw BE.params('endTime - startTime must be within 7 days');
      if (end < start) throw BE.params('startTime must be before endTime');
      [from, to] = [start, end];
    }
    const category = optStr(p, 'category');
    const currency = optStr(p, 'currency');
    const type = optStr(p, 'type');
    const rows = transactionLog(ctx.deps.engine, ctx.acc, now)
      .filter((x) => x.t >= from && x.t <= to)
      .filter((x) => category === undefined || x.row.category === category || x.row.category === '')
      .filter((x) => currency === undefined || x.row.currency === currency)
      .filter((x) => type === undefined || x.row.type === type)
      .map((x) => x.row);
    return page(rows, p, 20, 50);
  });
}
