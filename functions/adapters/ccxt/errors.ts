// ccxt's error classes from the base module: importing 'ccxt' would pull in every exchange.
import {
  AuthenticationError,
  BadResponse,
  NetworkError,
  NullResponse,
} from '../../../node_modules/ccxt/js/src/base/errors.js';
import { redactText } from '../../redact.ts';
import { ExchangeAuthError, ExchangeDataError, ExchangeUnavailableError, RiskGuardError } from '../../errors.ts';

/**
 * Venue codes that mean "the key is wrong" whatever class ccxt gives them. ccxt raises Binance's
 * -2015 as DDoSProtection (a retryable network error) once the key has worked before, which is
 * also what a revoked key looks like: a guard must say so loudly rather than retry quietly.
 */
const AUTH_CODES: Record<string, string[]> = {
  binanceusdm: ['-2014', '-2015', '-1022'],
};

const mentionsCode = (message: string, code: string) => message.includes(`"code":${code}`) || message.includes(`"code": ${code}`);

/** Maps anything ccxt (or fetch) throws to the project's hierarchy, keeping the cause. */
export function classifyCcxtError(err: unknown, venue: string, what: string): RiskGuardError {
  if (err instanceof RiskGuardError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const text = `${venue} ${what}: ${scrub(message)}`;
  if ((AUTH_CODES[venue] ?? []).some((c) => mentionsCode(message, c))) return new ExchangeAuthError(text, { cause: err });
  if (err instanceof AuthenticationError) return new ExchangeAuthError(text, { cause: err });
  // Timeouts, rate limits, 5xx, maintenance, clock skew: worth a retry within the tick.
  if (err instanceof NetworkError) return new ExchangeUnavailableError(text, { cause: err });
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
