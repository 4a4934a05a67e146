/**
 * The paper venue's data model. Conventions: money in USDT, quantities in base units, ratios as
 * fractions, times in ms of MARKET time (the replay clock), never wall-clock. The enums are
 * Binance-flavoured (BUY/SELL, CROSSED/ISOLATED, BOTH/LONG/SHORT) because that was the first
 * venue; they are the engine's own vocabulary now, and each dialect translates to its venue's.
 */
import type { Bracket } from '../brackets.ts';
import type { MarketSpec } from '../markets.ts';

export type MarginType = 'CROSSED' | 'ISOLATED';
export type PositionSide = 'BOTH' | 'LONG' | 'SHORT';
export type Side = 'BUY' | 'SELL';
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'REJECTED';
export type AlgoStatus = 'NEW' | 'CANCELED' | 'TRIGGERED' | 'FINISHED' | 'REJECTED' | 'EXPIRED';
export type AlgoOrderType = 'STOP_MARKET' | 'TAKE_PROFIT_MARKET' | 'STOP' | 'TAKE_PROFIT';

export interface EngineOptions {
  /** Market time at start (ms). Default: the earliest replay candle, else Date.now(). */
  startTime?: number;
  /** Fraction added to (buys) / taken from (sells) the mark for market fills. Default 0.0005. */
  slippage?: number;
  /** Fraction of notional charged on every fill. Default 0.0005. */
  takerFee?: number;
  /** Liquidation clearance fee, fraction of the liquidated notional. Default 0.0125. */
  clearanceFee?: number;
  /** Leverage of a symbol an account has not configured. Default 20. */
  defaultLeverage?: number;
  /** Replaces the bracket table of some symbols (e.g. to reproduce an old Binance example). */
  brackets?: Record<string, Bracket[]>;
  /** Extra listed markets (in addition to the default ones). */
  extraMarkets?: MarketSpec[];
  /** Largest clock step of advanceBy/advanceTo, ms. Default 1000. */
  stepMs?: number;
  /**
   * Funding rate per 8 h applied to every symbol without its own (setFundingRate). Default
   * 0.0001 (0.01 %, Binance's base rate: interest 0.03 %/day, premium 0). Longs pay when positive.
   */
  fundingRate?: number;
  /**
   * The listed markets, replacing the default (Binance-named) list: a dialect whose venue names
   * its markets otherwise (Hyperliquid: BTC, ETH) brings its own table.
   */
  markets?: MarketSpec[];
  /** Builds a market for an unlisted symbol priced or replayed at runtime. Default genericMarket (…USDT). */
  genericMarket?: (symbol: string, refPrice: number) => MarketSpec;
  /** Funding period, ms. Default FUNDING_INTERVAL_MS (8 h, Binance); fundingRate is per this period. */
  fundingIntervalMs?: number;
  /**
   * Backstop liquidation (Hyperliquid): when a pool's margin balance at liquidation is below this
   * fraction of its maintenance margin, the venue's liquidator takes the pool's remaining collateral
   * with its positions. Default: none (the pool keeps what is left).
   */
  backstopRatio?: number;
  /**
   * The venue's maintenance model, when it is not a bracket table: the maintenance margin RATE of a
   * position of `notional` (quote) on `symbol`, MM = notional × rate (Orderly: max(base MMR, base
   * MMR / base IMR × IMR factor × notional^(4/5))). Liquidation checks, risk figures and
   * liquidation prices (solved numerically then) use it. Default: the market's brackets.
   */
  maintenanceRate?: (symbol: string, notional: number) => number;
  /**
   * The venue's initial margin RATE of a leg of `notional` at `leverage`, when it is not 1 / leverage
   * (Orderly: max(1 / leverage, base IMR, IMR factor × notional^(4/5))). Orders are checked against
   * the rise of the leg's initial margin; no bracket cap applies then. Default: 1 / leverage.
   */
  initialRate?: (symbol: string, notional: number, leverage: number) => number;
  /**
   * The default of every account's `mixedMarginModes` (AccountSpec): a venue where each order
   * names its margin mode (Orderly) lets every account hold both legs of a symbol. Default false.
   */
  mixedMarginModes?: boolean;
  /**
   * OKX: a pool is liquidated when its equity ≤ maintenance margin + liquidation fee, the fee being
   * position value × taker fee rate (https://www.okx.com/help/v-tiered-maintenance-margin-ratio-rules).
   * When true the engine adds notional × takerFee to every position's requirement (liquidation
   * check and price). Default false (Binance: equity ≤ maintenance margin).
   */
  liquidationFeeInMaintenance?: boolean;
}

