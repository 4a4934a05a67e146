import type { PaperAccount } from '../../core/index.ts';
import type { ActiveFault, FaultKind, FaultTarget } from '../../faults.ts';
import type { DialectDeps } from '../types.ts';
import { BE } from './errors.ts';
import * as fmt from './format.ts';
import { linear, optStr, page, reqStr, type Params } from './params.ts';

/**
 * Bybit v5 routes, part 1: market data and account reads (orders and the transaction log are in
 * order-routes.ts). A route is a function of the request context to the envelope's `result`.
 */

export interface Ctx {
  deps: DialectDeps;
  method: string;
  path: string;
  params: Params;
  acc: PaperAccount;
  target: FaultTarget;
  take(kind: FaultKind): ActiveFault | undefined;
}

export interface Route {
  signed: boolean;
  /** Needs a key that may trade (a read-only key gets 10005). */
  trade?: boolean;
  handler: (ctx: Ctx) => unknown;
}

export type RouteTable = Map<string, Route>;

/** The venue's wall clock (ms): signatures and /v5/market/time; never the market (replay) clock. */
export const wallNow = (deps: Pick<DialectDeps, 'wall'>): number => Date.now() + (deps.wall?.offsetMs ?? 0);

export const pub = (r: RouteTable, key: string, handler: Route['handler']): void => void r.set(key, { signed: false, handler });
export const sig = (r: RouteTable, key: string, handler: Route['handler'], trade = false): void => void r.set(key, { signed: true, trade, handler });

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

/** What a route may set besides its result: the envelope time (a stale node answers with its old time). */
export interface Answer {
  readonly __answer: true;
  result: unknown;
  time?: number;
}
export const answer = (result: unknown, time?: number): Answer => ({ __answer: true, result, ...(time !== undefined ? { time } : {}) });

const category = (p: Params): string => {
  const c = optStr(p, 'category');
  if (c === undefined) throw BE.params('category is required');
  return c;
};

/** Server time, instruments, tickers, risk limits. */
export function marketRoutes(r: RouteTable): void {
  pub(r, 'GET /v5/market/time', (ctx) => {
    const now = wallNow(ctx.deps);
    // Wall time, as the real venue: clients sync their signing clock to it (replays do not move it).
    return answer({ timeSecond: String(Math.floor(now / 1000)), timeNano: `${now}000000` }, now);
  });
  pub(r, 'GET /v5/market/instruments-info', (ctx) => {
    const c = category(ctx.params);
    const status = optStr(ctx.params, 'status');
    // ccxt's loadMarkets asks for spot, linear, inverse and options (and PreLaunch linear/inverse):
    // the paper lists USDT perpetuals only, and answers the others with empty lists.
    if (c !== 'linear' || (status !== undefined && status !== 'Trading')) {
      if (!['spot', 'linear', 'inverse', 'option'].includes(c)) throw BE.params('category invalid');
      return { category: c, list: [], nextPageCursor: '' };
    }
    const { engine } = ctx.deps;
    const symbol = optStr(ctx.params, 'symbol');
    const markets = symbol !== undefined ? (engine.hasMarket(symbol) ? [engine.market(symbol)] : []) : engine.listMarkets();
    const rows = markets.map((m) => fmt.instrument(m, 1_585_526_400_000));
    return { category: 'linear', ...page(rows, ctx.params, 500, 1000) };
  });
  pub(r, 'GET /v5/market/tickers', (ctx) => {
    const c = category(ctx.params);
    if (c !== 'linear') return { category: c, list: [] };
    const { engine } = ctx.deps;
    const f = dataFaults(ctx, ['stale-mark', 'bad-mark']);
    const symbol = optStr(ctx.params, 'symbol');
    const list =
      symbol !== undefined
        ? [fmt.ticker(engine, symbol, engine.markPrice(symbol), f)]
        : Object.entries(engine.marksSnapshot()).map(([s, m]) => fmt.ticker(engine, s, m.price, f));
    return answer({ category: 'linear', list }, engine.now() + (f.markTimeShift ?? 0));
  });
  pub(r, 'GET /v5/market/risk-limit', (ctx) => {
    linear(ctx.params);
    const { engine } = ctx.deps;
    const symbol = optStr(ctx.params, 'symbol');
    const markets = symbol !== undefined ? [engine.market(symbol)] : engine.listMarkets();
    return { category: 'linear', ...page(markets.flatMap(fmt.riskLimits), ctx.params, 1000, 1000) };
  });
}

