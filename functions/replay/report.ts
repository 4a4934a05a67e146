/**
 * The replay as one self-contained HTML page: inline SVG charts and a little inline script for
 * hover read-outs; no network, no external assets.
 */
import type { ReplayChart, ReplayLiquidation, ReplayResult, ReplayRun, ReplaySeries } from './replay.ts';

const W = 1000;
const H = 360;
const M = { l: 78, r: 16, t: 16, b: 34 };
const COLORS = { guard: '#1f6feb', guard60s: '#bf8700', noGuard: '#6e7781', peak: '#1f6feb', threshold: '#cf222e', liq: '#cf222e' };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const money = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pct = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '—' : `${x.toFixed(d)} %`);
const pp = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(2)} pp`);
const time = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC'));

/** Index of the last sample at or before t. */
function indexAt(ts: readonly number[], t: number): number {
  let lo = 0;
  let hi = ts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ts[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Min and max of each of `n` time buckets over [x0, x1], in time order: wicks survive downsampling. */
function envelope(s: ReplaySeries, x0: number, x1: number, n: number, field: 'equity' | 'peak'): [number, number][] {
  const out: [number, number][] = [];
  const v = s[field];
  const width = (x1 - x0) / n;
  let i = Math.max(0, indexAt(s.t, x0));
  for (let b = 0; b < n && i < s.t.length; b++) {
    const end = x0 + (b + 1) * width;
    let lo: [number, number] | null = null;
    let hi: [number, number] | null = null;
    for (; i < s.t.length && s.t[i]! <= end; i++) {
      if (s.t[i]! < x0) continue;
      const p: [number, number] = [s.t[i]!, v[i]!];
      if (lo === null || p[1] < lo[1]) lo = p;
      if (hi === null || p[1] > hi[1]) hi = p;
    }
    if (lo && hi) {
      if (lo === hi) out.push(lo);
      else out.push(...(lo[0] <= hi[0] ? [lo, hi] : [hi, lo]));
    }
  }
  return out;
}

interface Scale {
  x: (t: number) => number;
  y: (v: number) => number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function scale(x0: number, x1: number, values: number[]): Scale {
  let y0 = Math.min(...values);
  let y1 = Math.max(...values);
  const pad = (y1 - y0) * 0.06 || Math.abs(y1) * 0.01 || 1;
  y0 -= pad;
  y1 += pad;
  return {
    x0,
    x1,
    y0,
    y1,
    x: (t) => M.l + ((t - x0) / (x1 - x0 || 1)) * (W - M.l - M.r),
    y: (v) => H - M.b - ((v - y0) / (y1 - y0 || 1)) * (H - M.t - M.b),
  };
}

const path = (pts: [number, number][], s: Scale) =>
  pts.length === 0 ? '' : `M${pts.map(([t, v]) => `${s.x(t).toFixed(1)},${s.y(v).toFixed(1)}`).join('L')}`;

function niceTicks(a: number, b: number, n: number): number[] {
  const span = b - a;
  if (!(span > 0)) return [a];
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((k) => k >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(a / step) * step; v <= b; v += step) out.push(v);
  return out;
}

function timeTicks(x0: number, x1: number): number[] {
  const steps = [60_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000];
  const step = steps.find((s) => (x1 - x0) / s <= 10) ?? 86_400_000;
  const out: number[] = [];
  for (let t = Math.ceil(x0 / step) * step; t <= x1; t += step) out.push(t);
  return out;
}

function axes(s: Scale, yFmt: (v: number) => string): string {
  const parts: string[] = [];
  for (const tick of niceTicks(s.y0, s.y1, 6)) {
    const v = tick === 0 ? 0 : tick;
    const y = s.y(v).toFixed(1);
    parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${y}" y2="${y}" class="grid"/><text x="${M.l - 6}" y="${y}" class="yl">${esc(yFmt(v))}</text>`);
  }
  const span = s.x1 - s.x0;
  for (const t of timeTicks(s.x0, s.x1)) {
    const x = s.x(t).toFixed(1);
    const label = span > 36 * 3_600_000 ? new Date(t).toISOString().slice(5, 16).replace('T', ' ') : new Date(t).toISOString().slice(11, 16);
    parts.push(`<line x1="${x}" x2="${x}" y1="${M.t}" y2="${H - M.b}" class="grid"/><text x="${x}" y="${H - M.b + 16}" class="xl">${label}</text>`);
  }
  parts.push(`<rect x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" class="frame"/>`);
  return parts.join('');
}

