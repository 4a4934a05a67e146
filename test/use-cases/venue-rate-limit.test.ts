import { describe, expect, it } from 'vitest';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import { MemoryStateStore } from '../../functions/adapters/memory-store.ts';
import type { AccountConfig } from '../../functions/config.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import type { AccountSnapshot } from '../../functions/domain/snapshot.ts';
import { ExchangeRateLimitError } from '../../functions/errors.ts';
import { DEFAULT_ADAPTIVE } from '../../functions/use-cases/cadence.ts';
import { venueBudgets } from '../../functions/venues/index.ts';
import { guardLoop, type LoopAccount } from '../../functions/use-cases/guard-loop.ts';
import { runGuardTick } from '../../functions/use-cases/run-guard-tick.ts';
import type { GuardDeps, TickResult } from '../../functions/use-cases/types.ts';
import { FakeExchange } from '../helpers/fake-exchange.ts';

/**
 * Issue 9 §2: Binance's request weight is per IP, so a 429/418 one account gets concerns every
 * account of the host on that venue. The real loop and the real tick; the venue is a fake port
 * that answers one read with 418 and Retry-After 90 s (the paper exchange has no 418 here).
 */

const T0 = 1_760_054_400_000;
// DANGER alerts without reducing: the fake venue keeps no history a reduce's realised loss could be explained by.
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } }, actions: { DANGER: { reduceFraction: 0 } } });
const silent = { debug() {}, info() {}, warn() {}, error() {} };

const book = (mark: number): AccountSnapshot => ({
  crossWalletBalance: 10_000,
  positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 1, entryPrice: 50_000, markPrice: mark, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.004 }],
});

/** Answers the first read at or after `banAt` with a 418 IP ban (Retry-After 90 s), then as usual. */
class BanningExchange extends FakeExchange {
  bannedAt: number | null = null;
  constructor(
    snapshot: AccountSnapshot,
    private readonly now: () => number,
    private readonly banAt: number,
  ) {
    super(snapshot);
  }

  override async fetchSnapshot(): Promise<AccountSnapshot> {
    if (this.bannedAt === null && this.now() >= this.banAt) {
      this.bannedAt = this.now();
      throw new ExchangeRateLimitError('binanceusdm fetchSnapshot (GET /fapi/v3/account → HTTP 418): IP banned until …', { status: 418, retryAfterMs: 90_000 });
    }
    return super.fetchSnapshot();
  }
}

describe('guardLoop with a venue that bans the IP', () => {
  it('pauses every account on that venue until Retry-After, says so once, resumes those in danger first, and raises no blind alert', async () => {
    let now = T0;
    const clock = { now: () => now };
    const store = new MemoryStateStore();
    const notifier = new MemoryNotifier();
    const banAt = T0 + 50_000;
    const accounts: { id: string; venue: string; exchange: FakeExchange }[] = [
      ...['q1', 'q2', 'q3'].map((id) => ({ id, venue: 'binanceusdm', exchange: new FakeExchange(book(50_000)) })),
      { id: 'banned', venue: 'binanceusdm', exchange: new BanningExchange(book(50_000), clock.now, banAt) },
      { id: 'danger', venue: 'binanceusdm', exchange: new FakeExchange(book(50_000)) },
      // Another venue's limit is its own: this account keeps its 1-s cadence throughout.
      { id: 'elsewhere', venue: 'okx', exchange: new FakeExchange(book(50_000)) },
    ];
    const deps = (a: (typeof accounts)[number]): GuardDeps => ({ exchange: a.exchange, store, notifier, clock, log: silent, sleep: async () => {} });
    const guarded = (id: string) => ({ config: { id, exchange: 'binanceusdm', credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } as AccountConfig, policy });
    // The peak is set at 50,000; then two accounts fall 12 % below it (DANGER: a tick every second).
    for (const a of accounts) await runGuardTick(deps(a), guarded(a.id));
    for (const a of accounts.filter((x) => x.id === 'danger' || x.id === 'elsewhere')) a.exchange.snapshot.positions[0]!.markPrice = 48_800;

    const starts: { id: string; at: number }[] = [];
    const results: TickResult[] = [];
    const pauses: string[] = [];
    const loop: LoopAccount[] = accounts.map((a) => ({
      id: a.id,
      venue: a.venue,
      cadence: DEFAULT_ADAPTIVE,
      tick: ({ onRateLimit }) => {
        starts.push({ id: a.id, at: now });
        return runGuardTick({ ...deps(a), onRateLimit }, guarded(a.id));
      },
    }));
    await guardLoop(loop, {
      okSeconds: 60,
      concurrency: 8,
      budgets: venueBudgets(),
      clock,
      sleep: async (ms) => {
        now += ms;
        await Promise.resolve();
      },
      stopped: () => now >= T0 + 200_000,
      onResult: (_a, r) => void results.push(r),
      onError: (_a, err) => {
        throw err;
      },
      onVenuePause: (_venue, message) => void pauses.push(message),
    });

    const bannedAt = (accounts[3]!.exchange as BanningExchange).bannedAt!;
    expect(bannedAt).toBeGreaterThanOrEqual(banAt);
    // Said once, in words.
    expect(pauses).toEqual(['binanceusdm paused 90 s: venue answered 418 (IP ban) — Retry-After 90 s']);
    // No account on that venue starts a tick during the ban; the other venue's account goes on.
    const during = starts.filter((s) => s.at > bannedAt && s.at < bannedAt + 90_000);
    expect(during.filter((s) => s.id !== 'elsewhere')).toEqual([]);
    expect(during.filter((s) => s.id === 'elsewhere').length).toBeGreaterThanOrEqual(10);
    // The quiet accounts fell due during the ban (every 60 s): after it the account in danger goes
    // first, the quiet ones follow on the refilling budget.
    const after = starts.filter((s) => s.at >= bannedAt + 90_000 && s.id !== 'elsewhere');
    expect(after[0]!.id).toBe('danger');
    expect(new Set(after.map((s) => s.id))).toEqual(new Set(['danger', 'q1', 'q2', 'q3', 'banned']));
    // The banned read made one UNKNOWN tick: no trade, no blind alert, not counted toward blindness.
    const bannedTicks = results.filter((r) => r.accountId === 'banned');
    expect(bannedTicks.filter((r) => r.status === 'UNKNOWN')).toHaveLength(1);
    expect(bannedTicks.find((r) => r.status === 'UNKNOWN')!.rateLimit).toEqual({ status: 418, retryAfterMs: 90_000 });
    expect(bannedTicks.at(-1)!.status).toBe('OK');
    expect(notifier.alerts.filter((a) => a.kind === 'blind')).toEqual([]);
    const events = await store.events('banned', 100);
    expect(events.map((e) => e.message)).toContainEqual(expect.stringMatching(/^UNKNOWN \(venue answered 418 \(IP ban\) — Retry-After 90 s; not counted as blind\)/));
  });
});

