/**
 * crash200: N accounts (200) on one paper Binance venue — one IP, so one request-weight budget —
 * guarded by the real run loop (guardLoop: the scheduler, the venue budget, the rate-limit pause),
 * real ccxt over HTTP, the DynamoDB store (dynalite) with the last write kept in memory, as
 * `riskguard run` does. Once every account has ticked OK, every mark drops 4 % at once: a third of
 * the books breach the 15 % EMERGENCY drawdown (4.2× long), a third land in DANGER (2.8×: reduce),
 * a third stay quiet (1×). Measured: for each breached account, the crash to its confirmed-flat
 * tick; and ticks lost to the venue's 429/418.
 */
import { LastWriteCachingStore } from '../functions/adapters/cached-store.ts';
import { DynamoStateStore } from '../functions/adapters/dynamo-store.ts';
import { createExchange, venueBudgets, VenueSharing } from '../functions/venues/index.ts';
import { MemoryNotifier } from '../functions/adapters/local-notifiers.ts';
import type { AccountConfig } from '../functions/config.ts';
import { DEFAULT_POLICY } from '../functions/domain/policy.ts';
import { ExchangeRateLimitError } from '../functions/errors.ts';
import { DEFAULT_ADAPTIVE } from '../functions/use-cases/cadence.ts';
import { guardLoop, type LoopAccount } from '../functions/use-cases/guard-loop.ts';
import { runGuardTick } from '../functions/use-cases/run-guard-tick.ts';
import type { GuardDeps, TickResult } from '../functions/use-cases/types.ts';
import { percentile } from '../functions/use-cases/scheduler.ts';
import type { AccountSpec } from '../paper/index.ts';
import type { World } from './world.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** 10,000 USDT, a cross BTC + ETH long of `x` times the wallet at 100,000 / 4,000. */
const book = (x: number): AccountSpec => ({
  walletBalance: 10_000,
  positions: [
    { symbol: 'BTCUSDT', side: 'long', size: (0.7 * x * 10_000) / 100_000, entryPrice: 100_000 },
    { symbol: 'ETHUSDT', side: 'long', size: (0.3 * x * 10_000) / 4_000, entryPrice: 4_000 },
  ],
});
const KINDS = [
  { kind: 'breach', spec: book(4.2) }, // −4 % × 4.2 = −16.8 %: EMERGENCY, close all
  { kind: 'danger', spec: book(2.8) }, // −11.2 %: DANGER, reduce 20 %
  { kind: 'quiet', spec: book(1) }, // −4 %: OK
] as const;

export interface CrashResult {
  accounts: number;
  breached: number;
  /** Breached accounts confirmed flat before the timeout. */
  flat: number;
  /** Max / p50 over breached accounts of crash → confirmed-flat tick (ms); the timeout when one never got there. */
  flatWithinMsMax: number;
  flatWithinMsMedian: number;
  /** Max over breached accounts of crash → the first tick that started after it (ms): waiting for a look. */
  firstLookMsMax: number;
  /** Ticks that came back UNKNOWN because the venue answered 429/418 (or threw one). */
  weightLimitTicks: number;
  /** Requests the paper refused with 429/418 from the crash to the end. */
  limitedRequests: number;
  /** Venue pauses announced by the loop. */
  pauses: string[];
  warmupSeconds: number;
  /** Request weight the venue counted from the crash to the end, per minute. */
  weightPerMinute: number;
  unknownTicks: number;
}

