/**
 * `riskguard replay`: the real guard (runInvocation → runGuardTick → decide) against the paper
 * exchange's engine, in process, over real price history — beside the same portfolio with no
 * guard (liquidated by the engine) and with a once-a-minute guard.
 */
import { performance } from 'node:perf_hooks';
import type { OrderResult } from '../ports.ts';
import { GUARD_TIMEOUT_SECONDS } from '../use-cases/run-invocation.ts';
import { candlePath, PaperEngine, type EngineOptions, type LiquidationEvent, type PaperAccount } from '../../paper/index.ts';
import { silentLogger } from '../adapters/console-logger.ts';
import { MemoryNotifier } from '../adapters/local-notifiers.ts';
import { MemoryStateStore } from '../adapters/memory-store.ts';
import { PaperEngineExchange } from '../adapters/paper-engine-exchange.ts';
import type { AccountConfig } from '../config.ts';
import type { Limits, Policy } from '../domain/policy.ts';
import type { Portfolio } from '../domain/snapshot.ts';
import { BACKSTOP_PREFIX } from '../domain/backstop.ts';
import { ConfigError } from '../errors.ts';
import { DEFAULT_ADAPTIVE, type CadenceMode, type CadenceSeconds } from '../use-cases/cadence.ts';
import { runInvocation } from '../use-cases/run-invocation.ts';
import type { GuardDeps, TickResult } from '../use-cases/types.ts';
import { attachOracle, type OracleOutcome } from './oracle.ts';
import { loadPrices, planBook, type BookPlan, type LoadedPrices, type PriceFile } from './portfolio.ts';
import { ReplayClock, type EquityTrack } from './track.ts';

export type { PriceFile } from './portfolio.ts';

/** Default market time per venue round trip (ms): a Lambda a few network hops from the venue. */
export const DEFAULT_LATENCY_MS = 100;
/** Default time one scheduled invocation may run (ms): the guard Lambda's timeout less 1 s. */
export const DEFAULT_INVOCATION_BUDGET_MS = GUARD_TIMEOUT_SECONDS * 1000 - 1_000;

export interface ReplayInput {
  portfolio: Portfolio;
  prices: PriceFile[];
  policy: Policy;
  cadence: CadenceMode;
  /** Seconds between ticks above OK for `adaptive` (an account's `cadence`). @default DEFAULT_ADAPTIVE */
  cadenceSeconds?: CadenceSeconds;
  /** Largest engine clock step (ms); the engine also stops on every candle knot. @default 1000 */
  stepMs?: number;
  /** Replay start (ms). @default portfolio.timestamp, else the latest first candle of the price files */
  start?: number;
  /** Replay end (ms). @default the earliest end of the price files */
  end?: number;
  /** Market time one venue round trip takes (ms). @default {@link DEFAULT_LATENCY_MS} */
  latencyMs?: number;
  /** Time each scheduled invocation may run (ms). @default {@link DEFAULT_INVOCATION_BUDGET_MS} */
  invocationBudgetMs?: number;
  /**
   * When in the minute the scheduled invocations fire (ms after `start`, 0 ≤ offset < schedule).
   * Candle extremes sit on :00/:20/:40, so a schedule on the minute sees every open exactly; a
   * real schedule's phase against the price path is arbitrary. @default 0
   */
  scheduleOffsetMs?: number;
  /** Names the portfolio's source in error messages, e.g. "portfolio file book.json". */
  portfolioLabel?: string;
  /** Keep the per-step equity paths for a report (`result.chart`). @default false */
  chart?: boolean;
  /**
   * The venue's margin rules for the engine (a paper dialect's engineOptions: its markets and margin
   * tables, liquidation and backstop, funding period, fees). @default the engine's (Binance's)
   */
  rules?: EngineOptions;
  /** The asset amounts are in: the venue's settlement (USDC on Hyperliquid). @default 'USDT' */
  currency?: string;
  /** Why a symbol is not in the venue's naming (a paper dialect's symbolProblem). @default the engine's <BASE>USDT */
  symbolProblem?: (symbol: string) => string | null;
  /**
   * The guard dies at this market time (ms): no invocation starts from then on and a running one
   * stops there; only what it left on the venue — its backstop stops (policy `backstop`) — acts
   * for it. Applies to both guarded runs. @default never
   */
  guardDiesAt?: number;
}

