/**
 * What the replay report draws, computed from a replay with chart data: the series on one shared
 * time grid (downsampled, wicks kept), the window around the action, the markers, the oracle exit
 * and how the guard's own peak compares with the per-step peak. Pure: no HTML here.
 */
import type { GuardTicks, ReplayChart, ReplayResult, ReplaySeries } from './replay.ts';

/** The best exit the guard could have had: flat at the first step the threshold was crossed on the per-step peak. */
export interface OracleExit {
  at: number;
  /** Equity at the exit (the replay's currency): the oracle run's flat equity (fills and fees included), else the step's equity. */
  equity: number;
  /** The per-step peak then. */
  peak: number;
  /** (peak − equity) / peak, percent: the threshold or just past it (one step's move, plus the close's costs). */
  drawdownPct: number;
  /** True: from the oracle run (after fills and fees); false: the step's equity before any close. */
  afterCosts: boolean;
}

/** The guard's own trailing peak (updated on its ticks) beside the per-step peak (every price step). */
export interface PeakComparison {
  /** When compared: the guard's trip, else the end of the replay. */
  at: number;
  atTrip: boolean;
  /** The guard's peak then; null when it had none. */
  guardPeak: number | null;
  /** The per-step peak then. */
  stepPeak: number;
  /** stepPeak − guardPeak (≥ 0 up to rounding). */
  gap: number | null;
  /** The largest such gap at any of the guard's ticks up to `at`, and when. */
  maxGap: { at: number; gap: number } | null;
  /** The guard's ticks up to `at` and the per-step records over the same span. */
  ticks: number;
  steps: number;
}

export type MarkerKind = 'trip' | 'exit' | 'oracle' | 'trip60' | 'liq';

export interface Marker {
  t: number;
  /** Equity at the marker. */
  v: number;
  kind: MarkerKind;
  /** Short label drawn beside the marker. */
  label: string;
}

/** A line of the equity chart; `derived` lines are computed in the page from another (threshold = peak × (1 − k)). */
export interface SeriesSpec {
  key: 'guard' | 'guard60s' | 'noGuard' | 'stepPeak' | 'guardPeak';
  label: string;
  values: (number | null)[];
}

export interface ReportData {
  /** Threshold as a fraction (0.15), null when the policy has none. */
  threshold: number | null;
  full: [number, number];
  /** The default view: around the trip (or the liquidation, or the worst drawdown), ms. */
  focus: [number, number];
  /** What the default view is centred on, for its button ("the trip"). */
  focusOn: string;
  equity: { t: number[]; series: SeriesSpec[] };
  prices: { t: number[]; symbols: string[]; values: (number | null)[][] };
  markers: Marker[];
  oracle: OracleExit | null;
  peaks: PeakComparison;
  /** The asset the equity is in (the page's axis and tooltips say it). */
  currency: string;
}

const MIN = 60_000;
const cents = (x: number) => Math.round(x * 100) / 100;

