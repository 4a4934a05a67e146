import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import type { PaperAccount } from '../../core/index.ts';
import type { ActiveFault, FaultKind, FaultTarget } from '../../faults.ts';
import { clientIpKey, WeightTracker } from '../binanceusdm/rate-limit.ts';
import type { DialectDeps, DialectHandler, DialectOptions } from '../types.ts';
import { ActionSchemas, answerL1, cancelEverything, err, OK_DEFAULT } from './exchange.ts';
import { answerInfo, type InfoCtx } from './info.ts';
import { l1Signer, userSignedSigner, USER_SIGNED_TYPES, type Sig } from './signature.ts';
import { hyperliquidState, type HyperliquidState } from './state.ts';

/**
 * The Hyperliquid request pipeline: POST /info (reads) and POST /exchange (signed actions). Per
 * request: transport faults, the per-IP weight (1,200 a minute), then for /exchange the signer
 * recovered from the signature, which must be the account's master wallet or one of its registered,
 * unexpired agents — else, as the venue: `{"status":"err","response":"User or API Wallet 0x… does
 * not exist."}` (HTTP 200; ccxt 4.5.84 hyperliquid.js handleErrors quotes it).
 *
 * Weights — "Rate limits and user limits", https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits:
 * REST requests share 1,200 weight per minute per IP; an /exchange action weighs 1 + floor(batch length / 40);
 * /info l2Book, allMids, clearinghouseState, orderStatus, spotClearinghouseState and exchangeStatus weigh 2,
 * userRole 60, every other documented info request 20; some history reads (userFills, userFillsByTime,
 * userFunding, historicalOrders, fundingHistory, …) weigh 1 more per 20 items returned
 * (https://docs.rs/crate/guilder-client-hyperliquid/0.2.0/source/README.md quoting the docs).
 */

const LIGHT_INFO = new Set(['l2Book', 'allMids', 'clearinghouseState', 'orderStatus', 'spotClearinghouseState', 'exchangeStatus']);
// The per-item surcharge list as guilder-client-hyperliquid's README quotes the docs (userNonFundingLedgerUpdates is not on it).
const PER_ITEM_INFO = new Set(['userFills', 'userFillsByTime', 'userFunding', 'historicalOrders', 'fundingHistory', 'recentTrades']);

/** The weight of an /info request of `type` (before the per-item surcharge). */
export const infoWeight = (type: unknown): number => (LIGHT_INFO.has(String(type)) ? 2 : type === 'userRole' ? 60 : 20);
/** The weight of an /exchange action with `batch` orders or cancels. */
export const actionWeight = (batch: number): number => 1 + Math.floor(batch / 40);

/** Hyperliquid's default per-IP budget. */
export const HYPERLIQUID_WEIGHT_LIMIT = 1_200;

type Send = (status: number, payload: string, contentType?: string) => void;

function wallNow(deps: DialectDeps): number {
  return Date.now() + deps.wall.offsetMs;
}

/** Runs a due scheduleCancel of any account (checked on every request, wall clock). */
function runScheduledCancels(deps: DialectDeps, state: HyperliquidState, now: number): void {
  for (const [id, at] of state.scheduledCancels) {
    if (now < at) continue;
    state.scheduledCancels.delete(id);
    const acc = deps.engine.listAccounts().find((a) => a.id === id);
    if (acc !== undefined) cancelEverything(deps.engine, acc);
  }
}

