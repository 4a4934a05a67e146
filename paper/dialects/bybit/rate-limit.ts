/**
 * Bybit's two request limits (https://bybit-exchange.github.io/docs/v5/rate-limit):
 * - per IP: 600 requests in any 5-second window to the API hosts, whatever the key; past it the
 *   answer is HTTP 403 "access too frequent" and the IP should "terminate all HTTP sessions and wait
 *   for at least 10 minutes" — the paper bans it for `banMs` (default 10 minutes);
 * - per UID and endpoint, per second (the "API Rate Limit Table"), answered with retCode 10006
 *   "Too many visits!" and reported on every answer in X-Bapi-Limit, X-Bapi-Limit-Status and
 *   X-Bapi-Limit-Reset-Timestamp.
 * Windows are in the exchange's market clock (the wall clock unless a replay runs faster or is
 * stepped), as the Binance dialect's weights are.
 */

/** Per-UID limits per second of the endpoints the paper serves (UTA, linear); 50/s otherwise. */
const UID_LIMITS: Record<string, number> = {
  'POST /v5/order/create': 10,
  'POST /v5/order/cancel': 10,
  'POST /v5/order/amend': 10,
  // The linear column of the v5 table; one call cancels every symbol of a settle coin.
  'POST /v5/order/cancel-all': 1,
  'GET /v5/order/realtime': 50,
  'GET /v5/order/history': 50,
  'GET /v5/position/list': 50,
  'GET /v5/account/wallet-balance': 50,
  'GET /v5/account/info': 50,
  'GET /v5/account/transaction-log': 30,
  'GET /v5/user/query-api': 10,
  'POST /v5/position/set-leverage': 10,
  'POST /v5/position/switch-mode': 10,
  'POST /v5/account/set-margin-mode': 5,
};
const DEFAULT_UID_LIMIT = 50;

export const IP_WINDOW_MS = 5_000;
export const IP_LIMIT = 600;

/** Loopback clients are one host: one budget. */
export function clientIpKey(remoteAddress: string | undefined): string {
  const a = remoteAddress ?? '?';
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.') ? 'loopback' : a;
}

export type IpCharge = { status: 'ok' } | { status: 'banned'; until: number };

/** Requests per IP in a rolling 5-s window; past the limit, a ban of `banMs`. */
export class IpLimiter {
  private readonly hits = new Map<string, number[]>();
  private readonly bannedUntil = new Map<string, number>();
  constructor(
    readonly limit = IP_LIMIT,
    readonly banMs = 10 * 60_000,
  ) {}

  charge(ip: string, now: number): IpCharge {
    const until = this.bannedUntil.get(ip) ?? 0;
    if (now < until) return { status: 'banned', until };
    const list = (this.hits.get(ip) ?? []).filter((t) => t > now - IP_WINDOW_MS);
    if (list.length >= this.limit) {
      this.hits.set(ip, []);
      this.bannedUntil.set(ip, now + this.banMs);
      return { status: 'banned', until: now + this.banMs };
    }
    list.push(now);
    this.hits.set(ip, list);
    return { status: 'ok' };
  }
}

export interface UidCharge {
  ok: boolean;
  limit: number;
  /** Requests left in the current second (after this one). */
  left: number;
  /** When the window frees a request (ms, market time): now when under the limit. */
  resetAt: number;
}

/** Requests per (account, endpoint) in a rolling 1-s window. */
export class UidLimiter {
  private readonly hits = new Map<string, number[]>();

  charge(accountId: string, route: string, now: number): UidCharge {
    const limit = UID_LIMITS[route] ?? DEFAULT_UID_LIMIT;
    const key = `${accountId} ${route}`;
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - 1_000);
    if (list.length >= limit) {
      this.hits.set(key, list);
      return { ok: false, limit, left: 0, resetAt: list[0]! + 1_000 };
    }
    list.push(now);
    this.hits.set(key, list);
    return { ok: true, limit, left: limit - list.length, resetAt: now };
  }
}
