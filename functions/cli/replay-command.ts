import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { PortfolioSchema } from '../domain/snapshot.ts';
import { BACKSTOP_FIRED } from '../domain/backstop.ts';
import { ConfigError } from '../errors.ts';
import { describeLimits } from '../domain/limits/index.ts';
import { renderReport } from '../replay/report.ts';
import { DEFAULT_LATENCY_MS, runReplay, type ReplayResult, type ReplayRun } from '../replay/replay.ts';
import { DEFAULT_ADAPTIVE, type CadenceMode, type CadenceSeconds } from '../use-cases/cadence.ts';
import { money, pct, table, when } from './format.ts';
import { checkWritable, loadJson, loadPolicy } from './io.ts';
import { venueOption } from './options.ts';
import { settlementOf } from '../venues/catalog.ts';
import { dialectFor, type PaperVenue } from '../../paper/index.ts';

interface ReplayOptions {
  portfolio: string;
  prices: string[];
  policy?: string;
  cadence: CadenceMode;
  adaptive?: CadenceSeconds;
  start?: number;
  end?: number;
  step: number;
  latency: number;
  offset: number;
  guardDiesAt?: number;
  json?: boolean;
  report?: string;
  /** Validated by venueOption: a venue with a module and a paper dialect. */
  venue: PaperVenue;
}

