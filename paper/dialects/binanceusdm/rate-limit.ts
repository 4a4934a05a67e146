/**
 * Binance-style request weights: each endpoint costs a weight, summed per client IP — not per API
 * key: several keys on one host share one budget, as at Binance ("The limits on the API are based
 * on the IPs, not the API keys", https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info
 * and https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits) — over the current
 * minute of the exchange's market clock (the wall clock unless a replay runs faster or is stepped),
 * reported in X-MBX-USED-WEIGHT-1M. Above the limit (2400/min on USDⓈ-M) requests are refused with
 * HTTP 429 / -1003 and Retry-After; a client that keeps sending after 429s is banned: HTTP 418 with
 * Retry-After until the ban ends, bans scaling "from 2 minutes to 3 days" for repeat offenders.
 *
 * Weights are Binance's documented IP weights (ccxt's `api` cost table agrees).
 */
const WEIGHTS: Record<string, number | [withSymbol: number, withoutSymbol: number]> = {
  'GET /fapi/v1/ping': 1,
  'GET /fapi/v1/time': 1,
  'GET /fapi/v1/exchangeInfo': 1,
  'GET /fapi/v1/premiumIndex': [1, 10],
  'GET /fapi/v1/ticker/price': [1, 2],
  'GET /fapi/v1/ticker/24hr': [1, 40],
  'GET /fapi/v2/ticker/price': [1, 2],
  'GET /fapi/v2/account': 5,
  'GET /fapi/v3/account': 5,
  'GET /fapi/v2/balance': 5,
  'GET /fapi/v3/balance': 5,
  'GET /fapi/v2/positionRisk': 5,
  'GET /fapi/v3/positionRisk': 5,
  'GET /fapi/v1/leverageBracket': 1,
  'GET /fapi/v1/symbolConfig': 5,
  'GET /fapi/v1/accountConfig': 5,
  'GET /fapi/v1/positionSide/dual': 30,
  'GET /fapi/v1/multiAssetsMargin': 30,
  'GET /fapi/v1/income': 30,
  'GET /fapi/v1/forceOrders': [20, 50],
  'GET /fapi/v1/openOrders': [1, 40],
  'GET /fapi/v1/openAlgoOrders': [1, 40],
  'GET /fapi/v1/allOrders': 5,
  'GET /fapi/v1/userTrades': 5,
  'GET /fapi/v1/order': 1,
  'GET /fapi/v1/algoOrder': 1,
  'POST /fapi/v1/order': 1,
  'POST /fapi/v1/algoOrder': 1,
  'DELETE /fapi/v1/order': 1,
  'DELETE /fapi/v1/algoOrder': 1,
  'DELETE /fapi/v1/allOpenOrders': 1,
  'DELETE /fapi/v1/algoOpenOrders': 1,
};

/** Weight of one request; 1 for anything not listed. */
export function requestWeight(method: string, path: string, hasSymbol: boolean): number {
  const w = WEIGHTS[`${method} ${path}`];
  if (w === undefined) return 1;
  return typeof w === 'number' ? w : hasSymbol ? w[0] : w[1];
}

/** Loopback clients (127.0.0.0/8, ::1, ::ffff:127.x) are one host: one budget. */
export function clientIpKey(remoteAddress: string | undefined): string {
  const a = remoteAddress ?? '?';
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.') ? 'loopback' : a;
}

export interface RateLimitOptions {
  /** Request weight per IP per minute. Default 2400 (Binance USDⓈ-M). */
  weightLimit?: number;
  /** 429s an IP may receive in one minute before the next request bans it (418). Default 5. */
  banAfter429s?: number;
  /** First ban, ms; each further ban doubles, up to 3 days. Default 120,000 (Binance's 2 minutes). */
  banMs?: number;
}

export type Charge =
  | { status: 'ok'; used: number }
  | { status: 'limited'; used: number; retryAfterS: number }
  | { status: 'banned'; used: number; retryAfterS: number; until: number };

const MAX_BAN_MS = 3 * 86_400_000;

interface IpState {
  minute: number;
  weight: number;
  /** 429s answered this minute. */
  strikes: number;
  bannedUntil: number;
  bans: number;
}

export class WeightTracker {
  readonly limit: number;
  private readonly banAfter: number;
  private readonly banMs: number;
  private readonly ips = new Map<string, IpState>();

  constructor(opts: RateLimitOptions | number = {}) {
    const o = typeof opts === 'number' ? { weightLimit: opts } : opts;
    this.limit = o.weightLimit ?? 2400;
    this.banAfter = o.banAfter429s ?? 5;
    this.banMs = o.banMs ?? 120_000;
  }

  /**
   * Charges `weight` to the IP `key` in the minute of `nowMs` (market time). A request past the
   * limit is refused and not counted (so the client sees how much it has already used); one sent
   * after `banAfter429s` refusals in the minute bans the IP, and a banned IP is refused outright.
   */
  charge(key: string, weight: number, nowMs: number): Charge {
    const minute = Math.floor(nowMs / 60_000);
    let e = this.ips.get(key);
    if (e === undefined) {
      e = { minute, weight: 0, strikes: 0, bannedUntil: 0, bans: 0 };
      this.ips.set(key, e);
    }
    if (e.minute !== minute) Object.assign(e, { minute, weight: 0, strikes: 0 });
    const secondsTo = (t: number): number => Math.max(1, Math.ceil((t - nowMs) / 1000));
    if (nowMs < e.bannedUntil) return { status: 'banned', used: e.weight, retryAfterS: secondsTo(e.bannedUntil), until: e.bannedUntil };
    if (e.weight + weight <= this.limit) {
      e.weight += weight;
      return { status: 'ok', used: e.weight };
    }
    if (e.strikes >= this.banAfter) {
      e.bannedUntil = nowMs + Math.min(MAX_BAN_MS, this.banMs * 2 ** e.bans);
      e.bans++;
      e.strikes = 0;
      return { status: 'banned', used: e.weight, retryAfterS: secondsTo(e.bannedUntil), until: e.bannedUntil };
    }
    e.strikes++;
    return { status: 'limited', used: e.weight, retryAfterS: secondsTo((minute + 1) * 60_000) };
  }

  reset(): void {
    this.ips.clear();
  }
}