/** Index of the last element of sorted `ts` at or before `t`; −1 when none. */
export function lastAtOrBefore(ts: readonly number[], t: number): number {
  let lo = 0;
  let hi = ts.length - 1;
  if (hi < 0 || ts[0]! > t) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ts[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const valueAt = (s: ReplaySeries, field: 'equity' | 'peak', t: number) => s[field][Math.max(0, lastAtOrBefore(s.t, t))]!;

/** First per-step record at which equity ≤ peak × (1 − threshold). */
export function oracleExit(s: ReplaySeries, threshold: number | null): OracleExit | null {
  if (threshold === null) return null;
  for (let i = 0; i < s.t.length; i++) {
    const peak = s.peak[i]!;
    const eq = s.equity[i]!;
    if (peak > 0 && eq <= peak * (1 - threshold)) return { at: s.t[i]!, equity: eq, peak, drawdownPct: ((peak - eq) / peak) * 100, afterCosts: false };
  }
  return null;
}

/** The oracle run's exit (runs.oracle: closed at the first step at the threshold, fills and fees included). */
export function oracleRunExit(r: ReplayResult): OracleExit | null {
  const o = r.runs.oracle;
  if (o.tripAt === null || o.tripPeakEquity === null || o.exitEquity === null || o.drawdownAtExitPct === null) return null;
  return { at: o.exitAt ?? o.tripAt, equity: o.exitEquity, peak: o.tripPeakEquity, drawdownPct: o.drawdownAtExitPct, afterCosts: true };
}

/** The guard's own peak against the per-step peak, at the trip (or the end). */
export function comparePeaks(s: ReplaySeries, ticks: GuardTicks, tripAt: number | null, end: number): PeakComparison {
  const at = tripAt ?? end;
  const k = lastAtOrBefore(ticks.t, at);
  const guardPeak = k >= 0 ? ticks.peak[k] ?? null : null;
  const stepPeak = valueAt(s, 'peak', at);
  let maxGap: PeakComparison['maxGap'] = null;
  for (let i = 0; i <= k; i++) {
    const gp = ticks.peak[i];
    if (gp === null || gp === undefined) continue;
    const gap = valueAt(s, 'peak', ticks.t[i]!) - gp;
    if (maxGap === null || gap > maxGap.gap) maxGap = { at: ticks.t[i]!, gap };
  }
  return {
    at,
    atTrip: tripAt !== null,
    guardPeak,
    stepPeak,
    gap: guardPeak === null ? null : stepPeak - guardPeak,
    maxGap,
    ticks: k + 1,
    steps: lastAtOrBefore(s.t, at) + 1,
  };
}

/** Time of the largest drawdown from the per-step peak. */
function worstDrawdownAt(s: ReplaySeries): number | null {
  let worst = 0;
  let at: number | null = null;
  for (let i = 0; i < s.t.length; i++) {
    const pk = s.peak[i]!;
    const dd = pk > 0 ? (pk - s.equity[i]!) / pk : 0;
    if (dd > worst) {
      worst = dd;
      at = s.t[i]!;
    }
  }
  return at;
}

/**
 * The default view: the span of the action with at least 10 minutes (and 60 % of the span) of
 * context on each side, so the trip sits inside the chart, not on its edge; clamped to the data,
 * a side cut short lends its width to the other.
 */
export function focusWindow(actions: readonly number[], full: [number, number]): [number, number] {
  const [w0, w1] = full;
  if (actions.length === 0) return [w0, w1];
  const a0 = Math.min(...actions);
  const a1 = Math.max(...actions);
  const pad = Math.max(10 * MIN, (a1 - a0) * 0.6);
  const width = a1 - a0 + 2 * pad;
  if (width >= w1 - w0) return [w0, w1];
  let z0 = a0 - pad;
  let z1 = a1 + pad;
  if (z0 < w0) [z0, z1] = [w0, w0 + width];
  if (z1 > w1) [z0, z1] = [w1 - width, w1];
  return [z0, z1];
}

/** Adds, for each of `n` buckets over [x0, x1], its start and the times of its lowest and highest value. */
function addExtremes(out: number[], t: readonly number[], v: readonly number[], x0: number, x1: number, n: number): void {
  const width = (x1 - x0) / n;
  let i = Math.max(0, lastAtOrBefore(t, x0));
  for (let b = 0; b < n; b++) {
    const b0 = x0 + b * width;
    const b1 = b === n - 1 ? x1 : b0 + width;
    out.push(Math.round(b0));
    let lo = -1;
    let hi = -1;
    for (; i < t.length && t[i]! <= b1; i++) {
      if (t[i]! < b0) continue;
      if (lo < 0 || v[i]! < v[lo]!) lo = i;
      if (hi < 0 || v[i]! > v[hi]!) hi = i;
    }
    if (lo >= 0) out.push(t[lo]!, t[hi]!);
  }
  out.push(x1);
}

const sortedUnique = (xs: number[]) => {
  xs.sort((a, b) => a - b);
  return xs.filter((x, i) => i === 0 || x !== xs[i - 1]);
};

/** `v` sampled at each time of sorted `grid`: the last value at or before it (null before the first). */
function sample(grid: readonly number[], t: readonly number[], v: readonly (number | null)[]): (number | null)[] {
  const out: (number | null)[] = [];
  let j = -1;
  for (const g of grid) {
    while (j + 1 < t.length && t[j + 1]! <= g) j++;
    const x = j >= 0 ? v[j] ?? null : null;
    out.push(x === null ? null : cents(x));
  }
  return out;
}

const money0 = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });

function markersOf(r: ReplayResult, chart: ReplayChart, oracle: OracleExit | null): Marker[] {
  const out: Marker[] = [];
  const g = r.runs.guard;
  const g60 = r.runs.guard60s;
  if (oracle) out.push({ t: oracle.at, v: oracle.equity, kind: 'oracle', label: `oracle exit ${money0(oracle.equity)} ${r.currency}` });
  if (g.tripAt !== null) out.push({ t: g.tripAt, v: valueAt(chart.guard, 'equity', g.tripAt), kind: 'trip', label: `trip (${(g.drawdownAtTripPct ?? 0).toFixed(1)} % below its peak)` });
  if (g.exitAt !== null && g.exitEquity !== null) out.push({ t: g.exitAt, v: g.exitEquity, kind: 'exit', label: `flat ${money0(g.exitEquity)} ${r.currency}` });
  if (g60 !== g && g60.tripAt !== null) out.push({ t: g60.tripAt, v: valueAt(chart.guard60s, 'equity', g60.tripAt), kind: 'trip60', label: '60-s guard trips' });
  const liq = (ls: { at: number }[], s: ReplaySeries, who: string) => {
    const first = ls[0];
    if (first) out.push({ t: first.at, v: valueAt(s, 'equity', first.at - 1), kind: 'liq', label: `${who} liquidated` });
  };
  liq(r.runs.noGuard.liquidations, chart.noGuard, 'no guard');
  liq(g.liquidations, chart.guard, 'guard');
  if (g60 !== g) liq(g60.liquidations, chart.guard60s, '60-s guard');
  return out.map((m) => ({ ...m, v: cents(m.v) }));
}

