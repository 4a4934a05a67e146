import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DATA_DIR, dialectFor, startPaperExchange, type AccountSpec, type PaperEngine, type PaperVenue } from '../../paper/index.ts';
import { settlementOf, venueFacts, type SupportedVenue } from '../venues/catalog.ts';
import { credentialsFromEnvSpec } from '../venues/credential-spec.ts';
import { DynamoStateStore } from '../adapters/dynamo-store.ts';
import { DEFAULT_ADAPTIVE, nextTickDelayMs } from '../use-cases/cadence.ts';
import { LastWriteCachingStore } from '../adapters/cached-store.ts';
import { createExchange } from '../venues/index.ts';
import { quietAwsSdkNodeWarning, startLocalDynamo } from '../adapters/local-dynamo.ts';
import { MemoryNotifier } from '../adapters/local-notifiers.ts';
import { silentLogger } from '../adapters/console-logger.ts';
import type { AccountConfig } from '../config.ts';
import { DEFAULT_POLICY } from '../domain/policy.ts';
import type { Alert, Notifier } from '../ports.ts';
import { runGuardTick } from '../use-cases/run-guard-tick.ts';
import type { TickResult } from '../use-cases/types.ts';
import { money as moneyIn, pct, table, when } from './format.ts';
import { tickLine } from './guard-commands.ts';

/** The `riskguard demo --json-summary` document (an exact interface). */
export interface DemoSummary {
  dataset: string;
  startEquity: number;
  thresholdPct: number;
  tripped: boolean;
  tripAt: number | null;
  drawdownAtTripPct: number | null;
  drawdownAtExitPct: number | null;
  flatConfirmed: boolean | null;
  finalEquity: number;
  noGuardFinalEquity: number;
  alerts: number;
}

const DATASET = '2025-10-10';
const START = Date.UTC(2025, 9, 10, 20, 30);
const END = Date.UTC(2025, 9, 10, 21, 45);
/**
 * 2025-10-10 has no Binance ETH series here: ETH is Gemini spot (trade-built, shallower lows
 * than Binance's), BTC is Binance COIN-M's mark price, WIF is Binance COIN-M trades with its
 * real wick (see data/SOURCES.md).
 */
const SERIES = [
  { base: 'BTC', file: 'binance-coinm-markprice-BTCUSD_PERP-1m-2025-10-09_10.csv' },
  { base: 'ETH', file: 'gemini-spot-ETHUSD-1m-from-trades-2025-10-10.csv' },
  { base: 'WIF', file: 'binance-coinm-WIFUSD_PERP-1m-from-trades-2025-10-10.csv' },
];

/** The venue's name of a base coin: BTC where the venue names coins (Hyperliquid), else BTCUSDT (Binance's USDT pairs). */
const symbolOf = (venue: PaperVenue, base: string): string => (dialectFor(venue).symbolProblem(base) === null ? base : `${base}USDT`);

/**
 * An agent's book: 10,000 (9,850 cross wallet + 150 isolated margin), cross BTC long and ETH short,
 * an isolated 10x WIF long, in the venue's names (on Hyperliquid: USDC, its margin tables). On a
 * venue whose margin mode is the account's (Bybit UTA) a book cannot mix modes: there the WIF long
 * is cross too, on the full 10,000.
 */
function demoBook(engine: PaperEngine, label: string, venue: PaperVenue): AccountSpec {
  const [btc, eth, wif] = ['BTC', 'ETH', 'WIF'].map((b) => symbolOf(venue, b)) as [string, string, string];
  const px = (s: string) => engine.markPrice(s);
  const isolatedWif = dialectFor(venue).marginModeScope !== 'account';
  const wifMode = isolatedWif ? 'isolated' : 'cross';
  return {
    label,
    walletBalance: isolatedWif ? 9_850 : 10_000,
    symbols: { [btc]: { marginMode: 'cross', leverage: 10 }, [eth]: { marginMode: 'cross', leverage: 10 }, [wif]: { marginMode: wifMode, leverage: 10 } },
    positions: [
      { symbol: btc, side: 'long', size: 0.75, entryPrice: px(btc), marginMode: 'cross', leverage: 10 },
      { symbol: eth, side: 'short', size: 3, entryPrice: px(eth), marginMode: 'cross', leverage: 10 },
      { symbol: wif, side: 'long', size: 2_250, entryPrice: px(wif), marginMode: wifMode, leverage: 10, ...(isolatedWif ? { isolatedMargin: 150 } : {}) },
    ],
  };
}