/** Binance USDⓈ-M funds most perpetuals every 8 h, at 00:00, 08:00 and 16:00 UTC. */
export const FUNDING_INTERVAL_MS = 8 * 3600_000;

export interface PositionSpec {
  symbol: string;
  side: 'long' | 'short';
  /** Base units, > 0. */
  size: number;
  entryPrice: number;
  marginMode?: 'cross' | 'isolated';
  leverage?: number;
  /** Collateral of an isolated position (its "isolated wallet"), USDT. Required for isolated. */
  isolatedMargin?: number;
}

export interface AccountSpec {
  label?: string;
  apiKey?: string;
  secret?: string;
  /** Initial cross wallet, USDT. */
  walletBalance: number;
  /** Binance "dual side position" (hedge mode). */
  hedgeMode?: boolean;
  /** false = a read-only key: trading endpoints answer -2015. Default true. */
  canTrade?: boolean;
  /** Reported by /sapi/v1/account/apiRestrictions. Default false. */
  enableWithdrawals?: boolean;
  /**
   * Account modes the paper exchange does not model, reported as set so that a client's refusal to
   * guard them can be rehearsed: Multi-Assets mode (GET multiAssetsMargin) and a Portfolio Margin
   * key (apiRestrictions.enablePortfolioMarginTrading). Default false.
   */
  multiAssetsMargin?: boolean;
  portfolioMargin?: boolean;
  /**
   * One symbol may hold a cross and an isolated position at once (OKX, Orderly). Seeded positions
   * may then disagree on a symbol's mode; orders that carry `marginType` always keep modes apart.
   * Default false.
   */
  mixedMarginModes?: boolean;
  /** Hyperliquid unified account (one USDC balance for spot and perps). Reported only. Default false. */
  unifiedAccount?: boolean;
  symbols?: Record<string, { marginMode?: 'cross' | 'isolated'; leverage?: number }>;
  positions?: PositionSpec[];
}

export interface Position {
  symbol: string;
  positionSide: PositionSide;
  /** Signed quantity: > 0 long, < 0 short. */
  amt: number;
  entryPrice: number;
  marginType: MarginType;
  /** Collateral of an isolated position; 0 for cross. */
  isolatedWallet: number;
  /** Market time of the last change (fill, margin change). */
  updateTime: number;
}

export interface OrderRecord {
  orderId: number;
  clientOrderId: string;
  symbol: string;
  side: Side;
  positionSide: PositionSide;
  type: 'MARKET' | 'LIMIT';
  origType: string;
  price: number;
  avgPrice: number;
  origQty: number;
  executedQty: number;
  cumQuote: number;
  status: OrderStatus;
  timeInForce: 'GTC' | 'IOC' | 'FOK' | 'GTX';
  reduceOnly: boolean;
  closePosition: boolean;
  /** The order's own margin mode, when it carried one (OKX tdMode); else the symbol's. */
  marginType?: MarginType;
  stopPrice: number;
  workingType: 'MARK_PRICE' | 'CONTRACT_PRICE';
  time: number;
  updateTime: number;
}

export interface AlgoOrderRecord {
  algoId: number;
  clientAlgoId: string;
  algoType: 'CONDITIONAL';
  orderType: AlgoOrderType;
  symbol: string;
  side: Side;
  positionSide: PositionSide;
  timeInForce: 'GTC' | 'IOC' | 'FOK' | 'GTX';
  quantity: number;
  algoStatus: AlgoStatus;
  triggerPrice: number;
  price: number;
  workingType: 'MARK_PRICE' | 'CONTRACT_PRICE';
  closePosition: boolean;
  reduceOnly: boolean;
  /** As OrderRecord.marginType. */
  marginType?: MarginType;
  createTime: number;
  updateTime: number;
  triggerTime: number;
  actualOrderId: number | null;
  executedQty: number;
  avgPrice: number;
}

