import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PaperAccount } from '../../core/index.ts';
import type { FaultKind, FaultTarget } from '../../faults.ts';
import type { DialectDeps, DialectHandler, DialectOptions } from '../types.ts';
import { asOkxError, OE, OkxApiError } from './errors.ts';
import { OkxRateLimiter } from './rate-limit.ts';
import { buildRoutes, wallNow, type Ctx, type OkxDeps } from './routes.ts';
import { verifyOkx } from './signature.ts';

/**
 * The OKX v5 request pipeline: route lookup, transport faults, the endpoint's rate limit
 * (per User ID or IP), then the key, passphrase, timestamp and signature as OKX checks them, then
 * the route. Every answer is the `{code, msg, data}` envelope; 5xx answers carry it too.
 */

type Send = (status: number, payload: string) => void;

export function createOkxHandler(base: DialectDeps, _options: DialectOptions): DialectHandler {
  const deps: OkxDeps = { ...base, algoMeta: new Map() };
  const routes = buildRoutes();
  const limiter = new OkxRateLimiter();

  return async (req: IncomingMessage, res: ServerResponse, url: URL, rawQuery: string, rawBody: string): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const body = method === 'GET' ? '' : rawBody;
    const keyHeader = req.headers['ok-access-key'];
    const apiKey = typeof keyHeader === 'string' ? keyHeader : undefined;
    const keyAcc = apiKey !== undefined ? deps.engine.findByApiKey(apiKey) : undefined;
    const target: FaultTarget = { method, path, ...(keyAcc !== undefined ? { accountId: keyAcc.id } : {}) };
    const log = (status: number, fault?: FaultKind): void =>
      deps.onRequest?.({ method, path, status, weight: 1, ...(keyAcc ? { accountId: keyAcc.id } : {}), ...(fault ? { fault } : {}) });
    const send: Send = (status, payload) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'X-Paper-Market-Time': String(deps.engine.now()) });
      res.end(payload);
    };
    const sendError = (e: OkxApiError, fault?: FaultKind): void => {
      send(e.httpStatus, JSON.stringify(e.toJSON()));
      log(e.httpStatus, fault);
    };

    deps.driver?.sync();
    const route = routes.get(`${method} ${path}`);
    if (route === undefined) {
      send(404, JSON.stringify({ code: '404', msg: 'Not Found', data: [] }));
      log(404);
      return;
    }

    if (deps.faults.take(['echo-key'], target) !== undefined) {
      // The key quoted bare in the message, as a careless venue or proxy might.
      send(401, JSON.stringify({ code: '50111', msg: `Invalid OK-ACCESS-KEY ${apiKey ?? ''}`, data: [] }));
      log(401, 'echo-key');
      return;
    }
    const transport = deps.faults.take(['http500', 'http503', 'http429', 'timeout', 'malformed-json'], target);
    if (transport?.kind === 'http500') return sendError(OE.systemError(), 'http500');
    if (transport?.kind === 'http503') return sendError(OE.unavailable(), 'http503');
    if (transport?.kind === 'http429') return sendError(OE.tooManyRequests(), 'http429');
    if (transport?.kind === 'timeout' && !transport.afterProcessing) {
      deps.hang(res, transport.hangMs);
      log(0, 'timeout');
      return;
    }

    const endpoint = path.replace(/^\/api\/v5\//, '');
    const who = route.signed ? (keyAcc?.id ?? `key:${apiKey ?? ''}`) : `ip:${req.socket.remoteAddress ?? ''}`;
    if (!limiter.allow(endpoint, who, deps.engine.now())) return sendError(OE.tooManyRequests());

    let data: unknown[];
    try {
      let acc: PaperAccount | undefined;
      if (route.signed) {
        const pathWithQuery = rawQuery !== '' ? `${path}?${rawQuery}` : path;
        acc = verifyOkx(req, keyAcc, method, pathWithQuery, body, wallNow(deps), false);
        if (route.trade && !acc.canTrade) throw OE.noPermission();
      }
      let parsed: unknown = undefined;
      if (method === 'POST') {
        try {
          parsed = body === '' ? {} : JSON.parse(body);
        } catch {
          throw new OkxApiError('50002', 'Json data format error', 400);
        }
      }
      const ctx: Ctx = { deps, query: url.searchParams, body: parsed, acc: acc as PaperAccount, target, take: (kind) => deps.faults.take([kind], target) };
      data = route.handler(ctx);
    } catch (e) {
      const api = asOkxError(e);
      if (api === undefined) throw e;
      return sendError(api);
    }

    if (transport?.kind === 'timeout') {
      deps.hang(res, transport.hangMs);
      log(0, 'timeout');
      return;
    }
    let code = '0';
    let msg = '';
    if (route.items) {
      const failed = data.filter((d) => (d as { sCode?: string }).sCode !== '0').length;
      if (failed === data.length && failed > 0) [code, msg] = ['1', 'All operations failed'];
      else if (failed > 0) [code, msg] = ['2', 'Bulk operation partially succeeded'];
    }
    const json = JSON.stringify({ code, msg, data });
    if (transport?.kind === 'malformed-json') {
      send(200, json.slice(0, Math.max(1, Math.floor(json.length / 2))));
      log(200, 'malformed-json');
      return;
    }
    send(200, json);
    log(200);
  };
}