/** Wallet, positions, account settings, the key's permissions, coin info. */
export function accountRoutes(r: RouteTable): void {
  sig(r, 'GET /v5/account/wallet-balance', (ctx) => {
    const t = reqStr(ctx.params, 'accountType');
    if (t !== 'UNIFIED') throw BE.params('accountType only support UNIFIED');
    const f = dataFaults(ctx, ['zero-balance']);
    return fmt.walletBalance(ctx.acc, ctx.deps.engine.accountRisk(ctx.acc), f);
  });
  sig(r, 'GET /v5/position/list', (ctx) => {
    linear(ctx.params);
    const { engine } = ctx.deps;
    const symbol = optStr(ctx.params, 'symbol');
    const settleCoin = optStr(ctx.params, 'settleCoin');
    // linear: either symbol or settleCoin (docs: position list).
    if (symbol === undefined && settleCoin === undefined) throw BE.params('symbol or settleCoin is required');
    if (symbol === undefined && settleCoin !== 'USDT') return { category: 'linear', list: [], nextPageCursor: '' };
    if (symbol !== undefined) engine.market(symbol);
    const f = dataFaults(ctx, ['empty-positions', 'stale-mark', 'bad-mark']);
    const risks = f.emptyPositions ? [] : engine.accountRisk(ctx.acc).positions.filter((x) => symbol === undefined || x.position.symbol === symbol);
    const rows = risks.map((x) => fmt.position(engine, ctx.acc, x, f));
    return { category: 'linear', ...page(rows, ctx.params, 20, 200) };
  });
  sig(r, 'GET /v5/account/info', (ctx) => ({
    // 5: UTA 2.0; ccxt reads it (and defaults to 6, UTA 2.0 Pro).
    unifiedMarginStatus: 5,
    marginMode: fmt.marginModeOf(ctx.acc),
    isMasterTrader: false,
    spotHedgingStatus: 'OFF',
    updatedTime: String(ctx.acc.createTime),
    dcpStatus: 'OFF',
    timeWindow: 10,
    smpGroup: 0,
  }));
  // Account-level margin mode (docs: account/set-margin-mode). The paper switches only an account
  // without positions or open orders (its words); PORTFOLIO_MARGIN is reported, not modelled.
  sig(r,
    'POST /v5/account/set-margin-mode',
    (ctx) => {
      const mode = reqStr(ctx.params, 'setMarginMode');
      if (mode !== 'REGULAR_MARGIN' && mode !== 'ISOLATED_MARGIN' && mode !== 'PORTFOLIO_MARGIN') throw BE.params('setMarginMode invalid');
      const acc = ctx.acc;
      if (fmt.marginModeOf(acc) === mode) return { reasons: [] };
      if (acc.positions.size > 0 || acc.openOrders.size > 0 || acc.openAlgoOrders.size > 0) {
        throw BE.setMarginModeFailed('the account has open positions or orders: close them before switching the margin mode');
      }
      acc.portfolioMargin = mode === 'PORTFOLIO_MARGIN';
      const type = mode === 'ISOLATED_MARGIN' ? 'ISOLATED' : 'CROSSED';
      for (const m of ctx.deps.engine.listMarkets()) {
        if (ctx.deps.engine.symbolConfig(acc, m.symbol).marginType !== type) ctx.deps.engine.setMarginType(acc, m.symbol, type);
      }
      return { reasons: [] };
    },
    true,
  );
  sig(r, 'GET /v5/user/query-api', (ctx) => fmt.apiKeyInfo(ctx.acc));
  sig(r, 'GET /v5/asset/coin/query-info', (ctx) => ({
    rows: ['USDT', ...new Set(ctx.deps.engine.listMarkets().map((m) => m.baseAsset))].map((coin) => ({
      name: coin,
      coin,
      remainAmount: '1000000',
      chains: [],
    })),
  }));
}
