import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as fmt from './binance-format.ts';
import type { RealtimeDriver } from './clock.ts';
import { handleControl } from './control.ts';
import type { PaperAccount, PaperEngine, PositionSide, Side } from './engine.ts';
import { E, PaperApiError } from './errors.ts';
import type { ActiveFault, FaultInjector, FaultKind, FaultTarget } from './faults.ts';
import { requestWeight, type WeightTracker } from './rate-limit.ts';

/**
 * The HTTP skin: the subset of Binance USDⓈ-M REST (fapi host) and two sapi endpoints that
 * ccxt's binanceusdm uses, served from one loopback origin, plus the control API under /paper/.
 * Every signed request is verified like Binance does (API key header, HMAC-SHA256 of the exact
 * query string + body, timestamp within recvWindow of the wall clock).
 */

export interface PaperServerDeps {
  engine: PaperEngine;
  faults: FaultInjector;
  weights: WeightTracker;
  adminToken: string;
  driver?: RealtimeDriver;
  /**
   * The venue's WALL clock (signatures, /fapi/v1/time) relative to this host's, ms. Non-zero
   * rehearses a guard host whose clock is off: +5000 = the host is 5 s behind the venue.
   */
  wall?: { offsetMs: number };
  /** Called after each Binance-API request (not control requests). */
  onRequest?: (entry: RequestLogEntry) => void;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  weight: number;
  accountId?: string;
  fault?: FaultKind;
}

type Params = Record<string, string>;

interface Ctx {
  deps: PaperServerDeps;
  method: string;
  path: string;
  params: Params;
  acc: PaperAccount;
  target: FaultTarget;
  take(kind: FaultKind): ActiveFault | undefined;
}

interface Route {
  signed: boolean;
  /** Needs trading permission (a read-only key gets -2015). */
  trade?: boolean;
  handler: (ctx: Ctx) => unknown;
}

const MAX_BODY = 1 << 20;

// ───────────────────────────── parameter helpers ─────────────────────────────

function req(p: Params, name: string): string {
  const v = p[name];
  if (v === undefined || v === '') throw E.missingParam(name);
  return v;
}

function optNum(p: Params, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw E.illegalParam(name);
  return n;
}

function optInt(p: Params, name: string): number | undefined {
  const n = optNum(p, name);
  if (n !== undefined && !Number.isInteger(n)) throw E.illegalParam(name);
  return n;
}

function optBool(p: Params, name: string): boolean | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  if (v === 'true' || v === 'TRUE') return true;
  if (v === 'false' || v === 'FALSE') return false;
  throw E.illegalParam(name);
}

function optEnum<T extends string>(p: Params, name: string, values: readonly T[]): T | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  if (!(values as readonly string[]).includes(v)) throw new PaperApiError(-1100, `Illegal characters found in parameter '${name}'.`);
  return v as T;
}

const SIDES: Side[] = ['BUY', 'SELL'];
const POSITION_SIDES: PositionSide[] = ['BOTH', 'LONG', 'SHORT'];
const TIFS = ['GTC', 'IOC', 'FOK', 'GTX'] as const;

function side(p: Params): Side {
  const v = req(p, 'side');
  if (!SIDES.includes(v as Side)) throw E.invalidSide();
  return v as Side;
}

// ───────────────────────────── routes ─────────────────────────────

/** The venue's wall clock (ms): signatures and /fapi/v1/time; never the market (replay) clock. */
export const wallNow = (deps: Pick<PaperServerDeps, 'wall'>): number => Date.now() + (deps.wall?.offsetMs ?? 0);

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

function openOrderIMBySymbol(ctx: Ctx): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of ctx.acc.openOrders.values()) {
    if (o.reduceOnly) continue;
    const lev = ctx.deps.engine.symbolConfig(ctx.acc, o.symbol).leverage;
    out.set(o.symbol, (out.get(o.symbol) ?? 0) + ((o.origQty - o.executedQty) * o.price) / lev);
  }
  return out;
}

function accountRoute(v2: boolean): Route {
  return {
    signed: true,
    handler: (ctx) => {
      const f = dataFaults(ctx, ['zero-balance', 'empty-positions', 'stale-mark']);
      return fmt.account(ctx.deps.engine, ctx.acc, ctx.deps.engine.accountRisk(ctx.acc), v2, f);
    },
  };
}

