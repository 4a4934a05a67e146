/**
 * Binance-style request weights: each endpoint costs a weight, summed per API key (or per IP for
 * unsigned calls) over the current minute of the exchange's market clock (the wall clock unless a
 * replay runs faster or is stepped) and reported in X-MBX-USED-WEIGHT-1M.
 * Above the limit (2400/min on USDⓈ-M) requests are refused with HTTP 429 / -1003.
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

export class WeightTracker {
  private readonly used = new Map<string, { minute: number; weight: number }>();

  constructor(readonly limit: number) {}

  /**
   * Charges `weight` to `key` in the minute of `nowMs` (market time). A request that would pass the
   * limit is refused and not counted (so the client sees how much it has already used).
   */
  charge(key: string, weight: number, nowMs: number): { used: number; allowed: boolean; retryAfterS: number } {
    const minute = Math.floor(nowMs / 60_000);
    let e = this.used.get(key);
    if (e === undefined || e.minute !== minute) {
      e = { minute, weight: 0 };
      this.used.set(key, e);
    }
    const retryAfterS = Math.max(1, Math.ceil(((minute + 1) * 60_000 - nowMs) / 1000));
    if (e.weight + weight > this.limit) return { used: e.weight, allowed: false, retryAfterS };
    e.weight += weight;
    return { used: e.weight, allowed: true, retryAfterS };
  }

  reset(): void {
    this.used.clear();
  }
}
