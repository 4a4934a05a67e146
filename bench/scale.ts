/**
 * scaleSeconds: 1,000 accounts on one paper exchange, each ticked once by the scheduler
 * (functions/use-cases/scheduler.ts) with bounded concurrency, through the real ccxt adapter and
 * the real DynamoDB store. All accounts are due at the same instant: the worst case for lateness.
 * A first (cold) round loads markets, settings, brackets and history per account; the figure is
 * the median of three warm rounds, as a runner that keeps its adapters sees them every minute.
 *
 * The paper's weight limit is raised for this run: unsigned premiumIndex is counted per IP, and
 * 1,000 accounts on one loopback IP need 10,000 of Binance's 2,400 per minute (docs/scale.md).
 */
import { DynamoStateStore } from '../functions/adapters/dynamo-store.ts';
import { createExchange, VenueSharing } from '../functions/venues/index.ts';
import { MemoryNotifier } from '../functions/adapters/local-notifiers.ts';
import type { AccountConfig } from '../functions/config.ts';
import { DEFAULT_POLICY } from '../functions/domain/policy.ts';
import { runGuardTick } from '../functions/use-cases/run-guard-tick.ts';
import { runScheduled, type RoundReport } from '../functions/use-cases/scheduler.ts';
import type { GuardDeps, TickResult } from '../functions/use-cases/types.ts';
import { BENCH_ACCOUNT } from './tick-overhead.ts';
import type { World } from './world.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export interface ScaleRound {
  seconds: number;
  maxLateS: number;
  p99LateS: number;
  maxStartLateS: number;
  failures: number;
  notOk: number;
  maxInFlight: number;
  weight: number;
  requests: number;
  /** CPU seconds spent in the round by the guard's process and by the world (paper + dynalite). */
  guardCpuS: number;
  worldCpuS: number;
}

export interface ScaleResult {
  accounts: number;
  concurrency: number;
  setupSeconds: number;
  cold: ScaleRound;
  /** The median of the warm rounds. */
  warm: ScaleRound;
  warmSeconds: number[];
  heapMB: number;
}

export async function benchScale(world: World, opts: { accounts: number; concurrency: number }): Promise<ScaleResult> {
  const t0 = performance.now();
  const paper = await world.createAccounts(opts.accounts, BENCH_ACCOUNT);
  const store = new DynamoStateStore({ tableName: world.tableName, client: world.dynamo });
  const notifier = new MemoryNotifier();
  // As `riskguard run` and the Lambda do: one copy of the venue's markets for all its accounts.
  const sharing = new VenueSharing();
  const guards = paper.map((p, i) => {
    const config = {
      id: `scale-${String(i).padStart(4, '0')}`,
      exchange: 'binanceusdm',
      baseUrl: world.paperUrl,
      credentials: { apiKeyEnv: 'K', secretEnv: 'S' },
      scheduleMinutes: 1,
    } as AccountConfig;
    const deps: GuardDeps = { exchange: createExchange(config, p, { sharing }), store, notifier, clock: { now: () => Date.now() }, log: silent };
    return { id: config.id, tick: () => runGuardTick(deps, { config, policy: DEFAULT_POLICY }) };
  });
  const setupSeconds = (performance.now() - t0) / 1000;

  const round = async (): Promise<ScaleRound> => {
    await world.reset();
    const cpu = process.cpuUsage();
    const now = Date.now();
    const report: RoundReport<TickResult> = await runScheduled(
      guards.map((g) => ({ id: g.id, dueAt: now, item: g })),
      (g) => g.tick(),
      { concurrency: opts.concurrency, clock: { now: () => Date.now() }, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    );
    const guardCpu = process.cpuUsage(cpu);
    const s = await world.stats();
    return {
      seconds: report.elapsedMs / 1000,
      maxLateS: report.finishLate.max / 1000,
      p99LateS: report.finishLate.p99 / 1000,
      maxStartLateS: report.startLate.max / 1000,
      failures: report.failures,
      notOk: report.ticks.filter((t) => t.result !== undefined && t.result.status === 'UNKNOWN').length,
      maxInFlight: report.maxInFlight,
      weight: s.weight,
      requests: s.requests,
      guardCpuS: (guardCpu.user + guardCpu.system) / 1e6,
      worldCpuS: s.cpuMs / 1000,
    };
  };
  const cold = await round();
  // The median of three warm rounds: one busy moment on the machine does not make the figure.
  const warmRounds = [await round(), await round(), await round()].sort((a, b) => a.seconds - b.seconds);
  return {
    accounts: opts.accounts,
    concurrency: opts.concurrency,
    setupSeconds,
    cold,
    warm: warmRounds[1]!,
    warmSeconds: warmRounds.map((r) => r.seconds),
    heapMB: process.memoryUsage().heapUsed / 1e6,
  };
}
