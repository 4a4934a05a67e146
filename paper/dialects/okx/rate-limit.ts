/**
 * OKX v5 rate limits: per endpoint, counted per User ID for private endpoints and per IP for
 * public ones, over a window of (mostly) 2 s; over the limit the answer is HTTP 429
 * `{"code":"50011","msg":"Too Many Requests"}` (https://www.okx.com/docs-v5/en/#overview-rate-limits
 * and each endpoint's "Rate Limit" line). Counted on the market clock, as the Binance dialect's weight.
 * Cross-checked with ccxt 4.5.84's okx cost table (cost × 100 ms per request: 20 / cost per 2 s);
 * a test holds the two together.
 */

export interface Limit {
  /** Requests per window. */
  n: number;
  windowMs: number;
  /** 'user': per account (User ID); 'ip': per client IP. */
  by: 'user' | 'ip';
}

/** Path (under /api/v5/) → its documented limit. */
export const OKX_LIMITS: Readonly<Record<string, Limit>> = {
  'public/time': { n: 10, windowMs: 2000, by: 'ip' },
  'public/instruments': { n: 20, windowMs: 2000, by: 'ip' },
  'public/mark-price': { n: 10, windowMs: 2000, by: 'ip' },
  'public/position-tiers': { n: 10, windowMs: 2000, by: 'ip' },
  'asset/currencies': { n: 6, windowMs: 1000, by: 'user' },
  'account/balance': { n: 10, windowMs: 2000, by: 'user' },
  'account/positions': { n: 10, windowMs: 2000, by: 'user' },
  'account/config': { n: 5, windowMs: 2000, by: 'user' },
  'account/trade-fee': { n: 5, windowMs: 2000, by: 'user' },
  'account/bills': { n: 5, windowMs: 1000, by: 'user' },
  'account/bills-archive': { n: 5, windowMs: 2000, by: 'user' },
  'trade/order': { n: 60, windowMs: 2000, by: 'user' },
  'trade/cancel-order': { n: 60, windowMs: 2000, by: 'user' },
  'trade/batch-orders': { n: 300, windowMs: 2000, by: 'user' },
  'trade/cancel-batch-orders': { n: 300, windowMs: 2000, by: 'user' },
  'trade/order-algo': { n: 20, windowMs: 2000, by: 'user' },
  'trade/cancel-algos': { n: 20, windowMs: 2000, by: 'user' },
  'trade/orders-pending': { n: 60, windowMs: 2000, by: 'user' },
  'trade/orders-algo-pending': { n: 20, windowMs: 2000, by: 'user' },
};

/** Sliding-window counters per (endpoint, user or IP). */
export class OkxRateLimiter {
  private readonly hits = new Map<string, number[]>();

  /** Records one request at `now` (ms); false when it is over the endpoint's limit. */
  allow(endpoint: string, who: string, now: number): boolean {
    const limit = OKX_LIMITS[endpoint];
    if (limit === undefined) return true;
    const key = `${endpoint} ${who}`;
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - limit.windowMs && t <= now);
    if (list.length >= limit.n) {
      this.hits.set(key, list);
      return false;
    }
    list.push(now);
    this.hits.set(key, list);
    return true;
  }
}