function number(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${name} must be a number ≥ ${min}, got "${v}"`);
    return n;
  };
}

/** "2025-10-10T21:00:00Z" or epoch milliseconds. */
function instant(name: string) {
  return (v: string): number => {
    const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(t)) throw new InvalidArgumentError(`${name} must be an ISO time like 2025-10-10T21:00:00Z or epoch ms, got "${v}"`);
    return t;
  };
}

/** "10,5,1" → seconds at WARNING, DANGER, EMERGENCY; a fourth figure, "10,5,1,10", the seconds at OK. */
function intervals(v: string): CadenceSeconds {
  const parts = v.split(/[,/]/).map((x) => Number(x.trim()));
  if ((parts.length !== 3 && parts.length !== 4) || !parts.every((n) => Number.isInteger(n) && n >= 1 && n <= 60)) {
    throw new InvalidArgumentError(`--adaptive takes three whole seconds 1–60 for WARNING,DANGER,EMERGENCY, and optionally a fourth for OK, e.g. 10,5,1 or 5,1,1,10; got "${v}"`);
  }
  return { WARNING: parts[0]!, DANGER: parts[1]!, EMERGENCY: parts[2]!, ...(parts[3] !== undefined ? { OK: parts[3] } : {}) };
}

/** `SYMBOL=FILE` pairs of --prices. */
export function parsePricePairs(pairs: readonly string[]): { symbol: string; file: string }[] {
  return pairs.map((p) => {
    const i = p.indexOf('=');
    if (i <= 0 || i === p.length - 1) throw new ConfigError(`--prices "${p}": expected SYMBOL=FILE, e.g. BTCUSDT=data/btc.csv`);
    return { symbol: p.slice(0, i).trim().toUpperCase(), file: p.slice(i + 1).trim() };
  });
}


const pctOrDash = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)} %`);
const ppOrDash = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(2)} pp`);

/** The result without the chart data: what --json prints. */
export function replayJson(r: ReplayResult): Omit<ReplayResult, 'chart'> {
  const { chart: _chart, ...rest } = r;
  return rest;
}

/** The text summary: the runs side by side (the oracle last), then the guard's orders. */
export function renderReplay(r: ReplayResult): string {
  const oracle = r.runs.oracle;
  const runs: ReplayRun[] = r.runs.guard60s === r.runs.guard ? [r.runs.guard, r.runs.noGuard, oracle] : [r.runs.guard, r.runs.guard60s, r.runs.noGuard, oracle];
  const row = (label: string, f: (x: ReplayRun) => string) => [label, ...runs.map(f)];
  // The oracle exits like a guard (without ticks); the unguarded run has nothing of the kind.
  const guarded = (x: ReplayRun, f: () => string) => (x.cadence === null && x !== oracle ? '—' : f());
  const lines = [
    `riskguard replay ${when(r.window.start)} → ${when(r.window.end)}  (${r.window.prices.map((p) => p.symbol).join(', ')}; step ${r.window.stepMs} ms; venue round trip ${r.window.latencyMs} ms)`,
    ...r.portfolio.map((p) => `  ${p}`),
    `  start equity ${money(r.initialEquity, r.currency)}; close all at ${pctOrDash(r.thresholdPct)} drawdown (EMERGENCY); cadence ${r.cadence}${r.cadenceSeconds ? ` (${r.cadenceSeconds.WARNING}/${r.cadenceSeconds.DANGER}/${r.cadenceSeconds.EMERGENCY} s above OK${r.cadenceSeconds.OK !== undefined ? `, ${r.cadenceSeconds.OK} s at OK` : ''})` : ''}`,
    ...describeLimits(r.limits, r.currency).map((l) => `  limit: ${l}`),
    ...(r.guardDiesAt !== null ? [`  the guard dies at ${when(r.guardDiesAt)}: from then on only its backstop stops act`] : []),
    '',
    table(
      ['', ...runs.map((x) => x.label)],
      [
        row('tripped at', (x) => guarded(x, () => (x.tripped ? when(x.tripAt) : 'no'))),
        row('drawdown at trip', (x) => guarded(x, () => pctOrDash(x.drawdownAtTripPct))),
        row('drawdown when flat', (x) => guarded(x, () => pctOrDash(x.drawdownAtExitPct))),
        row('overshoot', (x) => guarded(x, () => ppOrDash(x.overshootPct))),
        row('… from per-second peak', (x) => guarded(x, () => ppOrDash(x.truePeak?.overshootPct))),
        row('orders', (x) => guarded(x, () => String(x.orders.length))),
        row('backstops fired', (x) => (x.backstops ? `${x.backstops.fired} of ${x.backstops.placed}` : '—')),
        row('liquidations', (x) => String(x.liquidations.length)),
        row('max drawdown', (x) => pct(x.maxDrawdownPct / 100)),
        row('… vs oracle', (x) => (x === oracle ? '—' : ppOrDash(x.overshootVsOracle))),
        row('final equity', (x) => money(x.finalEquity, r.currency)),
        row('change', (x) => pct(x.finalEquity / r.initialEquity - 1)),
        row('guard ticks', (x) => (x.cadence === null ? '—' : x.ticks.toLocaleString('en-US'))),
      ],
      ['l', ...runs.map(() => 'r' as const)],
    ),
  ];
  // Why the guard closed all: the drawdown, a limit (the overshoot row measures from the drawdown
  // threshold), or its exchange-side backstop stop, which fired before a tick saw the breach.
  const trip = r.runs.guard.actions.find((x) => x.type === 'alert' && (x.message.includes('close all: ') || x.message.includes(BACKSTOP_FIRED)));
  if (trip) {
    const m = trip.message;
    const reason = m.includes('close all: ') ? m.slice(m.indexOf('close all: ') + 'close all: '.length) : m.slice(m.indexOf(BACKSTOP_FIRED)).replace(/; close-all, HALTED$/, '');
    lines.push('', `Close-all reason: ${reason}`);
  }
  if (r.orders.length > 0) {
    lines.push('', `Orders of ${r.runs.guard.label}:`);
    for (const o of r.orders) lines.push(`  ${when(o.at)}  ${o.side} ${o.amount} ${o.symbol} @ ${o.averagePrice?.toPrecision(8) ?? '—'} (${o.status})`);
  }
  for (const l of r.liquidations) lines.push(`  ${when(l.at)}  guard LIQUIDATED: ${l.kind} ${l.symbol} ${l.amount} @ ${l.price.toPrecision(7)}`);
  lines.push('', `Replayed in ${(r.wallMs / 1000).toFixed(2)} s.`);
  return lines.join('\n');
}

/**
 * `riskguard replay`: the real guard against the paper exchange's engine over real 1-minute
 * price history, beside the same portfolio unguarded and guarded once a minute. Bad input is a
 * ConfigError (exit 2) raised before anything is printed.
 */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('replay a portfolio through the guard over real price history on the paper exchange engine, beside no guard and a 60-s guard')
    .requiredOption('--portfolio <file>', 'portfolio JSON: the snapshot format, marks and entries optional (docs/replay.md)')
    .requiredOption('--prices <SYMBOL=CSV...>', '1-minute candle CSV per symbol (timestamp_ms,open,high,low,close), replayed as its mark price')
    .option('--policy <file>', 'policy JSON (only what differs from the defaults)')
    .addOption(new Option('--cadence <mode>', 'how often the guard ticks').choices(['60s', '10s', 'adaptive']).default('adaptive'))
    .addOption(new Option('--adaptive <W,D,E>', `seconds between ticks at WARNING,DANGER,EMERGENCY[,OK] for --cadence adaptive (default ${DEFAULT_ADAPTIVE.WARNING},${DEFAULT_ADAPTIVE.DANGER},${DEFAULT_ADAPTIVE.EMERGENCY})`).argParser(intervals))
    .addOption(new Option('--start <time>', 'replay start (default: the portfolio timestamp, else the data start)').argParser(instant('--start')))
    .addOption(new Option('--end <time>', 'replay end (default: the end of the data)').argParser(instant('--end')))
    .addOption(new Option('--step <ms>', 'largest engine clock step').default(1_000).argParser(number('--step', 1)))
    .addOption(new Option('--latency <ms>', 'market time one venue round trip takes').default(DEFAULT_LATENCY_MS).argParser(number('--latency', 0)))
    .addOption(new Option('--offset <s>', 'second of the minute the schedule fires (0–59)').default(0).argParser(number('--offset', 0)))
    .addOption(
      new Option('--guard-dies-at <time>', 'the guard dies then (ISO time or epoch ms): no tick from then on, only its backstop stops on the venue act').argParser(
        instant('--guard-dies-at'),
      ),
    )
    .option('--json', 'print one JSON object instead of tables')
    .option('--report <file.html>', 'also write a self-contained HTML report with charts')
    // Checked while parsing (exit 2 for a venue without a dialect); the replay runs the engine in
    // process with that venue's margin rules (its dialect's engineOptions: markets, margin tables,
    // liquidation and backstop, funding, fees), the guard behind the venue-neutral PaperEngineExchange.
    .addOption(venueOption('replay'))
    .action(async (opts: ReplayOptions) => {
      const portfolio = loadJson(PortfolioSchema, opts.portfolio, 'portfolio');
      const prices = parsePricePairs(opts.prices);
      const policy = loadPolicy(opts.policy);
      if (opts.offset >= 60) throw new ConfigError(`--offset must be below 60 seconds, got ${opts.offset}`);
      if (opts.adaptive !== undefined && opts.cadence !== 'adaptive') throw new ConfigError('--adaptive only applies to --cadence adaptive');
      if (opts.report !== undefined) checkWritable(opts.report, '--report');
      const result = await runReplay({
        portfolio,
        prices,
        policy,
        cadence: opts.cadence,
        stepMs: opts.step,
        latencyMs: opts.latency,
        scheduleOffsetMs: opts.offset * 1_000,
        portfolioLabel: `portfolio file ${opts.portfolio}`,
        chart: opts.report !== undefined,
        rules: dialectFor(opts.venue).engineOptions?.() ?? {},
        symbolProblem: (symbol: string) => dialectFor(opts.venue).symbolProblem(symbol),
        currency: settlementOf(opts.venue),
        ...(opts.adaptive !== undefined ? { cadenceSeconds: opts.adaptive } : {}),
        ...(opts.start !== undefined ? { start: opts.start } : {}),
        ...(opts.end !== undefined ? { end: opts.end } : {}),
        ...(opts.guardDiesAt !== undefined ? { guardDiesAt: opts.guardDiesAt } : {}),
      });
      if (opts.report !== undefined) {
        try {
          writeFileSync(opts.report, renderReport(result), 'utf8');
        } catch (err) {
          throw new ConfigError(`cannot write the report to ${opts.report}: ${(err as Error).message}`, { cause: err });
        }
      }
      const out = opts.json ? JSON.stringify(replayJson(result), null, 2) : renderReplay(result);
      process.stdout.write(`${out}${opts.report !== undefined && !opts.json ? `\nReport written to ${opts.report}` : ''}\n`);
    });
}
