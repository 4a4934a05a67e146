import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PaperAccount } from '../../core/index.ts';
import type { ActiveFault, FaultKind, FaultTarget } from '../../faults.ts';
import type { DialectDeps, DialectHandler, DialectOptions } from '../types.ts';
import { asOrderlyError, OE, type OrderlyApiError } from './errors.ts';
import { ok } from './format.ts';
import { orderlyKeysOf, publicKeyOf, verifySignature } from './keys.ts';
import { LiquidationFreeze } from './liquidation.ts';
import { OrderlyRateLimiter } from './rate-limit.ts';
import { ROUTES, type Ctx, type Route } from './routes.ts';

/**
 * The Orderly request pipeline: route lookup, transport faults, rate limit, then the ed25519
 * authentication as the venue checks it (orderly-account-id, orderly-key, orderly-timestamp,
 * orderly-signature over timestamp + METHOD + path with query + body;
 * https://orderly.network/docs/build-on-omnichain/api-authentication), the key's scope, then the
 * route; engine refusals answered in Orderly's `{success:false, code, message}`.
 */

/** How far the signed timestamp may be from the venue's clock (the paper's choice; Orderly documents none we could cite). */
const TIMESTAMP_WINDOW_MS = 300_000;

function match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const pp = route.pattern.split('/');
    const ap = path.split('/');
    if (pp.length !== ap.length) continue;
    const params: Record<string, string> = {};
    let okay = true;
    for (let i = 0; i < pp.length; i++) {
      const seg = pp[i]!;
      if (seg.startsWith('{')) params[seg.slice(1, -1)] = decodeURIComponent(ap[i]!);
      else if (seg !== ap[i]) okay = false;
    }
    if (okay) return { route, params };
  }
  return undefined;
}

/** The account whose Orderly key this is (keys derive from accounts; a small cache per handler). */
function keyIndex(deps: DialectDeps): (key: string) => PaperAccount | undefined {
  const byKey = new Map<string, PaperAccount>();
  return (key) => {
    const hit = byKey.get(key);
    if (hit !== undefined) return hit;
    for (const acc of deps.engine.listAccounts()) {
      const k = orderlyKeysOf(acc).orderlyKey;
      byKey.set(k, acc);
      if (k === key) return acc;
    }
    return undefined;
  };
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};

/** Checks an Orderly-signed request; returns the key's account or throws the venue's error. */
function authenticate(req: IncomingMessage, method: string, pathAndQuery: string[], body: string, accountOf: (key: string) => PaperAccount | undefined, wall: number): PaperAccount {
  const accountId = header(req, 'orderly-account-id');
  const key = header(req, 'orderly-key');
  const ts = header(req, 'orderly-timestamp');
  const sig = header(req, 'orderly-signature');
  if (accountId === undefined || key === undefined || ts === undefined || sig === undefined) throw OE.unauthorized('orderly-account-id, orderly-key, orderly-timestamp and orderly-signature headers are required');
  if (!/^\d{13}$/.test(ts)) throw OE.invalidSignature('orderly-timestamp must be a timestamp in milliseconds');
  if (Math.abs(wall - Number(ts)) > TIMESTAMP_WINDOW_MS) throw OE.unauthorized('orderly-timestamp is expired or too far in the future');
  const pub = publicKeyOf(key);
  if (pub === null) throw OE.invalidSignature('the orderly key is in wrong format');
  const acc = accountOf(key);
  if (acc === undefined) throw OE.unauthorized('orderly key is invalid: it is not registered, expired or revoked');
  if (orderlyKeysOf(acc).accountId !== accountId) throw OE.unauthorized('orderly key does not belong to orderly-account-id');
  // ccxt signs the query unencoded (rawencode) but sends it encoded; both forms are the same request.
  const signedOk = pathAndQuery.some((pq) => verifySignature(pub, `${ts}${method}${pq}${body}`, sig));
  if (!signedOk) throw OE.invalidSignature('signature verification failed');
  return acc;
}

type Send = (status: number, payload: string) => void;

function transportFault(deps: DialectDeps, res: ServerResponse, f: ActiveFault | undefined, send: Send, log: (s: number, k?: FaultKind) => void): boolean {
  if (f?.kind === 'http500' || f?.kind === 'http503') {
    // JSON bodies, as the venue answers its 5xx (-1000 unknown error, -1011 internal network error).
    const e = f.kind === 'http500' ? OE.unknown('An unknown error occurred while processing the request.') : OE.rpcNotConnect('Can not place/cancel orders, it may because internal network error. Please try again in a few seconds.');
    send(f.kind === 'http500' ? 500 : 503, JSON.stringify(e.toJSON()));
    log(f.kind === 'http500' ? 500 : 503, f.kind);
    return true;
  }
  if (f?.kind === 'http429') {
    send(429, JSON.stringify(OE.tooManyRequests('Rate limit exceed.').toJSON()));
    log(429, 'http429');
    return true;
  }
  if (f?.kind === 'timeout' && !f.afterProcessing) {
    deps.hang(res, f.hangMs);
    log(0, 'timeout');
    return true;
  }
  return false;
}

