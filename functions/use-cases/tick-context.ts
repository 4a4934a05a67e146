import type { GateOptions } from '../domain/gate.ts';
import type { Policy } from '../domain/policy.ts';
import { initialState, type GuardState } from '../domain/state.ts';
import type { Alert } from '../ports.ts';
import { watchRateLimits, type RateLimitHit } from './rate-limit-watch.ts';
import { withRetry, realSleep } from './retry.ts';
import type { GuardDeps, GuardedAccount } from './types.ts';

export interface TickOptions {
  gate?: GateOptions;
  /** Consecutive UNKNOWN ticks before "guard cannot see account" (default 3). */
  blindAfter?: number;
  /** …and at least this long without trusted data (ms; default 20 s), so a fast cadence does not cry blind in seconds. */
  blindAfterMs?: number;
  /** The history is read at least this often (ms), and whenever the book or the wallet changed. */
  historyEveryMs?: number;
  /** Each history read re-reads this much before the last one's end (ms, market time): late rows are found. */
  historyOverlapMs?: number;
  /** A new high more than this fraction above the peak must be confirmed before the peak rises. */
  peakRiseTolerance?: number;
  /** Time the tick may spend retrying reads (ms). */
  budgetMs?: number;
  /**
   * A pending trip whose heartbeat is younger than this (ms) belongs to a live tick: do not act
   * twice. Default 15 s (a tick refreshes it before every order and read, each at most 10 s), or
   * three of that tick's heartbeat intervals when it ran a timer.
   */
  tripLeaseMs?: number;
  /** Refresh the trip's heartbeat on a timer this often while acting (ms); real-time callers only. */
  heartbeatEveryMs?: number;
  /** No order starts after this time (ms, tick clock): time is kept to write, audit and alert. */
  actDeadline?: number;
  /** Force dry-run whatever the policy says. */
  dryRun?: boolean;
  /** A state written by a tick within this many ms counts as a live overlapping tick (default 30 s). */
  overlapMs?: number;
  /** Set on the one retry after a lost write; not for callers. */
  retried?: boolean;
}

/** What every step of one tick shares: its ports, account, moment, starting state and alerts. */
export interface TickContext {
  /** The caller's ports, the exchange watched for rate limits. */
  deps: GuardDeps;
  /** The ports as the caller passed them. */
  caller: GuardDeps;
  account: GuardedAccount;
  opts: TickOptions;
  id: string;
  /** The tick's moment (ms, tick clock): every record of this tick carries it. */
  now: number;
  /** The account's policy, dry-run forced when the caller asks. */
  policy: Policy;
  /** The state as the tick read it first. */
  state: GuardState;
  sleep: (ms: number) => Promise<void>;
  /** Retries transient venue failures within the tick's read budget. */
  retry: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Alerts of this tick, sent together at its end. */
  alerts: Alert[];
  alert(kind: Alert['kind'], level: string, summary: string, body: string): void;
  /** The venue's 429/418 seen so far in this tick, if any. */
  rateLimit(): RateLimitHit | null;
}

/** Reads the account's state and sets up one tick's shared context. */
export async function openTick(caller: GuardDeps, account: GuardedAccount, opts: TickOptions): Promise<TickContext> {
  const watched = watchRateLimits(caller.exchange, caller.onRateLimit);
  const deps = { ...caller, exchange: watched.port };
  const { clock, store } = deps;
  const sleep = deps.sleep ?? realSleep;
  const id = account.config.id;
  const now = clock.now();
  const deadline = now + (opts.budgetMs ?? 20_000);
  const alerts: Alert[] = [];
  return {
    deps,
    caller,
    account,
    opts,
    id,
    now,
    policy: opts.dryRun ? { ...account.policy, dryRun: true } : account.policy,
    state: (await store.get(id)) ?? initialState(id),
    sleep,
    retry: (fn) => withRetry(fn, { attempts: 4, baseDelayMs: 200, now: () => clock.now(), deadline, sleep }),
    alerts,
    alert: (kind, level, summary, body) => void alerts.push({ accountId: id, kind, level, summary, body, at: now }),
    rateLimit: watched.hit,
  };
}

/** Bounded re-decisions when human acts keep writing during one tick. */
export const MAX_MERGES = 3;
