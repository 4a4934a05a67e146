import type { AccountSnapshot } from './domain/snapshot.ts';
import type { AuditEvent, GuardState } from './domain/state.ts';

/** Milliseconds since the Unix epoch; injected so replays and tests control time. */
export interface Clock {
  now(): number;
}

export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

/** Persistence of guard state and its audit log. */
export interface StateStore {
  /** The stored state, or null when the account has never been stored. */
  get(accountId: string): Promise<GuardState | null>;
  /**
   * Writes `next` only if the stored version is still `expectedVersion` (0 = not stored yet);
   * the written item carries version expectedVersion + 1. Returns false when another writer won.
   */
  put(next: GuardState, expectedVersion: number): Promise<boolean>;
  /** Appends to the account's audit log (never overwrites). */
  append(event: AuditEvent): Promise<void>;
  /** Newest first. */
  events(accountId: string, limit: number): Promise<AuditEvent[]>;
  /** Every account that has a stored state. */
  listAccounts(): Promise<GuardState[]>;
}

export interface Alert {
  accountId: string;
  kind: 'escalation' | 'de-escalation' | 'all-clear' | 'reminder' | 'trip' | 'blind' | 'auth' | 'liquidation' | 'residual' | 'test' | 'info' | 'dead-man';
  level: string;
  /** One line: the number that matters and the action taken. */
  summary: string;
  /** Full text: metrics, reasons, orders, residuals, how to re-arm. */
  body: string;
  at: number;
}

export interface Notifier {
  notify(alert: Alert): Promise<void>;
}

export interface OrderRequest {
  symbol: string;
  side: 'buy' | 'sell';
  /** Base units. */
  amount: number;
  /** Which position this reduces (hedge mode needs it). */
  positionSide: 'long' | 'short';
  marginMode: 'cross' | 'isolated';
}

export interface OrderResult {
  id: string;
  symbol: string;
  side: 'buy' | 'sell';
  amount: number;
  filled: number;
  averagePrice: number | null;
  status: string;
}

export interface TransferInfo {
  /** Deposits minus withdrawals in quote currency since `since`. */
  netTransfers: number;
  /** Forced liquidations / auto-deleveraging seen since `since`. */
  liquidations: { symbol: string; at: number; kind: 'liquidation' | 'adl'; amount?: number }[];
  /** Symbols with trades (realized PnL) since `since`: a position closed by its owner. */
  fills: { symbol: string; at: number }[];
  /** The latest time the history covers (ms). */
  until: number;
}

/** What a key may do, for `riskguard doctor`. */
export interface KeyDiagnosis {
  canRead: boolean;
  canTrade: boolean | null;
  /** A guard key needs read and trade only; a key that can withdraw is a risk. null = unknown. */
  canWithdraw: boolean | null;
  /** Local clock minus the venue's, ms. */
  clockSkewMs: number | null;
  notes: string[];
}

/** One exchange account, as the guard sees it. Implementations validate everything they return. */
export interface ExchangePort {
  readonly id: string;
  fetchSnapshot(): Promise<AccountSnapshot>;
  /** Net transfers and forced closes since `since` (ms). Costly on most venues: call at most once a minute. */
  fetchHistory(since: number): Promise<TransferInfo>;
  /** Cancels every open order, conditional ones included, on the given symbols; returns how many. */
  cancelAllOrders(symbols: string[]): Promise<number>;
  /** A market order that can only reduce the given position. */
  reduceOnlyMarket(order: OrderRequest): Promise<OrderResult>;
  /** The largest quantity one market order may carry for a symbol (base units), if limited. */
  maxMarketQuantity(symbol: string): Promise<number | null>;
  /** The venue's quantity step (lot size) for a symbol; a remainder below half a step cannot be traded. */
  quantityStep?(symbol: string): Promise<number | null>;
  /** Permissions and clock, for `riskguard doctor`. */
  diagnose(): Promise<KeyDiagnosis>;
}