const balanceRoute: Route = {
  signed: true,
  handler: (ctx) => fmt.balance(ctx.acc, ctx.deps.engine.accountRisk(ctx.acc), dataFaults(ctx, ['zero-balance'])),
};

function positionRiskRoute(v2: boolean): Route {
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

const OK = { code: 200, msg: 'success' };

function buildRoutes(): Map<string, Route> {
  const r = new Map<string, Route>();
  const pub = (key: string, handler: Route['handler']): void => void r.set(key, { signed: false, handler });
  const sig = (key: string, handler: Route['handler'], trade = false): void => void r.set(key, { signed: true, trade, handler });

  pub('GET /fapi/v1/ping', () => ({}));
  // Wall time, as the real venue: clients sync their signing clock to it (replays do not move it).
  pub('GET /fapi/v1/time', (ctx) => ({ serverTime: wallNow(ctx.deps) }));
  pub('GET /fapi/v1/exchangeInfo', (ctx) => fmt.exchangeInfo(ctx.deps.engine, wallNow(ctx.deps), ctx.deps.weights.limit));
  pub('GET /sapi/v1/system/status', () => ({ status: 0, msg: 'normal' }));
  pub('GET /fapi/v1/premiumIndex', (ctx) => {
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
    pub(`GET /fapi/${v}/ticker/price`, (ctx) => {
      const { engine } = ctx.deps;
      const row = (sym: string, price: number) => ({ symbol: sym, price: fmt.dec(price, engine.market(sym).pricePrecision), time: engine.now() });
      const symbol = ctx.params.symbol;
      if (symbol !== undefined) return row(symbol, engine.markPrice(symbol));
      return Object.entries(engine.marksSnapshot()).map(([sym, m]) => row(sym, m.price));
    });
  }

  pub('GET /fapi/v1/ticker/24hr', (ctx) => {
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

  sig('GET /fapi/v1/leverageBracket', (ctx) => {
    const { engine } = ctx.deps;
    const symbol = ctx.params.symbol;
    if (symbol !== undefined) return fmt.leverageBracket(engine.market(symbol));
    return engine.listMarkets().map(fmt.leverageBracket);
  });
  sig('GET /fapi/v1/symbolConfig', (ctx) => {
    const { engine } = ctx.deps;
    const symbol = ctx.params.symbol;
    const markets = symbol !== undefined ? [engine.market(symbol)] : engine.listMarkets();
    return markets.map((m) => fmt.symbolConfig(engine, ctx.acc, m));
  });
  sig('GET /fapi/v1/accountConfig', (ctx) => ({
    feeTier: 0,
    canTrade: ctx.acc.canTrade,
    canDeposit: true,
    canWithdraw: true,
    dualSidePosition: ctx.acc.dualSide,
    updateTime: 0,
    multiAssetsMargin: ctx.acc.multiAssetsMargin,
    tradeGroupId: -1,
  }));
  sig('GET /fapi/v1/positionSide/dual', (ctx) => ({ dualSidePosition: ctx.acc.dualSide }));
  sig(
    'POST /fapi/v1/positionSide/dual',
    (ctx) => {
      const v = optBool(ctx.params, 'dualSidePosition');
      if (v === undefined) throw E.missingParam('dualSidePosition');
      ctx.deps.engine.setPositionMode(ctx.acc, v);
      return OK;
    },
    true,
  );
  sig('GET /fapi/v1/multiAssetsMargin', (ctx) => ({ multiAssetsMargin: ctx.acc.multiAssetsMargin }));
  sig(
    'POST /fapi/v1/multiAssetsMargin',
    (ctx) => {
      if (optBool(ctx.params, 'multiAssetsMargin') === false) {
        throw new PaperApiError(-4171, 'Adjusted asset mode is currently set and does not need to be adjusted repeatedly');
      }
      throw E.unknown('Multi-Assets mode is not supported by the paper exchange.');
    },
    true,
  );
  sig(
    'POST /fapi/v1/marginType',
    (ctx) => {
      const t = req(ctx.params, 'marginType').toUpperCase();
      if (t !== 'ISOLATED' && t !== 'CROSSED') throw E.illegalParam('marginType');
      ctx.deps.engine.setMarginType(ctx.acc, req(ctx.params, 'symbol'), t);
      return OK;
    },
    true,
  );
  sig(
    'POST /fapi/v1/leverage',
    (ctx) => {
      const lev = optInt(ctx.params, 'leverage');
      if (lev === undefined) throw E.missingParam('leverage');
      const res = ctx.deps.engine.setLeverage(ctx.acc, req(ctx.params, 'symbol'), lev);
      return { leverage: res.leverage, maxNotionalValue: String(res.maxNotionalValue), symbol: res.symbol };
    },
    true,
  );
  sig(
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

  sig(
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
  sig('DELETE /fapi/v1/order', (ctx) => fmt.order(ctx.deps.engine, ctx.deps.engine.cancelOrder(ctx.acc, req(ctx.params, 'symbol'), orderRef(ctx.params))), true);
  sig('GET /fapi/v1/order', (ctx) => fmt.order(ctx.deps.engine, ctx.deps.engine.getOrder(ctx.acc, req(ctx.params, 'symbol'), orderRef(ctx.params))));
  sig('GET /fapi/v1/openOrder', (ctx) => {
    const o = ctx.deps.engine.getOrder(ctx.acc, req(ctx.params, 'symbol'), orderRef(ctx.params));
    if (!ctx.acc.openOrders.has(o.orderId)) throw E.orderDoesNotExist();
    return fmt.order(ctx.deps.engine, o);
  });
  sig('GET /fapi/v1/openOrders', (ctx) => ctx.deps.engine.listOpenOrders(ctx.acc, ctx.params.symbol).map((o) => fmt.order(ctx.deps.engine, o)));
  sig('GET /fapi/v1/allOrders', (ctx) =>
    ctx.deps.engine
      .allOrders(ctx.acc, req(ctx.params, 'symbol'), { startTime: optInt(ctx.params, 'startTime'), endTime: optInt(ctx.params, 'endTime'), limit: optInt(ctx.params, 'limit') })
      .map((o) => fmt.order(ctx.deps.engine, o)),
  );
  sig(
    'DELETE /fapi/v1/allOpenOrders',
    (ctx) => {
      ctx.deps.engine.cancelAllOpenOrders(ctx.acc, req(ctx.params, 'symbol'));
      return { code: 200, msg: 'The operation of cancel all open order is done.' };
    },
    true,
  );

  sig(
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
  sig(
    'DELETE /fapi/v1/algoOrder',
    (ctx) => {
      const a = ctx.deps.engine.cancelAlgoOrder(ctx.acc, algoRef(ctx.params));
      return { algoId: a.algoId, clientAlgoId: a.clientAlgoId, code: '200', msg: 'success' };
    },
    true,
  );
  sig('GET /fapi/v1/algoOrder', (ctx) => fmt.algoOrder(ctx.deps.engine, ctx.deps.engine.getAlgoOrder(ctx.acc, algoRef(ctx.params))));
  sig('GET /fapi/v1/openAlgoOrders', (ctx) =>
    ctx.deps.engine.listOpenAlgoOrders(ctx.acc, ctx.params.symbol).map((a) => fmt.algoOrder(ctx.deps.engine, a)),
  );
  sig(
    'DELETE /fapi/v1/algoOpenOrders',
    (ctx) => {
      ctx.deps.engine.cancelAllAlgoOpenOrders(ctx.acc, req(ctx.params, 'symbol'));
      return OK;
    },
    true,
  );

  sig('GET /fapi/v1/income', (ctx) => {
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
  sig('GET /fapi/v1/forceOrders', (ctx) => {
    const p = ctx.params;
    if (p.symbol !== undefined) ctx.deps.engine.market(p.symbol);
    const autoCloseType = optEnum(p, 'autoCloseType', ['LIQUIDATION', 'ADL'] as const);
    return ctx.deps.engine
      .forceOrderHistory(ctx.acc, { symbol: p.symbol, autoCloseType, startTime: optInt(p, 'startTime'), endTime: optInt(p, 'endTime'), limit: optInt(p, 'limit') })
      .map((o) => fmt.order(ctx.deps.engine, o));
  });
  sig('GET /fapi/v1/userTrades', (ctx) => {
    const p = ctx.params;
    return ctx.deps.engine
      .userTrades(ctx.acc, { symbol: req(p, 'symbol'), startTime: optInt(p, 'startTime'), endTime: optInt(p, 'endTime'), limit: optInt(p, 'limit'), fromId: optInt(p, 'fromId') })
      .map((t) => fmt.trade(ctx.deps.engine, t));
  });
  sig('GET /sapi/v1/account/apiRestrictions', (ctx) => fmt.apiRestrictions(ctx.acc));
  return r;
}

// ───────────────────────────── signature & time ─────────────────────────────

/** Removes the `signature=` pair from a raw query/body string, returning [rest, signature]. */
export function splitSignature(raw: string): [string, string | undefined] {
  if (raw === '') return ['', undefined];
  const parts = raw.split('&');
  let sig: string | undefined;
  const rest: string[] = [];
  for (const part of parts) {
    if (part.startsWith('signature=')) sig = decodeURIComponent(part.slice('signature='.length));
    else rest.push(part);
  }
  return [rest.join('&'), sig];
}

function verify(acc: PaperAccount, query: string, body: string, params: Params, now: number): void {
  const [q, qSig] = splitSignature(query);
  const [b, bSig] = splitSignature(body);
  const signature = qSig ?? bSig;
  const tsRaw = params.timestamp;
  if (tsRaw === undefined || tsRaw === '') throw E.missingParam('timestamp');
  const ts = Number(tsRaw);
  if (!Number.isInteger(ts)) throw E.illegalParam('timestamp');
  const recvWindow = params.recvWindow !== undefined ? Number(params.recvWindow) : 5000;
  if (!Number.isFinite(recvWindow) || recvWindow <= 0) throw E.illegalParam('recvWindow');
  if (recvWindow > 60_000) throw E.recvWindowTooBig();
  if (ts > now + 1000) throw E.timestampAhead();
  if (now - ts > recvWindow) throw E.timestampOutside();
  if (signature === undefined) throw E.missingParam('signature');
  // Binance: totalParams = query string concatenated with the request body.
  const expected = createHmac('sha256', acc.secret).update(q + b).digest('hex');
  const a = Buffer.from(expected);
  const s = Buffer.from(signature.toLowerCase());
  if (a.length !== s.length || !timingSafeEqual(a, s)) throw E.badSignature();
}

// ───────────────────────────── server ─────────────────────────────

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function paramsOf(query: string, body: string, contentType: string | undefined): Params {
  const out: Params = {};
  for (const [k, v] of new URLSearchParams(query)) out[k] = v;
  if (body !== '' && (contentType === undefined || contentType.includes('x-www-form-urlencoded'))) {
    for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  }
  return out;
}

export interface PaperServer {
  server: Server;
  /** Destroys hanging (timeout-fault) requests. */
  dispose(): void;
}

export function createPaperServer(deps: PaperServerDeps): PaperServer {
  const routes = buildRoutes();
  const hanging = new Set<{ timer: NodeJS.Timeout; res: ServerResponse }>();

  const hang = (res: ServerResponse, ms: number): void => {
    const h = {
      res,
      timer: setTimeout(() => {
        hanging.delete(h);
        res.destroy();
      }, ms),
    };
    hanging.add(h);
  };

  const handleBinance = async (req: IncomingMessage, res: ServerResponse, url: URL, rawQuery: string): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const body = method === 'GET' ? '' : await readBody(req);
    const params = paramsOf(rawQuery, body, req.headers['content-type']);
    const apiKeyHeader = req.headers['x-mbx-apikey'];
    const apiKey = typeof apiKeyHeader === 'string' ? apiKeyHeader : undefined;
    const keyAcc = apiKey !== undefined ? deps.engine.findByApiKey(apiKey) : undefined;
    const target: FaultTarget = { method, path, ...(keyAcc !== undefined ? { accountId: keyAcc.id } : {}) };
    const weight = requestWeight(method, path, params.symbol !== undefined);
    const log = (status: number, fault?: FaultKind): void =>
      deps.onRequest?.({ method, path, status, weight, ...(keyAcc ? { accountId: keyAcc.id } : {}), ...(fault ? { fault } : {}) });

    let used = 0;
    const send = (status: number, payload: string, extra: Record<string, string> = {}): void => {
      // X-Paper-Market-Time: the replay clock, so a client can judge mark freshness in market time.
      res.writeHead(status, {
        'Content-Type': 'application/json;charset=UTF-8',
        'X-MBX-USED-WEIGHT-1M': String(used),
        'X-Paper-Market-Time': String(deps.engine.now()),
        ...extra,
      });
      res.end(payload);
    };
    const sendError = (e: PaperApiError, extra: Record<string, string> = {}): void => {
      send(e.httpStatus, JSON.stringify(e.toJSON()), extra);
      log(e.httpStatus);
    };

    deps.driver?.sync();

    const route = routes.get(`${method} ${path}`);
    if (route === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(`Not Found: ${method} ${path}`);
      log(404);
      return;
    }

    const echo = deps.faults.take(['echo-key'], target);
    if (echo !== undefined) {
      // The key quoted bare in the message, as a careless venue or proxy might: only a redactor that
      // knows the key by value can hide it.
      send(400, JSON.stringify({ code: -2015, msg: `Invalid API-key, IP, or permissions for action, request ip: 127.0.0.1, key ${apiKey ?? ''}` }));
      log(400, 'echo-key');
      return;
    }

    const transport = deps.faults.take(['http500', 'http503', 'http429', 'timeout', 'malformed-json'], target);
    if (transport?.kind === 'http500' || transport?.kind === 'http503') {
      // Binance answers its 5xx with a JSON error body (errors.fapi.json), not plain text.
      const byCode = { [-1000]: E.unknown500, [-1001]: E.internalError, [-1008]: E.serverBusy } as const;
      const e = (transport.code !== undefined ? byCode[transport.code] : transport.kind === 'http500' ? E.internalError : E.serverBusy)();
      const status = transport.kind === 'http500' ? 500 : 503;
      send(status, JSON.stringify(e.toJSON()));
      log(status, transport.kind);
      return;
    }
    if (transport?.kind === 'http429') {
      sendError(E.tooManyRequests(deps.weights.limit), { 'Retry-After': '60' });
      return;
    }
    if (transport?.kind === 'timeout' && !transport.afterProcessing) {
      hang(res, transport.hangMs);
      log(0, 'timeout');
      return;
    }

    // Market time: a stepped or sped-up replay gets the budget of the simulated minute.
    const charge = deps.weights.charge(apiKey ?? `ip:${req.socket.remoteAddress ?? '?'}`, weight, deps.engine.now());
    used = charge.used;
    if (!charge.allowed) {
      sendError(E.tooManyRequests(deps.weights.limit), { 'Retry-After': String(charge.retryAfterS) });
      return;
    }

    let result: unknown;
    try {
      let acc = keyAcc;
      if (route.signed) {
        if (apiKey === undefined || apiKey === '') throw E.apiKeyFormat();
        if (acc === undefined) throw E.invalidApiKey();
        verify(acc, rawQuery, body, params, wallNow(deps));
        if (route.trade && !acc.canTrade) throw E.invalidApiKey();
      }
      const ctx: Ctx = {
        deps,
        method,
        path,
        params,
        acc: acc as PaperAccount,
        target,
        take: (kind) => deps.faults.take([kind], target),
      };
      result = route.handler(ctx);
    } catch (e) {
      if (e instanceof PaperApiError) {
        sendError(e);
        return;
      }
      throw e;
    }

    if (transport?.kind === 'timeout') {
      hang(res, transport.hangMs);
      log(0, 'timeout');
      return;
    }
    const json = JSON.stringify(result);
    if (transport?.kind === 'malformed-json') {
      send(200, json.slice(0, Math.max(1, Math.floor(json.length / 2))));
      log(200, 'malformed-json');
      return;
    }
    send(200, json);
    log(200);
  };

  const server = createServer((req, res) => {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawQuery = q >= 0 ? rawUrl.slice(q + 1) : '';
    const url = new URL(rawUrl, 'http://paper.local');
    const work = url.pathname.startsWith('/paper/') || url.pathname === '/paper'
      ? readBody(req).then((body) => handleControl(req, res, url, body, deps))
      : handleBinance(req, res, url, rawQuery);
    work.catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const msg = err instanceof Error ? err.message : String(err);
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code: -1000, msg: `paper exchange internal error: ${msg}` }));
    });
  });

  return {
    server,
    dispose: () => {
      for (const h of hanging) {
        clearTimeout(h.timer);
        h.res.destroy();
      }
      hanging.clear();
    },
  };
}
