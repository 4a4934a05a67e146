import { maxLeverage } from '../../brackets.ts';
import type { AlgoOrderRecord, MarginType, OrderRecord, PaperAccount, PositionSide, Side } from '../../core/index.ts';
import { findPosition } from '../../core/account.ts';
import { PaperReject } from '../../core/index.ts';
import type { ActiveFault, FaultKind, FaultTarget } from '../../faults.ts';
import type { DialectDeps } from '../types.ts';
import { IE, OE, OkxApiError, OkxItemError, okxItemError } from './errors.ts';
import * as fmt from './format.ts';
import { instrumentOf, num, symbolOfInstId, toBase, type OkxInstrument } from './instruments.ts';

/**
 * OKX v5 routes on the paper engine (paths under /api/v5/). A route returns the `data` list of
 * the envelope, or throws OkxApiError (request-level) — order and cancel items carry their own
 * sCode, and the envelope's code is "0", "1" (all failed) or "2" (partly).
 */

export interface OkxDeps extends DialectDeps {
  /** Algo id → OKX's own algo type (the engine's trigger orders are neutral). */
  algoMeta: Map<number, fmt.AlgoMeta>;
}

export interface Ctx {
  deps: OkxDeps;
  query: URLSearchParams;
  body: unknown;
  acc: PaperAccount;
  target: FaultTarget;
  take(kind: FaultKind): ActiveFault | undefined;
}

export interface Route {
  signed: boolean;
  trade?: boolean;
  /** Answers `{code, msg, data}` with code from the items (orders and cancels). */
  items?: boolean;
  handler: (ctx: Ctx) => unknown[];
}

export type RouteTable = Map<string, Route>;

export const wallNow = (deps: Pick<DialectDeps, 'wall'>): number => Date.now() + (deps.wall?.offsetMs ?? 0);

