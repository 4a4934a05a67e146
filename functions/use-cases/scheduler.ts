import type { Clock } from '../ports.ts';

/**
 * Many accounts, one process: runs each account's tick at (or after) its due time, at most
 * `concurrency` at once, earliest due first. Used by the local runner and the scale benchmark;
 * in AWS each account has its own schedule and Lambda is the "runner" (docs/scale.md).
 *
 * Fairness: ticks start strictly in due order (ties in input order), each account has one tick
 * per round, and a slot is held only by one tick, whose own time budget bounds it
 * (runGuardTick: retries stop at `budgetMs`, each request at ccxt's timeout). So a slow or
 * failing account delays others by at most one slot for that long; it can never hold the queue.
 */

/** One account's tick in a round. `dueAt` is clock time (ms). */
export interface DueTick<T> {
  id: string;
  dueAt: number;
  item: T;
}

/** What happened to one due tick; lateness in ms against its due time. */
export interface TickTiming<R> {
  id: string;
  dueAt: number;
  startedAt: number;
  finishedAt: number;
  /** startedAt − dueAt: time spent waiting for a slot. */
  startLateMs: number;
  /** finishedAt − dueAt: when the account was actually guarded, relative to its schedule. */
  finishLateMs: number;
  /** The tick's result, or undefined when it threw. */
  result?: R;
  /** The error message when the tick threw (the round goes on). */
  error?: string;
}

/** Max and 99th percentile (nearest rank) of a set of durations, ms. */
export interface Spread {
  max: number;
  p99: number;
  median: number;
}

export interface RoundReport<R> {
  ticks: TickTiming<R>[];
  /** First due time to last finish, ms. */
  elapsedMs: number;
  /** The most ticks that ran at once (≤ concurrency). */
  maxInFlight: number;
  startLate: Spread;
  finishLate: Spread;
  failures: number;
}

export interface SchedulerOptions {
  /** Most ticks in flight at once (≥ 1). */
  concurrency: number;
  clock: Clock;
  /** Waits until a tick is due; injected so tests need not sleep. */
  sleep: (ms: number) => Promise<void>;
}

/**
 * A p-limit-style gate: `run(fn)` starts `fn` when fewer than `concurrency` are running,
 * otherwise queues it (first in, first out).
 * @example const limit = createLimiter(2); await Promise.all(urls.map((u) => limit.run(() => fetch(u))));
 */
export function createLimiter(concurrency: number): {
  run<T>(fn: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly pending: number;
} {
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`concurrency must be an integer ≥ 1, got ${concurrency}`);
  let active = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    active--;
    const next = queue.shift();
    if (next) next();
  };
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const start = async () => {
          active++;
          try {
            resolve(await fn());
          } catch (err) {
            // Also when fn throws synchronously: the slot is released either way.
            reject(err);
          } finally {
            release();
          }
        };
        if (active < concurrency) void start();
        else queue.push(() => void start());
      });
    },
    get active() {
      return active;
    },
    get pending() {
      return queue.length;
    },
  };
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const spreadOf = (values: readonly number[]): Spread => ({
  max: values.length ? Math.max(...values) : 0,
  p99: percentile(values, 99),
  median: percentile(values, 50),
});

/**
 * Due times spread evenly over one period, so N accounts on one key or IP do not all hit the
 * venue in the same second. Deterministic: account i of n is due at start + i × period / n.
 * @example staggered(['a', 'b', 'c', 'd'], 0, 60_000) // due at 0, 15 s, 30 s, 45 s
 */
export function staggered<T extends { id: string }>(items: readonly T[], start: number, periodMs: number): DueTick<T>[] {
  return items.map((item, i) => ({ id: item.id, dueAt: start + Math.floor((i * periodMs) / Math.max(1, items.length)), item }));
}

/**
 * Runs one round: every due tick once, earliest due first, at most `concurrency` at a time, never
 * before its due time. A tick that throws is reported, not rethrown.
 */
export async function runScheduled<T, R>(
  due: readonly DueTick<T>[],
  tick: (item: T, id: string) => Promise<R>,
  opts: SchedulerOptions,
): Promise<RoundReport<R>> {
  const { clock, sleep } = opts;
  // Stable sort: equal due times keep their input order.
  const order = due.map((d, i) => ({ d, i })).sort((a, b) => a.d.dueAt - b.d.dueAt || a.i - b.i);
  const limiter = createLimiter(opts.concurrency);
  const timings: TickTiming<R>[] = new Array(due.length);
  let inFlight = 0;
  let maxInFlight = 0;
  const first = order[0]?.d.dueAt ?? clock.now();

  const running: Promise<void>[] = [];
  for (const { d, i } of order) {
    const wait = d.dueAt - clock.now();
    if (wait > 0) await sleep(wait);
    // Dispatch in order: the next account is queued only once this one has a slot, so a later
    // account can never overtake an earlier one.
    let started!: () => void;
    const gotSlot = new Promise<void>((r) => (started = r));
    running.push(
      limiter.run(async () => {
        started();
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const startedAt = clock.now();
        let result: R | undefined;
        let error: string | undefined;
        try {
          result = await tick(d.item, d.id);
        } catch (err) {
          error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        }
        inFlight--;
        const finishedAt = clock.now();
        timings[i] = {
          id: d.id,
          dueAt: d.dueAt,
          startedAt,
          finishedAt,
          startLateMs: startedAt - d.dueAt,
          finishLateMs: finishedAt - d.dueAt,
          ...(error === undefined ? { result: result as R } : { error }),
        };
      }),
    );
    await gotSlot;
  }
  await Promise.all(running);

  const last = timings.reduce((m, t) => Math.max(m, t.finishedAt), first);
  return {
    ticks: timings,
    elapsedMs: last - first,
    maxInFlight,
    startLate: spreadOf(timings.map((t) => t.startLateMs)),
    finishLate: spreadOf(timings.map((t) => t.finishLateMs)),
    failures: timings.filter((t) => t.error !== undefined).length,
  };
}