interface Marker {
  t: number;
  v: number;
  kind: 'trip' | 'exit' | 'liq' | 'trip60';
  label: string;
}

function markers(r: ReplayResult, chart: ReplayChart): Marker[] {
  const out: Marker[] = [];
  const at = (s: ReplaySeries, t: number) => s.equity[indexAt(s.t, t)]!;
  const g = r.runs.guard;
  const g60 = r.runs.guard60s;
  if (g.tripAt !== null) out.push({ t: g.tripAt, v: at(chart.guard, g.tripAt), kind: 'trip', label: `trip: drawdown ${pct(g.drawdownAtTripPct, 1)}` });
  if (g.exitAt !== null && g.exitEquity !== null) out.push({ t: g.exitAt, v: g.exitEquity, kind: 'exit', label: `flat: ${pct(g.drawdownAtExitPct, 1)} (${pp(g.overshootPct)})` });
  if (g60 !== g && g60.tripAt !== null) out.push({ t: g60.tripAt, v: at(chart.guard60s, g60.tripAt), kind: 'trip60', label: `60-s guard trips (${pct(g60.drawdownAtTripPct, 1)})` });
  const liq = (run: ReplayRun, s: ReplaySeries, who: string) => {
    const seen = new Set<number>();
    for (const l of run.liquidations) {
      if (seen.has(l.at)) continue;
      seen.add(l.at);
      out.push({ t: l.at, v: at(s, l.at - 1), kind: 'liq', label: `${who} liquidated` });
    }
  };
  liq(r.runs.noGuard, chart.noGuard, 'no guard');
  liq(g, chart.guard, 'guard');
  if (g60 !== g) liq(g60, chart.guard60s, '60-s guard');
  return out;
}

function markerSvg(m: Marker, s: Scale, label: boolean): string {
  const x = s.x(m.t).toFixed(1);
  const y = s.y(m.v).toFixed(1);
  const title = `<title>${esc(`${m.label} — ${time(m.t)}, equity ${money(m.v)}`)}</title>`;
  const right = s.x(m.t) < W - 260;
  const text = (dy: number) =>
    label ? `<text x="${(s.x(m.t) + (right ? 9 : -9)).toFixed(1)}" y="${(s.y(m.v) + dy).toFixed(1)}" class="ml" text-anchor="${right ? 'start' : 'end'}">${esc(m.label)}</text>` : '';
  switch (m.kind) {
    case 'trip':
      return `<g><line x1="${x}" x2="${x}" y1="${M.t}" y2="${H - M.b}" class="tripline"/><circle cx="${x}" cy="${y}" r="5" class="trip"/>${text(-8)}${title}</g>`;
    case 'exit':
      return `<g><circle cx="${x}" cy="${y}" r="5" class="exit"/>${text(16)}${title}</g>`;
    case 'trip60':
      return `<g><rect x="${(Number(x) - 4).toFixed(1)}" y="${(Number(y) - 4).toFixed(1)}" width="8" height="8" class="trip60"/>${text(30)}${title}</g>`;
    case 'liq':
      return `<g class="liq"><path d="M${Number(x) - 6},${Number(y) - 6}L${Number(x) + 6},${Number(y) + 6}M${Number(x) - 6},${Number(y) + 6}L${Number(x) + 6},${Number(y) - 6}"/>${text(-10)}${title}</g>`;
  }
}

