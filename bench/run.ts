/**
 * `npm run bench`: every figure with its goal, written to bench-results.json as
 * `{ "<name>": { "value": n, "unit": "...", "goal": "..." } }` (flat keys). A benchmark, not a
 * test: it is not part of `npm test`. docs/bench.md says what each figure measures and why.
 *
 *   npm run bench                    everything (a few minutes on 2 cores)
 *   npm run bench -- decision scale  only these groups (decision, agent, replay, overshoot, bundle, tick, scale, crash);
 *   EXIT_DAYS=2021-05-19 EXIT_BOOKS=long4x,hedged5x npm run bench -- overshoot   a few exit cases only;
 *                                    the other figures already in bench-results.json are kept
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quietAwsSdkNodeWarning } from '../functions/adapters/local-dynamo.ts';
import { benchColdStart, oneVenueConfig } from './cold-start.ts';
import { benchCrash } from './crash.ts';
import { venueIds } from '../functions/venues/index.ts';
import { benchDecision } from './decision.ts';
import { benchAgent } from './agent.ts';
import { atMost, below, Figures, info, type Figure } from './figures.ts';
import { benchDeadGuard, benchExits, DEAD_AFTER_MS, mean, PHASES, worst } from './exits.ts';
import { benchReplaySpeed } from './replay.ts';
import { benchScale } from './scale.ts';
import { round } from './stats.ts';
import { benchTickOverhead } from './tick-overhead.ts';
import { startWorld } from './world.ts';

const GROUPS = ['decision', 'agent', 'replay', 'overshoot', 'backstop', 'bundle', 'tick', 'scale', 'crash'] as const;
type Group = (typeof GROUPS)[number];

const RESULTS_FILE = fileURLToPath(new URL('../bench-results.json', import.meta.url));
/** Accounts and concurrency of the scale run (§4). */
const SCALE_ACCOUNTS = 1_000;
const SCALE_CONCURRENCY = 32;
/** Accounts of the crash run (issue 9): CRASH_ACCOUNTS=50 npm run bench -- crash for fewer on a busy box. */
const CRASH_ACCOUNTS = Number(process.env['CRASH_ACCOUNTS'] ?? 200);
/** `riskguard run`'s default --concurrency. */
const CRASH_CONCURRENCY = 8;
/** Binance USDⓈ-M request-weight limit per IP and per key, per minute. */
const BINANCE_WEIGHT_LIMIT = 2_400;