/** Everything the report page plots. Needs `r.chart` (runReplay with `chart: true`). */
export function reportData(r: ReplayResult, chart: ReplayChart, buckets = { full: 600, focus: 600 }): ReportData {
  const threshold = r.thresholdPct === null ? null : r.thresholdPct / 100;
  const full: [number, number] = [r.window.start, r.window.end];
  const g = r.runs.guard;
  const oracle = threshold === null ? null : oracleRunExit(r) ?? oracleExit(chart.noGuard, threshold);
  const guardActions = [oracle?.at, g.tripAt, g.exitAt].filter((t): t is number => t !== null && t !== undefined);
  const firstLiq = r.runs.noGuard.liquidations[0]?.at;
  const worst = worstDrawdownAt(chart.guard);
  const [actions, focusOn] = guardActions.length
    ? [guardActions, g.tripped ? 'the trip' : 'the breach']
    : firstLiq !== undefined
      ? [[firstLiq], 'the liquidation']
      : worst !== null
        ? [[worst], 'the worst drawdown']
        : [[], 'the whole replay'];
  const focus = focusWindow(actions, full);

  const runs: [SeriesSpec['key'], ReplaySeries, string][] = [
    ['guard', chart.guard, `equity: ${g.label}`],
    ...(r.runs.guard60s === g ? [] : [['guard60s', chart.guard60s, 'equity: guard (60 s)'] as [SeriesSpec['key'], ReplaySeries, string]]),
    ['noGuard', chart.noGuard, 'equity: no guard'],
  ];
  const times: number[] = [];
  for (const [, s] of runs) {
    addExtremes(times, s.t, s.equity, full[0], full[1], buckets.full);
    addExtremes(times, s.t, s.equity, focus[0], focus[1], buckets.focus);
  }
  const markers = markersOf(r, chart, oracle);
  for (const m of markers) times.push(m.t);
  // The guard's peak moves only on its ticks: every tick in view keeps its steps exact.
  for (const t of chart.guardTicks.t) if (t >= focus[0] && t <= focus[1]) times.push(t);
  const grid = sortedUnique(times.filter((t) => t >= full[0] && t <= full[1]));
  const stepLabel = r.window.stepMs % 1000 === 0 ? `${r.window.stepMs / 1000} s` : `${r.window.stepMs} ms`;
  const series: SeriesSpec[] = [
    ...runs.map(([key, s, label]) => ({ key, label, values: sample(grid, s.t, s.equity) })),
    { key: 'stepPeak', label: `peak per step (every ${stepLabel})`, values: sample(grid, chart.guard.t, chart.guard.peak) },
    { key: 'guardPeak', label: "guard's own peak (its ticks)", values: sample(grid, chart.guardTicks.t, chart.guardTicks.peak) },
  ];

  // Prices, % from the first replayed price, on a grid of their own.
  const ps = chart.prices.filter((p) => p.t.length > 0);
  const pct = ps.map((p) => p.price.map((x) => (x / p.price[0]! - 1) * 100));
  const ptimes: number[] = [];
  ps.forEach((p, i) => {
    addExtremes(ptimes, p.t, pct[i]!, full[0], full[1], Math.min(400, buckets.full));
    addExtremes(ptimes, p.t, pct[i]!, focus[0], focus[1], Math.min(200, buckets.focus));
  });
  const pgrid = sortedUnique(ptimes.filter((t) => t >= full[0] && t <= full[1]));

  return {
    threshold,
    full,
    focus,
    focusOn,
    equity: { t: grid, series },
    prices: { t: pgrid, symbols: ps.map((p) => p.symbol), values: ps.map((p, i) => sample(pgrid, p.t, pct[i]!)) },
    markers,
    oracle,
    peaks: comparePeaks(chart.guard, chart.guardTicks, g.tripAt, r.window.end),
    currency: r.currency,
  };
}
