/**
 * What ccxt's `hyperliquid` class must be told, and kept from doing, so that a guard never approves
 * a builder fee, never attaches a builder to its orders and never sets a referrer. Line numbers are
 * node_modules/ccxt/js/src/hyperliquid.js of ccxt 4.5.84.
 *
 * What the class does on its own: `initializeClient()` (l. 1873) runs before every createOrders
 * (l. 2194), cancelOrders (l. 2480), cancelOrdersForSymbols, editOrders, createTwapOrder,
 * cancelAllOrdersAfter, and fetchCurrencies when credentials are set (l. 449). It calls, at once:
 * - `handleBuilderFeeApproval()` (l. 1882): unless `options.approvedBuilderFee` is true, it SIGNS
 *   AND SENDS an `approveBuilderFee` action for `options.builder` (default
 *   0x6530512A6c89C7cfCEbC3BA7fcD9aDa5f30827a6) at `options.feeRate` ('0.01%'), or at '0%' when
 *   `options.builderFee` is false — "we still approve and attach the builder" (l. 1890) — and then
 *   sets `approvedBuilderFee = true`.
 * - `setRef()` (l. 1813): unless `options.refSet` is true, signs and sends a `setReferrer` action with
 *   `options.ref` (default 'CCXT1'); a failure is swallowed.
 * - `isUnifiedEnabled()` (l. 1915): a `userAbstraction` read whose failure is swallowed and read as
 *   "not unified" — the guard reads the abstraction itself and never relies on this.
 * And `createOrderRequest` (l. 2412–2421) attaches `builder: { b: options.builder, f: options.feeInt
 * (10, i.e. 1 bp; 0 when builderFee is false) }` to every order action whenever
 * `options.approvedBuilderFee` is true.
 *
 * No combination of options prevents both the approval and the attachment: `approvedBuilderFee: true`
 * skips the approval but attaches the builder (an unapproved builder can get the orders refused);
 * `approvedBuilderFee: false` keeps the builder off the orders but makes initializeClient approve
 * one. So the guard sets the options below AND replaces the two methods on its instance with
 * {@link neutralizeSideEffects}.
 */
export const HYPERLIQUID_CCXT_OPTIONS = Object.freeze({
  /** l. 227 default true: charge the builder fee. Off; with it off ccxt would still approve and attach at 0 % (l. 1890). */
  builderFee: false,
  /** l. 1884, 2412: never true, so createOrderRequest attaches no `builder`; the approval itself is disabled by neutralizeSideEffects. */
  approvedBuilderFee: false,
  /** l. 1892: the fee rate an approval would grant; 0 % should anything approve anyway. */
  feeRate: '0%',
  /** l. 2416: the builder fee in tenths of a basis point should a builder be attached anyway. */
  feeInt: 0,
  /** l. 1814: true makes setRef() return at once: no `setReferrer` action is ever signed. */
  refSet: true,
  /** l. 228, 2314: `defaultSlippage` (0.05) prices ccxt's "market" orders only; the guard sends priced IOC limits (close.ts). */
  defaultSlippage: 0.05,
});

/** The parts of a ccxt hyperliquid instance neutralizeSideEffects touches. */
export interface CcxtHyperliquidLike {
  options: Record<string, unknown>;
  handleBuilderFeeApproval(): Promise<boolean>;
  setRef(): Promise<unknown>;
}

/**
 * Applies {@link HYPERLIQUID_CCXT_OPTIONS} and replaces `handleBuilderFeeApproval` and `setRef` on this
 * instance with no-ops, so initializeClient() signs nothing but the guard's own orders and cancels.
 * @example const client = neutralizeSideEffects(new hyperliquid({ walletAddress, privateKey }))
 */
export function neutralizeSideEffects<T extends CcxtHyperliquidLike>(client: T): T {
  Object.assign(client.options, HYPERLIQUID_CCXT_OPTIONS);
  client.handleBuilderFeeApproval = async () => true;
  client.setRef = async () => true;
  return client;
}
