import { PaperReject, type RejectReason } from '../../core/reject.ts';

/**
 * OKX v5 errors: the `{code, msg, data}` envelope with a non-"0" code. Request-level failures
 * (auth, rate limit, bad parameter) answer `{"code":"50113","msg":"Invalid Sign","data":[]}`;
 * an order or cancel that fails answers HTTP 200 `{"code":"1","msg":"All operations failed",
 * "data":[{"sCode":"51169","sMsg":…}]}` (code "2" when a batch partly succeeded).
 * Codes and messages: https://www.okx.com/docs-v5/en/#error-code (REST API error codes).
 * What ccxt 4.5.84 (okx.js `exceptions.exact`) raises for each is noted per constant.
 */
export class OkxApiError extends Error {
  override readonly name = 'OkxApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }

  toJSON(): { code: string; msg: string; data: never[] } {
    return { code: this.code, msg: this.message, data: [] };
  }
}

/** An item-level failure of an order or cancel (sCode/sMsg inside `data`). */
export class OkxItemError extends Error {
  override readonly name = 'OkxItemError';
  constructor(
    readonly sCode: string,
    readonly sMsg: string,
  ) {
    super(`${sCode} ${sMsg}`);
  }
}

export const OE = {
  /** ccxt: AuthenticationError. HTTP 401. */
  keyEmpty: () => new OkxApiError('50103', 'Request header OK-ACCESS-KEY cannot be empty.', 401),
  passphraseEmpty: () => new OkxApiError('50104', 'Request header OK-ACCESS-PASSPHRASE cannot be empty.', 401),
  passphraseWrong: () => new OkxApiError('50105', 'Request header OK-ACCESS-PASSPHRASE incorrect.', 401),
  signEmpty: () => new OkxApiError('50106', 'Request header OK-ACCESS-SIGN cannot be empty.', 401),
  timestampEmpty: () => new OkxApiError('50107', 'Request header OK-ACCESS-TIMESTAMP cannot be empty.', 401),
  /** ccxt: InvalidNonce. */
  timestampExpired: () => new OkxApiError('50102', 'Timestamp request expired.', 401),
  /** ccxt: AuthenticationError. */
  invalidKey: () => new OkxApiError('50111', 'Invalid OK-ACCESS-KEY.', 401),
  invalidTimestamp: () => new OkxApiError('50112', 'Invalid OK-ACCESS-TIMESTAMP.', 401),
  /** ccxt: AuthenticationError. */
  invalidSign: () => new OkxApiError('50113', 'Invalid Sign.', 401),
  /** ccxt: AuthenticationError. A demo-trading key on production or the reverse ("x-simulated-trading"). */
  wrongEnvironment: () => new OkxApiError('50101', "APIKey does not match current environment.", 401),
  /** ccxt: PermissionDenied: a read-only key on a trade endpoint. */
  noPermission: () => new OkxApiError('50120', "API key doesn't have permission to use this function.", 401),
  /** ccxt: RateLimitExceeded (HTTP 429). */
  tooManyRequests: () => new OkxApiError('50011', 'Too Many Requests', 429),
  /** ccxt: ExchangeNotAvailable; the 5xx faults. */
  systemError: () => new OkxApiError('50026', 'System error. Try again later.', 500),
  /** ccxt: OnMaintenance (a NetworkError). */
  unavailable: () => new OkxApiError('50001', 'Service temporarily unavailable. Try again later.', 503),
  /** ccxt: BadRequest. */
  paramEmpty: (name: string) => new OkxApiError('50014', `Parameter ${name} can not be empty.`),
  /** ccxt: BadRequest. */
  paramError: (name: string) => new OkxApiError('51000', `Parameter ${name} error`),
  /** ccxt: BadSymbol. */
  noInstrument: () => new OkxApiError('51001', "Instrument ID doesn't exist."),
  /** Account mode changes the paper does not model. */
  accountLevel: () => new OkxApiError('59000', 'Settings failed. Close positions or cancel orders before you change settings.'),
} as const;