/** An order the guard placed, with the market time of its fill (ms). */
export type ReplayOrder = Omit<OrderResult, 'id'> & { at: number };

export interface ReplayLiquidation {
  at: number;
  kind: 'cross' | 'isolated';
  symbol: string;
  /** Signed base quantity closed (> 0 a long). */
  amount: number;
  price: number;
  realizedPnl: number;
  clearanceFee: number;
  /** Loss beyond the pool, written off by the insurance fund. */
  writtenOff: number;
}

/** One of the three runs. Percentages are percent (15 = 15 %); money is in the replay's currency. */
export interface ReplayRun {
  label: string;
  /** null: no guard. */
  cadence: CadenceMode | null;
  /** A close-all was executed. */
  tripped: boolean;
  /** Market time of the tick that decided the close-all (ms). */
  tripAt: number | null;
  /** The guard's trailing peak when it decided (its state: equity sampled at its own ticks). */
  tripPeakEquity: number | null;
  /** Drawdown from that peak that decided the trip (the confirming read's). */
  drawdownAtTripPct: number | null;
  /** When the account was confirmed flat after the trip (ms). */
  exitAt: number | null;
  /** Equity once flat, after fills and fees. */
  exitEquity: number | null;
  /** Drawdown of the confirmed-flat equity from the guard's trailing peak. */
  drawdownAtExitPct: number | null;
  /** drawdownAtExitPct − the EMERGENCY drawdown threshold, percentage points. */
  overshootPct: number | null;
  /**
   * The same measured from the peak of the per-step equity path, which the guard cannot see
   * between its ticks: this adds what sparse sampling of the peak costs.
   */
  truePeak: { peakEquity: number; drawdownAtTripPct: number; drawdownAtExitPct: number | null; overshootPct: number | null } | null;
  /** Equity at the end of the data. */
  finalEquity: number;
  peakEquity: number;
  /**
   * Largest drawdown from the per-step trailing peak over the whole replay, percent: what the
   * user experienced (every engine step, not only the guard's ticks).
   */
  maxDrawdownPct: number;
  /** maxDrawdownPct − the oracle run's maxDrawdownPct, percentage points (> 0: deeper than the oracle). */
  overshootVsOracle: number | null;
  orders: ReplayOrder[];
  liquidations: ReplayLiquidation[];
  /** What the guard recorded in its audit log: decisions, actions, alerts (oldest first). */
  actions: { at: number; type: string; level?: string; message: string }[];
  alerts: number;
  invocations: number;
  ticks: number;
  ticksByStatus: Record<string, number>;
  /** Invocations that started after their schedule because the previous one ran past it. */
  lateInvocations: number;
  /** When the guard died (`--guard-dies-at`, ms); null when it ran to the end. Absent for unguarded runs. */
  guardDiesAt?: number | null;
  /**
   * The guard's backstop stops on the venue (issue 16): how many it placed in all, how many fired
   * (the exchange closed a side for it) and when the first did; null for unguarded runs.
   */
  backstops?: {
    placed: number;
    fired: number;
    firstFiredAt: number | null;
    /**
     * With `guardDiesAt`: the trailing peak the guard last knew (its stops are solved from it), and
     * the deepest drawdown from that peak after the death, percent — what the stops themselves
     * held, apart from the highs the dead guard never saw.
     */
    deadPeakEquity?: number | null;
    drawdownFromDeadPeakPct?: number | null;
  } | null;
}

export interface ReplaySeries {
  t: number[];
  equity: number[];
  peak: number[];
}

/** What the guard itself saw at each of its ticks: the equity it read and the trailing peak it kept. */
export interface GuardTicks {
  t: number[];
  /** null: the tick could not read the account. */
  equity: (number | null)[];
  /** The guard's own trailing peak after the tick (its state), null before it had one. */
  peak: (number | null)[];
}

export interface ReplayChart {
  guard: ReplaySeries;
  /** The ticks of the guard at the chosen cadence (`guard`). */
  guardTicks: GuardTicks;
  guard60s: ReplaySeries;
  noGuard: ReplaySeries;
  /** The oracle run: the unguarded book closed at the first step at the threshold. */
  oracle: ReplaySeries;
  /** Each symbol's mark path as replayed: the 4 points of every minute (open, extremes, close). */
  prices: { symbol: string; t: number[]; price: number[] }[];
}

