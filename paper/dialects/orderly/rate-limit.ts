/**
 * Orderly's rate limits are per endpoint and per second: "Limit: 10 requests per 1 second per
 * user" on private account endpoints such as GET /v1/client/margin_modes
 * (https://orderly.network/docs/build-on-omnichain/restful-api/private/get-margin-modes) and
 * "10 requests per 1 second" on GET /v1/positions_lite
 * (https://orderly.network/docs/build-on-omnichain/restful-api/private/get-lite-positions-info).
 * The paper applies one limit per (key or IP, endpoint) over the current second of MARKET time
 * (as the Binance dialect counts its minute: a stepped or sped-up replay gets the budget of the
 * simulated second; a client's retry sleeps advance it) and answers 429 / -1003.
 */
export class OrderlyRateLimiter {
  private readonly windows = new Map<string, { window: number; count: number }>();
  constructor(readonly perSecond = 10) {}

  /**
   * Counts a request; false when it is over the limit — `perSecond` a second unless the endpoint has
   * its own (`limit`: POST /v1/client/leverages allows 5 per 60 s per user).
   */
  take(who: string, endpoint: string, nowMs: number, limit?: { count: number; windowMs: number }): boolean {
    const key = `${who} ${endpoint}`;
    const windowMs = limit?.windowMs ?? 1000;
    const window = Math.floor(nowMs / windowMs);
    const w = this.windows.get(key);
    if (w === undefined || w.window !== window) {
      this.windows.set(key, { window, count: 1 });
      if (this.windows.size > 10_000) this.windows.clear();
      return true;
    }
    w.count++;
    return w.count <= (limit?.count ?? this.perSecond);
  }
}
