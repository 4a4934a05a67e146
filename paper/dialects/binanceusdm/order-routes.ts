import { E } from './errors.ts';
import * as fmt from './format.ts';
import { optBool, optEnum, optInt, optNum, POSITION_SIDES, req, side, TIFS, type Params } from './params.ts';
import { OK, sig, type RouteTable } from './routes.ts';

/** Binance USDⓈ-M routes, part 2: regular orders, algo (conditional) orders and history. */

/** Regular orders: POST/GET/DELETE /fapi/v1/order, open orders, all orders, cancel all. */
export function orderRoutes(r: RouteTable): void {
  sig(r,
    'POST /fapi/v1/order',
    (ctx) => {
      const p = ctx.params;
      const { engine, faults } = ctx.deps;
      const price = optNum(p, 'price');
      const o = engine.placeOrder(
        ctx.acc,
        {
          symbol: req(p, 'symbol'),
          side: side(p),
          type: req(p, 'type'),
          quantity: optNum(p, 'quantity'),
          ...(price !== undefined ? { price } : {}),
          positionSide: optEnum(p, 'positionSide', POSITION_SIDES),
          reduceOnly: optBool(p, 'reduceOnly'),
          timeInForce: optEnum(p, 'timeInForce', TIFS),
          newClientOrderId: p.newClientOrderId,
        },
        {
          takeFillRatio: () => faults.take(['partial-fill'], ctx.target)?.fillRatio,
          takeReduceOnlyReject: () => faults.take(['reduce-only-reject'], ctx.target) !== undefined,
        },
      );
      return fmt.order(engine, o);
    },
    true,
  );
  const orderRef = (p: Params) => {
    const orderId = optInt(p, 'orderId');
    const clientOrderId = p.origClientOrderId;
    return { ...(orderId !== undefined ? { orderId } : {}), ...(clientOrderId !== undefined ? { clientOrderId } : {}) };
  };
  sig(r, 'DELETE /fapi/v1/order', (ctx) => fmt.order(ctx.deps.engine, ctx.deps.engine.cancelOrder(ctx.acc, req(ctx.params, 'symbol'), orderRef(ctx.params))), true);
  sig(r, 'GET /fapi/v1/order', (ctx) => fmt.order(ctx.deps.engine, ctx.deps.engine.getOrder(ctx.acc, req(ctx.params, 'symbol'), orderRef(ctx.params))));
  sig(r, 'GET /fapi/v1/openOrder', (ctx) => {
    const o = ctx.deps.engine.getOrder(ctx.acc, req(ctx.params, 'symbol'), orderRef(ctx.params));
    if (!ctx.acc.openOrders.has(o.orderId)) throw E.orderDoesNotExist();
    return fmt.order(ctx.deps.engine, o);
  });
  sig(r, 'GET /fapi/v1/openOrders', (ctx) => ctx.deps.engine.listOpenOrders(ctx.acc, ctx.params.symbol).map((o) => fmt.order(ctx.deps.engine, o)));
  sig(r, 'GET /fapi/v1/allOrders', (ctx) =>
    ctx.deps.engine
      .allOrders(ctx.acc, req(ctx.params, 'symbol'), { startTime: optInt(ctx.params, 'startTime'), endTime: optInt(ctx.params, 'endTime'), limit: optInt(ctx.params, 'limit') })
      .map((o) => fmt.order(ctx.deps.engine, o)),
  );
  sig(r,
    'DELETE /fapi/v1/allOpenOrders',
    (ctx) => {
      ctx.deps.engine.cancelAllOpenOrders(ctx.acc, req(ctx.params, 'symbol'));
      return { code: 200, msg: 'The operation of cancel all open order is done.' };
    },
    true,
  );

}

