import type { AccountConfig } from '../config.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import type { Level } from '../domain/state.ts';
import type { Policy } from '../domain/policy.ts';
import type { RateLimitHit } from './rate-limit-watch.ts';
import type { Clock, ExchangePort, Logger, Notifier, SnapshotStore, StateStore } from '../ports.ts';

/** Everything a use case touches from the outside world, passed in (never imported). */
export interface GuardDeps {
  exchange: ExchangePort;
  store: StateStore;
  notifier: Notifier;
  clock: Clock;
  log: Logger;
  /** Waits between retries and sub-minute ticks; injected so replays do not sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** Where the last accepted snapshot is kept for agents' pre-trade answers (none: not kept). */
  snapshots?: SnapshotStore;
  /**
   * Told at once when the venue answers 429 or 418 (the tick goes on and reports it in
   * TickResult.rateLimit too): a caller running many accounts on one IP holds the others now.
   */
  onRateLimit?: (hit: RateLimitHit) => void;
}

/** An account as the tick needs it: its config with the policy fully resolved. */
export interface GuardedAccount {
  config: AccountConfig;
  policy: Policy;
}

/** What one tick saw and did. `status` is UNKNOWN when the data could not be trusted. */
export interface TickResult {
  accountId: string;
  at: number;
  /** The asset its amounts are in (the venue's settlement: USDT, USDC); absent = USDT. */
  currency?: string;
  status: Level | 'UNKNOWN';
  level: Level;
  previousLevel: Level;
  halted: boolean;
  paused: boolean;
  equity: number | null;
  /** Equity after this tick's orders (fills and fees included); null when no order was placed. */
  equityAfter: number | null;
  /** Deposits − withdrawals (quote currency) this tick applied to the peak; 0 when it read no history. */
  netTransfers: number;
  peakEquity: number | null;
  /** Percent (15 = 15 %). */
  drawdownPct: number | null;
  marginRatio: number | null;
  reasons: string[];
  /** Human-readable actions taken (or, in dry-run, that would have been taken). */
  actions: string[];
  alertsSent: number;
  tripId: string | null;
  /** What the trip did: close-all, reduce or close one position (a lone isolated breach or a per-position limit). */
  tripKind: 'close-all' | 'reduce' | 'close-position' | null;
  /** Set when this tick's trip records an exchange-side backstop stop that fired between ticks (issue 16). */
  backstop?: boolean;
  /** Positions left after a close-all / reduce that could not be closed. */
  residuals: { symbol: string; side: string; contracts: number }[];
  /** The state version written, or null when the write lost to another tick. */
  stateVersion: number | null;
  /**
   * Set when the venue answered a read or an order with 429 (slow down) or 418 (IP ban): its
   * limit is per IP, so the caller holds back every account on it until `retryAfterMs` has passed.
   */
  rateLimit?: RateLimitHit;
  /**
   * The snapshot the tick accepted (after its orders when it placed any), for the run loop's mark
   * watch, which re-values it at newer marks (domain/revalue.ts). Absent when the tick did not decide.
   */
  snapshot?: AccountSnapshot;
}
