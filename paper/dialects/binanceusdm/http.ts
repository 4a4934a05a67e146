import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PaperAccount } from '../../core/index.ts';
import type { ActiveFault, FaultKind, FaultTarget } from '../../faults.ts';
import type { DialectDeps, DialectHandler, DialectOptions } from '../types.ts';
import { asBinanceError, E, type PaperApiError } from './errors.ts';
import { algoRoutes, historyRoutes, orderRoutes } from './order-routes.ts';
import { paramsOf } from './params.ts';
import { clientIpKey, requestWeight, WeightTracker } from './rate-limit.ts';
import { accountRoutes, marketRoutes, wallNow, type BinanceDeps, type Ctx, type RouteTable } from './routes.ts';
import { verify } from './signature.ts';

/**
 * The Binance request pipeline: the subset of Binance USDⓈ-M REST (fapi host) and two sapi
 * endpoints that ccxt's binanceusdm uses. Per request: route lookup, transport faults, request
 * weight per client IP (429 / 418), then the API key, the HMAC signature and the timestamp as
 * Binance checks them, then the route; engine rejects are answered in Binance's words.
 */

function buildRoutes(): RouteTable {
  const r: RouteTable = new Map();
  marketRoutes(r);
  accountRoutes(r);
  orderRoutes(r);
  algoRoutes(r);
  historyRoutes(r);
  return r;
}

type Send = (status: number, payload: string, extra?: Record<string, string>) => void;

/** Faults that answer before the request is processed: 5xx, 429, and a timeout before processing. True when answered. */
function answerTransportFault(deps: BinanceDeps, res: ServerResponse, transport: ActiveFault | undefined, send: Send, log: (status: number, fault?: FaultKind) => void): boolean {
  if (transport?.kind === 'http500' || transport?.kind === 'http503') {
    // Binance answers its 5xx with a JSON error body (errors.fapi.json), not plain text.
    const byCode = { [-1000]: E.unknown500, [-1001]: E.internalError, [-1008]: E.serverBusy } as const;
    const e = (transport.code !== undefined ? byCode[transport.code] : transport.kind === 'http500' ? E.internalError : E.serverBusy)();
    const status = transport.kind === 'http500' ? 500 : 503;
    send(status, JSON.stringify(e.toJSON()));
    log(status, transport.kind);
    return true;
  }
  if (transport?.kind === 'http429') {
    const e = E.tooManyRequests(deps.weights.limit);
    send(e.httpStatus, JSON.stringify(e.toJSON()), { 'Retry-After': '60' });
    log(e.httpStatus);
    return true;
  }
  if (transport?.kind === 'timeout' && !transport.afterProcessing) {
    deps.hang(res, transport.hangMs);
    log(0, 'timeout');
    return true;
  }
  return false;
}

/** The Binance USDⓈ-M handler over `deps` (one weight budget per client IP for the server's life). */
export function createBinanceHandler(base: DialectDeps, options: DialectOptions): DialectHandler {
  const deps: BinanceDeps = { ...base, weights: new WeightTracker(options) };
  const routes = buildRoutes();

  return async (req: IncomingMessage, res: ServerResponse, url: URL, rawQuery: string, rawBody: string): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    // Binance ignores a GET body (and so does its signature).
    const body = method === 'GET' ? '' : rawBody;
    const params = paramsOf(rawQuery, body, req.headers['content-type']);
    const apiKeyHeader = req.headers['x-mbx-apikey'];
    const apiKey = typeof apiKeyHeader === 'string' ? apiKeyHeader : undefined;
    const keyAcc = apiKey !== undefined ? deps.engine.findByApiKey(apiKey) : undefined;
    const target: FaultTarget = { method, path, ...(keyAcc !== undefined ? { accountId: keyAcc.id } : {}) };
    const weight = requestWeight(method, path, params.symbol !== undefined);
    const log = (status: number, fault?: FaultKind): void =>
      deps.onRequest?.({ method, path, status, weight, ...(keyAcc ? { accountId: keyAcc.id } : {}), ...(fault ? { fault } : {}) });

    let used = 0;
    const send: Send = (status, payload, extra = {}) => {
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
    if (answerTransportFault(deps, res, transport, send, log)) return;

    // Per client IP, whatever the key (Binance's limits are per IP). Market time: a stepped or
    // sped-up replay gets the budget of the simulated minute.
    const charge = deps.weights.charge(clientIpKey(req.socket.remoteAddress), weight, deps.engine.now());
    used = charge.used;
    if (charge.status === 'limited') return sendError(E.tooManyRequests(deps.weights.limit), { 'Retry-After': String(charge.retryAfterS) });
    if (charge.status === 'banned') return sendError(E.ipBanned(charge.until), { 'Retry-After': String(charge.retryAfterS) });

    let result: unknown;
    try {
      const acc = keyAcc;
      if (route.signed) {
        if (apiKey === undefined || apiKey === '') throw E.apiKeyFormat();
        if (acc === undefined) throw E.invalidApiKey();
        verify(acc, rawQuery, body, params, wallNow(deps));
        if (route.trade && !acc.canTrade) throw E.invalidApiKey();
      }
      const ctx: Ctx = { deps, method, path, params, acc: acc as PaperAccount, target, take: (kind) => deps.faults.take([kind], target) };
      result = route.handler(ctx);
    } catch (e) {
      const api = asBinanceError(e);
      if (api === undefined) throw e;
      return sendError(api);
    }

    if (transport?.kind === 'timeout') {
      deps.hang(res, transport.hangMs);
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
}
