import type { MarketSpec } from './domain/pre-trade.ts';
import type { AccountSnapshot } from './domain/snapshot.ts';
import type { AuditEvent, GuardState } from './domain/state.ts';
import type { Alert } from './domain/alert.ts';
import type { AccountHistory } from './domain/history.ts';
import type { OrderRequest, OrderResult } from './domain/orders.ts';
import type { VenueBackstop, WantedBackstop } from './domain/backstop.ts';

// The domain's own data types, re-exported for the ports' users.
export type { Alert } from './domain/alert.ts';
export type { AccountHistory, HistoryEvent } from './domain/history.ts';
export type { OrderRequest, OrderResult } from './domain/orders.ts';
export type { VenueBackstop, WantedBackstop } from './domain/backstop.ts';

/** What became of a backstop the venue no longer lists (ExchangePort.backstopStatus). */
export type BackstopStatus = 'open' | 'fired' | 'cancelled' | 'rejected';

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

export interface Notifier {
  notify(alert: Alert): Promise<void>;
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
  /**
   * The account's history rows since `since` (ms, venue market clock, inclusive), every page.
   * Costly on most venues: the tick reads it when the book or the wallet changed, or the gate asks.
   */
  fetchHistory(since: number): Promise<AccountHistory>;
  /**
   * Cancels every open order, conditional ones included, on the given symbols — or, with `'all'`,
   * on every symbol that has one (a resting order elsewhere must not open a position once halted).
   * Returns how many.
   */
  cancelAllOrders(symbols: string[] | 'all'): Promise<number>;
  /** A market order that can only reduce the given position. */
  reduceOnlyMarket(order: OrderRequest): Promise<OrderResult>;
  /**
   * Several reduce-only closes sent together (one batched action where the venue has one, e.g.
   * Hyperliquid's order action), one result per order in the same order. Venues without it get one
   * reduceOnlyMarket per order.
   */
  reduceOnlyMarketBatch?(orders: readonly OrderRequest[]): Promise<OrderResult[]>;
  /** The largest quantity one market order may carry for a symbol (base units), if limited. */
  maxMarketQuantity(symbol: string): Promise<number | null>;
  /** The venue's quantity step (lot size) for a symbol; a remainder below half a step cannot be traded. */
  quantityStep?(symbol: string): Promise<number | null>;
  /**
   * Every symbol's mark price on the venue (symbol → mark, quote currency): one cheap public read,
   * shared by the venue's accounts where the adapter can. For the run loop's mark watch.
   */
  fetchMarks?(): Promise<Record<string, number>>;
  /**
   * The request weight this IP has used in the venue's current minute, as the venue last answered
   * it (Binance: X-MBX-USED-WEIGHT-1M), and the host time (ms) it was seen; null before any answer.
   * No request of its own. For the run loop's pacing.
   */
  usedWeight?(): { used: number; at: number } | null;
  /** Permissions and clock, for `riskguard doctor`. */
  diagnose(): Promise<KeyDiagnosis>;
  /**
   * Whether the key can withdraw, as last read by the adapter's routine settings reads (no
   * request of its own); null = not known. A guard key needs read and trade only.
   */
  keyCanWithdraw?(): boolean | null;
  /**
   * What is wrong with the key's standing other than withdrawal (Hyperliquid: not a named API
   * wallet, or one that expires soon), as last read by the adapter's routine reads (at most hourly,
   * no request of its own); null = nothing known to be wrong. The guard alerts it daily.
   */
  keyWarning?(): string | null;
  /** Mark, lot step and maintenance tiers of a symbol the account may not hold (pre-trade checks). */
  marketSpec?(symbol: string): Promise<MarketSpec>;
  /**
   * Backstop stops (issue 16, domain/backstop.ts), on venues that can rest a reduce-only stop that
   * closes a whole position side on the mark price; absent where a venue cannot. The guard's own
   * stops only (the adapter marks them, e.g. by a client order id prefix), on the given symbols.
   */
  listBackstops?(symbols: string[] | 'all'): Promise<VenueBackstop[]>;
  /** Places one backstop: closes the whole side of the symbol when the mark reaches `stopPrice`. */
  placeBackstop?(stop: WantedBackstop): Promise<VenueBackstop>;
  /** Cancels one backstop the adapter listed or placed. */
  cancelBackstop?(stop: VenueBackstop): Promise<void>;
  /**
   * What became of a backstop the venue no longer lists: `fired` (it triggered and its close was
   * sent), `cancelled` (cancelled by someone, or expired by the venue: it did not act) or
   * `rejected` (it triggered but the venue refused its close: the side may still be open).
   * Absent where the venue cannot say; the guard then reads a gone stop on a flat side as fired.
   */
  backstopStatus?(stop: VenueBackstop): Promise<BackstopStatus>;
}

/** The last snapshot the guard accepted, as agents' pre-trade answers read it. */
export interface StoredSnapshot {
  accountId: string;
  /** When the guard accepted it (ms, the tick's clock). */
  at: number;
  snapshot: AccountSnapshot;
  /** The venue's quantity step per held symbol (base units). */
  lotSteps: Record<string, number>;
}

/** One item per account: the last accepted snapshot (overwritten by every accepted tick). */
export interface SnapshotStore {
  put(s: StoredSnapshot): Promise<void>;
  get(accountId: string): Promise<StoredSnapshot | null>;
}
