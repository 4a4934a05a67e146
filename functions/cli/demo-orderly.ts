import { join } from 'node:path';
import { DATA_DIR, startPaperExchange, type AccountSpec, type PaperEngine } from '../../paper/index.ts';
import { orderlyKeysOf } from '../../paper/dialects/orderly/keys.ts';
import { DynamoStateStore } from '../adapters/dynamo-store.ts';
import { LastWriteCachingStore } from '../adapters/cached-store.ts';
import { quietAwsSdkNodeWarning, startLocalDynamo } from '../adapters/local-dynamo.ts';
import { MemoryNotifier } from '../adapters/local-notifiers.ts';
import { silentLogger } from '../adapters/console-logger.ts';
import type { AccountConfig } from '../config.ts';
import { DEFAULT_POLICY } from '../domain/policy.ts';
import { DEFAULT_ADAPTIVE, nextTickDelayMs } from '../use-cases/cadence.ts';
import { runGuardTick } from '../use-cases/run-guard-tick.ts';
import { createExchange } from '../venues/index.ts';
import { money as moneyIn, pct, when } from './format.ts';
import { settlementOf } from '../venues/catalog.ts';
import { tickLine } from './guard-commands.ts';

/**
 * `riskguard demo --venue orderly`: the real 2025-10-10 crash replayed on the paper exchange
 * speaking Orderly, on a DUAL-MODE book — a cross ETH long and an isolated ETH long of the same
 * symbol, beside a cross BTC long — so the output shows the two ETH legs judged apart: the
 * isolated 12x pool's own margin ratio (Orderly's MMR: 0.6 % for ETH at this size) breaches
 * EMERGENCY and the guard closes it alone, the cross legs stay, while the cross pool is judged on
 * the account's drawdown and reduced. (At 15x a one-minute candle of this crash carries the
 * isolated leg past its liquidation between two ticks: the venue takes it first.)
 * Every reduce-only order carries its leg's margin_mode.
 */
const START = Date.UTC(2025, 9, 10, 20, 30);
const END = Date.UTC(2025, 9, 10, 21, 45);
const SERIES = [
  { symbol: 'PERP_BTC_USDC', file: 'binance-coinm-markprice-BTCUSD_PERP-1m-2025-10-09_10.csv' },
  { symbol: 'PERP_ETH_USDC', file: 'gemini-spot-ETHUSD-1m-from-trades-2025-10-10.csv' },
];

function book(engine: PaperEngine): AccountSpec {
  const eth = engine.markPrice('PERP_ETH_USDC');
  const btc = engine.markPrice('PERP_BTC_USDC');
  return {
    label: 'dual-mode',
    walletBalance: 9_000,
    positions: [
      { symbol: 'PERP_BTC_USDC', side: 'long', size: 0.05, entryPrice: btc, marginMode: 'cross', leverage: 10 },
      { symbol: 'PERP_ETH_USDC', side: 'long', size: 1, entryPrice: eth, marginMode: 'cross', leverage: 10 },
      // 2 ETH at 12x on its own pool (a fall of ~7.8 % spends it, with the 0.6 % MMR).
      { symbol: 'PERP_ETH_USDC', side: 'long', size: 2, entryPrice: eth, marginMode: 'isolated', leverage: 12, isolatedMargin: Math.round((2 * eth) / 12) },
    ],
  };
}

export async function runOrderlyDemo(opts: { out?: (s: string) => void } = {}): Promise<{ isolatedGoneAlone: boolean; tripped: boolean }> {
  const out = opts.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  quietAwsSdkNodeWarning();
  out(`riskguard demo --venue orderly — the real 2025-10-10 crash (${when(START)} → ${when(END)}) on a dual-mode Orderly book`);
  const dynamo = await startLocalDynamo({ dbPath: null });
  const paper = await startPaperExchange({ venue: 'orderly', replay: SERIES.map((s) => ({ symbol: s.symbol, file: join(DATA_DIR, s.file) })), startTime: START });
  try {
    const engine = paper.engine;
    const acc = engine.createAccount(book(engine));
    const k = orderlyKeysOf(acc);
    const config = { id: 'demo-orderly', exchange: 'orderly', baseUrl: paper.url, credentials: { accountIdEnv: 'A', orderlyKeyEnv: 'K', orderlySecretEnv: 'S' }, scheduleMinutes: 1 } satisfies AccountConfig;
    const memory = new MemoryNotifier();
    const deps = {
      exchange: createExchange(config, { accountId: k.accountId, orderlyKey: k.orderlyKey, orderlySecret: k.orderlySecret }),
      store: new LastWriteCachingStore(new DynamoStateStore({ tableName: dynamo.tableName, client: dynamo.client })),
      notifier: { notify: async (a: Parameters<MemoryNotifier['notify']>[0]) => (await memory.notify(a), out(`    ALERT ${a.kind.toUpperCase()} ${a.level}: ${a.summary}`)) },
      clock: { now: () => engine.now() },
      log: silentLogger,
      sleep: async (ms: number) => void engine.advanceBy(ms),
    };
    const legs = () => [...acc.positions.values()].map((p) => `${p.marginType === 'ISOLATED' ? 'isolated' : 'cross'} ${p.symbol} ${p.amt > 0 ? 'long' : 'short'} ${Math.abs(p.amt)}`).join(', ') || 'flat';
    const money = (x: number) => moneyIn(x, settlementOf(config.exchange));
    const start = engine.accountRisk(acc).marginBalance;
    out(`  book (${money(start)}): ${legs()} — one symbol, two legs, two pools`);
    engine.onLiquidation((e) => out(`  ${when(e.time)} the venue liquidated the ${e.kind} ${e.symbol} leg at ${e.price.toPrecision(6)}`));
    let t = START;
    let tripped = false;
    let isolatedGoneAlone = false;
    while (t <= END) {
      engine.advanceTo(t);
      const before = legs();
      const r = await runGuardTick(deps, { config, policy: DEFAULT_POLICY });
      const after = legs();
      if (r.tripKind === 'close-all') tripped = true;
      if (before !== after && after.includes('cross PERP_ETH_USDC') && !after.includes('isolated PERP_ETH_USDC')) isolatedGoneAlone = true;
      if (r.level !== r.previousLevel || r.actions.length > 0 || before !== after) {
        out(tickLine(r));
        for (const x of r.reasons) out(`    · ${x}`);
        if (before !== after) out(`    legs: ${before}  →  ${after}`);
      }
      t += nextTickDelayMs(r, DEFAULT_ADAPTIVE, 60);
    }
    const end = engine.accountRisk(acc).marginBalance;
    out(`\nEquity ${money(start)} → ${money(end)} (${pct(end / start - 1)}); legs now: ${legs()}.`);
    const ordered = [...acc.orders.values()].filter((o) => o.reduceOnly).map((o) => `${o.side} ${o.origQty} ${o.symbol} margin_mode ${o.marginType === 'ISOLATED' ? 'ISOLATED' : 'CROSS'}`);
    out(`Reduce-only orders, each carrying its leg's margin mode: ${ordered.join('; ') || 'none'}.`);
    return { isolatedGoneAlone, tripped };
  } finally {
    await paper.close();
    await dynamo.close();
  }
}
