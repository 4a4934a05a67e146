import type { PaperAccount } from '../../core/index.ts';
import type { ActiveFault, FaultKind, FaultTarget } from '../../faults.ts';
import type { DialectDeps } from '../types.ts';
import { E, PaperApiError } from './errors.ts';
import * as fmt from './format.ts';
import { optBool, optEnum, optInt, optNum, POSITION_SIDES, req, type Params } from './params.ts';
import type { WeightTracker } from './rate-limit.ts';

/**
 * Binance USDⓈ-M routes, part 1: market data and account configuration (orders and history are
 * in order-routes.ts). A route is a function of the request context to the JSON body.
 */

export interface BinanceDeps extends DialectDeps {
  weights: WeightTracker;
}

export interface Ctx {
  deps: BinanceDeps;
  method: string;
  path: string;
  params: Params;
  acc: PaperAccount;
  target: FaultTarget;
  take(kind: FaultKind): ActiveFault | undefined;
}

export interface Route {
  signed: boolean;
  /** Needs trading permission (a read-only key gets -2015). */
  trade?: boolean;
  handler: (ctx: Ctx) => unknown;
}

export type RouteTable = Map<string, Route>;

/** The venue's wall clock (ms): signatures and /fapi/v1/time; never the market (replay) clock. */
export const wallNow = (deps: Pick<DialectDeps, 'wall'>): number => Date.now() + (deps.wall?.offsetMs ?? 0);

export function dataFaults(ctx: Ctx, kinds: ('zero-balance' | 'empty-positions' | 'stale-mark' | 'bad-mark')[]): fmt.DataFaults {
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

export function openOrderIMBySymbol(ctx: Ctx): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of ctx.acc.openOrders.values()) {
    if (o.reduceOnly) continue;
    const lev = ctx.deps.engine.symbolConfig(ctx.acc, o.symbol).leverage;
    out.set(o.symbol, (out.get(o.symbol) ?? 0) + ((o.origQty - o.executedQty) * o.price) / lev);
  }
  return out;
}

export function accountRoute(v2: boolean): Route {
  return {
    signed: true,
    handler: (ctx) => {
      const f = dataFaults(ctx, ['zero-balance', 'empty-positions', 'stale-mark']);
      return fmt.account(ctx.deps.engine, ctx.acc, ctx.deps.engine.accountRisk(ctx.acc), v2, f);
    },
  };
}

export const balanceRoute: Route = {
  signed: true,
  handler: (ctx) => fmt.balance(ctx.acc, ctx.deps.engine.accountRisk(ctx.acc), dataFaults(ctx, ['zero-balance'])),
};

export function positionRiskRoute(v2: boolean): Route {
  return {
    signed: true,
    handler: (ctx) => {
      const { engine } = ctx.deps;
      const symbol = ctx.params.symbol;
      if (symbol !== undefined) engine.market(symbol);
      const f = dataFaults(ctx, ['empty-positions', 'stale-mark', 'bad-mark']);
      if (f.emptyPositions) return [];
      const ooim = openOrderIMBySymbol(ctx);
      return engine
        .accountRisk(ctx.acc)
        .positions.filter((r) => symbol === undefined || r.position.symbol === symbol)
        .map((r) => (v2 ? fmt.positionRiskV2(engine, r, f) : fmt.positionRiskV3(engine, r, ooim.get(r.position.symbol) ?? 0, f)));
    },
  };
}

export const OK = { code: 200, msg: 'success' };

/** Adds a public (unsigned) route. */
export const pub = (r: RouteTable, key: string, handler: Route['handler']): void => void r.set(key, { signed: false, handler });
/** Adds a signed route; `trade` = needs a key that may trade. */
export const sig = (r: RouteTable, key: string, handler: Route['handler'], trade = false): void => void r.set(key, { signed: true, trade, handler });