/**
 * What `riskguard replay --json` prints (without `chart`). Top-level trip fields are the guard at
 * the chosen cadence; `runs` has all three. Percent fields are percent (15 = 15 %).
 */
export interface ReplayResult {
  /** The asset its amounts are in (ReplayOptions.currency). */
  currency: string;
  tripped: boolean;
  /** The EMERGENCY drawdown threshold, percent; null when the policy has none. */
  thresholdPct: number | null;
  /** The policy's limits (equity floor, period loss, per-position), as given; null when it sets none. */
  limits: Limits | null;
  tripAt: number | null;
  drawdownAtTripPct: number | null;
  drawdownAtExitPct: number | null;
  overshootPct: number | null;
  finalEquity: number;
  noGuardFinalEquity: number;
  guard60sFinalEquity: number;
  /** Largest drawdown from the per-step peak, percent: the guard at the chosen cadence, at 60 s, none. */
  maxDrawdownPct: number;
  guard60sMaxDrawdownPct: number;
  noGuardMaxDrawdownPct: number;
  /**
   * The oracle run (`runs.oracle`): the book closed at the first engine step whose drawdown from
   * the per-step peak reaches the threshold, same fills and fees, no latency. Its equity at the
   * end, and the drawdown of its flat equity from that peak (null: the threshold was never reached).
   */
  oracleFinalEquity: number;
  oracleDrawdownAtExitPct: number | null;
  /** The guard's maxDrawdownPct − the oracle's, percentage points. */
  overshootVsOracle: number | null;
  /** When the guard died (`--guard-dies-at`, ms), null when it ran to the end: from then on only its backstops acted. */
  guardDiesAt: number | null;
  /** The guard's backstop stops at the chosen cadence (ReplayRun.backstops). */
  backstops: NonNullable<ReplayRun['backstops']>;
  cadence: CadenceMode;
  /** Seconds between ticks above OK for `adaptive`; null for the fixed modes. */
  cadenceSeconds: CadenceSeconds | null;
  initialEquity: number;
  orders: ReplayOrder[];
  liquidations: ReplayLiquidation[];
  noGuardLiquidations: ReplayLiquidation[];
  window: {
    start: number;
    end: number;
    startIso: string;
    endIso: string;
    stepMs: number;
    latencyMs: number;
    invocationBudgetMs: number;
    scheduleOffsetMs: number;
    prices: PriceFile[];
  };
  /** The positions as replayed (entries filled in). */
  portfolio: string[];
  runs: { guard: ReplayRun; guard60s: ReplayRun; noGuard: ReplayRun; oracle: ReplayRun };
  /** Wall-clock time of the whole replay, ms. */
  wallMs: number;
  chart?: ReplayChart;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The replay window. By default where every price file has data; explicitly anywhere inside the
 * files' union (a series that ended early holds its last close, as the engine replays gaps).
 */
function window(input: ReplayInput, prices: LoadedPrices[]): { start: number; end: number } {
  const first = Math.min(...prices.map((p) => p.start));
  const last = Math.max(...prices.map((p) => p.end));
  const start = input.start ?? input.portfolio.timestamp ?? Math.max(...prices.map((p) => p.start));
  const end = input.end ?? Math.min(...prices.map((p) => p.end));
  const span = `the price files cover ${iso(first)} → ${iso(last)}`;
  if (start < first || start >= last) throw new ConfigError(`replay start ${iso(start)} is outside the data: ${span}`);
  if (end <= start) throw new ConfigError(`replay end ${iso(end)} is not after its start ${iso(start)}`);
  if (end > last) throw new ConfigError(`replay end ${iso(end)} is past the data: ${span}`);
  return { start, end };
}

/** An engine with every price file replayed, its clock at `start`. */
function openEngine(s: Pick<RunSetup, 'prices' | 'plan' | 'start' | 'stepMs' | 'rules'>): ReplayClock {
  const engine = new PaperEngine({ ...s.rules, startTime: s.start, stepMs: s.stepMs, brackets: s.plan.brackets, extraMarkets: s.plan.extraMarkets });
  for (const p of s.prices) engine.loadReplay(p.symbol, p.candles);
  return new ReplayClock(engine, s.stepMs);
}

/** The portfolio's account on an engine, with its liquidations collected. */
function openAccount(clock: ReplayClock, plan: BookPlan, label: string): { account: PaperAccount; track: EquityTrack; liquidations: ReplayLiquidation[] } {
  let account: PaperAccount;
  try {
    account = clock.engine.createAccount(plan.spec(clock.engine, label));
  } catch (err) {
    throw new ConfigError(`the paper exchange refused the portfolio: ${(err as Error).message}`, { cause: err });
  }
  const liquidations: ReplayLiquidation[] = [];
  clock.engine.onLiquidation((e) => {
    if (e.accountId === account.id) liquidations.push(liquidationOf(e));
  });
  return { account, track: clock.track(account), liquidations };
}

const liquidationOf = (e: LiquidationEvent): ReplayLiquidation => ({
  at: e.time,
  kind: e.kind,
  symbol: e.symbol,
  amount: e.amt,
  price: e.price,
  realizedPnl: e.realizedPnl,
  clearanceFee: e.clearanceFee,
  writtenOff: e.writtenOff,
});

interface RunSetup {
  rules: EngineOptions;
  prices: LoadedPrices[];
  plan: BookPlan;
  start: number;
  end: number;
  stepMs: number;
  policy: Policy;
  thresholdPct: number | null;
  latencyMs: number;
  budgetMs: number;
  currency: string;
  adaptive: CadenceSeconds;
  offsetMs: number;
  guardDiesAt: number | null;
}

interface RunOutcome {
  run: ReplayRun;
  track: EquityTrack;
  ticks?: GuardTicks;
}

function baseRun(label: string, cadence: CadenceMode | null, track: EquityTrack, liquidations: ReplayLiquidation[]): ReplayRun {
  return {
    label,
    cadence,
    tripped: false,
    tripAt: null,
    tripPeakEquity: null,
    drawdownAtTripPct: null,
    exitAt: null,
    exitEquity: null,
    drawdownAtExitPct: null,
    overshootPct: null,
    truePeak: null,
    finalEquity: track.equityNow(),
    peakEquity: track.peakEquity,
    maxDrawdownPct: track.maxDrawdown() * 100,
    overshootVsOracle: null,
    orders: [],
    liquidations,
    actions: [],
    alerts: 0,
    invocations: 0,
    ticks: 0,
    ticksByStatus: {},
    lateInvocations: 0,
  };
}

/**
 * A guarded account on `clock`'s engine, run invocation by invocation to the end of the data.
 * Other accounts on the same engine (the unguarded one) are stepped along and not touched.
 */
async function guardedRun(s: RunSetup, mode: CadenceMode, clock: ReplayClock): Promise<RunOutcome> {
  const label = mode === 'adaptive' ? 'guard (adaptive)' : `guard (${mode === '60s' ? '60 s' : '10 s'})`;
  const engine = clock.engine;
  const { account, track, liquidations } = openAccount(clock, s.plan, label);
  const orders: ReplayOrder[] = [];
  let flatAt: number | null = null;
  engine.onLiquidation((e) => {
    if (e.accountId === account.id && account.positions.size === 0) flatAt = e.time;
  });
  const exchange = new PaperEngineExchange({
    engine,
    accountId: account.id,
    latencyMs: s.latencyMs,
    currency: s.currency,
    advance: (ms) => clock.advanceBy(ms),
    // The engine's data is the engine's own: the ccxt adapter's boundary check adds nothing here.
    validate: false,
    onOrder: (o) => {
      orders.push({ at: o.at, symbol: o.symbol, side: o.side, amount: o.amount, filled: o.filled, averagePrice: o.averagePrice, status: o.status });
      if (o.flatAfter) flatAt = o.at;
    },
  });
  const store = new MemoryStateStore({ validate: false });
  const notifier = new MemoryNotifier();
  const deps: GuardDeps = {
    exchange,
    store,
    notifier,
    clock: { now: () => engine.now() },
    log: silentLogger,
    sleep: async (ms) => clock.advanceBy(ms),
  };
  const config: AccountConfig = {
    id: 'replay',
    exchange: 'binanceusdm',
    credentials: { apiKeyEnv: 'REPLAY_UNUSED_KEY', secretEnv: 'REPLAY_UNUSED_SECRET' },
    scheduleMinutes: 1,
    ...(mode === 'adaptive' ? { cadence: { ...s.adaptive } } : {}),
  };
  // 60 s and adaptive: one invocation a minute (EventBridge's floor); 10 s: a 10-second schedule.
  const scheduleMs = mode === '10s' ? 10_000 : 60_000;
  let trip: TickResult | null = null;
  let exit: { at: number; equity: number } | null = null;
  let invocations = 0;
  let lateInvocations = 0;
  const ticksByStatus: Record<string, number> = {};
  const seen: GuardTicks = { t: [], equity: [], peak: [] };

  // A dead guard starts no invocation from its death, and a running one stops there.
  const until = Math.min(s.end, s.guardDiesAt ?? Number.POSITIVE_INFINITY);
  for (let t = s.start + (s.offsetMs % scheduleMs); t < until; t += scheduleMs) {
    if (engine.now() < t) clock.advanceTo(t);
    else if (engine.now() > t) lateInvocations++;
    if (engine.now() >= until) break;
    const results = await runInvocation(deps, { config, policy: s.policy }, {
      budgetMs: Math.min(s.budgetMs, until - engine.now()),
      scheduleMs,
      ...(config.cadence ? { cadence: config.cadence } : {}),
    });
    invocations++;
    for (const r of results) {
      ticksByStatus[r.status] = (ticksByStatus[r.status] ?? 0) + 1;
      seen.t.push(r.at);
      seen.equity.push(r.equity);
      seen.peak.push(r.peakEquity);
      trip ??= r.tripKind === 'close-all' ? r : null;
    }
    if (trip !== null && exit === null && account.positions.size === 0) {
      exit = { at: flatAt ?? engine.now(), equity: track.equityNow() };
    }
  }
  clock.advanceTo(s.end);
  const own = [...account.algoOrders.values()].filter((a) => a.clientAlgoId.startsWith(BACKSTOP_PREFIX));
  const fired = own.filter((a) => a.algoStatus === 'FINISHED' || a.algoStatus === 'TRIGGERED');
  const deadPeak = s.guardDiesAt === null ? null : (seen.peak.findLast((p) => p !== null) ?? null);
  let deadDrawdown: number | null = null;
  if (deadPeak !== null && deadPeak > 0) {
    let low = Number.POSITIVE_INFINITY;
    track.t.forEach((t, i) => {
      if (t >= s.guardDiesAt!) low = Math.min(low, track.equity[i]!);
    });
    deadDrawdown = Number.isFinite(low) ? Math.max(0, ((deadPeak - low) / deadPeak) * 100) : null;
  }

  const run: ReplayRun = {
    ...baseRun(label, mode, track, liquidations),
    guardDiesAt: s.guardDiesAt,
    backstops: {
      placed: own.length,
      fired: fired.length,
      firstFiredAt: fired.length ? Math.min(...fired.map((a) => a.triggerTime)) : null,
      ...(s.guardDiesAt !== null ? { deadPeakEquity: deadPeak, drawdownFromDeadPeakPct: deadDrawdown } : {}),
    },
    orders,
    alerts: notifier.alerts.length,
    invocations,
    ticks: Object.values(ticksByStatus).reduce((a, b) => a + b, 0),
    ticksByStatus,
    lateInvocations,
    actions: (await store.events(config.id, 10_000))
      .reverse()
      .map((e) => ({ at: e.at, type: e.type, ...(e.level !== undefined ? { level: e.level } : {}), message: e.message })),
  };
  const tripped = trip as TickResult | null;
  if (tripped !== null) {
    const ex = exit as { at: number; equity: number } | null;
    const ddOf = (peak: number | null, equity: number) => (peak !== null && peak > 0 ? ((peak - equity) / peak) * 100 : null);
    const over = (dd: number | null) => (dd !== null && s.thresholdPct !== null ? dd - s.thresholdPct : null);
    run.tripped = true;
    run.tripAt = tripped.at;
    run.tripPeakEquity = tripped.peakEquity;
    run.drawdownAtTripPct = tripped.drawdownPct;
    run.exitAt = ex?.at ?? null;
    run.exitEquity = ex?.equity ?? null;
    run.drawdownAtExitPct = ex === null ? null : ddOf(tripped.peakEquity, ex.equity);
    run.overshootPct = over(run.drawdownAtExitPct);
    const truePeak = track.peakAt(ex?.at ?? tripped.at);
    const trueExit = ex === null ? null : ddOf(truePeak, ex.equity);
    run.truePeak = {
      peakEquity: truePeak,
      drawdownAtTripPct: ddOf(track.peakAt(tripped.at), track.equityAt(tripped.at)) ?? 0,
      drawdownAtExitPct: trueExit,
      overshootPct: over(trueExit),
    };
  }
  return { run, track, ticks: seen };
}

const seriesOf = (t: EquityTrack): ReplaySeries => ({ t: t.t, equity: t.equity, peak: t.peak });

/** The oracle's outcome as a run (its peak is the per-step peak, so `truePeak` is its own). */
function oracleRun(s: RunSetup, track: EquityTrack, liquidations: ReplayLiquidation[], o: OracleOutcome): ReplayRun {
  const run = baseRun('oracle', null, track, liquidations);
  run.orders = o.orders.map((x) => ({ ...x }));
  if (o.decidedAt === null || o.peak === null || o.equityAtDecision === null) return run;
  const dd = (equity: number) => ((o.peak! - equity) / o.peak!) * 100;
  const over = (x: number | null) => (x !== null && s.thresholdPct !== null ? x - s.thresholdPct : null);
  run.tripped = true;
  run.tripAt = o.decidedAt;
  run.tripPeakEquity = o.peak;
  run.drawdownAtTripPct = dd(o.equityAtDecision);
  run.exitAt = o.flatAt;
  run.exitEquity = o.flatEquity;
  run.drawdownAtExitPct = o.flatEquity === null ? null : dd(o.flatEquity);
  run.overshootPct = over(run.drawdownAtExitPct);
  run.truePeak = { peakEquity: o.peak, drawdownAtTripPct: run.drawdownAtTripPct, drawdownAtExitPct: run.drawdownAtExitPct, overshootPct: run.overshootPct };
  return run;
}

/**
 * Replays a portfolio three times over the same prices, each on its own paper engine: guarded at
 * `cadence`, guarded once a minute, and unguarded. Throws ConfigError for bad input (a position
 * without a price file, a window outside the data, what the paper exchange would refuse).
 */
export async function runReplay(input: ReplayInput): Promise<ReplayResult> {
  const wall0 = performance.now();
  const stepMs = input.stepMs ?? 1_000;
  if (!(stepMs > 0 && Number.isFinite(stepMs))) throw new ConfigError(`stepMs must be > 0, got ${stepMs}`);
  const latencyMs = input.latencyMs ?? DEFAULT_LATENCY_MS;
  if (!(latencyMs >= 0 && Number.isFinite(latencyMs))) throw new ConfigError(`latencyMs must be ≥ 0, got ${latencyMs}`);
  const budgetMs = input.invocationBudgetMs ?? DEFAULT_INVOCATION_BUDGET_MS;
  if (!(budgetMs > 0)) throw new ConfigError(`invocationBudgetMs must be > 0, got ${budgetMs}`);
  const prices = loadPrices(input.prices, input.symbolProblem);
  const rules = input.rules ?? {};
  const plan = planBook(input.portfolio, prices, input.portfolioLabel ?? 'portfolio', rules);
  const { start, end } = window(input, prices);
  const threshold = input.policy.thresholds.EMERGENCY.drawdown;
  const setup: RunSetup = {
    rules,
    prices,
    plan,
    start,
    end,
    stepMs,
    policy: input.policy,
    thresholdPct: threshold === null ? null : threshold * 100,
    latencyMs,
    budgetMs,
    currency: input.currency ?? 'USDT',
    adaptive: input.cadenceSeconds ?? DEFAULT_ADAPTIVE,
    offsetMs: input.scheduleOffsetMs ?? 0,
    guardDiesAt: input.guardDiesAt ?? null,
  };
  if (setup.guardDiesAt !== null && !(setup.guardDiesAt >= start && setup.guardDiesAt < end)) {
    throw new ConfigError(`the guard's death ${iso(setup.guardDiesAt)} is outside the replay window ${iso(start)} → ${iso(end)}`);
  }
  if (!(setup.offsetMs >= 0 && setup.offsetMs < 60_000)) throw new ConfigError(`scheduleOffsetMs must be in [0, 60000), got ${setup.offsetMs}`);

  // Two engines, not three: the unguarded account rides along with the 60-s guard (it never
  // trades, so it cannot disturb it); the guard at the chosen cadence has an engine of its own,
  // since its sub-minute sleeps move the clock.
  const main = openEngine(setup);
  const other = input.cadence === '60s' ? main : openEngine(setup);
  const unguarded = openAccount(other, plan, 'no guard');
  // The oracle rides along too: its orders move no mark, so they cannot disturb the others.
  const oracleAccount = openAccount(other, plan, 'oracle');
  const oracle = attachOracle(other, oracleAccount.account, oracleAccount.track, threshold);
  const portfolio = plan.describe(main.engine);
  const initialEquity = unguarded.track.equityNow();

  const guard = await guardedRun(setup, input.cadence, main);
  const guard60s = input.cadence === '60s' ? guard : await guardedRun(setup, '60s', other);
  other.advanceTo(end);
  const noGuard: RunOutcome = { run: baseRun('no guard', null, unguarded.track, unguarded.liquidations), track: unguarded.track };
  const oracleOut = oracleRun(setup, oracleAccount.track, oracleAccount.liquidations, oracle);
  for (const run of new Set([guard.run, guard60s.run, noGuard.run])) run.overshootVsOracle = run.maxDrawdownPct - oracleOut.maxDrawdownPct;
  oracleOut.overshootVsOracle = 0;

  const g = guard.run;
  const result: ReplayResult = {
    currency: setup.currency,
    tripped: g.tripped,
    thresholdPct: setup.thresholdPct,
    limits: input.policy.limits ?? null,
    tripAt: g.tripAt,
    drawdownAtTripPct: g.drawdownAtTripPct,
    drawdownAtExitPct: g.drawdownAtExitPct,
    overshootPct: g.overshootPct,
    finalEquity: g.finalEquity,
    noGuardFinalEquity: noGuard.run.finalEquity,
    guard60sFinalEquity: guard60s.run.finalEquity,
    maxDrawdownPct: g.maxDrawdownPct,
    guard60sMaxDrawdownPct: guard60s.run.maxDrawdownPct,
    noGuardMaxDrawdownPct: noGuard.run.maxDrawdownPct,
    oracleFinalEquity: oracleOut.finalEquity,
    oracleDrawdownAtExitPct: oracleOut.drawdownAtExitPct,
    overshootVsOracle: g.overshootVsOracle,
    guardDiesAt: setup.guardDiesAt,
    backstops: g.backstops ?? { placed: 0, fired: 0, firstFiredAt: null },
    cadence: input.cadence,
    cadenceSeconds: input.cadence === 'adaptive' ? { ...setup.adaptive } : null,
    initialEquity,
    orders: g.orders,
    liquidations: g.liquidations,
    noGuardLiquidations: noGuard.run.liquidations,
    window: {
      start,
      end,
      startIso: iso(start),
      endIso: iso(end),
      stepMs,
      latencyMs,
      invocationBudgetMs: budgetMs,
      scheduleOffsetMs: setup.offsetMs,
      prices: input.prices.map((p) => ({ symbol: p.symbol, file: p.file })),
    },
    portfolio,
    runs: { guard: g, guard60s: guard60s.run, noGuard: noGuard.run, oracle: oracleOut },
    wallMs: 0,
  };
  if (input.chart) {
    result.chart = {
      guard: seriesOf(guard.track),
      guardTicks: guard.ticks ?? { t: [], equity: [], peak: [] },
      guard60s: seriesOf(guard60s.track),
      noGuard: seriesOf(noGuard.track),
      oracle: seriesOf(oracleAccount.track),
      prices: prices.map((p) => {
        const t: number[] = [];
        const price: number[] = [];
        for (const c of p.candles) {
          if (c.t < start || c.t >= end) continue;
          candlePath(c).forEach((x, k) => {
            t.push(c.t + k * 20_000);
            price.push(x);
          });
        }
        return { symbol: p.symbol, t, price };
      }),
    };
  }
  result.wallMs = performance.now() - wall0;
  return result;
}
