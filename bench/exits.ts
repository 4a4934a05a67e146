/**
 * The exit benchmark (issue 16 §1): every crash day in data/ × the book shapes of books.ts × 12
 * schedule phases, each a full replay (the guard at adaptive cadence, at 60 s, unguarded, and the
 * oracle that closes at the first step at the threshold). Figures on the per-step basis:
 *
 * - overshoot: max(0, the run's maxDrawdownPct − the threshold), percentage points — how far past
 *   the threshold the user's equity went, measured from the per-step trailing peak;
 * - overshootVsOracle: the run's maxDrawdownPct − the oracle's, percentage points;
 * - finalVsOracle: (oracle's final equity − the run's) per 10,000 USDT of starting equity.
 *
 * Only the window up to 3 h after the first phase's last trip is replayed in the other phases:
 * every run is flat by then, so what follows changes no figure (a phase whose guard has not closed
 * all by then is replayed again in full).
 */
import { BRIEF_LADDER } from '../functions/domain/ladder.ts';
import { DEFAULT_POLICY, resolvePolicy, type Policy } from '../functions/domain/policy.ts';
import { runReplay, type ReplayResult, type ReplayRun } from '../functions/replay/replay.ts';
import { DEFAULT_ADAPTIVE } from '../functions/use-cases/cadence.ts';
import { benchBooks, type BenchBook } from './books.ts';

/** EXIT_OK_SECONDS=10: the adaptive guard also ticks every 10 s at OK (cadence.OK; a measurement, docs/bench.md). */
const OK_SECONDS = process.env['EXIT_OK_SECONDS'] ? Number(process.env['EXIT_OK_SECONDS']) : undefined;

/** Schedule phases: the second of the minute the schedule fires. */
export const PHASES = Array.from({ length: 12 }, (_, i) => i * 5);
/** Replay kept after the last trip or flat of the first phase (ms). */
const TAIL_MS = 3 * 3_600_000;

export interface CadenceFigures {
  /** Per phase, in PHASES order. */
  overshootPct: number[];
  overshootVsOracle: number[];
  finalVsOracle: number[];
  /** Phases whose run never closed all. */
  untripped: number;
}

export interface ExitCase {
  day: string;
  book: BenchBook['book'];
  thresholdPct: number;
  initialEquity: number;
  oracleDrawdownAtExitPct: number | null;
  oracleFinalEquity: number;
  adaptive: CadenceFigures;
  '60s': CadenceFigures;
  /** Phases that did not trip within the shortened window (each replayed again in full). */
  cutMisses: number;
  wallSeconds: number;
}

const empty = (): CadenceFigures => ({ overshootPct: [], overshootVsOracle: [], finalVsOracle: [], untripped: 0 });

function collect(into: CadenceFigures, run: ReplayRun, r: ReplayResult): void {
  const threshold = r.thresholdPct ?? 0;
  into.overshootPct.push(Math.max(0, run.maxDrawdownPct - threshold));
  into.overshootVsOracle.push(run.overshootVsOracle ?? Number.NaN);
  into.finalVsOracle.push(((r.oracleFinalEquity - run.finalEquity) / r.initialEquity) * 10_000);
  if (!run.tripped) into.untripped++;
}

const lastAction = (r: ReplayResult): number | null => {
  const ts = [r.runs.guard, r.runs.guard60s, r.runs.oracle].flatMap((x) => [x.tripAt, x.exitAt]).filter((t): t is number => t !== null);
  return ts.length ? Math.max(...ts) : null;
};

/** The default policy, or with the design brief's ladder when EXIT_LADDER=brief (a measurement, docs/bench.md). */
export function exitPolicy(): Policy {
  return process.env['EXIT_LADDER'] === 'brief' ? resolvePolicy({ ladder: BRIEF_LADDER }) : DEFAULT_POLICY;
}

/**
 * One ExitCase per (day, book). `policy` defaults to the default policy; EXIT_DAYS / EXIT_BOOKS
 * (comma-separated) narrow the set for a quick look.
 */