/** Answers the next `bans` reads with 418 (Retry-After 30 s). */
class BannedFor extends FakeExchange {
  bans = 0;
  override async fetchSnapshot(): Promise<AccountSnapshot> {
    if (this.bans > 0) {
      this.bans--;
      throw new ExchangeRateLimitError('binanceusdm fetchSnapshot (GET /fapi/v3/account → HTTP 418): IP banned', { status: 418, retryAfterMs: 30_000 });
    }
    return super.fetchSnapshot();
  }
}

describe('runGuardTick on a venue that bans the IP', () => {
  function setup() {
    let now = T0;
    const exchange = new BannedFor(book(50_000));
    const store = new MemoryStateStore();
    const notifier = new MemoryNotifier();
    const deps: GuardDeps = { exchange, store, notifier, clock: { now: () => now }, log: silent, sleep: async () => {} };
    const account = { config: { id: 'a', exchange: 'binanceusdm', credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } as AccountConfig, policy };
    return { exchange, store, notifier, tickAt: (ms: number) => ((now = T0 + ms), runGuardTick(deps, account)) };
  }

  it('does not let a ban be the tick that makes the guard cry blind; failures of another kind still count', async () => {
    const t = setup();
    expect((await t.tickAt(0)).status).toBe('OK');
    t.exchange.failNext = 100; // 503s: the account really cannot be read
    await t.tickAt(10_000);
    await t.tickAt(20_000);
    t.exchange.failNext = 0;
    t.exchange.bans = 1;
    const banned = await t.tickAt(30_000);
    expect(banned.status).toBe('UNKNOWN');
    expect(banned.rateLimit).toEqual({ status: 418, retryAfterMs: 30_000 });
    expect(t.notifier.alerts).toEqual([]);
    expect((await t.store.get('a'))!.unknownStreak).toBe(2);
    t.exchange.failNext = 100;
    await t.tickAt(40_000);
    expect(t.notifier.alerts.map((a) => a.summary)).toEqual(['guard cannot see account (3 ticks)']);
  });

  it('counts a ban toward blindness once the account has gone 2 minutes without trusted data', async () => {
    const t = setup();
    await t.tickAt(0);
    t.exchange.bans = 100;
    for (const at of [30_000, 60_000, 90_000]) expect((await t.tickAt(at)).status).toBe('UNKNOWN');
    expect((await t.store.get('a'))!.unknownStreak).toBe(0);
    for (const at of [120_000, 150_000]) await t.tickAt(at);
    expect(t.notifier.alerts).toEqual([]);
    await t.tickAt(180_000);
    expect(t.notifier.alerts.map((a) => a.kind)).toEqual(['blind']);
  });
});
