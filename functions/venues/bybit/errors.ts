import type { VenueErrors } from '../ccxt-errors.ts';

/**
 * Bybit v5 error codes as the guard reads them (https://bybit-exchange.github.io/docs/v5/error;
 * ccxt 4.5.84 bybit.js `exceptions.exact`). Bybit's envelope says `"retCode":10003`, which the
 * generic `"code":` match does not see: the codes are matched by message instead.
 */
export const BYBIT_ERRORS: VenueErrors = Object.freeze({
  venue: 'bybit',
  auth: [],
  /**
   * 10003 invalid API key, 10004 bad signature, 10005 permission denied, 10007 no key, 10009 IP
   * banned (ccxt: AuthenticationError), 10010 "request ip mismatch" (ccxt: PermissionDenied): the key
   * or its IP allow-list is wrong — alert at once, retrying will not help.
   */
  authMessages: [/"retCode":\s*1000[34579]\b/, /"retCode":\s*10010\b/],
  unavailable: [],
  /**
   * 10000 "Server Timeout", 10016 "Internal system error" / "Service is restarting" (ccxt:
   * ExchangeError, not a NetworkError), 5004 "Server Timeout": the venue could not process it now.
   */
  unavailableMessages: [/"retCode":\s*(10000|10016|5004)\b/],
  origins: /https:\/\/api(-testnet|-demo)?\.(bybit|bytick)\.com/g,
});

/** Bybit's own code in a ccxt error message (ccxt quotes the body: `bybit {"retCode":110017,…}`), or null. */
export function bybitRetCode(message: string): number | null {
  const m = /"retCode":\s*(-?\d+)/.exec(message);
  return m ? Number(m[1]) : null;
}

/**
 * How long to leave Bybit alone after it says "too many" (ms): the IP limit's HTTP 403 "access too
 * frequent" asks to "wait for at least 10 minutes" (https://bybit-exchange.github.io/docs/v5/rate-limit);
 * a 10006 (per-UID, per-second) is backed off for two minutes, not seconds, so a crash's close
 * does not keep hitting a limit the account shares with the owner's own bot.
 */
export const BACKOFF_403_MS = 10 * 60_000;
export const BACKOFF_10006_MS = 2 * 60_000;
