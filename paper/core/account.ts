import type { AlgoOrderRecord, IncomeRecord, MarginType, OrderRecord, Position, PositionSide, SymbolConfig, TradeRecord } from './types.ts';

/** modeLeverage's key. */
export const modeKey = (symbol: string, mode: MarginType): string => `${symbol}|${mode}`;

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
  /**
   * One symbol may hold a cross and an isolated position at once (OKX, Orderly: the margin mode
   * travels with each order). Off, the symbol's configured mode applies (Binance). See AccountSpec.
   */
  mixedMarginModes = false;
  /**
   * With mixed modes, leverage per (symbol, margin mode) where it was set apart (Orderly sets it
   * per symbol and margin mode: POST /v1/client/leverages); absent, the symbol's leverage.
   */
  readonly modeLeverage = new Map<string, number>();
  /** Reported only (see AccountSpec). */
  multiAssetsMargin = false;
  portfolioMargin = false;
  unifiedAccount = false;

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

/**
 * Key of a position in PaperAccount.positions: a position is (symbol, side, margin mode). Without
 * mixed margin modes a symbol has one mode, so (symbol, side) finds it (see findPosition).
 */
export const posKey = (symbol: string, side: PositionSide, marginType: MarginType): string => `${symbol}:${side}:${marginType}`;

/**
 * The position of (symbol, side) in `marginType`, or — without a mode — the one position of
 * (symbol, side) whatever its mode (the first, cross before isolated, when an account mixes them).
 */
export function findPosition(acc: PaperAccount, symbol: string, side: PositionSide, marginType?: MarginType): Position | undefined {
  if (marginType !== undefined) return acc.positions.get(posKey(symbol, side, marginType));
  return acc.positions.get(posKey(symbol, side, 'CROSSED')) ?? acc.positions.get(posKey(symbol, side, 'ISOLATED'));
}

/** How far back history queries reach without a startTime (Binance: 7 days). */
export const FORCE_ORDER_WINDOW_MS = 7 * 24 * 3600_000;
