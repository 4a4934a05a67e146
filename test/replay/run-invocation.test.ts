import { describe, expect, it } from 'vitest';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import { MemoryStateStore } from '../../functions/adapters/memory-store.ts';
import type { AccountConfig } from '../../functions/config.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import type { AccountSnapshot } from '../../functions/domain/snapshot.ts';
import type { CadenceSeconds } from '../../functions/use-cases/cadence.ts';

/** A fixed cadence for these tests: they are about the invocation loop, not the defaults. */
const C: CadenceSeconds = { WARNING: 10, DANGER: 5, EMERGENCY: 1 };
import { HANDOVER_MARGIN_MS, runInvocation, TICK_ALLOWANCE_MS } from '../../functions/use-cases/run-invocation.ts';
import type { GuardDeps } from '../../functions/use-cases/types.ts';
import { FakeExchange } from '../helpers/fake-exchange.ts';
import { ExchangeRateLimitError, ExchangeUnavailableError } from '../../functions/errors.ts';

const T0 = 1_760_054_400_000;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
// Margin ratio drives the level here (no stress, no reductions): 0.5 WARNING, 0.7 DANGER, 0.85 EMERGENCY.
const policy = resolvePolicy({
  thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } },
  actions: { DANGER: { reduceFraction: 0 } },
});
const config = { id: 'inv', exchange: 'binanceusdm', credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } as AccountConfig;

/** One 1-BTC cross long whose maintenance margin (1 % of 50,000) is `ratio` of equity; the venue's totals agree. */
function book(ratio: number): AccountSnapshot {
  return {
    crossWalletBalance: 500 / ratio,
    exchangeTotals: { maintenanceMargin: 500, marginBalance: 500 / ratio },
    positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 1, entryPrice: 50_000, markPrice: 50_000, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.01 }],
  };
}