/** One equity chart over [x0, x1]: three runs, the guard's trailing peak and the threshold below it. */
function equityChart(id: string, r: ReplayResult, chart: ReplayChart, x0: number, x1: number, buckets: number, labels: boolean): { svg: string; data: unknown } {
  const thr = (r.thresholdPct ?? 0) / 100;
  const lines = {
    guard: envelope(chart.guard, x0, x1, buckets, 'equity'),
    guard60s: r.runs.guard60s === r.runs.guard ? [] : envelope(chart.guard60s, x0, x1, buckets, 'equity'),
    noGuard: envelope(chart.noGuard, x0, x1, buckets, 'equity'),
    peak: envelope(chart.guard, x0, x1, buckets, 'peak'),
  };
  const threshold: [number, number][] = r.thresholdPct === null ? [] : lines.peak.map(([t, p]) => [t, p * (1 - thr)]);
  const values = [...lines.guard, ...lines.guard60s, ...lines.noGuard, ...lines.peak, ...threshold].map((p) => p[1]);
  const s = scale(x0, x1, values);
  const ms = markers(r, chart).filter((m) => m.t >= x0 && m.t <= x1);
  const svg = `<svg viewBox="0 0 ${W} ${H}" class="chart" id="${id}" role="img" aria-label="equity over time">
${axes(s, (v) => v.toLocaleString('en-US', { maximumFractionDigits: 0 }))}
<path d="${path(lines.noGuard, s)}" class="l-noguard"/>
<path d="${path(lines.guard60s, s)}" class="l-60"/>
<path d="${path(lines.peak, s)}" class="l-peak"/>
<path d="${path(threshold, s)}" class="l-thr"/>
<path d="${path(lines.guard, s)}" class="l-guard"/>
${ms.map((m) => markerSvg(m, s, labels)).join('\n')}
<line class="cursor" x1="0" x2="0" y1="${M.t}" y2="${H - M.b}" visibility="hidden"/>
</svg>`;
  // Read-out data: one row per bucket (time, guard, 60 s, no guard, peak).
  const n = Math.min(buckets, 600);
  const rows: number[][] = [];
  for (let b = 0; b <= n; b++) {
    const t = x0 + ((x1 - x0) * b) / n;
    const v = (x: ReplaySeries) => Math.round(x.equity[indexAt(x.t, t)]! * 100) / 100;
    rows.push([Math.round(t), v(chart.guard), v(chart.guard60s), v(chart.noGuard), Math.round(chart.guard.peak[indexAt(chart.guard.t, t)]! * 100) / 100]);
  }
  return { svg, data: { x0, x1, left: M.l, right: W - M.r, width: W, thr, rows } };
}

function priceChart(chart: ReplayChart, x0: number, x1: number): string {
  const series = chart.prices.filter((p) => p.t.length > 0);
  if (series.length === 0) return '';
  const norm = series.map((p) => {
    const pct: ReplaySeries = { t: p.t, equity: p.price.map((x) => (x / p.price[0]! - 1) * 100), peak: [] };
    return { symbol: p.symbol, pts: envelope(pct, x0, x1, 900, 'equity') };
  });
  const s = scale(x0, x1, norm.flatMap((n) => n.pts.map((p) => p[1])));
  const palette = ['#0969da', '#8250df', '#1a7f37', '#bc4c00', '#cf222e', '#6e7781', '#116329', '#953800', '#a475f9', '#0550ae'];
  const legend = norm.map((n, i) => `<span><i style="background:${palette[i % palette.length]}"></i>${esc(n.symbol)}</span>`).join('');
  return `<h2>Mark prices as replayed (% from the start)</h2><div class="legend">${legend}</div>
<svg viewBox="0 0 ${W} ${H}" class="chart small" role="img" aria-label="prices">${axes(s, (v) => `${v.toFixed(0)} %`)}
${norm.map((n, i) => `<path d="${path(n.pts, s)}" style="fill:none;stroke:${palette[i % palette.length]};stroke-width:1.2"/>`).join('\n')}</svg>`;
}

