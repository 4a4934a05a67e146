// ccxt's error classes from the base module: importing 'ccxt' would pull in every exchange.
import {
  AuthenticationError,
  BadResponse,
  DDoSProtection,
  RateLimitExceeded,
  NetworkError,
  NullResponse,
} from '../../../node_modules/ccxt/js/src/base/errors.js';
import { redactText } from '../../redact.ts';
import { ExchangeAuthError, ExchangeDataError, ExchangeRateLimitError, ExchangeUnavailableError, RiskGuardError } from '../../errors.ts';

/**
 * Venue codes that mean "the key is wrong" whatever class ccxt gives them. ccxt raises Binance's
 * -2015 as DDoSProtection (a retryable network error) once the key has worked before, which is
 * also what a revoked key looks like: a guard must say so loudly rather than retry quietly.
 */
const AUTH_CODES: Record<string, string[]> = {
  binanceusdm: ['-2014', '-2015', '-1022'],
};

/**
 * Venue codes that mean "the venue could not process it now; try again". Binance answers them as
 * JSON with HTTP 500/503 (errors.fapi.json: -1001 "Internal error; unable to process your request.
 * Please try again."), and ccxt 4.5.84 maps them to OperationFailed / ExchangeError (binance.js
 * exceptions: -1000, -1001 OperationFailed; -1006 OperationFailed; -1008 OperationFailed), which
 * are not NetworkErrors. On a read that is a hiccup worth a retry; an order whose status is
 * unknown (-1006/-1007) is settled by the executor's re-read, never re-sent blindly.
 */
const UNAVAILABLE_CODES: Record<string, string[]> = {
  binanceusdm: ['-1000', '-1001', '-1006', '-1007', '-1008'],
};

/** Where the request really went: ccxt quotes Binance's URLs even when a fetch redirected them. */
export interface CallContext {
  /** HTTP status of the last response within the call, when there was one. */
  status?: number;
  /** The request as really sent, e.g. "GET http://127.0.0.1:41234/fapi/v3/account". */
  endpoint?: string;
  /** The account's base URL (paper exchange, testnet) that replaces Binance's hosts in messages. */
  baseUrl?: string;
  /** How long a 429/418 answer asked the client to wait (Retry-After), ms. */
  retryAfterMs?: number;
}

const mentionsCode = (message: string, code: string) => message.includes(`"code":${code}`) || message.includes(`"code": ${code}`);

const BINANCE_ORIGINS = /https:\/\/(fapi|api|dapi|papi)\.binance\.com/g;

/** Maps anything ccxt (or fetch) throws to the project's hierarchy, keeping the cause. */
export function classifyCcxtError(err: unknown, venue: string, what: string, ctx: CallContext = {}): RiskGuardError {
  if (err instanceof RiskGuardError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const shown = ctx.baseUrl ? message.replace(BINANCE_ORIGINS, ctx.baseUrl.replace(/\/+$/, '')) : message;
  const where = ctx.endpoint ? ` (${scrub(ctx.endpoint)}${ctx.status ? ` → HTTP ${ctx.status}` : ''})` : '';
  const text = `${venue} ${what}${where}: ${scrub(shown)}`;
  if ((AUTH_CODES[venue] ?? []).some((c) => mentionsCode(message, c))) return new ExchangeAuthError(text, { cause: err });
  if (err instanceof AuthenticationError) return new ExchangeAuthError(text, { cause: err });
  // The venue asks to slow down (429) or has banned the IP for a while (418): wait as told.
  if (err instanceof RateLimitExceeded || err instanceof DDoSProtection || ctx.status === 429 || ctx.status === 418) {
    const status = ctx.status === 418 || ctx.status === 429 ? ctx.status : null;
    return new ExchangeRateLimitError(text, { cause: err, retryAfterMs: ctx.retryAfterMs ?? null, status });
  }
  // Timeouts, 5xx, maintenance, clock skew: worth a retry within the tick.
  if (err instanceof NetworkError) return new ExchangeUnavailableError(text, { cause: err });
  if ((UNAVAILABLE_CODES[venue] ?? []).some((c) => mentionsCode(message, c))) return new ExchangeUnavailableError(text, { cause: err });
  // Any other answer with a 5xx status is the venue failing, not the request being wrong.
  if (ctx.status !== undefined && ctx.status >= 500) return new ExchangeUnavailableError(text, { cause: err });
  if (err instanceof BadResponse || err instanceof NullResponse) return new ExchangeDataError(text, { cause: err });
  if (err instanceof TypeError && /fetch failed|ECONNREFUSED|ECONNRESET|socket/i.test(message)) {
    return new ExchangeUnavailableError(text, { cause: err });
  }
  return new ExchangeDataError(text, { cause: err });
}

/**
 * ccxt echoes request URLs (signed query strings) and venue error bodies (which may quote the key)
 * into its messages: one redactor for all of it, functions/redact.ts.
 */
export function scrub(message: string): string {
  return redactText(message);
}