function dataFaults(ctx: Ctx, kinds: ('zero-balance' | 'empty-positions' | 'stale-mark' | 'bad-mark')[]): fmt.DataFaults {
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

const str = (o: unknown, k: string): string | undefined => {
  const v = (o as Record<string, unknown> | null)?.[k];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : typeof v === 'boolean' ? String(v) : undefined;
};

function instOf(ctx: Ctx, instId: string | undefined): OkxInstrument {
  if (instId === undefined || instId === '') throw IE.paramError('instId');
  const symbol = symbolOfInstId(instId);
  if (symbol === null || !ctx.deps.engine.hasMarket(symbol)) throw IE.noInstrument();
  return instrumentOf(ctx.deps.engine.market(symbol));
}

/** A size in contracts as sent: a positive multiple of lotSz, at least minSz. */
function contracts(inst: OkxInstrument, raw: string | undefined): number {
  if (raw === undefined || raw === '') throw IE.paramError('sz');
  const sz = Number(raw);
  if (!(sz > 0) || !Number.isFinite(sz)) throw IE.paramError('sz');
  const k = sz / inst.lotSz;
  if (Math.abs(k - Math.round(k)) > 1e-6) throw IE.lotSize();
  if (sz < inst.minSz - 1e-12) throw IE.belowMin();
  return sz;
}

const MODES = new Set(['cross', 'isolated']);

/**
 * The order's margin mode (`tdMode`): it travels with each order, and a position is (instrument,
 * mgnMode, posSide) — one instrument may hold a cross and an isolated position at once
 * (`POST /api/v5/trade/close-position` needs `mgnMode` to say which:
 * https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-close-positions). The engine keys
 * positions by the mode the order carries.
 */
function marginTypeOf(tdMode: string | undefined): MarginType {
  if (tdMode === undefined || !MODES.has(tdMode)) throw IE.tdMode();
  return tdMode === 'isolated' ? 'ISOLATED' : 'CROSSED';
}

/** posSide against the account's position mode: net mode takes none (or "net"), long/short mode needs one. */
function positionSide(ctx: Ctx, raw: string | undefined): PositionSide | undefined {
  if (ctx.acc.dualSide) {
    if (raw === 'long') return 'LONG';
    if (raw === 'short') return 'SHORT';
    throw IE.posSide();
  }
  if (raw === undefined || raw === '' || raw === 'net') return undefined;
  throw IE.posSide();
}

function placeOne(ctx: Ctx, item: unknown): OrderRecord {
  const { engine, faults } = ctx.deps;
  const inst = instOf(ctx, str(item, 'instId'));
  const side = str(item, 'side');
  if (side !== 'buy' && side !== 'sell') throw IE.paramError('side');
  const ordType = str(item, 'ordType');
  const tdMode = str(item, 'tdMode');
  const marginType = marginTypeOf(tdMode);
  const sz = contracts(inst, str(item, 'sz'));
  const posSide = positionSide(ctx, str(item, 'posSide'));
  const reduceOnly = str(item, 'reduceOnly') === 'true';
  const engineSide: Side = side === 'buy' ? 'BUY' : 'SELL';
  const qty = toBase(inst, sz);
  if (ordType === 'market' && sz > inst.maxMktSz + 1e-9) throw IE.aboveMax();
  // OKX does not shrink a reduce-only order: more than the position less resting reduce-only
  // orders is 51112, none in that direction 51169, the same direction as the position 51170.
  if (reduceOnly && !ctx.acc.dualSide) {
    const p = findPosition(ctx.acc, inst.symbol, 'BOTH', marginType);
    if (p === undefined || p.amt === 0) throw IE.noPositionToReduce();
    if ((p.amt > 0) === (engineSide === 'BUY')) throw IE.reduceOnlySameDirection();
    let resting = 0;
    for (const o of ctx.acc.openOrders.values()) {
      if (o.symbol === inst.symbol && o.reduceOnly && o.side === engineSide && (o.marginType ?? p.marginType) === marginType) resting += o.origQty - o.executedQty;
    }
    if (qty > Math.abs(p.amt) - resting + 1e-12) throw IE.closeExceeds();
  }
  const closingLeg = posSide !== undefined && (posSide === 'LONG') === (engineSide === 'SELL');
  if (closingLeg) {
    const p = findPosition(ctx.acc, inst.symbol, posSide, marginType);
    if (p === undefined) throw IE.noPositionToReduce();
    if (qty > Math.abs(p.amt) + 1e-12) throw IE.closeExceeds();
  }
  let type: 'MARKET' | 'LIMIT';
  let timeInForce: 'GTC' | 'IOC' | 'FOK' | 'GTX' | undefined;
  let price: number | undefined;
  switch (ordType) {
    case 'market':
      type = 'MARKET';
      break;
    case 'limit':
    case 'post_only':
    case 'ioc':
    case 'fok':
      type = 'LIMIT';
      timeInForce = ordType === 'limit' ? 'GTC' : ordType === 'post_only' ? 'GTX' : ordType === 'ioc' ? 'IOC' : 'FOK';
      price = Number(str(item, 'px'));
      if (!(price > 0)) throw IE.paramError('px');
      break;
    default:
      throw IE.paramError('ordType');
  }
  const clOrdId = str(item, 'clOrdId');
  const o = engine.placeOrder(
    ctx.acc,
    {
      symbol: inst.symbol,
      side: engineSide,
      type,
      quantity: qty,
      ...(price !== undefined ? { price } : {}),
      ...(timeInForce !== undefined ? { timeInForce } : {}),
      ...(posSide !== undefined ? { positionSide: posSide } : {}),
      ...(reduceOnly && !ctx.acc.dualSide ? { reduceOnly: true } : {}),
      ...(clOrdId ? { newClientOrderId: clOrdId } : {}),
      marginType,
    },
    {
      takeFillRatio: () => faults.take(['partial-fill'], ctx.target)?.fillRatio,
      takeReduceOnlyReject: () => faults.take(['reduce-only-reject'], ctx.target) !== undefined,
    },
  );
  return o;
}

/** An order's tdMode: the one it carried, else its symbol's configured mode. */
const tdModeOf = (ctx: Ctx, o: OrderRecord): string =>
  (o.marginType ?? ctx.deps.engine.symbolConfig(ctx.acc, o.symbol).marginType) === 'ISOLATED' ? 'isolated' : 'cross';

const okItem = (o: { ordId: string; clOrdId: string }, msg: string) => ({ ...o, sCode: '0', sMsg: msg, tag: '', ts: '' });
const failItem = (e: OkxItemError, o: { ordId?: string; clOrdId?: string } = {}) => ({ ordId: o.ordId ?? '', clOrdId: o.clOrdId ?? '', sCode: e.sCode, sMsg: e.sMsg, tag: '', ts: '' });

/** Runs one item, turning its reject into an item error (sCode/sMsg) rather than a request error. */
function item<T>(fn: () => T, onFail: (e: OkxItemError) => unknown): T | unknown {
  try {
    return fn();
  } catch (e) {
    const ie = okxItemError(e);
    if (ie === undefined) throw e;
    return onFail(ie);
  }
}

function orders(ctx: Ctx, list: unknown[]): unknown[] {
  return list.map((it) =>
    item(
      () => {
        const o = placeOne(ctx, it);
        return { ...okItem({ ordId: String(o.orderId), clOrdId: o.clientOrderId }, 'Order placed'), ts: String(ctx.deps.engine.now()) };
      },
      (e) => failItem(e, { clOrdId: str(it, 'clOrdId') ?? '' }),
    ),
  );
}

function cancelOne(ctx: Ctx, it: unknown): OrderRecord {
  const inst = instOf(ctx, str(it, 'instId'));
  const ordId = str(it, 'ordId');
  const clOrdId = str(it, 'clOrdId');
  if (!ordId && !clOrdId) throw new OkxItemError('51003', 'Either client order ID or order ID is required.');
  return ctx.deps.engine.cancelOrder(ctx.acc, inst.symbol, ordId ? { orderId: Number(ordId) } : { clientOrderId: clOrdId! });
}

function algoType(a: AlgoOrderRecord, meta: fmt.AlgoMeta | undefined): fmt.AlgoMeta {
  if (meta) return meta;
  const sl = a.orderType === 'STOP' || a.orderType === 'STOP_MARKET';
  return { ordType: 'conditional', tdMode: 'cross', kind: sl ? 'sl' : 'tp' };
}

function placeAlgo(ctx: Ctx, it: unknown): AlgoOrderRecord {
  const inst = instOf(ctx, str(it, 'instId'));
  const side = str(it, 'side');
  if (side !== 'buy' && side !== 'sell') throw IE.paramError('side');
  const tdMode = str(it, 'tdMode');
  const marginType = marginTypeOf(tdMode);
  const ordType = str(it, 'ordType');
  const posSide = positionSide(ctx, str(it, 'posSide'));
  const closeFraction = str(it, 'closeFraction') === '1';
  const qty = closeFraction ? undefined : toBase(inst, contracts(inst, str(it, 'sz')));
  const reduceOnly = str(it, 'reduceOnly') === 'true';
  let kind: fmt.AlgoMeta['kind'];
  let trigger: number;
  let px: number;
  if (ordType === 'trigger') {
    kind = 'trigger';
    trigger = Number(str(it, 'triggerPx'));
    px = Number(str(it, 'orderPx') ?? '-1');
  } else if (ordType === 'conditional') {
    const sl = str(it, 'slTriggerPx');
    kind = sl ? 'sl' : 'tp';
    trigger = Number(sl ?? str(it, 'tpTriggerPx'));
    px = Number(str(it, kind === 'sl' ? 'slOrdPx' : 'tpOrdPx') ?? '-1');
  } else throw IE.paramError('ordType');
  if (!(trigger > 0)) throw IE.paramError(kind === 'trigger' ? 'triggerPx' : `${kind}TriggerPx`);
  const market = px === -1;
  // A trigger order opens or adds; sl/tp close, stops fire against the side they close.
  const engineSide: Side = side === 'buy' ? 'BUY' : 'SELL';
  const mark = ctx.deps.engine.markPrice(inst.symbol);
  const stopLike = kind === 'sl' || (kind === 'trigger' && (engineSide === 'BUY' ? trigger > mark : trigger < mark));
  const type = stopLike ? (market ? 'STOP_MARKET' : 'STOP') : market ? 'TAKE_PROFIT_MARKET' : 'TAKE_PROFIT';
  const a = ctx.deps.engine.placeAlgoOrder(ctx.acc, {
    symbol: inst.symbol,
    side: engineSide,
    type,
    triggerPrice: trigger,
    workingType: 'MARK_PRICE',
    ...(qty !== undefined ? { quantity: qty } : { closePosition: true }),
    ...(market ? {} : { price: px }),
    ...(posSide !== undefined ? { positionSide: posSide } : {}),
    ...(reduceOnly && !ctx.acc.dualSide && !closeFraction ? { reduceOnly: true } : {}),
    marginType,
  });
  ctx.deps.algoMeta.set(a.algoId, { ordType: ordType as 'conditional' | 'trigger', tdMode: tdMode!, kind });
  return a;
}

/** A batch body: at most `max` items (docs: batch-orders and cancel-batch-orders 20, cancel-algos 10). */
const list = (body: unknown, max = 20): unknown[] => {
  if (!Array.isArray(body)) throw OE.paramError('body');
  if (body.length === 0) throw OE.paramEmpty('body');
  if (body.length > max) throw OE.paramError('body');
  return body;
};

/** `instType`, required and one of OKX's instrument types (OKX's parameter errors otherwise). */
function instTypeOf(query: URLSearchParams): string {
  const type = query.get('instType');
  if (!type) throw OE.paramEmpty('instType');
  if (!['SPOT', 'MARGIN', 'SWAP', 'FUTURES', 'OPTION'].includes(type)) throw OE.paramError('instType');
  return type;
}

export function buildRoutes(): RouteTable {
  const r: RouteTable = new Map();
  // ── public ──
  r.set('GET /api/v5/public/time', { signed: false, handler: (ctx) => [{ ts: String(wallNow(ctx.deps)) }] });
  r.set('GET /api/v5/public/instruments', {
    signed: false,
    handler: (ctx) => {
      const type = instTypeOf(ctx.query);
      // The paper lists USDT swaps only: the other types answer an empty list, in the real envelope.
      if (type !== 'SWAP') return [];
      const instId = ctx.query.get('instId');
      return ctx.deps.engine
        .listMarkets()
        .map((m) => fmt.instrumentRow(instrumentOf(m), maxLeverage(m.brackets), 1_600_000_000_000))
        .filter((row) => !instId || row.instId === instId);
    },
  });
  r.set('GET /api/v5/public/mark-price', {
    signed: false,
    handler: (ctx) => {
      const type = ctx.query.get('instType');
      if (!type) throw OE.paramEmpty('instType');
      const instId = ctx.query.get('instId');
      const f = dataFaults(ctx, ['bad-mark', 'stale-mark']);
      const { engine } = ctx.deps;
      if (type !== 'SWAP') return [];
      return Object.entries(engine.marksSnapshot())
        .filter(([s]) => engine.hasMarket(s))
        .map(([s, m]) => ({ instId: instrumentOf(engine.market(s)).instId, instType: 'SWAP', markPx: num(m.price * (f.markFactor ?? 1)), ts: String(m.time + (f.markTimeShift ?? 0)) }))
        .filter((row) => !instId || row.instId === instId);
    },
  });
  r.set('GET /api/v5/public/position-tiers', {
    signed: false,
    handler: (ctx) => {
      if (ctx.query.get('instType') !== 'SWAP') throw OE.paramError('instType');
      const tdMode = ctx.query.get('tdMode');
      if (tdMode !== 'cross' && tdMode !== 'isolated') throw OE.paramError('tdMode');
      const family = ctx.query.get('instFamily') ?? ctx.query.get('uly');
      if (!family) throw OE.paramEmpty('instFamily');
      return family.split(',').flatMap((fam) => {
        const symbol = symbolOfInstId(`${fam}-SWAP`);
        if (symbol === null || !ctx.deps.engine.hasMarket(symbol)) throw OE.noInstrument();
        return fmt.tierRows(ctx.deps.engine, symbol, tdMode);
      });
    },
  });
  // ── account ──
  r.set('GET /api/v5/asset/currencies', {
    signed: true,
    handler: () => [
      { canDep: true, canInternal: true, canWd: true, ccy: 'USDT', chain: 'USDT-TRC20', mainNet: false, maxFee: '1.6', minFee: '0.8', maxWd: '10000000', minWd: '2', name: 'Tether', wdTickSz: '6', minDep: '0.00000001', minDepArrivalConfirm: '64', minWdUnlockConfirm: '64', needTag: false, burningFeeRate: '', ctAddr: '', depQuotaFixed: '', usedDepQuotaFixed: '', wdQuota: '10000000', usedWdQuota: '0', logoLink: '', depEstOpenTime: '', wdEstOpenTime: '', fee: '1', minInternal: '0', maxInternal: '10000000' },
    ],
  });
  r.set('GET /api/v5/account/balance', {
    signed: true,
    handler: (ctx) => [fmt.balanceRow(ctx.acc, ctx.deps.engine.accountRisk(ctx.acc), ctx.deps.engine.now(), dataFaults(ctx, ['zero-balance']))],
  });
  r.set('GET /api/v5/account/positions', {
    signed: true,
    handler: (ctx) => {
      const type = ctx.query.get('instType');
      if (type && !['MARGIN', 'SWAP', 'FUTURES', 'OPTION'].includes(type)) throw OE.paramError('instType');
      const f = dataFaults(ctx, ['empty-positions', 'stale-mark', 'bad-mark']);
      if (f.emptyPositions || (type && type !== 'SWAP')) return [];
      const ids = ctx.query.get('instId')?.split(',');
      const risk = ctx.deps.engine.accountRisk(ctx.acc);
      return risk.positions.map((p) => fmt.positionRow(ctx.deps.engine, ctx.acc, p, risk, f)).filter((row) => !ids || ids.includes(row.instId!));
    },
  });
  r.set('GET /api/v5/account/config', { signed: true, handler: (ctx) => [fmt.configRow(ctx.acc)] });
  // Fee rates as OKX states them: negative = commission (takerU/makerU: USDT-margined contracts).
  // The paper charges its taker fee on every fill, maker or not.
  r.set('GET /api/v5/account/trade-fee', {
    signed: true,
    handler: (ctx) => {
      const type = instTypeOf(ctx.query);
      const rate = num(-ctx.deps.engine.takerFee);
      const usdt = type === 'SWAP' || type === 'FUTURES';
      return [
        { category: '1', delivery: '', exercise: '', fiat: [], instType: type, level: 'Lv1', maker: rate, makerU: usdt ? rate : '', makerUSDC: '', ruleType: 'normal', taker: rate, takerU: usdt ? rate : '', takerUSDC: '', ts: String(wallNow(ctx.deps)) },
      ];
    },
  });
  const bills = (windowMs: number): Route => ({
    signed: true,
    handler: (ctx) => {
      const { engine } = ctx.deps;
      const now = engine.now();
      const limit = Math.min(Math.max(Number(ctx.query.get('limit') ?? 100) || 100, 1), 100);
      const after = ctx.query.get('after');
      const before = ctx.query.get('before');
      const begin = ctx.query.get('begin');
      const end = ctx.query.get('end');
      const type = ctx.query.get('type');
      const instType = ctx.query.get('instType');
      const ccy = ctx.query.get('ccy');
      // Bills of the window, newest first; after = older than that billId, before = newer.
      let balance = 0;
      const all = ctx.acc.income.map((row) => {
        balance += row.income;
        return { row, bill: fmt.billRow(engine, ctx.acc, row, balance) };
      });
      const rows = all
        .filter(({ row, bill }) =>
          row.visibleAt <= now &&
          row.time >= now - windowMs &&
          (instType === null || bill.instType === instType) &&
          (ccy === null || bill.ccy === ccy) &&
          (after === null || row.tranId < Number(after)) &&
          (before === null || row.tranId > Number(before)) &&
          (begin === null || row.time >= Number(begin)) &&
          (end === null || row.time <= Number(end)) &&
          (type === null || bill.type === type),
        )
        .map(({ bill }) => bill)
        .reverse();
      // With only `before`, OKX answers the oldest rows newer than it (the page next to it).
      return before !== null && after === null ? rows.slice(-limit) : rows.slice(0, limit);
    },
  });
  // account/bills: the last 7 days; bills-archive: the last 3 months.
  r.set('GET /api/v5/account/bills', bills(7 * 24 * 3600_000));
  r.set('GET /api/v5/account/bills-archive', bills(92 * 24 * 3600_000));
  // ── trade ──
  r.set('GET /api/v5/trade/orders-pending', {
    signed: true,
    handler: (ctx) => {
      const instId = ctx.query.get('instId');
      const type = ctx.query.get('instType');
      if (type && type !== 'SWAP') return [];
      return [...ctx.acc.openOrders.values()]
        .map((o) => fmt.orderRow(ctx.deps.engine, o, tdModeOf(ctx, o)))
        .filter((row) => !instId || row.instId === instId)
        .reverse();
    },
  });
  r.set('GET /api/v5/trade/orders-algo-pending', {
    signed: true,
    handler: (ctx) => {
      const ordType = ctx.query.get('ordType');
      if (!ordType) throw OE.paramEmpty('ordType');
      const types = ordType.split(',');
      const instId = ctx.query.get('instId');
      return [...ctx.acc.openAlgoOrders.values()]
        .map((a) => fmt.algoRow(ctx.deps.engine, a, algoType(a, ctx.deps.algoMeta.get(a.algoId))))
        .filter((row) => types.includes(row.ordType!) && (!instId || row.instId === instId))
        .reverse();
    },
  });
  r.set('GET /api/v5/trade/order', {
    signed: true,
    handler: (ctx) => {
      const inst = instOf(ctx, ctx.query.get('instId') ?? undefined);
      const ordId = ctx.query.get('ordId');
      const clOrdId = ctx.query.get('clOrdId');
      try {
        const o = ctx.deps.engine.getOrder(ctx.acc, inst.symbol, ordId ? { orderId: Number(ordId) } : { clientOrderId: clOrdId ?? '' });
        return [fmt.orderRow(ctx.deps.engine, o, tdModeOf(ctx, o))];
      } catch (e) {
        if (e instanceof PaperReject) throw new OkxApiError('51603', 'Order does not exist');
        throw e;
      }
    },
  });
  r.set('POST /api/v5/trade/order', { signed: true, trade: true, items: true, handler: (ctx) => orders(ctx, [ctx.body]) });
  r.set('POST /api/v5/trade/batch-orders', { signed: true, trade: true, items: true, handler: (ctx) => orders(ctx, list(ctx.body)) });
  r.set('POST /api/v5/trade/cancel-order', {
    signed: true,
    trade: true,
    items: true,
    handler: (ctx) => [item(() => okItem({ ordId: String(cancelOne(ctx, ctx.body).orderId), clOrdId: '' }, ''), (e) => failItem(e, { ordId: str(ctx.body, 'ordId') ?? '' }))],
  });
  r.set('POST /api/v5/trade/cancel-batch-orders', {
    signed: true,
    trade: true,
    items: true,
    handler: (ctx) =>
      list(ctx.body).map((it) =>
        item(
          () => {
            const o = cancelOne(ctx, it);
            return okItem({ ordId: String(o.orderId), clOrdId: o.clientOrderId }, '');
          },
          (e) => failItem(e, { ordId: str(it, 'ordId') ?? '', clOrdId: str(it, 'clOrdId') ?? '' }),
        ),
      ),
  });
  r.set('POST /api/v5/trade/order-algo', {
    signed: true,
    trade: true,
    items: true,
    handler: (ctx) => [
      item(
        () => {
          const a = placeAlgo(ctx, ctx.body);
          return { algoId: String(a.algoId), algoClOrdId: a.clientAlgoId, clOrdId: '', sCode: '0', sMsg: 'Order placed', tag: '' };
        },
        (e) => ({ algoId: '', algoClOrdId: '', clOrdId: '', sCode: e.sCode, sMsg: e.sMsg, tag: '' }),
      ),
    ],
  });
  r.set('POST /api/v5/trade/cancel-algos', {
    signed: true,
    trade: true,
    items: true,
    handler: (ctx) =>
      list(ctx.body, 10).map((it) =>
        item(
          () => {
            instOf(ctx, str(it, 'instId'));
            const id = str(it, 'algoId');
            if (!id) throw IE.paramError('algoId');
            let a: AlgoOrderRecord;
            try {
              a = ctx.deps.engine.cancelAlgoOrder(ctx.acc, { algoId: Number(id) });
            } catch (e) {
              if (e instanceof PaperReject) throw IE.algoNotFound();
              throw e;
            }
            return { algoId: String(a.algoId), sCode: '0', sMsg: '' };
          },
          (e) => ({ algoId: str(it, 'algoId') ?? '', sCode: e.sCode, sMsg: e.sMsg }),
        ),
      ),
  });
  return r;
}