async function main(argv: string[]): Promise<void> {
  quietAwsSdkNodeWarning();
  const unknown = argv.filter((a) => !(GROUPS as readonly string[]).includes(a));
  if (unknown.length) throw new Error(`unknown bench group(s): ${unknown.join(', ')}; known: ${GROUPS.join(', ')}`);
  const want = (g: Group) => argv.length === 0 || argv.includes(g);
  const f = new Figures();
  const started = performance.now();
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`riskguard bench — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${load()}`);
  if (loadavg()[0]! > cpus().length) console.log('  (the machine is busy: timings will read high)');

  if (want('decision')) {
    f.section('Decision (decide(): 50 positions, 1,000 stress scenarios)');
    const d = benchDecision();
    f.add('decisionMs', round(d.medianMs, 3), 'ms', below(2, 'ms'), `median of ${d.runs}`);
    f.add('decisionP99Ms', round(d.p99Ms, 3), 'ms', info, 'p99 (GC pauses)');
  }

  if (want('agent')) {
    f.section('Agent pre-trade answers (50-position book, default policy; MCP over loopback HTTP)');
    const a = await benchAgent();
    f.add('checkOrderP99Ms', round(a.checkOrderP99Ms, 3), 'ms', below(2, 'ms'), `check_order in process, the maxAllowed solve included; median ${round(a.checkOrderMedianMs, 3)} ms of ${a.runs}; ${round(a.checkOrderHeapKB, 0)} KB of heap per answer`);
    f.add('maxOrderSizeP99Ms', round(a.maxOrderSizeP99Ms, 3), 'ms', below(10, 'ms'), `max_order_size in process (BTCUSDT buy cross: ${a.maxAllowed} BTC), ${a.runs} runs`);
    f.add('mcpRoundTripP99Ms', round(a.mcpRoundTripP99Ms, 3), 'ms', below(20, 'ms'), `SDK client → streamable HTTP → check_order → answer; median ${round(a.mcpRoundTripMedianMs, 3)} ms of ${a.mcpRuns}`);
  }

  if (want('replay')) {
    f.section('Replay (one day at 1 s steps, 10 positions, default policy, adaptive)');
    const r = await benchReplaySpeed();
    f.add('replaySeconds', round(r.seconds, 3), 's', below(2, 's'), `${r.simulatedHours} h simulated, ${r.positions} positions, guard ${r.tripped ? 'tripped' : 'did not trip'}; guarded + 60-s + unguarded runs`);
  }

  if (want('overshoot')) {
    f.section(`Exits (issue 16): per-step drawdown past the 15 % threshold and against the oracle, mean / worst over ${PHASES.length} schedule phases`);
    f.note('overshootPct = max(0, max drawdown from the per-step peak − 15 %); overshootVsOracle = max drawdown − the oracle\'s; finalVsOracle = oracle final − guard final, USDT per 10,000');
    for await (const c of benchExits()) {
      const key = `${c.day}.${c.book}`;
      const oracle = c.oracleDrawdownAtExitPct === null ? 'oracle never exits' : `oracle flat at ${round(c.oracleDrawdownAtExitPct, 2)} %, final ${round(c.oracleFinalEquity, 0)}`;
      if (c.oracleDrawdownAtExitPct !== null) {
        f.add(`oracleOvershootPct.${key}`, round(Math.max(0, c.oracleDrawdownAtExitPct - c.thresholdPct), 3), 'pp', info, 'the physical limit at 1-s steps: the oracle itself, fills and fees included');
      }
      for (const cadence of ['adaptive', '60s'] as const) {
        const x = c[cadence];
        const goals = cadence === 'adaptive';
        const untripped = x.untripped ? `; ${x.untripped} phase(s) did not close all` : '';
        f.add(`overshootPct.${key}.${cadence}.mean`, round(mean(x.overshootPct), 3), 'pp', goals ? atMost(0.4, 'pp') : info, `${oracle}${untripped}`);
        f.add(`overshootPct.${key}.${cadence}.worst`, round(worst(x.overshootPct), 3), 'pp', goals ? atMost(1, 'pp') : info);
        f.add(`overshootVsOracle.${key}.${cadence}.mean`, round(mean(x.overshootVsOracle), 3), 'pp', info, `worst ${round(worst(x.overshootVsOracle), 3)} pp`);
        f.add(`finalVsOracle.${key}.${cadence}`, round(mean(x.finalVsOracle), 1), 'USDT/10k', goals ? atMost(20, 'USDT/10k') : info, `mean; worst ${round(worst(x.finalVsOracle), 1)}`);
      }
      if (c.cutMisses) f.note(`${key}: ${c.cutMisses} phase(s) not flat within the shortened window, replayed in full`);
      f.note(`${key}: ${round(c.wallSeconds, 1)} s`);
    }
  }

  if (want('backstop')) {
    f.section(`Backstops alone (issue 16): the guard dead ${DEAD_AFTER_MS / 1000} s into each crash window, only the stops its first tick placed act (phase 0, per-step basis)`);
    for await (const c of benchDeadGuard()) {
      const key = `${c.day}.${c.book}`;
      const ctx = `no guard: ${round(c.noGuardOvershootPct, 2)} pp, ${c.noGuardLiquidations} liquidation(s); backstops fired ${c.backstops.fired} of ${c.backstops.placed}; ${round(c.wallSeconds, 1)} s`;
      f.add(`deadGuardOvershootPct.${key}`, round(c.overshootPct, 3), 'pp', c.singleAsset ? atMost(2, 'pp') : info, ctx);
      f.add(`deadGuardLiquidations.${key}`, c.liquidations, 'count', atMost(0, 'count'));
      if (c.fromDeadPeakPct !== null) {
        f.add(`deadGuardOvershootFromStopPeakPct.${key}`, round(c.fromDeadPeakPct, 3), 'pp', info, 'from the peak the stops were solved for (the dead guard never sees later highs)');
      }
    }
  }

  if (want('bundle')) {
    f.section('Lambda bundle (lib/bundle.ts bundleGuard, then fresh node processes)');
    const c = await benchColdStart();
    f.add('bundleBytes', c.bytes, 'bytes', atMost(1_600_000, 'bytes'), `${round(c.bytes / 1e6, 3)} MB; largest: ${c.largest.slice(0, 3).map(([p, b]) => `${p.replace(/^node_modules\//, '')} ${Math.round(b / 1e3)} kB`).join(', ')}`);
    f.add('coldInitMs', round(c.coldInitMs, 1), 'ms', atMost(300, 'ms'), `node + import ${round(c.importProcessMs, 1)} − bare node ${round(c.bareNodeMs, 1)}, median of ${c.runs}`);
    f.add('coldImportInProcessMs', round(c.inProcessMs, 1), 'ms', info, 'import() timed inside the process');
    // Per venue: a config guarding that venue only carries only its module and ccxt class.
    for (const venue of venueIds()) {
      const v = await benchColdStart(9, await oneVenueConfig(venue));
      f.add(`bundleBytes.${venue}`, v.bytes, 'bytes', atMost(1_600_000, 'bytes'), `${round(v.bytes / 1e6, 3)} MB, a config guarding ${venue} only`);
      f.add(`coldInitMs.${venue}`, round(v.coldInitMs, 1), 'ms', atMost(300, 'ms'), `median of ${v.runs}, a config guarding ${venue} only`);
    }
  }

  if (want('tick') || want('scale')) {
    const world = await startWorld({ weightLimit: 1e9 });
    try {
      if (want('tick')) {
        f.section('Tick overhead (loopback: paper exchange + dynalite in their own process)');
        const t = await benchTickOverhead(world);
        f.add('tickOverheadRatio', round(t.ratio, 3), '×', atMost(1.2, '×'), `tick ${round(t.tickMs, 2)} ms / bare ${round(t.bareMs, 2)} ms, medians of ${t.runs}`);
        f.add('tickMs', round(t.tickMs, 2), 'ms', info, `per warm tick (last written state kept in memory, as deployed): ${t.requestsPerTick.length} requests (${t.requestsPerTick.join(', ')}) + state write`);
        f.add('tickBareMs', round(t.bareMs, 2), 'ms', info, 'the same requests back-to-back and the same conditional write, no guard logic');
        f.add('tickOverheadRatioVsParallelBare', round(t.parallelRatio, 3), '×', info, `stricter: bare reads concurrent like the adapter's (${round(t.bareParallelMs, 2)} ms)`);
        f.add('tickOverheadRatioUncachedState', round(t.uncachedRatio, 3), '×', info, `for comparison: a tick that re-reads its state from DynamoDB every time, tick ${round(t.uncachedTickMs, 2)} ms`);
        f.add('tickWeight', t.weightPerTick, 'weight', info, `Binance request weight per warm tick (limit ${BINANCE_WEIGHT_LIMIT}/min per IP and per key)`);
      }
      if (want('scale')) {
        f.section(`Scale (${SCALE_ACCOUNTS} accounts, one paper exchange, concurrency ${SCALE_CONCURRENCY}, all due at once)`);
        f.note(`paper weight limit raised from ${BINANCE_WEIGHT_LIMIT}/min: premiumIndex is counted per IP, and ${SCALE_ACCOUNTS} accounts on one loopback IP exceed it (docs/scale.md)`);
        const s = await benchScale(world, { accounts: SCALE_ACCOUNTS, concurrency: SCALE_CONCURRENCY });
        const w = s.warm;
        const failed = w.failures + w.notOk;
        f.add('scaleSeconds', round(w.seconds, 2), 's', atMost(10, 's'), `${s.accounts} warm ticks${failed ? `, ${failed} failed or UNKNOWN` : ', all OK'}, at most ${w.maxInFlight} at once; median of rounds ${s.warmSeconds.map((x) => round(x, 2)).join(' / ')} s`);
        f.add('scaleMaxLatenessSeconds', round(w.maxLateS, 2), 's', atMost(10, 's'), `p99 ${round(w.p99LateS, 2)} s; due → tick done (start waited ≤ ${round(w.maxStartLateS, 2)} s)`);
        f.add('scaleColdSeconds', round(s.cold.seconds, 2), 's', info, `first round: markets, settings, brackets, history per account (${s.cold.failures + s.cold.notOk} failed or UNKNOWN)`);
        f.add('scaleSetupSeconds', round(s.setupSeconds, 2), 's', info, `${s.accounts} paper accounts + ccxt adapters built (once per process)`);
        f.add('scaleWeightPerRound', w.weight, 'weight', info, `${w.requests} requests; ${round(w.weight / s.accounts, 1)} per account`);
        f.add('scaleGuardCpuSeconds', round(w.guardCpuS, 2), 's', info, `CPU of the guard's process in the round (the world's: ${round(w.worldCpuS, 2)} s, on the other core)`);
        f.add('scaleHeapMB', round(s.heapMB, 0), 'MB', info, 'guard process heap with every adapter loaded (markets shared per venue)');
        f.add('heapMBPer1000Accounts.binanceusdm', round((s.heapMB * 1_000) / s.accounts, 0), 'MB', atMost(1_024, 'MB'), `guard process heap per 1,000 binanceusdm accounts, markets and brackets loaded and shared (${s.accounts} measured)`);
      }
    } finally {
      await world.close();
    }
  }

  if (want('crash')) {
    // Binance's own limit: the loop's venue budget and the rate-limit pause are what is measured.
    const world = await startWorld({ weightLimit: BINANCE_WEIGHT_LIMIT });
    try {
      f.section(`Crash (${CRASH_ACCOUNTS} accounts on one paper Binance, one IP; −4 % on every mark at once; riskguard run's loop, concurrency ${CRASH_CONCURRENCY})`);
      const c = await benchCrash(world, { accounts: CRASH_ACCOUNTS, concurrency: CRASH_CONCURRENCY });
      const name = `crash${c.accounts}`;
      f.add(`${name}FlatWithinMsMax`, c.flatWithinMsMax, 'ms', atMost(10_000, 'ms'), `${c.flat} of ${c.breached} breached accounts confirmed flat; median ${c.flatWithinMsMedian} ms; first look after the crash ≤ ${c.firstLookMsMax} ms`);
      f.add(`${name}WeightLimitTicks`, c.weightLimitTicks, 'ticks', atMost(0, 'ticks'), `${c.limitedRequests} request(s) refused 429/418; ${c.unknownTicks} UNKNOWN tick(s) in all; ${c.weightPerMinute} weight/min after the crash`);
      f.add(`${name}WarmupSeconds`, round(c.warmupSeconds, 1), 's', info, 'until every account had ticked OK once (its peak set) on the venue budget');
      for (const p of c.pauses.slice(0, 3)) f.note(p);
    } finally {
      await world.close();
    }
  }

  const previous: Record<string, Figure> = argv.length > 0 && existsSync(RESULTS_FILE) ? JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) : {};
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ ...previous, ...f.all }, null, 2)}\n`);
  console.log(`\n${Object.keys(f.all).length} figures → ${join('.', 'bench-results.json')} in ${round((performance.now() - started) / 1000, 1)} s (load average now ${load()})`);
  console.log(f.missed.length ? `Goals missed: ${f.missed.join(', ')} (see docs/bench.md)` : 'Every goal met.');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
