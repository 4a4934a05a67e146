import type { Policy } from '../domain/policy.ts';
import { revalue } from '../domain/revalue.ts';
import { levelRank, type Level } from '../domain/state.ts';
import type { Clock } from '../ports.ts';
import { ExchangeRateLimitError } from '../errors.ts';
import { needsAnotherLook, nextTickDelayMs, type CadenceSeconds } from './cadence.ts';
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
 *
 * The mark watch: an account at OK is ticked once a minute, but a crash moves every account of a
 * venue at once. With `marks`, the loop reads each venue's marks (one cheap public read, shared
 * with the snapshots where the adapter can) every `marksEveryMs`, re-values each OK account's last
 * accepted snapshot at them (domain/revalue.ts) and makes due now, ahead of the quiet ones, every
 * account the new marks may have put above OK. Accounts above OK already tick fast.
 */

export interface LoopAccount {
  id: string;
  /** The venue whose per-IP request budget this account's ticks spend. */
  venue: string;
  cadence: CadenceSeconds;
  /** The account's policy, for the mark watch's re-valuation (absent: the watch leaves it to its schedule). */
  policy?: Policy;
  /** One tick; `loop.onRateLimit` (GuardDeps.onRateLimit) holds the venue the moment it answers 429/418. */
  tick(loop: { onRateLimit: (hit: RateLimitHit) => void }): Promise<TickResult>;
}

export interface VenueBudget {
  /** Request weight per minute the venue allows one IP. */
  perMinute: number;
  /** Weight one routine tick spends (a snapshot, and the history now and then). */
  tickCost: number;
  /** Weight of one read of the venue's marks (the mark watch). @default tickCost */
  marksCost?: number;
  /**
   * Weight one close spends beyond a routine tick: charged to a tick that placed orders, and kept
   * in reserve for accounts in danger when pacing from the venue's own count. @default tickCost
   */
  closeCost?: number;
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
  /**
   * Per venue, a read of every symbol's mark (symbol → price; ExchangePort.fetchMarks) for the
   * mark watch. Absent: no watch, OK accounts wait for their schedule.
   */
  marks?: Record<string, () => Promise<Record<string, number>>>;
  /**
   * Per venue, the weight this IP used in the venue's current minute as the venue last answered it
   * (ExchangePort.usedWeight; host ms seen). Within one close's cost of the limit, only accounts in
   * DANGER, EMERGENCY or closing start a tick on the venue until its minute turns; within one
   * routine tick's cost (the minute is spent: the venue would answer 429 and pause them all to
   * its end), nothing starts, the mark read included.
   */
  usedWeight?: Record<string, () => { used: number; at: number } | null>;
  /** ms between two mark reads of one venue. @default 2000 */
  marksEveryMs?: number;
  /** The watch made an account due now: why, as the re-valuation's reasons. */
  onWatch?: (account: LoopAccount, reasons: string[]) => void;
  /** A venue is paused (once per pause): e.g. "binanceusdm paused 30 s: venue answered 418 (IP ban) — Retry-After 30 s". */
  onVenuePause?: (venue: string, message: string, untilMs: number) => void;
}

interface Slot {
  account: LoopAccount;
  dueAt: number;
  running: boolean;
  last: TickResult | null;
  /** The mark watch says the account may have left OK for this level: it goes as if there until it has ticked. */
  flagged: Level | null;
}

/** Lower goes first: closing or halted with residuals, then by level (flagged by the watch: the level it may be at), OK last. */
function urgency(s: Slot): number {
  const r = s.last;
  if (!r) return 1;
  if (r.halted && (r.residuals.length > 0 || r.status === 'UNKNOWN')) return 0;
  const u = 4 - levelRank(r.level);
  return s.flagged ? Math.min(u, 4 - levelRank(s.flagged)) : u;
}

/** Urgency of an account at WARNING: from here up (WARNING, OK) a tick waits when the venue's count is near its limit. */
const QUIET_FROM = 4 - levelRank('WARNING');

/** ms between two mark reads of one venue by default. */
const MARKS_EVERY_MS = 2_000;

