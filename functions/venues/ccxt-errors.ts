// ccxt's error classes from the base module: importing 'ccxt' would pull in every exchange.
import {
  AuthenticationError,
  BadResponse,
  DDoSProtection,
  RateLimitExceeded,
  NetworkError,
  NullResponse,
} from '../../node_modules/ccxt/js/src/base/errors.js';
import { redactText } from '../redact.ts';
import { ExchangeAuthError, ExchangeDataError, ExchangeRateLimitError, ExchangeUnavailableError, RiskGuardError } from '../errors.ts';

/**
 * What a venue's error codes mean, beyond ccxt's classes (each venue module's errors.ts): ccxt
 * maps some codes surprisingly, and the guard must tell "the key is wrong" (alert at once) from
 * "try again" (retry) from "the request was wrong".
 */
export interface VenueErrors {
  readonly venue: string;
  /** Codes that mean "the key is wrong" whatever class ccxt gives them. */
  readonly auth: readonly string[];
  /** Codes that mean "the venue could not process it now; try again". */
  readonly unavailable: readonly string[];
  /** The venue's origins ccxt quotes in messages, replaced by the account's base URL (paper, testnet). */
  readonly origins?: RegExp;
  /**
   * Messages that mean "the key is wrong", for venues that answer with text rather than codes
   * (Hyperliquid: `User or API Wallet 0x… does not exist.`, which ccxt raises as InvalidOrder).
   */
  readonly authMessages?: readonly RegExp[];
  /** Messages that mean "the venue could not process it now; try again", for venues without codes. */
  readonly unavailableMessages?: readonly RegExp[];
}

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

/** Maps anything ccxt (or fetch) throws to the project's hierarchy, keeping the cause. */
export function classifyCcxtError(err: unknown, errors: VenueErrors, what: string, ctx: CallContext = {}): RiskGuardError {
  const venue = errors.venue;
  if (err instanceof RiskGuardError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const shown = ctx.baseUrl && errors.origins ? message.replace(errors.origins, ctx.baseUrl.replace(/\/+$/, '')) : message;
  const where = ctx.endpoint ? ` (${scrub(ctx.endpoint)}${ctx.status ? ` → HTTP ${ctx.status}` : ''})` : '';
  const text = `${venue} ${what}${where}: ${scrub(shown)}`;
  if (errors.auth.some((c) => mentionsCode(message, c))) return new ExchangeAuthError(text, { cause: err });
  if (errors.authMessages?.some((r) => r.test(message))) return new ExchangeAuthError(text, { cause: err });
  if (err instanceof AuthenticationError) return new ExchangeAuthError(text, { cause: err });
  // The venue asks to slow down (429) or has banned the IP for a while (418): wait as told.
  if (err instanceof RateLimitExceeded || err instanceof DDoSProtection || ctx.status === 429 || ctx.status === 418) {
    const status = ctx.status === 418 || ctx.status === 429 ? ctx.status : null;
    return new ExchangeRateLimitError(text, { cause: err, retryAfterMs: ctx.retryAfterMs ?? null, status });
  }
  // Timeouts, 5xx, maintenance, clock skew: worth a retry within the tick.
  if (err instanceof NetworkError) return new ExchangeUnavailableError(text, { cause: err });
  if (errors.unavailable.some((c) => mentionsCode(message, c))) return new ExchangeUnavailableError(text, { cause: err });
  if (errors.unavailableMessages?.some((r) => r.test(message))) return new ExchangeUnavailableError(text, { cause: err });
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
