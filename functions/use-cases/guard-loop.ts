import { levelRank } from '../domain/state.ts';
import type { Clock } from '../ports.ts';
import { ExchangeRateLimitError } from '../errors.ts';
import { nextTickDelayMs, type CadenceSeconds } from './cadence.ts';
import { describeRateLimit, pauseMsOf, type RateLimitHit } from './rate-limit-watch.ts';
import { createLimiter } from './scheduler.ts';
import type { TickResult } from './types.ts';

/**
 * The local guard loop (`riskguard run`): every account on its own cadence — the same rule as the
 * Lambda's invocation loop ({@link nextTickDelayMs}) — with at most `concurrency` ticks in flight,
 * so one account whose venue hangs never delays another's close. Accounts on one venue share that
 * venue's per-IP request-weight budget; when it runs short, accounts above OK (closing ones
 * first) go before the quiet ones, which wait for the budget to refill. When any account's read
 * or order is answered 429 or 418 (the limit is per IP), every account on that venue waits out
 * the Retry-After, the pause is announced once, and the budget restarts empty: accounts in
 * danger go first when it resumes.
 */

export interface LoopAccount {
  id: string;
  /** The venue whose per-IP request budget this account's ticks spend. */
  venue: string;
  cadence: CadenceSeconds;
  /** One tick; `loop.onRateLimit` (GuardDeps.onRateLimit) holds the venue the moment it answers 429/418. */
  tick(loop: { onRateLimit: (hit: RateLimitHit) => void }): Promise<TickResult>;
}

export interface VenueBudget {
  /** Request weight per minute the venue allows one IP. */
  perMinute: number;
  /** Weight one routine tick spends (a snapshot, and the history now and then). */
  tickCost: number;
}

export interface LoopOptions {
  /** Seconds between ticks at OK. */
  okSeconds: number;
  /** Most ticks in flight at once. @default 8 */
  concurrency?: number;
  budgets?: Record<string, VenueBudget>;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  stopped: () => boolean;
  onResult: (account: LoopAccount, r: TickResult) => void | Promise<void>;
  /** A tick that threw (the loop goes on with the other accounts). */
  onError: (account: LoopAccount, err: unknown) => void | Promise<void>;
  /** A venue asked to slow down: its accounts wait this long (ms) before their next tick. */
  backoffMs?: (err: unknown) => number | null;
  /** A venue is paused (once per pause): e.g. "binanceusdm paused 30 s: venue answered 418 (IP ban) — Retry-After 30 s". */
  onVenuePause?: (venue: string, message: string, untilMs: number) => void;
}

interface Slot {
  account: LoopAccount;
  dueAt: number;
  running: boolean;
  last: TickResult | null;
}

/** Lower goes first: closing or halted with residuals, then by level, OK last. */
function urgency(s: Slot): number {
  const r = s.last;
  if (!r) return 1;
  if (r.halted && (r.residuals.length > 0 || r.status === 'UNKNOWN')) return 0;
  return 4 - levelRank(r.level);
}

export async function guardLoop(accounts: readonly LoopAccount[], opts: LoopOptions): Promise<void> {
  const { clock } = opts;
  const limiter = createLimiter(opts.concurrency ?? 8);
  const slots: Slot[] = accounts.map((account) => ({ account, dueAt: clock.now(), running: false, last: null }));
  const tokens = new Map<string, { left: number; at: number }>();
  const pausedUntil = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();

  const refill = (venue: string, b: VenueBudget, now: number) => {
    const t = tokens.get(venue) ?? { left: b.perMinute, at: now };
    t.left = Math.min(b.perMinute, t.left + ((now - t.at) * b.perMinute) / 60_000);
    t.at = now;
    tokens.set(venue, t);
    return t;
  };

  /** Holds every account of `venue` until `until`; says so when the venue was not already held. */
  const pause = (venue: string, until: number, why: string) => {
    const now = clock.now();
    const held = (pausedUntil.get(venue) ?? 0) > now;
    if (until <= (pausedUntil.get(venue) ?? 0)) return;
    pausedUntil.set(venue, until);
    // Resume on an empty budget: the quiet accounts trickle back at the refill rate, behind those in danger.
    const b = opts.budgets?.[venue];
    if (b) tokens.set(venue, { left: 0, at: until });
    if (!held) opts.onVenuePause?.(venue, `${venue} paused ${Math.round((until - now) / 1_000)} s: ${why}`, until);
  };
  const rateLimited = (venue: string, hit: RateLimitHit) => pause(venue, clock.now() + pauseMsOf(hit), describeRateLimit(hit));

  const start = (s: Slot) => {
    s.running = true;
    const startedAt = clock.now();
    const p = limiter
      .run(() => s.account.tick({ onRateLimit: (hit) => rateLimited(s.account.venue, hit) }))
      .then(
        async (r) => {
          s.last = r;
          s.dueAt = startedAt + nextTickDelayMs(r, s.account.cadence, opts.okSeconds);
          if (r.rateLimit) rateLimited(s.account.venue, r.rateLimit);
          await opts.onResult(s.account, r);
        },
        async (err: unknown) => {
          s.dueAt = startedAt + opts.okSeconds * 1_000;
          if (err instanceof ExchangeRateLimitError) rateLimited(s.account.venue, { status: err.status, retryAfterMs: err.retryAfterMs });
          const back = opts.backoffMs?.(err) ?? null;
          if (back !== null) pause(s.account.venue, clock.now() + back, 'the venue asked to slow down');
          await opts.onError(s.account, err);
        },
      )
      .finally(() => {
        s.running = false;
        inFlight.delete(p);
      });
    inFlight.add(p);
  };

  while (!opts.stopped()) {
    const now = clock.now();
    const ready = slots
      .filter((s) => !s.running && s.dueAt <= now && (pausedUntil.get(s.account.venue) ?? 0) <= now)
      .sort((a, b) => urgency(a) - urgency(b) || a.dueAt - b.dueAt);
    for (const s of ready) {
      const b = opts.budgets?.[s.account.venue];
      if (b) {
        const t = refill(s.account.venue, b, now);
        // Quiet accounts wait for the budget; an account above OK or closing spends it anyway.
        if (t.left < b.tickCost && urgency(s) >= 4) continue;
        t.left -= b.tickCost;
      }
      start(s);
    }
    const idle = slots.filter((s) => !s.running).map((s) => Math.max(s.dueAt, pausedUntil.get(s.account.venue) ?? 0));
    const wait = Math.max(0, Math.min(250, ...idle.map((d) => d - clock.now())));
    // Wake for the next due tick, a finished tick (its account may be due again at once), or a stop.
    await Promise.race([opts.sleep(Math.max(wait, 10)), ...inFlight]);
  }
  await Promise.allSettled([...inFlight]);
}
