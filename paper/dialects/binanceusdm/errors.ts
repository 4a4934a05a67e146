import { PaperReject, type RejectDetails, type RejectReason } from '../../core/reject.ts';

/**
 * A Binance-style API error: `{"code": -2022, "msg": "ReduceOnly Order is rejected."}` with an
 * HTTP status. The Binance dialect answers with these: its own request checks throw them, and
 * the engine's neutral rejects are mapped to them by binanceError().
 *
 * What ccxt 4.5.84 (binanceusdm, fapi host) turns each code into is noted per constant.
 */
export class PaperApiError extends Error {
  override readonly name = 'PaperApiError';
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }

  toJSON(): { code: number; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

/** Error factories, one per Binance code the paper exchange produces. */
export const E = {
  /** ccxt: RateLimitExceeded by code, but HTTP 429 makes ccxt throw DDoSProtection first. */
  tooManyRequests: (limit: number) =>
    new PaperApiError(
      -1003,
      `Too many requests; current limit of IP(127.0.0.1) is ${limit} requests per minute. Please use the websocket for live updates to avoid polling the API.`,
      429,
    ),
  /**
   * HTTP 418: the IP is banned for sending on after 429s (body as Binance's). ccxt: DDoSProtection
   * (by HTTP status, before the code is looked at).
   */
  ipBanned: (until: number) =>
    new PaperApiError(-1003, `Way too many requests; IP(127.0.0.1) banned until ${until}. Please use the websocket for live updates to avoid bans.`, 418),
  /** ccxt: InvalidNonce. */
  timestampOutside: () => new PaperApiError(-1021, 'Timestamp for this request is outside of the recvWindow.'),
  /** ccxt: InvalidNonce. */
  timestampAhead: () => new PaperApiError(-1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  /** ccxt: AuthenticationError. */
  badSignature: () => new PaperApiError(-1022, 'Signature for this request is not valid.'),
  /** ccxt: BadRequest. */
  missingParam: (name: string) =>
    new PaperApiError(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  /** ccxt: BadRequest. */
  notRequired: (name: string) => new PaperApiError(-1106, `Parameter '${name}' sent when not required.`),
  /** ccxt: BadRequest. */
  precision: () => new PaperApiError(-1111, 'Precision is over the maximum defined for this asset.'),
  /** ccxt: BadRequest (via -1100 family). */
  illegalParam: (name: string) => new PaperApiError(-1100, `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`),
  /** ccxt: BadRequest. */
  recvWindowTooBig: () => new PaperApiError(-1131, 'recvWindow must be less than 60000'),
  /** ccxt: BadSymbol. */
  invalidSymbol: () => new PaperApiError(-1121, 'Invalid symbol.'),
  /** ccxt: BadRequest. */
  invalidSide: () => new PaperApiError(-1117, 'Invalid side.'),
  /** ccxt: BadRequest. */
  invalidOrderType: () => new PaperApiError(-1116, 'Invalid orderType.'),
  /** ccxt: OrderNotFound. */
  unknownOrder: () => new PaperApiError(-2011, 'Unknown order sent.'),
  /** ccxt: OrderNotFound. */
  orderDoesNotExist: () => new PaperApiError(-2013, 'Order does not exist.'),
  /** ccxt: AuthenticationError. */
  apiKeyFormat: () => new PaperApiError(-2014, 'API-key format invalid.', 401),
  /** ccxt: AuthenticationError. */
  invalidApiKey: () => new PaperApiError(-2015, 'Invalid API-key, IP, or permissions for action.', 401),
  /** ccxt: InsufficientFunds. */
  marginInsufficient: () => new PaperApiError(-2019, 'Margin is insufficient.'),
  /** ccxt: InvalidOrder. */
  reduceOnlyRejected: () => new PaperApiError(-2022, 'ReduceOnly Order is rejected.'),
  /** ccxt: OperationRejected. */
  maxPositionAtLeverage: () => new PaperApiError(-2027, 'Exceeded the maximum allowable position at current leverage.'),
  /** ccxt: BadRequest. */
  qtyNotPositive: () => new PaperApiError(-4003, 'Quantity less than or equal to zero.'),
  /** ccxt: BadRequest (not InvalidOrder: binance.js maps -4005 to BadRequest). */
  qtyTooBig: () => new PaperApiError(-4005, 'Quantity greater than max quantity.'),
  /** ccxt: BadRequest. */
  invalidLeverage: () => new PaperApiError(-4028, 'Leverage is not valid'),
  /** ccxt: MarginModeAlreadySet (message match). */
  noNeedMarginType: () => new PaperApiError(-4046, 'No need to change margin type.'),
  /** ccxt: OperationRejected. */
  marginTypeOpenOrders: () => new PaperApiError(-4047, 'Margin type cannot be changed if there exists open orders.'),
  /** ccxt: OperationRejected. */
  marginTypePosition: () => new PaperApiError(-4048, 'Margin type cannot be changed if there exists position.'),
  /** ccxt: OperationRejected. */
  noNeedPositionSide: () => new PaperApiError(-4059, 'No need to change position side.'),
  /** ccxt: OperationRejected. */
  positionSideMismatch: () => new PaperApiError(-4061, "Order's position side does not match user's setting."),
  /** ccxt: ExchangeError. */
  positionSideChangeBlocked: () => new PaperApiError(-4068, 'The position side cannot be changed if there exists position.'),
  /** ccxt: OperationRejected. */
  reduceOnlyMarginCheck: () =>
    new PaperApiError(-4118, 'ReduceOnly Order Failed. Please check your existing position and open orders'),
  /** ccxt: ExchangeError. Binance since 2025-12-09 for conditional types on /fapi/v1/order. */
  useAlgoEndpoint: () =>
    new PaperApiError(-4120, 'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.'),
  /** ccxt: InvalidOrder. */
  minNotional: (n: number) =>
    new PaperApiError(-4164, `Order's notional must be no smaller than ${n} (unless you choose reduce only).`),
  /** ccxt: OrderNotFillable. */
  postOnlyRejected: () =>
    new PaperApiError(-5022, 'Due to the order could not be executed as maker, the Post Only order will be rejected.'),
  /** HTTP 500 (errors.fapi.json). ccxt: OperationFailed (binance.js linear exceptions), not a NetworkError. */
  internalError: () => new PaperApiError(-1001, 'Internal error; unable to process your request. Please try again.', 500),
  /** HTTP 503. ccxt: OperationFailed. */
  serverBusy: () => new PaperApiError(-1008, 'Server is currently overloaded with other requests. Please try again in a few minutes.', 503),
  /** HTTP 500 flavour of -1000. ccxt: OperationFailed. */
  unknown500: () => new PaperApiError(-1000, 'An unknown error occured while processing the request.', 500),
  /** ccxt: OperationFailed. */
  unknown: (msg = 'An unknown error occured while processing the request.') => new PaperApiError(-1000, msg),
};

/**
 * The Binance error for each neutral reject, word for word what the engine threw when it spoke
 * Binance itself. A Record, so a new reason does not compile until it has its Binance words.
 */
const BY_REASON: Record<RejectReason, (d: RejectDetails) => PaperApiError> = {
  'unknown-symbol': () => E.invalidSymbol(),
  'no-mark-price': (d) => E.unknown(`No mark price for ${d.symbol ?? '?'} yet (set one with POST /paper/prices or replay a file).`),
  'invalid-side': () => E.invalidSide(),
  'invalid-order-type': () => E.invalidOrderType(),
  'trigger-type-on-plain-order': () => E.useAlgoEndpoint(),
  'missing-parameter': (d) => E.missingParam(d.param ?? '?'),
  'parameter-not-allowed': (d) => E.notRequired(d.param ?? '?'),
  'invalid-quantity': () => E.qtyNotPositive(),
  'quantity-off-step': () => E.precision(),
  'quantity-above-max': () => E.qtyTooBig(),
  'invalid-price': () => new PaperApiError(-4001, 'Price less than 0.'),
  'price-off-tick': () => new PaperApiError(-4014, 'Price not increased by tick size.'),
  'below-min-notional': (d) => E.minNotional(d.minNotional ?? 0),
  'insufficient-margin': () => E.marginInsufficient(),
  'position-above-leverage-cap': () => E.maxPositionAtLeverage(),
  'invalid-leverage': () => E.invalidLeverage(),
  'reduce-only-increases': () => E.reduceOnlyRejected(),
  'reduce-only-covered': () => E.reduceOnlyMarginCheck(),
  'post-only-would-take': () => E.postOnlyRejected(),
  'position-side-mismatch': () => E.positionSideMismatch(),
  'would-trigger-immediately': () => new PaperApiError(-2021, 'Order would immediately trigger.'),
  'unknown-order': () => E.unknownOrder(),
  'order-not-found': () => E.orderDoesNotExist(),
  'margin-mode-unchanged': () => E.noNeedMarginType(),
  'margin-mode-open-orders': () => E.marginTypeOpenOrders(),
  'margin-mode-open-position': () => E.marginTypePosition(),
  'position-mode-unchanged': () => E.noNeedPositionSide(),
  'position-mode-blocked': () => E.positionSideChangeBlocked(),
  'no-isolated-position': () => new PaperApiError(-2024, 'Position is not sufficient.'),
  'isolated-margin-insufficient': () => new PaperApiError(-4051, 'Isolated balance insufficient.'),
};

/** A neutral reject in Binance's words (code, msg, HTTP 400). */
export function binanceError(r: PaperReject): PaperApiError {
  return BY_REASON[r.reason](r.details);
}

/** Any error as Binance would answer it, or undefined when it is not a venue refusal (a bug, a bad control call). */
export function asBinanceError(e: unknown): PaperApiError | undefined {
  if (e instanceof PaperApiError) return e;
  if (e instanceof PaperReject) return binanceError(e);
  return undefined;
}