function setup(ratio: number, opts: { readMs?: number } = {}) {
  let now = T0;
  const exchange = new FakeExchange(book(ratio));
  const fetch = exchange.fetchSnapshot.bind(exchange);
  // Each read takes market time, as a venue round trip would.
  exchange.fetchSnapshot = async () => {
    now += opts.readMs ?? 0;
    return fetch();
  };
  const sleeps: number[] = [];
  const deps: GuardDeps = {
    exchange,
    store: new MemoryStateStore(),
    notifier: new MemoryNotifier(),
    clock: { now: () => now },
    log: silent,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { deps, exchange, sleeps, now: () => now };
}

const offsets = (rs: { at: number }[]) => rs.map((r) => (r.at - T0) / 1000);

describe('runInvocation', () => {
  it('ticks once at OK', async () => {
    const t = setup(0.2);
    const rs = await runInvocation(t.deps, { config, policy }, { budgetMs: 55_000, cadence: C });
    expect(rs.map((r) => r.status)).toEqual(['OK']);
    expect(t.sleeps).toEqual([]);
  });

  it('ticks once without a cadence, whatever the level', async () => {
    const t = setup(0.75);
    const rs = await runInvocation(t.deps, { config, policy }, { budgetMs: 55_000 });
    expect(rs.map((r) => r.status)).toEqual(['DANGER']);
  });

  it('ticks every 10 s at WARNING and every 5 s at DANGER, stopping before the next schedule', async () => {
    const warning = setup(0.55);
    const w = await runInvocation(warning.deps, { config, policy }, { budgetMs: 60_000, cadence: C });
    expect(w.every((r) => r.status === 'WARNING')).toBe(true);
    expect(offsets(w)).toEqual([0, 10, 20, 30, 40, 50]);

    const danger = setup(0.75);
    const d = await runInvocation(danger.deps, { config, policy }, { budgetMs: 60_000, cadence: C });
    expect(offsets(d)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55]);
    // The last tick ends before the next invocation, with the handover margin to spare.
    const lastStart = d.at(-1)!.at;
    expect(lastStart + TICK_ALLOWANCE_MS).toBeLessThanOrEqual(T0 + 60_000 - HANDOVER_MARGIN_MS);
    expect(danger.now()).toBeLessThan(T0 + 60_000 - HANDOVER_MARGIN_MS);
  });

  it('keeps within a budget shorter than the schedule', async () => {
    const t = setup(0.55);
    const rs = await runInvocation(t.deps, { config, policy }, { budgetMs: 25_000, cadence: C });
    expect(offsets(rs)).toEqual([0, 10, 20]);
    expect(t.now()).toBeLessThanOrEqual(T0 + 25_000);
  });

  it('measures the interval from tick start to tick start, and leaves room for the last tick', async () => {
    const t = setup(0.55, { readMs: 1_500 });
    const rs = await runInvocation(t.deps, { config, policy }, { budgetMs: 60_000, cadence: C });
    expect(offsets(rs)).toEqual([0, 10, 20, 30, 40, 50]);
    // Each read took 1.5 s, so the sleeps were 8.5 s, not 10.
    expect(t.sleeps.every((ms) => ms === 8_500)).toBe(true);
  });

  it('follows a slower schedule and an account’s own cadence', async () => {
    const t = setup(0.55);
    const rs = await runInvocation(t.deps, { config, policy }, { budgetMs: 120_000, scheduleMs: 120_000, cadence: { WARNING: 30, DANGER: 5, EMERGENCY: 1 } });
    expect(offsets(rs)).toEqual([0, 30, 60, 90]);
  });

  it('stops once a close-all has left the account flat and halted', async () => {
    const t = setup(0.9);
    const rs = await runInvocation(t.deps, { config, policy }, { budgetMs: 55_000, cadence: C });
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ status: 'EMERGENCY', tripKind: 'close-all', halted: true, residuals: [] });
    expect(t.exchange.snapshot.positions).toEqual([]);
  });

  it('keeps ticking at the EMERGENCY interval while a halted account still holds positions', async () => {
    const t = setup(0.9);
    // The venue rejects every reduce-only order: the close-all stays incomplete.
    t.exchange.reduceOnlyMarket = async () => {
      throw new Error('fake: -2022 ReduceOnly Order is rejected');
    };
    const rs = await runInvocation(t.deps, { config, policy }, { budgetMs: 8_000, cadence: C });
    expect(rs.length).toBeGreaterThan(3);
    expect(rs.every((r) => r.halted && r.residuals.length === 1)).toBe(true);
    expect(t.sleeps.every((ms) => ms <= 1_000)).toBe(true);
  });

  it('keeps time to report a slow close before the invocation ends: residuals alerted, trip not left pending', async () => {
    const t = setup(0.9);
    // Every order hangs to a 10 s timeout (this test owns the clock).
    let now = T0;
    t.deps.clock = { now: () => now };
    t.exchange.reduceOnlyMarket = async () => {
      now += 10_000;
      throw new ExchangeUnavailableError('fake: request timed out after 10000 ms');
    };
    t.deps.sleep = async (ms) => void (now += ms);
    const budgetMs = 40_000;
    const rs = await runInvocation(t.deps, { config, policy }, { budgetMs, cadence: C });
    expect(now).toBeLessThanOrEqual(T0 + budgetMs);
    expect(rs[0]).toMatchObject({ tripKind: 'close-all', halted: true });
    expect(rs[0]!.residuals).toHaveLength(1);
    const notifier = t.deps.notifier as MemoryNotifier;
    expect(notifier.alerts[0]!.kind).toBe('residual');
    expect((await t.deps.store.get(config.id))!.trip!.status).toBe('incomplete');
  });

  it('starts no sub-minute tick before the Retry-After of a 429/418 (the shared loop decision)', async () => {
    const t = setup(0.75); // DANGER: every 5 s
    let banned = false;
    const fetch = t.exchange.fetchSnapshot.bind(t.exchange);
    t.exchange.fetchSnapshot = async () => {
      // The first read of the tick at 10 s is answered with a 418 asking for 25 s (past the tick's 20-s read budget).
      if (!banned && t.now() >= T0 + 10_000) {
        banned = true;
        throw new ExchangeRateLimitError('binanceusdm fetchSnapshot → HTTP 418', { status: 418, retryAfterMs: 25_000 });
      }
      return fetch();
    };
    const rs = await runInvocation(t.deps, { config, policy }, { budgetMs: 60_000, cadence: C });
    expect(rs.map((r) => r.status).slice(0, 4)).toEqual(['DANGER', 'DANGER', 'UNKNOWN', 'DANGER']);
    expect(offsets(rs).slice(0, 4)).toEqual([0, 5, 10, 35]);
    expect(rs[2]!.rateLimit).toEqual({ status: 418, retryAfterMs: 25_000 });
  });
});
