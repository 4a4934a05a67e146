import { PaperReject, type RejectDetails, type RejectReason } from '../../core/reject.ts';

/**
 * A Bybit v5 API error: HTTP 200 (Bybit answers business errors with 200) and the envelope
 * `{"retCode":110017,"retMsg":"Reduce-only rule not satisfied","result":{},"retExtInfo":{},"time":…}`.
 * Codes: https://bybit-exchange.github.io/docs/v5/error . What ccxt 4.5.84 (bybit.js
 * `exceptions.exact`) turns each into is noted per factory.
 */
export class BybitApiError extends Error {
  override readonly name = 'BybitApiError';
  constructor(
    readonly retCode: number,
    message: string,
    readonly httpStatus = 200,
    /** What the envelope's `result` carries with the error (most errors: `{}`). */
    readonly result: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The v5 envelope of this error at `time` (ms). */
  body(time: number): { retCode: number; retMsg: string; result: Record<string, unknown>; retExtInfo: Record<string, never>; time: number } {
    return { retCode: this.retCode, retMsg: this.message, result: this.result, retExtInfo: {}, time };
  }
}

/** Error factories, one per Bybit code the paper exchange produces. */
export const BE = {
  /** ccxt: BadRequest. */
  params: (detail: string) => new BybitApiError(10001, `params error: ${detail}`),
  /** ccxt: InvalidNonce. */
  timestamp: (req: number, server: number, recvWindow: number) =>
    new BybitApiError(
      10002,
      `invalid request, please check your server timestamp or recv_window param. req_timestamp[${req}],server_timestamp[${server}],recv_window[${recvWindow}]`,
    ),
  /** ccxt: AuthenticationError. */
  invalidKey: () => new BybitApiError(10003, 'API key is invalid.'),
  /** ccxt: AuthenticationError. Bybit's real message quotes the pre-hash string; the paper does not (it carries the key). */
  badSign: () => new BybitApiError(10004, 'Error sign, please check your signature generation algorithm.'),
  /** ccxt: PermissionDenied. */
  permission: () => new BybitApiError(10005, 'Permission denied, please check your API key permissions.'),
  /** ccxt: RateLimitExceeded. Per UID and endpoint, per second. */
  tooManyVisits: () => new BybitApiError(10006, 'Too many visits. Exceeded the API Rate Limit.'),
  /** ccxt: ExchangeError (not a NetworkError); riskguard's errors.ts treats it as "try again". */
  internal: () => new BybitApiError(10016, 'Internal system error.'),
  /** ccxt: BadRequest. */
  notFound: () => new BybitApiError(10017, 'Request path not found or request method is invalid.', 404),
  /** ccxt: OrderNotFound. */
  orderNotFound: () => new BybitApiError(110001, 'Order does not exist.'),
  /** ccxt: InsufficientFunds. */
  notEnough: () => new BybitApiError(110007, 'ab not enough for new order'),
  /** ccxt: InvalidOrder. */
  riskLimit: () => new BybitApiError(110016, 'Requested quantity of contracts exceeds risk limit, please adjust your risk limit level before trying again'),
  /** ccxt: InvalidOrder. */
  reduceOnly: () => new BybitApiError(110017, 'Reduce-only rule not satisfied'),
  /** ccxt: BadRequest. */
  positionModeBlocked: () => new BybitApiError(110024, 'You have an existing position, so position mode cannot be switched'),
  /** ccxt: NoChange. */
  positionModeUnchanged: () => new BybitApiError(110025, 'Position mode is not modified'),
  /** ccxt: MarginModeAlreadySet. */
  marginModeUnchanged: () => new BybitApiError(110026, 'Cross/isolated margin mode is not modified'),
  /** ccxt: BadRequest. */
  marginModeOpenOrders: () => new BybitApiError(110028, 'Open orders exist, so you cannot change position mode'),
  /** ccxt: BadRequest. */
  leverage: () => new BybitApiError(110013, 'Due to risk limit, cannot set leverage'),
  /** ccxt: InvalidOrder. */
  triggerDirection: () => new BybitApiError(110092, 'expect Rising, but trigger_price[…] <= current[…]'),
  /**
   * POST /v5/account/set-margin-mode refused, with its reasons in `result.reasons` (docs:
   * account/set-margin-mode). ccxt: ExchangeError (a code it does not list). The reason's words are the paper's.
   */
  setMarginModeFailed: (reasonMsg: string) =>
    new BybitApiError(3400045, 'Set margin mode failed', 200, { reasons: [{ reasonCode: '3400045', reasonMsg }] }),
  /** ccxt: InvalidOrder. */
  minNotional: () => new BybitApiError(110094, 'Order does not meet minimum order value'),
};

const BY_REASON: Record<RejectReason, (d: RejectDetails) => BybitApiError> = {
  'unknown-symbol': () => BE.params('symbol invalid'),
  'no-mark-price': (d) => BE.params(`no mark price for ${d.symbol ?? '?'} yet (set one with POST /paper/prices)`),
  'invalid-side': () => BE.params('side invalid'),
  'invalid-order-type': () => BE.params('orderType invalid'),
  'trigger-type-on-plain-order': () => BE.params('orderType invalid'),
  'missing-parameter': (d) => BE.params(`${d.param ?? '?'} is required`),
  'parameter-not-allowed': (d) => BE.params(`${d.param ?? '?'} is not allowed`),
  'invalid-quantity': () => BE.params('qty invalid'),
  'quantity-off-step': () => new BybitApiError(10001, 'Qty invalid: not a multiple of qtyStep'),
  // Bybit's words for a market quantity above lotSizeFilter.maxMktOrderQty; ccxt: BadRequest.
  'quantity-above-max': () => new BybitApiError(10001, 'The number of contracts exceeds maximum limit allowed: too large'),
  'invalid-price': () => BE.params('price invalid'),
  'price-off-tick': () => BE.params('price invalid: not a multiple of tickSize'),
  'below-min-notional': () => BE.minNotional(),
  'insufficient-margin': () => BE.notEnough(),
  'position-above-leverage-cap': () => BE.riskLimit(),
  'invalid-leverage': () => BE.leverage(),
  'reduce-only-increases': () => BE.reduceOnly(),
  'reduce-only-covered': () => BE.reduceOnly(),
  'post-only-would-take': () => new BybitApiError(110061, 'PostOnly will take liquidity'),
  'position-side-mismatch': () => BE.params('position idx not match position mode'),
  'would-trigger-immediately': () => BE.triggerDirection(),
  'unknown-order': () => BE.orderNotFound(),
  'order-not-found': () => BE.orderNotFound(),
  'margin-mode-unchanged': () => BE.marginModeUnchanged(),
  'margin-mode-open-orders': () => BE.marginModeOpenOrders(),
  'margin-mode-open-position': () => BE.positionModeBlocked(),
  'position-mode-unchanged': () => BE.positionModeUnchanged(),
  'position-mode-blocked': () => BE.positionModeBlocked(),
  'no-isolated-position': () => new BybitApiError(110015, 'the position is in cross_margin'),
  'isolated-margin-insufficient': () => new BybitApiError(110014, 'Available balance not enough to add margin'),
};

/** Any error as Bybit would answer it, or undefined when it is not a venue refusal. */
export function asBybitError(e: unknown): BybitApiError | undefined {
  if (e instanceof BybitApiError) return e;
  if (e instanceof PaperReject) return BY_REASON[e.reason](e.details);
  return undefined;
}
