import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActiveFault, FaultKind, FaultTarget } from '../../faults.ts';
import type { DialectDeps, DialectHandler, DialectOptions } from '../types.ts';
import { asBybitError, BE, type BybitApiError } from './errors.ts';
import { historyRoutes, orderRoutes } from './order-routes.ts';
import { paramsOf } from './params.ts';
import { clientIpKey, IpLimiter, UidLimiter, type UidCharge } from './rate-limit.ts';
import { accountRoutes, marketRoutes, wallNow, type Answer, type Ctx, type RouteTable } from './routes.ts';
import { apiKeyOf, verify } from './signature.ts';

/**
 * The Bybit v5 request pipeline (api.bybit.com, UTA, USDT linear). Per request: route lookup,
 * transport faults, the per-IP limit (HTTP 403 "access too frequent", then a ban), the X-BAPI-*
 * authentication and HMAC signature over the exact pre-hash string, the key's trade permission,
 * the per-UID per-endpoint limit (retCode 10006), then the route; every answer is the v5 envelope
 * `{retCode, retMsg, result, retExtInfo, time}`, engine rejects in Bybit's codes and words.
 */

function buildRoutes(): RouteTable {
  const r: RouteTable = new Map();
  marketRoutes(r);
  accountRoutes(r);
  orderRoutes(r);
  historyRoutes(r);
  return r;
}

type Send = (status: number, payload: string, extra?: Record<string, string>) => void;

const isAnswer = (x: unknown): x is Answer => typeof x === 'object' && x !== null && (x as { __answer?: unknown }).__answer === true;

/** The Bybit handler over `deps`: one IP budget per client IP and one per-UID budget for the server's life. */
export function createBybitHandler(deps: DialectDeps, options: DialectOptions): DialectHandler {
  const routes = buildRoutes();
  const ips = new IpLimiter(undefined, options.banMs);
  const uids = new UidLimiter();

  return async (req: IncomingMessage, res: ServerResponse, url: URL, rawQuery: string, rawBody: string): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const apiKey = apiKeyOf(req.headers);
    const keyAcc = apiKey !== undefined ? deps.engine.findByApiKey(apiKey) : undefined;
    const target: FaultTarget = { method, path, ...(keyAcc !== undefined ? { accountId: keyAcc.id } : {}) };
    const log = (status: number, fault?: FaultKind): void =>
      deps.onRequest?.({ method, path, status, weight: 1, ...(keyAcc ? { accountId: keyAcc.id } : {}), ...(fault ? { fault } : {}) });
    let limits: UidCharge | undefined;
    const send: Send = (status, payload, extra = {}) => {
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        ...(limits
          ? { 'X-Bapi-Limit': String(limits.limit), 'X-Bapi-Limit-Status': String(limits.left), 'X-Bapi-Limit-Reset-Timestamp': String(limits.resetAt) }
          : {}),
        // The replay clock, so a client can judge mark freshness in market time.
        'X-Paper-Market-Time': String(deps.engine.now()),
        ...extra,
      });
      res.end(payload);
    };
    const sendError = (e: BybitApiError): void => {
      send(e.httpStatus, JSON.stringify(e.body(deps.engine.now())));
      log(e.httpStatus);
    };

    deps.driver?.sync();

    const route = routes.get(`${method} ${path}`);
    if (route === undefined) return sendError(BE.notFound());

    if (deps.faults.take(['echo-key'], target) !== undefined) {
      // The key quoted bare in the message, as a careless venue or proxy might.
      send(200, JSON.stringify({ retCode: 10003, retMsg: `API key is invalid. key ${apiKey ?? ''} ip 127.0.0.1`, result: {}, retExtInfo: {}, time: deps.engine.now() }));
      log(200, 'echo-key');
      return;
    }

    const transport = deps.faults.take(['http500', 'http503', 'http429', 'timeout', 'malformed-json'], target);
    if (answerTransportFault(deps, res, transport, send, log)) return;

    // Per client IP, whatever the key; market time, as the Binance dialect's weights.
    const ip = ips.charge(clientIpKey(req.socket.remoteAddress), deps.engine.now());
    if (ip.status === 'banned') {
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      res.end('access too frequent');
      log(403);
      return;
    }

    let result: unknown;
    try {
      const params = paramsOf(method, rawQuery, method === 'GET' ? '' : rawBody);
      if (route.signed) {
        verify(keyAcc, req.headers, method, rawQuery, rawBody, wallNow(deps));
        if (route.trade && !keyAcc!.canTrade) throw BE.permission();
        limits = uids.charge(keyAcc!.id, `${method} ${path}`, deps.engine.now());
        if (!limits.ok) throw BE.tooManyVisits();
      }
      const ctx: Ctx = { deps, method, path, params, acc: keyAcc!, target, take: (kind) => deps.faults.take([kind], target) };
      result = route.handler(ctx);
    } catch (e) {
      const api = asBybitError(e);
      if (api === undefined) throw e;
      return sendError(api);
    }

    if (transport?.kind === 'timeout') {
      deps.hang(res, transport.hangMs);
      log(0, 'timeout');
      return;
    }
    const body = isAnswer(result)
      ? { retCode: 0, retMsg: 'OK', result: result.result, retExtInfo: {}, time: result.time ?? deps.engine.now() }
      : { retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: deps.engine.now() };
    const json = JSON.stringify(body);
    if (transport?.kind === 'malformed-json') {
      send(200, json.slice(0, Math.max(1, Math.floor(json.length / 2))));
      log(200, 'malformed-json');
      return;
    }
    send(200, json);
    log(200);
  };
}

/** Faults that answer before the request is processed. True when answered. */
function answerTransportFault(deps: DialectDeps, res: ServerResponse, transport: ActiveFault | undefined, send: Send, log: (status: number, fault?: FaultKind) => void): boolean {
  if (transport?.kind === 'http500' || transport?.kind === 'http503') {
    // A JSON body with Bybit's "Internal system error." code, not an HTML gateway page.
    const status = transport.kind === 'http500' ? 500 : 503;
    send(status, JSON.stringify(BE.internal().body(deps.engine.now())));
    log(status, transport.kind);
    return true;
  }
  if (transport?.kind === 'http429') {
    // Bybit's IP limit answers HTTP 403 "access too frequent" (docs: rate-limit), not 429.
    res.writeHead(403, { 'Content-Type': 'text/plain' });
    res.end('access too frequent');
    log(403, 'http429');
    return true;
  }
  if (transport?.kind === 'timeout' && !transport.afterProcessing) {
    deps.hang(res, transport.hangMs);
    log(0, 'timeout');
    return true;
  }
  return false;
}