/** Item-level codes (sCode) the paper answers inside an order or cancel's data. */
export const IE = {
  paramError: (name: string) => new OkxItemError('51000', `Parameter ${name} error`),
  noInstrument: () => new OkxItemError('51001', "Instrument ID doesn't exist."),
  insufficient: () => new OkxItemError('51008', 'Order failed. Insufficient USDT margin in account'),
  /** Below minSz. ccxt: InvalidOrder. */
  belowMin: () => new OkxItemError('51020', "Your order should meet or exceed the minimum order amount."),
  /** Not a multiple of lotSz. ccxt: InvalidOrder. */
  lotSize: () => new OkxItemError('51121', 'Order quantity must be a multiple of the lot size.'),
  /** ccxt: InvalidOrder. "which a resting reduce-only order causes". */
  closeExceeds: () => new OkxItemError('51112', 'Close order size exceeds your available size.'),
  /** ccxt 4.5.84 has no entry: a generic ExchangeError. */
  noPositionToReduce: () => new OkxItemError('51169', "Order failed because you don't have any positions in this direction for this contract to reduce or close."),
  /** ccxt 4.5.84 has no entry: a generic ExchangeError. */
  reduceOnlySameDirection: () => new OkxItemError('51170', "Failed to place order. A reduce-only order can't be the same direction as your existing position."),
  posSide: () => new OkxItemError('51000', 'Parameter posSide error'),
  tdMode: () => new OkxItemError('51000', 'Parameter tdMode error'),
  /** ccxt: OrderNotFound. */
  orderNotFound: () => new OkxItemError('51400', 'Order cancellation failed as the order has been filled, canceled or does not exist.'),
  algoNotFound: () => new OkxItemError('51400', 'Cancellation failed as the order does not exist.'),
  /** A market order larger than the instrument's maxMktSz. */
  aboveMax: () => new OkxItemError('51202', 'Market order amount exceeds the maximum amount.'),
  triggerNow: () => new OkxItemError('51277', 'TP trigger price cannot be higher than the last price.'),
} as const;

const ITEM: Partial<Record<RejectReason, () => OkxItemError>> = {
  'unknown-symbol': IE.noInstrument,
  'insufficient-margin': IE.insufficient,
  'position-above-leverage-cap': () => new OkxItemError('51004', 'Order failed. The order amount exceeds the current tier limit.'),
  'reduce-only-increases': IE.noPositionToReduce,
  'reduce-only-covered': IE.closeExceeds,
  'quantity-off-step': IE.lotSize,
  'quantity-above-max': IE.aboveMax,
  'invalid-quantity': () => IE.paramError('sz'),
  'price-off-tick': () => new OkxItemError('51000', 'Parameter px error'),
  'invalid-price': () => IE.paramError('px'),
  'position-side-mismatch': IE.posSide,
  'would-trigger-immediately': IE.triggerNow,
  'unknown-order': IE.orderNotFound,
  'order-not-found': IE.orderNotFound,
  'below-min-notional': IE.belowMin,
};

/** The engine's neutral reject as OKX's item error (sCode/sMsg). */
export function okxItemError(e: unknown): OkxItemError | undefined {
  if (e instanceof OkxItemError) return e;
  if (!(e instanceof PaperReject)) return undefined;
  return (ITEM[e.reason] ?? (() => new OkxItemError('51000', `Parameter error (${e.reason})`)))();
}

/** The engine's neutral reject (or an OkxApiError) as a request-level error. */
export function asOkxError(e: unknown): OkxApiError | undefined {
  if (e instanceof OkxApiError) return e;
  if (e instanceof PaperReject) {
    if (e.reason === 'unknown-symbol') return OE.noInstrument();
    const item = okxItemError(e)!;
    return new OkxApiError(item.sCode, item.sMsg);
  }
  return undefined;
}