export async function benchCrash(world: World, opts: { accounts: number; concurrency: number; timeoutMs?: number }): Promise<CrashResult> {
  const timeoutMs = opts.timeoutMs ?? 240_000;
  const per = Math.ceil(opts.accounts / KINDS.length);
  const kinds = new Map<string, string>();
  const creds: { id: string; creds: { apiKey: string; secret: string } }[] = [];
  for (const k of KINDS) {
    const made = await world.createAccounts(Math.min(per, opts.accounts - creds.length), k.spec);
    for (const c of made) {
      const id = `crash-${String(creds.length).padStart(4, '0')}`;
      kinds.set(id, k.kind);
      creds.push({ id, creds: c });
    }
  }
  const store = new LastWriteCachingStore(new DynamoStateStore({ tableName: world.tableName, client: world.dynamo }));
  const notifier = new MemoryNotifier();
  const clock = { now: () => Date.now() };
  const sharing = new VenueSharing();

  let crashAt: number | null = null;
  const okOnce = new Set<string>();
  const flatAt = new Map<string, number>();
  const firstLook = new Map<string, number>();
  let weightLimitTicks = 0;
  let unknownTicks = 0;
  const pauses: string[] = [];
  const account = (id: string, c: { apiKey: string; secret: string }): LoopAccount => {
    const config = { id, exchange: 'binanceusdm', baseUrl: world.paperUrl, credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } as AccountConfig;
    const deps: GuardDeps = { exchange: createExchange(config, c, { sharing }), store, notifier, clock, log: silent };
    return {
      id,
      venue: 'binanceusdm',
      cadence: DEFAULT_ADAPTIVE,
      policy: DEFAULT_POLICY,
      tick: ({ onRateLimit }) => {
        if (crashAt !== null && !firstLook.has(id)) firstLook.set(id, Date.now() - crashAt);
        return runGuardTick({ ...deps, onRateLimit }, { config, policy: DEFAULT_POLICY }, { heartbeatEveryMs: 2_000 });
      },
    };
  };
  const onResult = (a: LoopAccount, r: TickResult) => {
    if (r.status === 'UNKNOWN') {
      unknownTicks++;
      if (r.rateLimit) weightLimitTicks++;
    } else if (crashAt === null) okOnce.add(a.id);
    // Confirmed flat: the tick's close-all (or a resumed one) ended with nothing left open.
    if (crashAt !== null && !flatAt.has(a.id) && r.tripKind === 'close-all' && r.residuals.length === 0) flatAt.set(a.id, Date.now() - crashAt);
  };

  let stop = false;
  const t0 = performance.now();
  const accounts = creds.map((c) => account(c.id, c.creds));
  // The mark watch reads through one account's port: the venue's shared premiumIndex slot.
  const watchPort = createExchange(
    { id: 'watch', exchange: 'binanceusdm', baseUrl: world.paperUrl },
    creds[0]!.creds,
    { sharing },
  );
  const loop = guardLoop(
    accounts,
    {
      okSeconds: 60,
      concurrency: opts.concurrency,
      budgets: venueBudgets(),
      ...(process.env['CRASH_WATCH'] === '0' ? {} : { marks: { binanceusdm: () => watchPort.fetchMarks!() } }),
      ...(process.env['CRASH_PACE'] === '0' ? {} : { usedWeight: { binanceusdm: () => watchPort.usedWeight!() } }),
      clock,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      stopped: () => stop,
      onResult,
      onError: (_a, err) => {
        if (err instanceof ExchangeRateLimitError) weightLimitTicks++;
      },
      onVenuePause: (_v, message) => void pauses.push(message),
    },
  );
  const waitUntil = async (done: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  };
  try {
    // Every account has a peak before the crash (the budget lets ~110 quiet ticks a minute through).
    await waitUntil(() => okOnce.size === creds.length, 240_000);
    const warmupSeconds = (performance.now() - t0) / 1000;
    weightLimitTicks = 0;
    unknownTicks = 0;
    await world.reset();
    crashAt = Date.now();
    await world.move(0.96);
    const breached = creds.filter((c) => kinds.get(c.id) === 'breach').map((c) => c.id);
    await waitUntil(() => breached.every((id) => flatAt.has(id)), timeoutMs);
    const elapsed = Date.now() - crashAt;
    const s = await world.stats();
    const within = breached.map((id) => flatAt.get(id) ?? timeoutMs);
    return {
      accounts: creds.length,
      breached: breached.length,
      flat: breached.filter((id) => flatAt.has(id)).length,
      flatWithinMsMax: Math.max(...within),
      flatWithinMsMedian: percentile(within, 50),
      firstLookMsMax: Math.max(...breached.map((id) => firstLook.get(id) ?? timeoutMs)),
      weightLimitTicks,
      limitedRequests: s.limited,
      pauses,
      warmupSeconds,
      weightPerMinute: Math.round((s.weight / Math.max(elapsed, 1)) * 60_000),
      unknownTicks,
    };
  } finally {
    stop = true;
    await loop;
  }
}
