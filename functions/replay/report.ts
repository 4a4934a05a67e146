/**
 * The replay as one self-contained HTML page: uPlot (read from node_modules when the report is
 * written, inlined with its licence) draws the charts from JSON embedded in the page; no network,
 * no external assets. What is plotted is computed in report-data.ts; the page script is
 * report-page.js. Only the CLI imports this module: the Lambda bundles never see it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ReplayLiquidation, ReplayResult, ReplayRun } from './replay.ts';
import { reportData, type ReportData } from './report-data.ts';

const COLORS = { guard: '#1f6feb', guard60s: '#bf8700', noGuard: '#6e7781' };

const require = createRequire(import.meta.url);
/** Text of a file of an installed package, or of this folder. */
const asset = (spec: string) => readFileSync(spec.startsWith('./') ? new URL(spec, import.meta.url) : require.resolve(spec), 'utf8');
/** Text placed inside <script> or <style>: nothing in it may close the element early. */
const inline = (text: string, tag: 'script' | 'style') => text.replace(new RegExp(`</${tag}`, 'gi'), `<\\/${tag}`);

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const money = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pct = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '—' : `${x.toFixed(d)} %`);
const pp = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(2)} pp`);
const time = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC'));

/** Amounts in `c`, the replay's currency (the venue's settlement asset). */
const amountIn = (c: string) => (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${money(x)} ${c}`);
const signedIn = (c: string) => (x: number) => `${x >= 0 ? '+' : '−'}${money(Math.abs(x))} ${c}`;
const seconds = (ms: number) => (Math.abs(ms) >= 120_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`);

function runCard(run: ReplayRun, initial: number, color: string, thresholdPct: number | null, c: string): string {
  const usdt = amountIn(c);
  const signed = signedIn(c);
  const change = run.finalEquity - initial;
  const trip = run.cadence === null
    ? `<p>${run.liquidations.length ? `<b class="bad">liquidated</b> ${run.liquidations.length} position(s) (first ${time(run.liquidations[0]!.at)})` : 'never liquidated'}</p>`
    : run.tripped
      ? `<p>tripped ${time(run.tripAt)}<br>drawdown ${pct(run.drawdownAtTripPct)} at the decision, ${pct(run.drawdownAtExitPct)} once flat (${usdt(run.exitEquity)})<br><b>overshoot ${pp(run.overshootPct)}</b> past ${pct(thresholdPct, 0)} (${pp(run.truePeak?.overshootPct)} from the per-step peak)</p>`
      : '<p>did not trip</p>';
  return `<div class="card" style="border-top-color:${color}"><h3>${esc(run.label)}</h3><div class="big">${usdt(run.finalEquity)}</div>
<div class="${change >= 0 ? 'good' : 'bad'}">${signed(change)} (${change >= 0 ? '+' : ''}${((change / initial) * 100).toFixed(2)} %) over the replay</div>${trip}
<p class="dim">peak ${usdt(run.peakEquity)} · max drawdown ${pct(run.maxDrawdownPct)} · ${run.orders.length} order(s) · ${run.cadence === null ? 'no ticks' : `${run.ticks.toLocaleString('en-US')} ticks`}</p></div>`;
}

const liqRows = (who: string, ls: ReplayLiquidation[]) =>
  ls.map((l) => `<tr><td>${esc(who)}</td><td>${time(l.at)}</td><td>${esc(l.symbol)}</td><td>${l.kind}</td><td class="n">${l.amount}</td><td class="n">${l.price.toPrecision(7)}</td><td class="n">${money(l.realizedPnl)}</td><td class="n">${money(l.clearanceFee)}</td></tr>`);

/** The caption under the equity chart: the guard's own peak against the per-step peak, and the oracle exit, in the replay's currency. */
export function peakCaption(r: ReplayResult, d: ReportData): string {
  const usdt = amountIn(r.currency);
  const g = r.runs.guard;
  const p = d.peaks;
  const k = d.threshold;
  const step = `every ${r.window.stepMs % 1000 === 0 ? `${r.window.stepMs / 1000}-s` : `${r.window.stepMs}-ms`} price step`;
  const parts: string[] = [];
  const when = p.atTrip ? 'when it tripped' : 'at the end';
  if (p.guardPeak === null) {
    parts.push(`The guard never recorded a peak (no tick read the account); the peak over ${step} was ${usdt(p.stepPeak)}.`);
  } else {
    const gap = p.gap ?? 0;
    parts.push(
      `The guard keeps its own peak from the equity it reads on its ticks (${p.ticks.toLocaleString('en-US')} ticks up to ${p.atTrip ? 'the trip' : 'the end'}); ` +
        `the per-step peak is the running maximum over ${step} (${p.steps.toLocaleString('en-US')} of them). ` +
        (Math.abs(gap) < 0.005
          ? `${when[0]!.toUpperCase()}${when.slice(1)} both were ${usdt(p.stepPeak)}: its ticks caught the high.`
          : `${when[0]!.toUpperCase()}${when.slice(1)} the guard's peak was ${usdt(p.guardPeak)}, ${usdt(gap)} (${((gap / p.stepPeak) * 100).toFixed(2)} %) below the per-step peak of ${usdt(p.stepPeak)}: the high fell between its ticks.`),
    );
    if (k !== null && Math.abs(gap) >= 0.005) {
      parts.push(`So its trip line (${pct(k * 100, 0)} below its peak) sat at ${usdt(p.guardPeak * (1 - k))}, not ${usdt(p.stepPeak * (1 - k))}: ${usdt(gap * (1 - k))} lower.`);
    }
    if (p.maxGap !== null && p.maxGap.gap - gap >= 0.005) parts.push(`The widest gap at any of its ticks was ${usdt(p.maxGap.gap)} (${time(p.maxGap.at)}).`);
  }
  const o = d.oracle;
  if (k === null) parts.push('The policy has no EMERGENCY drawdown threshold: there is no trip line and no oracle exit.');
  else if (o === null) parts.push(`Equity never fell ${pct(k * 100, 0)} below the per-step peak: no oracle exit.`);
  else {
    parts.push(`The oracle exit, what a guard that saw every step and closed at once would get: flat at the first step where equity was ${pct(k * 100, 0)} below the per-step peak, ${time(o.at)}, at ${usdt(o.equity)} (${o.afterCosts ? 'after the same fills and fees, no latency' : 'before fees and slippage'}).`);
    if (g.tripAt !== null) {
      const exit = g.exitAt !== null && g.exitEquity !== null
        ? ` and was flat at ${time(g.exitAt)} with ${usdt(g.exitEquity)}: ${usdt(Math.abs(g.exitEquity - o.equity))} ${g.exitEquity <= o.equity ? 'less' : 'more'} than the oracle exit`
        : ', but was not confirmed flat';
      const lag = g.tripAt === o.at ? 'at that same step' : `${seconds(Math.abs(g.tripAt - o.at))} ${g.tripAt > o.at ? 'later' : 'earlier'} (${time(g.tripAt)})`;
      parts.push(`The guard decided ${lag}${exit}.`);
    } else parts.push('The guard did not trip.');
  }
  return parts.join(' ');
}