/** Conditional orders, Binance's algo service (since 2025-12-09 the only home of stop / take-profit). */
export function algoRoutes(r: RouteTable): void {
  sig(r,
    'POST /fapi/v1/algoOrder',
    (ctx) => {
      const p = ctx.params;
      const algoType = req(p, 'algoType');
      if (algoType !== 'CONDITIONAL') throw E.illegalParam('algoType');
      if (p.callbackRate !== undefined || p.activatePrice !== undefined) throw E.invalidOrderType();
      const price = optNum(p, 'price');
      const a = ctx.deps.engine.placeAlgoOrder(ctx.acc, {
        symbol: req(p, 'symbol'),
        side: side(p),
        type: req(p, 'type'),
        quantity: optNum(p, 'quantity'),
        ...(price !== undefined ? { price } : {}),
        triggerPrice: optNum(p, 'triggerPrice'),
        positionSide: optEnum(p, 'positionSide', POSITION_SIDES),
        reduceOnly: optBool(p, 'reduceOnly'),
        closePosition: optBool(p, 'closePosition'),
        workingType: optEnum(p, 'workingType', ['MARK_PRICE', 'CONTRACT_PRICE'] as const),
        timeInForce: optEnum(p, 'timeInForce', TIFS),
        clientAlgoId: p.clientAlgoId,
      });
      return fmt.algoOrder(ctx.deps.engine, a);
    },
    true,
  );
  const algoRef = (p: Params) => {
    const algoId = optInt(p, 'algoId') ?? optInt(p, 'algoid');
    const clientAlgoId = p.clientAlgoId ?? p.clientalgoid;
    return { ...(algoId !== undefined ? { algoId } : {}), ...(clientAlgoId !== undefined ? { clientAlgoId } : {}) };
  };
  sig(r,
    'DELETE /fapi/v1/algoOrder',
    (ctx) => {
      const a = ctx.deps.engine.cancelAlgoOrder(ctx.acc, algoRef(ctx.params));
      return { algoId: a.algoId, clientAlgoId: a.clientAlgoId, code: '200', msg: 'success' };
    },
    true,
  );
  sig(r, 'GET /fapi/v1/algoOrder', (ctx) => fmt.algoOrder(ctx.deps.engine, ctx.deps.engine.getAlgoOrder(ctx.acc, algoRef(ctx.params))));
  sig(r, 'GET /fapi/v1/openAlgoOrders', (ctx) =>
    ctx.deps.engine.listOpenAlgoOrders(ctx.acc, ctx.params.symbol).map((a) => fmt.algoOrder(ctx.deps.engine, a)),
  );
  sig(r,
    'DELETE /fapi/v1/algoOpenOrders',
    (ctx) => {
      ctx.deps.engine.cancelAllAlgoOpenOrders(ctx.acc, req(ctx.params, 'symbol'));
      return OK;
    },
    true,
  );

}

/** Income, forced orders (liquidations, ADL), trades and the key's restrictions. */
export function historyRoutes(r: RouteTable): void {
  sig(r, 'GET /fapi/v1/income', (ctx) => {
    const p = ctx.params;
    if (p.symbol !== undefined) ctx.deps.engine.market(p.symbol);
    return ctx.deps.engine
      .incomeHistory(ctx.acc, {
        symbol: p.symbol,
        incomeType: p.incomeType,
        startTime: optInt(p, 'startTime'),
        endTime: optInt(p, 'endTime'),
        limit: optInt(p, 'limit'),
      })
      .map(fmt.income);
  });
  sig(r, 'GET /fapi/v1/forceOrders', (ctx) => {
    const p = ctx.params;
    if (p.symbol !== undefined) ctx.deps.engine.market(p.symbol);
    const autoCloseType = optEnum(p, 'autoCloseType', ['LIQUIDATION', 'ADL'] as const);
    return ctx.deps.engine
      .forceOrderHistory(ctx.acc, { symbol: p.symbol, autoCloseType, startTime: optInt(p, 'startTime'), endTime: optInt(p, 'endTime'), limit: optInt(p, 'limit') })
      .map((o) => fmt.order(ctx.deps.engine, o));
  });
  sig(r, 'GET /fapi/v1/userTrades', (ctx) => {
    const p = ctx.params;
    return ctx.deps.engine
      .userTrades(ctx.acc, { symbol: req(p, 'symbol'), startTime: optInt(p, 'startTime'), endTime: optInt(p, 'endTime'), limit: optInt(p, 'limit'), fromId: optInt(p, 'fromId') })
      .map((t) => fmt.trade(ctx.deps.engine, t));
  });
  sig(r, 'GET /sapi/v1/account/apiRestrictions', (ctx) => fmt.apiRestrictions(ctx.acc));
}