export function createOrderlyHandler(deps: DialectDeps, options: DialectOptions): DialectHandler {
  const limiter = new OrderlyRateLimiter(options.weightLimit ?? 10);
  const accountOf = keyIndex(deps);
  const freeze = new LiquidationFreeze(deps.engine);
  return async (req, res, url, rawQuery, rawBody) => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const wall = Date.now() + (deps.wall?.offsetMs ?? 0);
    const key = header(req, 'orderly-key');
    const keyAcc = key !== undefined ? accountOf(key) : undefined;
    const target: FaultTarget = { method, path, ...(keyAcc !== undefined ? { accountId: keyAcc.id } : {}) };
    const log = (status: number, fault?: FaultKind): void => deps.onRequest?.({ method, path, status, weight: 1, ...(keyAcc ? { accountId: keyAcc.id } : {}), ...(fault ? { fault } : {}) });
    const send: Send = (status, payload) => {
      res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'X-Paper-Market-Time': String(deps.engine.now()) });
      res.end(payload);
    };
    const sendError = (e: OrderlyApiError): void => {
      send(e.httpStatus, JSON.stringify(e.toJSON()));
      log(e.httpStatus);
    };
    deps.driver?.sync();

    const m = match(method, path);
    if (m === undefined) {
      send(404, JSON.stringify({ success: false, code: -1000, message: `not found: ${method} ${path}` }));
      log(404);
      return;
    }
    if (deps.faults.take(['echo-key'], target) !== undefined) {
      // The key quoted bare in the message, as a careless venue or proxy might.
      send(400, JSON.stringify({ success: false, code: -1002, message: `orderly key ${key ?? ''} is invalid for this request` }));
      log(400, 'echo-key');
      return;
    }
    const transport = deps.faults.take(['http500', 'http503', 'http429', 'timeout', 'malformed-json'], target);
    if (transportFault(deps, res, transport, send, log)) return;
    const who = keyAcc?.id ?? req.socket.remoteAddress ?? '?';
    if (!limiter.take(who, `${method} ${m.route.pattern}`, deps.engine.now(), m.route.limit)) return sendError(OE.tooManyRequests('Rate limit exceed.'));

    let data: unknown;
    try {
      let acc: PaperAccount | undefined;
      const body = method === 'POST' || method === 'PUT' ? rawBody : '';
      if (m.route.signed) {
        const decoded = rawQuery === '' ? '' : `?${decodeURIComponent(rawQuery)}`;
        const raw = rawQuery === '' ? '' : `?${rawQuery}`;
        acc = authenticate(req, method, [path + raw, path + decoded], body, accountOf, wall);
        if (m.route.trade && !acc.canTrade) throw OE.unauthorized('the orderly key has no trading scope');
        if (m.route.trade && freeze.frozen(acc.id)) {
          throw OE.rpcReject('The place/cancel order request is rejected by internal module, it may because the account is in liquidation or other internal errors. Please try again in a few seconds.');
        }
      }
      let parsed: Record<string, unknown> = {};
      if (body !== '') {
        try {
          const v: unknown = JSON.parse(body);
          if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
          parsed = v as Record<string, unknown>;
        } catch {
          throw OE.invalidParam('the request body is not a JSON object');
        }
      }
      const query = Object.fromEntries(new URLSearchParams(rawQuery));
      const frozen = acc !== undefined && freeze.frozen(acc.id);
      const ctx: Ctx = { deps, query, body: parsed, path: m.params, acc: acc as PaperAccount, target, take: (kind) => deps.faults.take([kind], target), wall, frozen };
      data = m.route.handler(ctx);
    } catch (e) {
      const api = asOrderlyError(e);
      if (api === undefined) throw e;
      return sendError(api);
    }
    if (transport?.kind === 'timeout') {
      deps.hang(res, transport.hangMs);
      log(0, 'timeout');
      return;
    }
    const json = JSON.stringify(ok(data, wall));
    if (transport?.kind === 'malformed-json') {
      send(200, json.slice(0, Math.max(1, Math.floor(json.length / 2))));
      log(200, 'malformed-json');
      return;
    }
    send(200, json);
    log(200);
  };
}