export async function* benchExits(policy: Policy = exitPolicy(), phases: readonly number[] = PHASES): AsyncGenerator<ExitCase> {
  const list = (v: string | undefined) => (v ? v.split(',').map((x) => x.trim()) : undefined);
  const only = { days: list(process.env['EXIT_DAYS']), books: list(process.env['EXIT_BOOKS']) };
  for (const b of benchBooks({ ...(only.days ? { days: only.days } : {}), ...(only.books ? { books: only.books } : {}) })) {
    const t = performance.now();
    const c: ExitCase = {
      day: b.dataset,
      book: b.book,
      thresholdPct: 0,
      initialEquity: 0,
      oracleDrawdownAtExitPct: null,
      oracleFinalEquity: 0,
      adaptive: empty(),
      '60s': empty(),
      cutMisses: 0,
      wallSeconds: 0,
    };
    let end: number | undefined = b.end;
    const replay = (offset: number, until: number | undefined) =>
      runReplay({
        portfolio: b.portfolio,
        prices: b.prices,
        policy,
        cadence: 'adaptive',
        ...(OK_SECONDS !== undefined ? { cadenceSeconds: { ...DEFAULT_ADAPTIVE, OK: OK_SECONDS } } : {}),
        stepMs: 1_000,
        scheduleOffsetMs: offset * 1_000,
        ...(b.start !== undefined ? { start: b.start } : {}),
        ...(until !== undefined ? { end: until } : {}),
      });
    for (const [i, offset] of phases.entries()) {
      let r = await replay(offset, end);
      if (i === 0) {
        c.thresholdPct = r.thresholdPct ?? 0;
        c.initialEquity = r.initialEquity;
        c.oracleDrawdownAtExitPct = r.oracleDrawdownAtExitPct;
        c.oracleFinalEquity = r.oracleFinalEquity;
        const last = lastAction(r);
        if (last !== null && r.runs.guard.tripped && r.runs.guard60s.tripped) end = Math.min(r.window.end, last + TAIL_MS);
      } else if (end !== b.end && !(r.runs.guard.tripped && r.runs.guard60s.tripped)) {
        // Not flat within the shortened window: this phase is replayed in full.
        c.cutMisses++;
        r = await replay(offset, b.end);
      }
      collect(c.adaptive, r.runs.guard, r);
      collect(c['60s'], r.runs.guard60s, r);
    }
    c.wallSeconds = (performance.now() - t) / 1000;
    yield c;
  }
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
export const worst = (xs: readonly number[]): number => Math.max(...xs);

/** The guard dies this long after the window's start: its first tick has placed the backstops, no tick follows (ms). */
export const DEAD_AFTER_MS = 1_000;

export interface DeadGuardCase {
  day: string;
  book: BenchBook['book'];
  /** Every position on one symbol: the backstop's overshoot goal applies (≤ 2 pp). */
  singleAsset: boolean;
  thresholdPct: number;
  /** max(0, maxDrawdownPct − threshold) with the guard dead, per-step basis (pp). */
  overshootPct: number;
  /** max(0, the deepest drawdown after the death from the peak the stops were solved for − threshold): the stops' own gap (pp). */
  fromDeadPeakPct: number | null;
  /** The same book with no guard and no backstop, for scale (pp). */
  noGuardOvershootPct: number;
  liquidations: number;
  noGuardLiquidations: number;
  backstops: { placed: number; fired: number };
  wallSeconds: number;
}

/**
 * Backstops alone (issue 16): every (day, book) replayed once (schedule phase 0, one guard at
 * 60 s) with the guard dead {@link DEAD_AFTER_MS} after the crash window opens — only the stops
 * its first tick left on the venue act. EXIT_DAYS / EXIT_BOOKS narrow the set.
 */
export async function* benchDeadGuard(policy: Policy = exitPolicy()): AsyncGenerator<DeadGuardCase> {
  const list = (v: string | undefined) => (v ? v.split(',').map((x) => x.trim()) : undefined);
  const only = { days: list(process.env['EXIT_DAYS']), books: list(process.env['EXIT_BOOKS']) };
  for (const b of benchBooks({ ...(only.days ? { days: only.days } : {}), ...(only.books ? { books: only.books } : {}) })) {
    const t = performance.now();
    const start = b.start!;
    const r = await runReplay({
      portfolio: b.portfolio,
      prices: b.prices,
      policy,
      cadence: '60s',
      stepMs: 1_000,
      start,
      ...(b.end !== undefined ? { end: b.end } : {}),
      guardDiesAt: start + DEAD_AFTER_MS,
    });
    const threshold = r.thresholdPct ?? 0;
    yield {
      day: b.dataset,
      book: b.book,
      singleAsset: new Set(b.portfolio.positions.map((p) => p.symbol)).size === 1,
      thresholdPct: threshold,
      overshootPct: Math.max(0, r.maxDrawdownPct - threshold),
      fromDeadPeakPct: r.backstops.drawdownFromDeadPeakPct == null ? null : Math.max(0, r.backstops.drawdownFromDeadPeakPct - threshold),
      noGuardOvershootPct: Math.max(0, r.noGuardMaxDrawdownPct - threshold),
      liquidations: r.liquidations.length,
      noGuardLiquidations: r.noGuardLiquidations.length,
      backstops: { placed: r.backstops.placed, fired: r.backstops.fired },
      wallSeconds: (performance.now() - t) / 1000,
    };
  }
}