export async function guardLoop(accounts: readonly LoopAccount[], opts: LoopOptions): Promise<void> {
  const { clock } = opts;
  const limiter = createLimiter(opts.concurrency ?? 8);
  const slots: Slot[] = accounts.map((account) => ({ account, dueAt: clock.now(), running: false, last: null, flagged: null }));
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
    s.flagged = null;
    const startedAt = clock.now();
    const p = limiter
      .run(() => s.account.tick({ onRateLimit: (hit) => rateLimited(s.account.venue, hit) }))
      .then(
        async (r) => {
          s.last = r;
          // A tick that placed orders spent more than a routine one: charge the difference.
          const b = opts.budgets?.[s.account.venue];
          if (b && r.tripKind !== null) refill(s.account.venue, b, clock.now()).left -= b.closeCost ?? b.tickCost;
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

  /** Whether the venue's own count for this minute is within `room` of its limit. */
  const nearLimit = (venue: string, b: VenueBudget, now: number, room: number): boolean => {
    const u = opts.usedWeight?.[venue]?.();
    if (!u || Math.floor(u.at / 60_000) !== Math.floor(now / 60_000)) return false;
    return u.used + room >= b.perMinute;
  };

  const watchAt = new Map<string, number>();
  const watching = new Set<string>();
  const watched = new Set(slots.filter((s) => s.account.policy).map((s) => s.account.venue));

  /** Re-values the venue's quiet accounts at its new marks; those that may have left OK are due now. */
  const onMarks = (venue: string, marks: Record<string, number>) => {
    const now = clock.now();
    for (const s of slots) {
      const r = s.last;
      const policy = s.account.policy;
      if (s.account.venue !== venue || s.running || !policy || !r?.snapshot || r.status === 'UNKNOWN' || r.halted || needsAnotherLook(r)) continue;
      const v = revalue(r.snapshot, r.peakEquity, marks, policy);
      if (!v.look) continue;
      s.dueAt = Math.min(s.dueAt, now);
      if (!s.flagged) opts.onWatch?.(s.account, v.reasons);
      if (!s.flagged || levelRank(v.level) > levelRank(s.flagged)) s.flagged = v.level;
    }
  };

  /** One mark read of a venue, when due, not paused, and (with a budget) affordable. */
  const watch = (venue: string, read: () => Promise<Record<string, number>>, now: number) => {
    if (!watched.has(venue) || watching.has(venue) || (watchAt.get(venue) ?? 0) > now || (pausedUntil.get(venue) ?? 0) > now) return;
    const b = opts.budgets?.[venue];
    if (b) {
      const cost = b.marksCost ?? b.tickCost;
      // Not into a spent minute: the 429 would pause every account of the venue.
      if (nearLimit(venue, b, now, cost)) return;
      const t = refill(venue, b, now);
      if (t.left < cost) return;
      t.left -= cost;
    }
    watching.add(venue);
    watchAt.set(venue, now + (opts.marksEveryMs ?? MARKS_EVERY_MS));
    const p = read()
      .then(
        (marks) => onMarks(venue, marks),
        (err: unknown) => {
          // The watch is a shortcut: a failed read leaves the accounts to their schedule.
          if (err instanceof ExchangeRateLimitError) rateLimited(venue, { status: err.status, retryAfterMs: err.retryAfterMs });
        },
      )
      .finally(() => {
        watching.delete(venue);
        inFlight.delete(p);
      });
    inFlight.add(p);
  };

  while (!opts.stopped()) {
    const now = clock.now();
    for (const [venue, read] of Object.entries(opts.marks ?? {})) watch(venue, read, now);
    const ready = slots
      .filter((s) => !s.running && s.dueAt <= now && (pausedUntil.get(s.account.venue) ?? 0) <= now)
      .sort((a, b) => urgency(a) - urgency(b) || a.dueAt - b.dueAt);
    for (const s of ready) {
      const b = opts.budgets?.[s.account.venue];
      // Not yet seen counts as quiet here: a first tick (markets, settings, history) costs the most.
      if (b && (!s.last || urgency(s) >= QUIET_FROM) && nearLimit(s.account.venue, b, now, b.closeCost ?? b.tickCost)) continue;
      // Spent: even a close would be answered 429, and a 429 pauses the whole venue to the minute's end (or bans it).
      if (b && nearLimit(s.account.venue, b, now, b.tickCost)) continue;
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