function parseBody(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const SigSchema = z.object({ r: z.string().regex(/^0x[0-9a-fA-F]{1,64}$/), s: z.string().regex(/^0x[0-9a-fA-F]{1,64}$/), v: z.number().int() });
const ExchangeBodySchema = z.object({
  action: z.object({ type: z.string() }).passthrough(),
  nonce: z.number().int().nonnegative(),
  signature: SigSchema,
  vaultAddress: z.string().regex(/^(0x)?[0-9a-fA-F]{40}$/).nullable().optional(),
  expiresAfter: z.number().int().nullable().optional(),
});

/** An /exchange body the venue could deserialize: envelope, signature and (for known actions) the action's fields. */
function wellFormedExchange(body: Record<string, unknown>): boolean {
  const env = ExchangeBodySchema.safeParse(body);
  if (!env.success) return false;
  const schema = ActionSchemas[env.data.action.type];
  return schema === undefined || schema.safeParse(env.data.action).success;
}

/** Who an /exchange request is for: its recovered signer and the account that signer may act for. */
function whoSigned(deps: DialectDeps, state: HyperliquidState, body: Record<string, unknown>, now: number): { acc: PaperAccount | undefined; signer: string | null; userSigned: boolean } {
  const action = body.action as Record<string, unknown>;
  const userSigned = USER_SIGNED_TYPES[String(action.type)] !== undefined;
  const sig = body.signature as Sig;
  // vaultAddress is part of the signed hash; the paper has no vaults or sub-accounts, so the action is the signer's account's.
  const vault = typeof body.vaultAddress === 'string' ? body.vaultAddress : undefined;
  const expiresAfter = typeof body.expiresAfter === 'number' ? body.expiresAfter : undefined;
  const signer = userSigned ? userSignedSigner(action, sig) : l1Signer(action, Number(body.nonce), sig, vault, expiresAfter);
  const found = signer !== null ? state.signerAccount(deps.engine, signer, now) : undefined;
  // A user-signed action must come from the master wallet; an agent cannot sign it.
  const acc = found !== undefined && !(userSigned && found.role !== 'master') ? found.acc : undefined;
  return { acc, signer, userSigned };
}

/** The answer to a well-formed /exchange request: signer, nonce, address limit, then the action. */
function answerExchange(
  deps: DialectDeps,
  state: HyperliquidState,
  r: { body: Record<string, unknown>; action: Record<string, unknown>; acc: PaperAccount | undefined; signer: string | null; userSigned: boolean; batch: number; now: number; take: (kinds: FaultKind[]) => ActiveFault | undefined },
): unknown {
  const { action, acc, signer } = r;
  const type = String(action.type);
  if (type === 'approveBuilderFee' || type === 'setReferrer' || (type === 'order' && action.builder !== undefined)) {
    state.received.push({ type: type === 'order' ? 'order+builder' : type, accountId: acc?.id ?? null, signer, at: r.now, ...(action.builder !== undefined ? { builder: action.builder } : {}) });
  }
  if (acc === undefined || signer === null) return err(`User or API Wallet ${signer ?? '0x0000000000000000000000000000000000000000'} does not exist.`);
  const nonceProblem = state.useNonce(signer, Number(r.body.nonce));
  if (nonceProblem !== null) return err(nonceProblem);
  if (r.userSigned) return OK_DEFAULT;
  const kindOf = type === 'order' ? 'order' : type === 'cancel' || type === 'cancelByCloid' ? 'cancel' : 'other';
  const limited = state.chargeAction(acc, kindOf, r.batch, deps.engine.now());
  if (limited !== null) return err(limited);
  return answerL1({ engine: deps.engine, state, acc, take: (k) => r.take([k]) }, action, r.now);
}

/** The Hyperliquid handler over `deps` (one weight budget per client IP for the server's life). */
export function createHyperliquidHandler(deps: DialectDeps, options: DialectOptions): DialectHandler {
  const weights = new WeightTracker({ weightLimit: options.weightLimit ?? HYPERLIQUID_WEIGHT_LIMIT, banAfter429s: options.banAfter429s ?? Number.POSITIVE_INFINITY, ...(options.banMs !== undefined ? { banMs: options.banMs } : {}) });
  const state = hyperliquidState(deps.engine);

  return async (req: IncomingMessage, res: ServerResponse, url: URL, _rawQuery: string, rawBody: string): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const send: Send = (status, payload, contentType = 'application/json') => {
      res.writeHead(status, { 'Content-Type': contentType, 'X-Paper-Market-Time': String(deps.engine.now()) });
      res.end(payload);
    };
    deps.driver?.sync();
    const now = wallNow(deps);
    runScheduledCancels(deps, state, now);

    if (method !== 'POST' || (path !== '/info' && path !== '/exchange')) {
      send(404, `Not Found: ${method} ${path}`, 'text/plain');
      deps.onRequest?.({ method, path, status: 404, weight: 0 });
      return;
    }
    const body = parseBody(rawBody);
    if (body === undefined) {
      // The venue's answer to a body it cannot read.
      send(422, 'Failed to deserialize the JSON body into the target type', 'text/plain');
      deps.onRequest?.({ method, path, status: 422, weight: 0 });
      return;
    }

    if (path === '/exchange' && !wellFormedExchange(body)) {
      send(422, 'Failed to deserialize the JSON body into the target type', 'text/plain');
      deps.onRequest?.({ method, path, status: 422, weight: 0 });
      return;
    }

    const action = (body.action ?? {}) as Record<string, unknown>;
    const { acc, signer, userSigned } = path === '/info' ? { acc: state.accountOfUser(deps.engine, body.user), signer: null, userSigned: false } : whoSigned(deps, state, body, now);
    const kind = path === '/info' ? String(body.type) : String(action.type);
    const batch = Array.isArray(action.orders) ? action.orders.length : Array.isArray(action.cancels) ? action.cancels.length : 0;
    let weight = path === '/info' ? infoWeight(body.type) : actionWeight(batch);
    const plain: FaultTarget = { method, path, ...(acc ? { accountId: acc.id } : {}) };
    const typed: FaultTarget = { ...plain, path: `${path}/${kind}` };
    const take = (kinds: FaultKind[]): ActiveFault | undefined => deps.faults.take(kinds, typed) ?? deps.faults.take(kinds, plain);
    const log = (status: number, fault?: FaultKind): void =>
      deps.onRequest?.({ method, path: `${path}/${kind}`, status, weight, ...(acc ? { accountId: acc.id } : {}), ...(fault ? { fault } : {}) });

    if (take(['echo-key']) !== undefined) {
      // A careless error that quotes the request's signature bare (no secret travels to Hyperliquid:
      // the key never leaves the client; this rehearses a redactor that must not need it to).
      send(400, JSON.stringify(err(`Invalid signature ${JSON.stringify(body.signature ?? null)}`)));
      log(400, 'echo-key');
      return;
    }
    const transport = take(['http500', 'http503', 'http429', 'timeout', 'malformed-json']);
    if (transport?.kind === 'http500' || transport?.kind === 'http503') {
      const status = transport.kind === 'http500' ? 500 : 503;
      send(status, JSON.stringify({ error: status === 500 ? 'Internal server error' : 'Service unavailable' }));
      log(status, transport.kind);
      return;
    }
    if (transport?.kind === 'http429') {
      send(429, 'Too Many Requests', 'text/plain');
      log(429, 'http429');
      return;
    }
    if (transport?.kind === 'timeout' && !transport.afterProcessing) {
      deps.hang(res, transport.hangMs);
      log(0, 'timeout');
      return;
    }

    const charge = weights.charge(clientIpKey(req.socket.remoteAddress), weight, deps.engine.now());
    if (charge.status !== 'ok') {
      res.writeHead(429, { 'Content-Type': 'text/plain', 'Retry-After': String(charge.retryAfterS) });
      res.end('Too Many Requests');
      log(429);
      return;
    }

    let result: unknown;
    if (path === '/info') {
      const ctx: InfoCtx = { engine: deps.engine, state, wallNow: now, take: (k) => take([k]) };
      result = answerInfo(ctx, body, acc);
      if (result === undefined) {
        send(422, 'Failed to deserialize the JSON body into the target type', 'text/plain');
        log(422);
        return;
      }
      if (PER_ITEM_INFO.has(kind) && Array.isArray(result) && result.length >= 20) {
        const extra = Math.floor(result.length / 20);
        weight += extra;
        weights.charge(clientIpKey(req.socket.remoteAddress), extra, deps.engine.now());
      }
    } else {
      result = answerExchange(deps, state, { body, action, acc, signer, userSigned, batch, now, take });
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