class PrintingNotifier implements Notifier {
  constructor(
    private readonly inner: MemoryNotifier,
    private readonly out: (s: string) => void,
  ) {}

  async notify(a: Alert): Promise<void> {
    await this.inner.notify(a);
    this.out(`    ALERT ${a.kind.toUpperCase()} ${a.level}: ${a.summary}`);
  }
}

/**
 * `npm start`: the guard on embedded defaults, no keys, no cloud. dynalite and the paper
 * exchange run in-process; the guard reads and trades through ccxt over HTTP, ticking on the
 * replay clock through the real 2025-10-10 crash, beside the same book left unguarded.
 */
export async function runDemo(opts: { jsonSummary?: string; out?: (s: string) => void; venue?: PaperVenue } = {}): Promise<DemoSummary> {
  const out = opts.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  quietAwsSdkNodeWarning();
  out(`riskguard demo — replaying the real ${DATASET} crash (${when(START)} → ${when(END)}) on the paper exchange`);
  out('  starting the local state store (dynalite, in memory) and the paper exchange (loopback)…');
  const venue = opts.venue ?? 'binanceusdm';
  const money = (x: number) => moneyIn(x, settlementOf(venue));
  if (venue !== 'binanceusdm') out(`  venue: ${venue} (its paper dialect; the prices are the same real series, data/SOURCES.md)`);
  const dynamo = await startLocalDynamo({ dbPath: null });
  const sym = (base: string) => symbolOf(venue, base);
  const paper = await startPaperExchange({
    venue,
    replay: SERIES.map((s) => ({ symbol: sym(s.base), file: join(DATA_DIR, s.file) })),
    startTime: START,
  });
  try {
    const engine = paper.engine;
    const guarded = engine.createAccount(demoBook(engine, 'guarded', venue));
    const unguarded = engine.createAccount(demoBook(engine, 'no guard', venue));
    const policy = DEFAULT_POLICY;
    const thresholdPct = (policy.thresholds.EMERGENCY.drawdown ?? 0) * 100;
    // The guarded account's credentials as the paper dialect hands them out (Hyperliquid: the master
    // address and the named API wallet's key), loaded through the venue's own credential spec.
    const given = dialectFor(venue).credentialsFor(guarded);
    const loaded = credentialsFromEnvSpec(venueFacts(venue as SupportedVenue).credentials, given.credentials, given.env);
    if (!loaded.ok) throw new Error(`demo: the paper dialect's credentials do not load: ${loaded.problem}`);
    const config = {
      id: 'demo',
      exchange: venue as SupportedVenue,
      baseUrl: paper.url,
      credentials: given.credentials,
      scheduleMinutes: 1,
    } as AccountConfig;
    const memory = new MemoryNotifier();
    const deps = {
      exchange: createExchange(config, loaded.value),
      store: new LastWriteCachingStore(new DynamoStateStore({ tableName: dynamo.tableName, client: dynamo.client })),
      notifier: new PrintingNotifier(memory, out),
      clock: { now: () => engine.now() },
      log: silentLogger,
      sleep: async (ms: number) => void engine.advanceBy(ms),
    };
    const startEquity = engine.accountRisk(guarded).marginBalance;
    out(`  book (${money(startEquity)}) on ${venue}: cross ${sym('BTC')} long 0.75 @ ${engine.markPrice(sym('BTC')).toFixed(1)}, cross ${sym('ETH')} short 3 @ ${engine.markPrice(sym('ETH')).toFixed(2)}, ${dialectFor(venue).marginModeScope === 'account' ? 'cross' : 'isolated'} 10x ${sym('WIF')} long 2,250 @ ${engine.markPrice(sym('WIF'))}`);
    out(`  policy: defaults (close all at ${thresholdPct} % drawdown or margin ratio ${policy.thresholds.EMERGENCY.marginRatio}); cadence 60 s, faster above OK (${DEFAULT_ADAPTIVE.WARNING}/${DEFAULT_ADAPTIVE.DANGER}/${DEFAULT_ADAPTIVE.EMERGENCY} s)`);
    out('');

    const liquidations: string[] = [];
    engine.onLiquidation((e) => {
      const who = e.accountId === unguarded.id ? 'no-guard' : 'GUARDED';
      liquidations.push(`${when(e.time)} ${who} account: ${e.kind} ${e.symbol}${e.positionSide === 'BOTH' ? '' : ` ${e.positionSide}`} liquidated by the paper exchange at ${e.price.toPrecision(6)}`);
    });

    let trip: TickResult | null = null;
    let lastMinute = -1;
    let skipped = 0;
    let t = START;
    while (t <= END) {
      engine.advanceTo(t);
      const r = await runGuardTick(deps, { config, policy });
      if (r.tripKind === 'close-all' && !trip) trip = r;
      const minute = Math.floor(t / 60_000);
      const changed = r.level !== r.previousLevel || r.actions.length > 0 || r.alertsSent > 0 || r.status === 'UNKNOWN';
      if (minute !== lastMinute || changed) {
        if (skipped > 0) out(`    (${skipped} sub-minute tick(s) without change)`);
        out(tickLine(r));
        lastMinute = minute;
        skipped = 0;
      } else skipped++;
      // The same next-tick rule as `run` and the Lambda.
      t += nextTickDelayMs(r, DEFAULT_ADAPTIVE, 60);
    }
    engine.advanceTo(END);
    for (const l of liquidations) out(`  ${l}`);

    const finalEquity = engine.accountRisk(guarded).marginBalance;
    const noGuardFinalEquity = engine.accountRisk(unguarded).marginBalance;
    const peak = trip?.peakEquity ?? null;
    const exit = trip?.equityAfter ?? null;
    const summary: DemoSummary = {
      dataset: DATASET,
      startEquity,
      thresholdPct,
      tripped: trip !== null,
      tripAt: trip?.at ?? null,
      drawdownAtTripPct: trip?.drawdownPct ?? null,
      drawdownAtExitPct: peak !== null && exit !== null && peak > 0 ? ((peak - exit) / peak) * 100 : null,
      flatConfirmed: trip ? trip.residuals.length === 0 : null,
      finalEquity,
      noGuardFinalEquity,
      alerts: memory.alerts.length,
    };
    out('');
    out(
      table(
        ['', 'guarded', 'no guard'],
        [
          ['start equity', money(startEquity), money(startEquity)],
          ['final equity', money(finalEquity), money(noGuardFinalEquity)],
          ['change', pct(finalEquity / startEquity - 1), pct(noGuardFinalEquity / startEquity - 1)],
          ['liquidations', String(liquidations.filter((l) => l.includes('GUARDED')).length), String(liquidations.filter((l) => l.includes('no-guard')).length)],
        ],
        ['l', 'r', 'r'],
      ),
    );
    if (trip) {
      out(
        `\nTripped at ${when(trip.at)}: drawdown ${summary.drawdownAtTripPct?.toFixed(2)} % at the decision, ${summary.drawdownAtExitPct?.toFixed(2)} % at the confirmed-flat exit (threshold ${thresholdPct} %). ${summary.flatConfirmed ? 'Flat confirmed by a fresh read.' : 'NOT flat: see residuals above.'}`,
      );
    } else out('\nThe guard did not trip.');
    out(`Kept ${money(finalEquity - noGuardFinalEquity)} more than the unguarded book. ${summary.alerts} alert(s) sent.`);
    if (opts.jsonSummary) {
      await writeFile(opts.jsonSummary, `${JSON.stringify(summary, null, 2)}\n`, 'utf8');
      out(`Summary written to ${opts.jsonSummary}`);
    }
    return summary;
  } finally {
    await paper.close();
    await dynamo.close();
  }
}
