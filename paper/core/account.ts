import type { AlgoOrderRecord, IncomeRecord, MarginType, OrderRecord, Position, PositionSide, SymbolConfig, TradeRecord } from './types.ts';

/** One paper account (Binance sub-account equivalent). */
export class PaperAccount {
  crossWallet = 0;
  readonly symbolConfig = new Map<string, SymbolConfig>();
  readonly positions = new Map<string, Position>();
  readonly orders = new Map<number, OrderRecord>();
  readonly openOrders = new Map<number, OrderRecord>();
  readonly algoOrders = new Map<number, AlgoOrderRecord>();
  readonly openAlgoOrders = new Map<number, AlgoOrderRecord>();
  readonly trades: TradeRecord[] = [];
  readonly income: IncomeRecord[] = [];
  readonly forceOrders: OrderRecord[] = [];
  /** Late history rows: when a force order becomes visible (market time), if later than its time. */
  readonly forceOrderVisibleAt = new Map<number, number>();
  /** Market time of the last balance change (Binance asset updateTime; ccxt skips assets with 0). */
  updateTime: number;
  /** Reported only (see AccountSpec). */
  multiAssetsMargin = false;
  portfolioMargin = false;
  /**
   * Margin mode chosen per ORDER, not per symbol (Orderly): a cross and an isolated position may
   * be held on one symbol at once, keyed apart (legKey). false = one mode per symbol (Binance).
   */
  marginModePerOrder = false;

  constructor(
    readonly id: string,
    readonly label: string,
    readonly apiKey: string,
    readonly secret: string,
    public dualSide: boolean,
    readonly canTrade: boolean,
    readonly enableWithdrawals: boolean,
    readonly createTime: number,
  ) {
    this.updateTime = createTime;
  }
}

/** Key of a position in PaperAccount.positions. */
export const posKey = (symbol: string, side: PositionSide): string => `${symbol}:${side}`;

/**
 * Key of a position leg: on an account with per-order margin modes the isolated leg of a symbol
 * has its own key beside the cross one; otherwise the same as posKey (one position per symbol/side).
 */
export const legKey = (acc: PaperAccount, symbol: string, side: PositionSide, marginType: MarginType | undefined): string =>
  acc.marginModePerOrder && marginType === 'ISOLATED' ? `${posKey(symbol, side)}:ISOLATED` : posKey(symbol, side);

/** How far back history queries reach without a startTime (Binance: 7 days). */
export const FORCE_ORDER_WINDOW_MS = 7 * 24 * 3600_000;
