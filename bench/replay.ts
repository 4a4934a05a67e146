/**
 * replaySeconds, through functions/replay (the real guard against the paper engine in process,
 * beside the same book unguarded and at 60 s). The overshoot figures are bench/exits.ts.
 *
 * replaySeconds: one day (2025-10-10 00:00 → 24:00 UTC, the tariff-headline crash) stepped at
 * 1 s, 10 cross positions (BTC and 9 altcoins, 4x in all), the default policy, adaptive cadence.
 */
import { DEFAULT_POLICY } from '../functions/domain/policy.ts';
import type { Portfolio } from '../functions/domain/snapshot.ts';
import { runReplay, type ReplayResult } from '../functions/replay/replay.ts';
import { datasetReplay } from '../paper/index.ts';
import { defaultMarkets } from '../paper/markets.ts';
import { loadCandlesFile } from '../paper/replay.ts';

const DAY_START = Date.UTC(2025, 9, 10);
const DAY_END = DAY_START + 86_400_000;
const TEN = ['BTCUSDT', 'AAVEUSDT', 'ATOMUSDT', 'AVAXUSDT', 'BCHUSDT', 'DOTUSDT', 'ETCUSDT', 'FILUSDT', 'UNIUSDT', 'XLMUSDT'];

/** 10,000 USDT, ten longs of 4,000 notional each at the first price, on the venue's lot steps. */
function tenPositionDay(): { portfolio: Portfolio; prices: { symbol: string; file: string }[] } {
  const prices = datasetReplay('2025-10-10').filter((s) => TEN.includes(s.symbol));
  const steps = new Map(defaultMarkets().map((m) => [m.symbol, m.stepSize]));
  const positions = prices.map(({ symbol, file }) => {
    const first = loadCandlesFile(file).find((c) => c.t >= DAY_START)!;
    const step = steps.get(symbol) ?? 1;
    const contracts = Number((Math.max(1, Math.round(4_000 / first.o / step)) * step).toFixed(8));
    return { symbol, side: 'long' as const, contracts, marginMode: 'cross' as const, leverage: 10 };
  });
  return { portfolio: { crossWalletBalance: 10_000, positions }, prices };
}

export interface ReplaySpeed {
  seconds: number;
  positions: number;
  simulatedHours: number;
  tripped: boolean;
  result: ReplayResult;
}

export async function benchReplaySpeed(): Promise<ReplaySpeed> {
  const { portfolio, prices } = tenPositionDay();
  // A first run warms the JIT and the file cache, as a second `riskguard replay` would find them.
  await runReplay({ portfolio, prices, policy: DEFAULT_POLICY, cadence: 'adaptive', stepMs: 1_000, start: DAY_START, end: DAY_END });
  const t = performance.now();
  const result = await runReplay({ portfolio, prices, policy: DEFAULT_POLICY, cadence: 'adaptive', stepMs: 1_000, start: DAY_START, end: DAY_END });
  const seconds = (performance.now() - t) / 1000;
  return { seconds, positions: portfolio.positions.length, simulatedHours: (DAY_END - DAY_START) / 3_600_000, tripped: result.tripped, result };
}