/** The report page. Needs `result.chart` (runReplay with `chart: true`). */
export function renderReport(r: ReplayResult): string {
  const c = r.currency;
  const usdt = amountIn(c);
  const chart = r.chart;
  if (chart === undefined) throw new Error('renderReport needs the chart data: run the replay with { chart: true }');
  const g = r.runs.guard;
  const d = reportData(r, chart);
  const kept = r.finalEquity - r.noGuardFinalEquity;
  const headline = g.tripped
    ? `The guard closed everything at ${pct(g.drawdownAtExitPct, 1)} below its peak (threshold ${pct(r.thresholdPct, 0)}) and ended with ${usdt(Math.abs(kept))} ${kept >= 0 ? 'more' : 'less'} than the unguarded book.`
    : `The guard did not trip; it ended with ${usdt(Math.abs(kept))} ${kept >= 0 ? 'more' : 'less'} than the unguarded book.`;
  const cadence = r.cadence === 'adaptive' && r.cadenceSeconds
    ? `adaptive (${r.cadenceSeconds.OK ?? 60} s at OK; ${r.cadenceSeconds.WARNING} / ${r.cadenceSeconds.DANGER} / ${r.cadenceSeconds.EMERGENCY} s at WARNING / DANGER / EMERGENCY)`
    : r.cadence;
  const orders = g.orders
    .map((o) => `<tr><td>${time(o.at)}</td><td>${esc(o.symbol)}</td><td>${o.side}</td><td class="n">${o.amount}</td><td class="n">${o.averagePrice === null ? '—' : o.averagePrice.toPrecision(8)}</td><td>${esc(o.status)}</td></tr>`)
    .join('');
  const liqs = [...liqRows('no guard', r.noGuardLiquidations), ...liqRows(g.label, g.liquidations), ...(r.runs.guard60s === g ? [] : liqRows(r.runs.guard60s.label, r.runs.guard60s.liquidations))].join('');
  const actions = g.actions
    .filter((a) => a.type !== 'alert')
    .map((a) => `<tr><td>${time(a.at)}</td><td>${esc(a.type)}</td><td>${esc(a.level ?? '')}</td><td>${esc(a.message)}</td></tr>`)
    .join('');
  const markerKey = [
    ['oracle', '◆', 'oracle exit'],
    ['trip', '●', 'trip (the guard decides)'],
    ['exit', '○', 'flat (after fills and fees)'],
    ['trip60', '■', '60-s guard trips'],
    ['liq', '✕', 'liquidation'],
  ]
    .filter(([kind]) => d.markers.some((m) => m.kind === kind))
    .map(([kind, sym, text]) => `<span class="mk-${kind}"><b>${sym}</b> ${text}</span>`)
    .join('');
  const detail = d.markers
    .map((m) => `<li class="mk-${m.kind}">${esc(m.label)} — ${time(m.t)}, equity ${usdt(m.v)}</li>`)
    .join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>riskguard replay ${esc(r.window.startIso.slice(0, 10))}</title>
<!-- Charts by uPlot (inlined below).
${asset('uplot/LICENSE').replace(/--/g, '- -')}-->
<style>${inline(asset('uplot/dist/uPlot.min.css'), 'style')}</style>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328;margin:0;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}h3{font-size:14px;margin:0 0 6px}
.dim{color:#656d76}.good{color:#1a7f37}.bad{color:#cf222e}.n{text-align:right;font-variant-numeric:tabular-nums}
.headline{font-size:16px;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:16px 0}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}
.card{background:#fff;border:1px solid #d0d7de;border-top:4px solid;border-radius:8px;padding:12px 14px}
.card p{margin:6px 0}.big{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}
.panel{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 8px 4px}
.panel .uplot{width:100%}.u-legend{font-size:12.5px}.u-legend .u-value{font-variant-numeric:tabular-nums}
.toolbar{display:flex;gap:12px;align-items:center;margin:6px 0 8px;font-size:12.5px}
.toolbar button{font:inherit;padding:4px 10px;border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa;cursor:pointer}
.key{display:flex;flex-wrap:wrap;gap:14px;margin:6px 4px;font-size:12.5px}
.mk-oracle b{color:#1a7f37}.mk-trip b{color:#cf222e}.mk-exit b{color:#1f6feb}.mk-trip60 b{color:#bf8700}.mk-liq b{color:#cf222e}
.markers{font-size:12.5px;margin:4px 0;padding-left:20px}
figure{margin:0}figcaption{font-size:13px;margin:10px 4px 4px;line-height:1.5}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de;font-size:12.5px}
td,th{padding:5px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}th{background:#f6f8fa}
.note{font-size:12.5px;color:#656d76}
@media (max-width:760px){.cards{grid-template-columns:1fr}}
</style></head><body><main>
<h1>riskguard replay</h1>
<div class="dim">${esc(time(r.window.start))} → ${esc(time(r.window.end))} · ${r.window.prices.map((p) => esc(p.symbol)).join(', ')} · step ${r.window.stepMs} ms · venue round trip ${r.window.latencyMs} ms</div>
<div class="headline">${esc(headline)}</div>
<div class="cards">
${runCard(g, r.initialEquity, COLORS.guard, r.thresholdPct, c)}
${r.runs.guard60s === g ? '' : runCard(r.runs.guard60s, r.initialEquity, COLORS.guard60s, r.thresholdPct, c)}
${runCard(r.runs.noGuard, r.initialEquity, COLORS.noGuard, r.thresholdPct, c)}
</div>
<h2>Equity (${c})</h2>
<figure class="panel">
<div class="toolbar"><button type="button" id="range-toggle" aria-pressed="false">Show the full window</button><span class="dim">showing <span id="range-now">${esc(time(d.focus[0]))} → ${esc(time(d.focus[1]))}</span> · drag across the chart to zoom, double-click for all of it</span></div>
<div id="chart-equity"></div>
<noscript><p class="bad">The charts need JavaScript (inlined in this file; nothing is fetched).</p></noscript>
<div class="key">${markerKey}</div>
<ul class="markers">${detail}</ul>
<figcaption id="peak-caption">${esc(peakCaption(r, d))}</figcaption>
</figure>
${d.prices.symbols.length ? '<h2>Mark prices as replayed (% from the start)</h2><div class="panel"><div id="chart-prices"></div></div>' : ''}
<h2>Portfolio</h2><ul>${r.portfolio.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>
<p class="dim">Start equity ${usdt(r.initialEquity)} · cadence ${esc(cadence)} · EMERGENCY drawdown threshold ${pct(r.thresholdPct, 0)}</p>
<h2>Orders of ${esc(g.label)}</h2>
${orders ? `<table><tr><th>time</th><th>symbol</th><th>side</th><th class="n">amount</th><th class="n">avg price (${c})</th><th>status</th></tr>${orders}</table>` : '<p class="dim">none</p>'}
<h2>Liquidations by the paper exchange</h2>
${liqs ? `<table><tr><th>book</th><th>time</th><th>symbol</th><th>pool</th><th class="n">amount</th><th class="n">price (${c})</th><th class="n">realized PnL (${c})</th><th class="n">clearance fee (${c})</th></tr>${liqs}</table>` : '<p class="dim">none</p>'}
<h2>What the guard recorded</h2>
${actions ? `<table><tr><th>time</th><th>type</th><th>level</th><th>message</th></tr>${actions}</table>` : '<p class="dim">nothing</p>'}
<h2>How to read this</h2>
<p class="note">Prices are real 1-minute candles replayed as mark prices. Inside each minute the path is a model, not the market: open → low → high → close (or open → high → low → close) in straight 20-second segments, so a crash that really took 3 seconds is spread over 20, and extremes fall exactly on :00/:20/:40. The guard is riskguard's own code (runGuardTick → decide) against the paper exchange's margin and liquidation engine; every venue round trip costs ${r.window.latencyMs} ms of market time, market orders fill at the mark ± 0.05 % with a 0.05 % taker fee, and liquidations charge a 1.25 % clearance fee. The guard's drawdowns are measured from its own trailing peak (equity read at its ticks); the per-step peak is the running maximum of equity at every engine step, which it cannot see between ticks. The chart keeps each series' lows and highs when it thins the data. No funding, no order book depth.</p>
</main>
<script type="application/json" id="replay-data">${JSON.stringify(d).replace(/</g, '\\u003c')}</script>
<script>${inline(asset('uplot/dist/uPlot.iife.min.js'), 'script')}</script>
<script>${inline(asset('./report-page.js'), 'script')}</script>
</body></html>
`;
}
