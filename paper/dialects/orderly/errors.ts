import { PaperReject, type RejectReason } from '../../core/index.ts';

/**
 * Orderly's error envelope: `{"success":false,"code":<n>,"message":"…"}` with an HTTP status
 * (https://orderly.network/docs/build-on-omnichain/error-codes: code, HTTP status, description; the codes and their
 * names as ccxt 4.5.84's woofipro.js `exceptions.exact` lists them: -1001 INVALID_SIGNATURE,
 * -1002 UNAUTHORIZED, -1003 TOO_MANY_REQUEST, -1004 UNKNOWN_PARAM, -1005 INVALID_PARAM,
 * -1006 RESOURCE_NOT_FOUND, -1011 RPC_NOT_CONNECT, -1012 RPC_REJECT, -1101 RISK_TOO_HIGH,
 * -1102 MIN_NOTIONAL, -1103 PRICE_FILTER, -1104 SIZE_FILTER).
 */
export class OrderlyApiError extends Error {
  override readonly name = 'OrderlyApiError';
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
  toJSON(): { success: false; code: number; message: string } {
    return { success: false, code: this.code, message: this.message };
  }
}

const err = (status: number, code: number) => (message: string) => new OrderlyApiError(status, code, message);

export const OE = {
  unknown: err(500, -1000),
  invalidSignature: err(401, -1001),
  unauthorized: err(401, -1002),
  tooManyRequests: err(429, -1003),
  unknownParam: err(400, -1004),
  invalidParam: err(400, -1005),
  notFound: err(400, -1006),
  rpcNotConnect: err(503, -1011),
  rpcReject: err(400, -1012),
  riskTooHigh: err(400, -1101),
  minNotional: err(400, -1102),
  priceFilter: err(400, -1103),
  sizeFilter: err(400, -1104),
};

const BY_REASON: Partial<Record<RejectReason, (r: PaperReject) => OrderlyApiError>> = {
  'unknown-symbol': () => OE.invalidParam('symbol is not valid'),
  'quantity-off-step': () => OE.sizeFilter('order_quantity does not follow the base_tick of the symbol'),
  'quantity-above-max': () => OE.sizeFilter('order_quantity is above base_max of the symbol'),
  'invalid-quantity': () => OE.sizeFilter('order_quantity must be positive'),
  'price-off-tick': () => OE.priceFilter('order_price does not follow the quote_tick of the symbol'),
  'below-min-notional': (r) => OE.minNotional(`order value is below min_notional ${r.details.minNotional ?? ''}`.trim()),
  'insufficient-margin': () => OE.riskTooHigh('the risk exposure for client is too high: free collateral is insufficient'),
  'position-above-leverage-cap': () => OE.riskTooHigh('the position would exceed the notional allowed at this leverage'),
  // Orderly documents no dedicated code for a refused reduce-only order; the paper answers -1005.
  'reduce-only-increases': () => OE.invalidParam('reduce only order rejected: it would open or increase a position'),
  'reduce-only-covered': () => OE.invalidParam('reduce only order rejected: open reduce-only orders already cover the position'),
  'unknown-order': () => OE.notFound('the order does not exist or is not open'),
  'order-not-found': () => OE.notFound('the order does not exist'),
  'missing-parameter': (r) => OE.invalidParam(`${r.details.param ?? 'a parameter'} is required`),
  'parameter-not-allowed': (r) => OE.unknownParam(`${r.details.param ?? 'a parameter'} is not allowed here`),
};

/** An engine refusal or an OrderlyApiError as the venue's error; undefined for anything else. */
export function asOrderlyError(e: unknown): OrderlyApiError | undefined {
  if (e instanceof OrderlyApiError) return e;
  if (e instanceof PaperReject) return (BY_REASON[e.reason] ?? ((r: PaperReject) => OE.invalidParam(r.message)))(e);
  return undefined;
}