function runCard(run: ReplayRun, initial: number, color: string, thresholdPct: number | null): string {
  const change = (run.finalEquity / initial - 1) * 100;
  const trip = run.cadence === null
    ? `<p>${run.liquidations.length ? `<b class="bad">liquidated</b> ${run.liquidations.length} position(s) (first ${time(run.liquidations[0]!.at)})` : 'never liquidated'}</p>`
    : run.tripped
      ? `<p>tripped ${time(run.tripAt)}<br>drawdown ${pct(run.drawdownAtTripPct)} at the decision, ${pct(run.drawdownAtExitPct)} once flat<br><b>overshoot ${pp(run.overshootPct)}</b> past ${pct(thresholdPct, 0)} (${pp(run.truePeak?.overshootPct)} from the per-second peak)</p>`
      : '<p>did not trip</p>';
  return `<div class="card" style="border-top-color:${color}"><h3>${esc(run.label)}</h3><div class="big">${money(run.finalEquity)}</div>
<div class="${change >= 0 ? 'good' : 'bad'}">${change >= 0 ? '+' : ''}${change.toFixed(2)} % over the replay</div>${trip}
<p class="dim">max drawdown ${pct(run.maxDrawdownPct)} · ${run.orders.length} order(s) · ${run.cadence === null ? 'no ticks' : `${run.ticks.toLocaleString('en-US')} ticks`}</p></div>`;
}

const liqRows = (who: string, ls: ReplayLiquidation[]) =>
  ls.map((l) => `<tr><td>${esc(who)}</td><td>${time(l.at)}</td><td>${esc(l.symbol)}</td><td>${l.kind}</td><td class="n">${l.amount}</td><td class="n">${l.price.toPrecision(7)}</td><td class="n">${money(l.realizedPnl)}</td><td class="n">${money(l.clearanceFee)}</td></tr>`);