export interface IncomeRecord {
  symbol: string;
  incomeType: 'TRANSFER' | 'REALIZED_PNL' | 'COMMISSION' | 'INSURANCE_CLEAR' | 'FUNDING_FEE';
  income: number;
  asset: 'USDT';
  info: string;
  time: number;
  tranId: number;
  tradeId: string;
  /** Market time from which GET /fapi/v1/income shows the row (late rows: see setHistoryDelay). */
  visibleAt: number;
}

export interface TradeRecord {
  id: number;
  orderId: number;
  symbol: string;
  side: Side;
  positionSide: PositionSide;
  price: number;
  qty: number;
  quoteQty: number;
  realizedPnl: number;
  commission: number;
  buyer: boolean;
  maker: boolean;
  time: number;
}

export interface LiquidationEvent {
  accountId: string;
  kind: 'cross' | 'isolated';
  symbol: string;
  positionSide: PositionSide;
  /** Signed quantity that was closed. */
  amt: number;
  price: number;
  notional: number;
  realizedPnl: number;
  clearanceFee: number;
  /** Loss beyond the pool, written off by the (imaginary) insurance fund. */
  writtenOff: number;
  time: number;
  /** 'backstop' when the venue's liquidator took the pool's remaining collateral (see backstopRatio). */
  method?: 'market' | 'backstop';
  /** The pool's margin balance (account value) when it was liquidated. */
  accountValue?: number;
}

export interface OrderRequest {
  symbol: string;
  side: Side;
  type: string;
  quantity?: number;
  price?: number;
  positionSide?: PositionSide;
  /** undefined = not sent (matters in hedge mode: sending it at all is -1106). */
  reduceOnly?: boolean;
  timeInForce?: 'GTC' | 'IOC' | 'FOK' | 'GTX';
  newClientOrderId?: string;
  /**
   * The position's margin mode the order trades (venues where it travels with each order: OKX
   * `tdMode`, Orderly `margin_mode`). undefined = the symbol's configured mode (Binance).
   */
  marginType?: MarginType;
}

export interface AlgoOrderRequest {
  symbol: string;
  side: Side;
  type: string;
  quantity?: number;
  price?: number;
  triggerPrice?: number;
  positionSide?: PositionSide;
  reduceOnly?: boolean;
  closePosition?: boolean;
  workingType?: 'MARK_PRICE' | 'CONTRACT_PRICE';
  timeInForce?: 'GTC' | 'IOC' | 'FOK' | 'GTX';
  clientAlgoId?: string;
  /** As OrderRequest.marginType. */
  marginType?: MarginType;
}

/**
 * Execution hooks used by fault injection. They are asked only when they apply, so a fault is
 * consumed by the order it affects and not by an unrelated one.
 */
export interface ExecOptions {
  /** Asked for a MARKET order: fraction (0–1) to fill; the rest expires. undefined = all. */
  takeFillRatio?: () => number | undefined;
  /** Asked for a reduce-only order or a hedge-mode close: true = reject it with -2022. */
  takeReduceOnlyReject?: () => boolean;
}

export interface PositionRisk {
  position: Position;
  markPrice: number;
  /** |amt| × mark. */
  notional: number;
  unrealizedPnl: number;
  maintMargin: number;
  maintMarginRatio: number;
  maintAmount: number;
  leverage: number;
  initialMargin: number;
  /** Isolated: wallet + uPnL (Binance "isolatedMargin"); cross: 0. */
  isolatedMargin: number;
  /** 0 when the position cannot be liquidated by a move of its own symbol. */
  liquidationPrice: number;
  breakEvenPrice: number;
  /** notional × takerFee where the venue liquidates at MM + this fee (liquidationFeeInMaintenance), else 0. */
  liquidationFee: number;
}

export interface AccountRisk {
  crossWallet: number;
  isolatedWallets: number;
  walletBalance: number;
  crossUnPnl: number;
  unrealizedPnl: number;
  marginBalance: number;
  crossMarginBalance: number;
  crossMaintMargin: number;
  totalMaintMargin: number;
  /** crossMaintMargin / crossMarginBalance; null without cross positions or with a balance ≤ 0. */
  crossMarginRatio: number | null;
  positionInitialMargin: number;
  crossPositionInitialMargin: number;
  openOrderInitialMargin: number;
  availableBalance: number;
  maxWithdrawAmount: number;
  positions: PositionRisk[];
}

export interface SymbolConfig {
  marginType: MarginType;
  leverage: number;
}