/** Ping, time, exchangeInfo, marks and tickers. */
export function marketRoutes(r: RouteTable): void {
  pub(r, 'GET /fapi/v1/ping', () => ({}));
  // Wall time, as the real venue: clients sync their signing clock to it (replays do not move it).
  pub(r, 'GET /fapi/v1/time', (ctx) => ({ serverTime: wallNow(ctx.deps) }));
  pub(r, 'GET /fapi/v1/exchangeInfo', (ctx) => fmt.exchangeInfo(ctx.deps.engine, wallNow(ctx.deps), ctx.deps.weights.limit));
  pub(r, 'GET /sapi/v1/system/status', () => ({ status: 0, msg: 'normal' }));
  pub(r, 'GET /fapi/v1/premiumIndex', (ctx) => {
    const { engine } = ctx.deps;
    const f = dataFaults(ctx, ['stale-mark', 'bad-mark']);
    const time = engine.now() + (f.markTimeShift ?? 0);
    const row = (sym: string, price: number) =>
      fmt.premiumIndex(sym, price, time, { rate: engine.fundingRate(sym), nextFundingTime: engine.nextFundingTime() }, f);
    const symbol = ctx.params.symbol;
    if (symbol !== undefined) return row(symbol, engine.markPrice(symbol));
    return Object.entries(engine.marksSnapshot()).map(([sym, m]) => row(sym, m.price));
  });
  for (const v of ['v1', 'v2']) {
    pub(r, `GET /fapi/${v}/ticker/price`, (ctx) => {
      const { engine } = ctx.deps;
      const row = (sym: string, price: number) => ({ symbol: sym, price: fmt.dec(price, engine.market(sym).pricePrecision), time: engine.now() });
      const symbol = ctx.params.symbol;
      if (symbol !== undefined) return row(symbol, engine.markPrice(symbol));
      return Object.entries(engine.marksSnapshot()).map(([sym, m]) => row(sym, m.price));
    });
  }

  pub(r, 'GET /fapi/v1/ticker/24hr', (ctx) => {
    // A flat 24 h ticker at the mark: enough for ccxt fetchTicker(s); there is no trading tape.
    const { engine } = ctx.deps;
    const row = (sym: string, price: number) => {
      const p = fmt.dec(price, engine.market(sym).pricePrecision);
      const now = engine.now();
      return {
        symbol: sym,
        priceChange: '0',
        priceChangePercent: '0.000',
        weightedAvgPrice: p,
        lastPrice: p,
        lastQty: '0',
        openPrice: p,
        highPrice: p,
        lowPrice: p,
        volume: '0',
        quoteVolume: '0',
        openTime: now - 86_400_000,
        closeTime: now,
        firstId: 0,
        lastId: 0,
        count: 0,
      };
    };
    const symbol = ctx.params.symbol;
    if (symbol !== undefined) return row(symbol, engine.markPrice(symbol));
    return Object.entries(engine.marksSnapshot()).map(([sym, m]) => row(sym, m.price));
  });

  r.set('GET /fapi/v3/account', accountRoute(false));
  r.set('GET /fapi/v2/account', accountRoute(true));
  r.set('GET /fapi/v3/balance', balanceRoute);
  r.set('GET /fapi/v2/balance', balanceRoute);
  r.set('GET /fapi/v3/positionRisk', positionRiskRoute(false));
  r.set('GET /fapi/v2/positionRisk', positionRiskRoute(true));
}

/** Balances, positions, brackets and the per-account settings (margin type, leverage, modes). */
export function accountRoutes(r: RouteTable): void {
  sig(r, 'GET /fapi/v1/leverageBracket', (ctx) => {
    const { engine } = ctx.deps;
    const symbol = ctx.params.symbol;
    if (symbol !== undefined) return fmt.leverageBracket(engine.market(symbol));
    return engine.listMarkets().map(fmt.leverageBracket);
  });
  sig(r, 'GET /fapi/v1/symbolConfig', (ctx) => {
    const { engine } = ctx.deps;
    const symbol = ctx.params.symbol;
    const markets = symbol !== undefined ? [engine.market(symbol)] : engine.listMarkets();
    return markets.map((m) => fmt.symbolConfig(engine, ctx.acc, m));
  });
  sig(r, 'GET /fapi/v1/accountConfig', (ctx) => ({
    feeTier: 0,
    canTrade: ctx.acc.canTrade,
    canDeposit: true,
    canWithdraw: true,
    dualSidePosition: ctx.acc.dualSide,
    updateTime: 0,
    multiAssetsMargin: ctx.acc.multiAssetsMargin,
    tradeGroupId: -1,
  }));
  sig(r, 'GET /fapi/v1/positionSide/dual', (ctx) => ({ dualSidePosition: ctx.acc.dualSide }));
  sig(r,
    'POST /fapi/v1/positionSide/dual',
    (ctx) => {
      const v = optBool(ctx.params, 'dualSidePosition');
      if (v === undefined) throw E.missingParam('dualSidePosition');
      ctx.deps.engine.setPositionMode(ctx.acc, v);
      return OK;
    },
    true,
  );
  sig(r, 'GET /fapi/v1/multiAssetsMargin', (ctx) => ({ multiAssetsMargin: ctx.acc.multiAssetsMargin }));
  sig(r,
    'POST /fapi/v1/multiAssetsMargin',
    (ctx) => {
      if (optBool(ctx.params, 'multiAssetsMargin') === false) {
        throw new PaperApiError(-4171, 'Adjusted asset mode is currently set and does not need to be adjusted repeatedly');
      }
      throw E.unknown('Multi-Assets mode is not supported by the paper exchange.');
    },
    true,
  );
  sig(r,
    'POST /fapi/v1/marginType',
    (ctx) => {
      const t = req(ctx.params, 'marginType').toUpperCase();
      if (t !== 'ISOLATED' && t !== 'CROSSED') throw E.illegalParam('marginType');
      ctx.deps.engine.setMarginType(ctx.acc, req(ctx.params, 'symbol'), t);
      return OK;
    },
    true,
  );
  sig(r,
    'POST /fapi/v1/leverage',
    (ctx) => {
      const lev = optInt(ctx.params, 'leverage');
      if (lev === undefined) throw E.missingParam('leverage');
      const res = ctx.deps.engine.setLeverage(ctx.acc, req(ctx.params, 'symbol'), lev);
      return { leverage: res.leverage, maxNotionalValue: String(res.maxNotionalValue), symbol: res.symbol };
    },
    true,
  );
  sig(r,
    'POST /fapi/v1/positionMargin',
    (ctx) => {
      const amount = optNum(ctx.params, 'amount');
      if (amount === undefined) throw E.missingParam('amount');
      const type = optInt(ctx.params, 'type');
      if (type !== 1 && type !== 2) throw E.illegalParam('type');
      const ps = optEnum(ctx.params, 'positionSide', POSITION_SIDES) ?? 'BOTH';
      ctx.deps.engine.modifyIsolatedMargin(ctx.acc, req(ctx.params, 'symbol'), ps, amount, type);
      return { amount, code: 200, msg: 'Successfully modify position margin.', type };
    },
    true,
  );
}