/** The report page. Needs `result.chart` (runReplay with `chart: true`). */
export function renderReport(r: ReplayResult): string {
  const chart = r.chart;
  if (chart === undefined) throw new Error('renderReport needs the chart data: run the replay with { chart: true }');
  const g = r.runs.guard;
  const main = equityChart('main', r, chart, r.window.start, r.window.end, 900, false);
  const trips = [g.tripAt, r.runs.guard60s.tripAt].filter((t): t is number => t !== null);
  const exits = [g.exitAt, r.runs.guard60s.exitAt].filter((t): t is number => t !== null);
  const firstLiq = r.noGuardLiquidations[0]?.at;
  const focus = trips.length ? Math.min(...trips) : firstLiq;
  let zoom: { svg: string; data: unknown } | null = null;
  if (focus !== undefined) {
    const z0 = Math.max(r.window.start, focus - 10 * 60_000);
    const z1 = Math.min(r.window.end, Math.max(focus, ...exits) + 5 * 60_000);
    if (z1 > z0) zoom = equityChart('zoom', r, chart, z0, z1, 1_200, true);
  }
  const kept = r.finalEquity - r.noGuardFinalEquity;
  const headline = g.tripped
    ? `The guard closed everything at ${pct(g.drawdownAtExitPct, 1)} below its peak (threshold ${pct(r.thresholdPct, 0)}) and ended with ${money(Math.abs(kept))} USDT ${kept >= 0 ? 'more' : 'less'} than the unguarded book.`
    : `The guard did not trip; it ended with ${money(Math.abs(kept))} USDT ${kept >= 0 ? 'more' : 'less'} than the unguarded book.`;
  const cadence = r.cadence === 'adaptive' && r.cadenceSeconds
    ? `adaptive (60 s at OK; ${r.cadenceSeconds.WARNING} / ${r.cadenceSeconds.DANGER} / ${r.cadenceSeconds.EMERGENCY} s at WARNING / DANGER / EMERGENCY)`
    : r.cadence;
  const orders = g.orders
    .map((o) => `<tr><td>${time(o.at)}</td><td>${esc(o.symbol)}</td><td>${o.side}</td><td class="n">${o.amount}</td><td class="n">${o.averagePrice === null ? '—' : o.averagePrice.toPrecision(8)}</td><td>${esc(o.status)}</td></tr>`)
    .join('');
  const liqs = [...liqRows('no guard', r.noGuardLiquidations), ...liqRows(g.label, g.liquidations), ...(r.runs.guard60s === g ? [] : liqRows(r.runs.guard60s.label, r.runs.guard60s.liquidations))].join('');
  const actions = g.actions
    .filter((a) => a.type !== 'alert')
    .map((a) => `<tr><td>${time(a.at)}</td><td>${esc(a.type)}</td><td>${esc(a.level ?? '')}</td><td>${esc(a.message)}</td></tr>`)
    .join('');
  const data = { main: main.data, ...(zoom ? { zoom: zoom.data } : {}) };

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>riskguard replay ${esc(r.window.startIso.slice(0, 10))}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328;margin:0;background:#f6f8fa}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}h3{font-size:14px;margin:0 0 6px}
.dim{color:#656d76}.good{color:#1a7f37}.bad{color:#cf222e}.n{text-align:right;font-variant-numeric:tabular-nums}
.headline{font-size:16px;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:16px 0}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}
.card{background:#fff;border:1px solid #d0d7de;border-top:4px solid;border-radius:8px;padding:12px 14px}
.card p{margin:6px 0}.big{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}
.chart{width:100%;height:auto;background:#fff;border:1px solid #d0d7de;border-radius:8px}
.grid{stroke:#eaeef2;stroke-width:1}.frame{fill:none;stroke:#d0d7de}
.yl{font-size:11px;fill:#656d76;text-anchor:end;dominant-baseline:middle}.xl{font-size:11px;fill:#656d76;text-anchor:middle}
path{fill:none}.l-guard{stroke:${COLORS.guard};stroke-width:2}.l-60{stroke:${COLORS.guard60s};stroke-width:1.5;stroke-dasharray:6 3}
.l-noguard{stroke:${COLORS.noGuard};stroke-width:1.5}.l-peak{stroke:${COLORS.peak};stroke-width:1;opacity:.35}
.l-thr{stroke:${COLORS.threshold};stroke-width:1.2;stroke-dasharray:3 3}
.tripline{stroke:${COLORS.threshold};stroke-dasharray:2 4}.trip{fill:${COLORS.threshold};stroke:#fff;stroke-width:1.5}
.exit{fill:#fff;stroke:${COLORS.guard};stroke-width:2.5}.trip60{fill:${COLORS.guard60s};stroke:#fff}
.liq path{stroke:${COLORS.liq};stroke-width:2.5}.ml{font-size:11.5px;fill:#1f2328;paint-order:stroke;stroke:#fff;stroke-width:3px}.cursor{stroke:#1f2328;stroke-width:.7;opacity:.5}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin:6px 0;font-size:12px}.legend i{display:inline-block;width:18px;height:3px;margin-right:5px;vertical-align:middle}
.wrap{position:relative}.tip{position:absolute;pointer-events:none;background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:6px 8px;font-size:12px;box-shadow:0 2px 8px rgba(0,0,0,.12);display:none;white-space:nowrap}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de;font-size:12.5px}
td,th{padding:5px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}th{background:#f6f8fa}
.note{font-size:12.5px;color:#656d76}
@media (max-width:760px){.cards{grid-template-columns:1fr}}
</style></head><body><main>
<h1>riskguard replay</h1>
<div class="dim">${esc(time(r.window.start))} → ${esc(time(r.window.end))} · ${r.window.prices.map((p) => esc(p.symbol)).join(', ')} · step ${r.window.stepMs} ms · venue round trip ${r.window.latencyMs} ms</div>
<div class="headline">${esc(headline)}</div>
<div class="cards">
${runCard(g, r.initialEquity, COLORS.guard, r.thresholdPct)}
${r.runs.guard60s === g ? '' : runCard(r.runs.guard60s, r.initialEquity, COLORS.guard60s, r.thresholdPct)}
${runCard(r.runs.noGuard, r.initialEquity, COLORS.noGuard, r.thresholdPct)}
</div>
<h2>Equity</h2>
<div class="legend"><span><i style="background:${COLORS.guard}"></i>${esc(g.label)}</span>${r.runs.guard60s === g ? '' : `<span><i style="background:${COLORS.guard60s}"></i>guard (60 s)</span>`}<span><i style="background:${COLORS.noGuard}"></i>no guard</span><span><i style="background:${COLORS.peak};opacity:.4"></i>trailing peak (per second)</span><span><i style="background:${COLORS.threshold}"></i>${pct(r.thresholdPct, 0)} below the peak</span><span>● trip ○ flat ■ 60-s trip ✕ liquidation</span></div>
<div class="wrap">${main.svg}<div class="tip" id="tip-main"></div></div>
${zoom ? `<h2>Around the trip</h2><div class="wrap">${zoom.svg}<div class="tip" id="tip-zoom"></div></div>` : ''}
${priceChart(chart, r.window.start, r.window.end)}
<h2>Portfolio</h2><ul>${r.portfolio.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>
<p class="dim">Start equity ${money(r.initialEquity)} USDT · cadence ${esc(cadence)} · EMERGENCY drawdown threshold ${pct(r.thresholdPct, 0)}</p>
<h2>Orders of ${esc(g.label)}</h2>
${orders ? `<table><tr><th>time</th><th>symbol</th><th>side</th><th class="n">amount</th><th class="n">avg price</th><th>status</th></tr>${orders}</table>` : '<p class="dim">none</p>'}
<h2>Liquidations by the paper exchange</h2>
${liqs ? `<table><tr><th>book</th><th>time</th><th>symbol</th><th>pool</th><th class="n">amount</th><th class="n">price</th><th class="n">realized PnL</th><th class="n">clearance fee</th></tr>${liqs}</table>` : '<p class="dim">none</p>'}
<h2>What the guard recorded</h2>
${actions ? `<table><tr><th>time</th><th>type</th><th>level</th><th>message</th></tr>${actions}</table>` : '<p class="dim">nothing</p>'}
<h2>How to read this</h2>
<p class="note">Prices are real 1-minute candles replayed as mark prices. Inside each minute the path is a model, not the market: open → low → high → close (or open → high → low → close) in straight 20-second segments, so a crash that really took 3 seconds is spread over 20, and extremes fall exactly on :00/:20/:40. The guard is riskguard's own code (runGuardTick → decide) against the paper exchange's margin and liquidation engine; every venue round trip costs ${r.window.latencyMs} ms of market time, market orders fill at the mark ± 0.05 % with a 0.05 % taker fee, and liquidations charge a 1.25 % clearance fee. Drawdowns in the cards are measured from the guard's own trailing peak (equity sampled at its ticks); the figure in brackets is from the per-second peak it could not see. No funding, no order book depth.</p>
</main>
<script type="application/json" id="replay-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
<script>
(function(){var D=JSON.parse(document.getElementById('replay-data').textContent);
function f(x){return x.toLocaleString('en-US',{minimumFractionDigits:2,maximumFractionDigits:2});}
Object.keys(D).forEach(function(id){var d=D[id],svg=document.getElementById(id),tip=document.getElementById('tip-'+id),cur=svg.querySelector('.cursor');
svg.addEventListener('mousemove',function(e){var r=svg.getBoundingClientRect(),x=(e.clientX-r.left)*d.width/r.width;
if(x<d.left||x>d.right){tip.style.display='none';cur.setAttribute('visibility','hidden');return;}
var i=Math.round((x-d.left)/(d.right-d.left)*(d.rows.length-1)),row=d.rows[i],dd=row[4]>0?(1-row[1]/row[4])*100:0;
cur.setAttribute('x1',x);cur.setAttribute('x2',x);cur.setAttribute('visibility','visible');
tip.innerHTML=new Date(row[0]).toISOString().replace('T',' ').slice(0,19)+' UTC<br>guard '+f(row[1])+' (drawdown '+dd.toFixed(2)+' %)<br>60-s guard '+f(row[2])+'<br>no guard '+f(row[3]);
tip.style.display='block';var left=e.clientX-r.left+14;if(left>r.width-200)left-=220;tip.style.left=left+'px';tip.style.top=(e.clientY-r.top+10)+'px';});
svg.addEventListener('mouseleave',function(){tip.style.display='none';cur.setAttribute('visibility','hidden');});});})();
</script>
</body></html>
`;
}
