/**
 * The book shapes the exit benchmark replays on every crash day in data/ (issue 16 §1): 10,000
 * USDT each, entries at the first price of the replay, positions on the venue's lot steps.
 *
 * - `long4x`: the day's demo portfolio (examples/portfolios/<day>.json): BTC, or BTC 2.5x + ETH 1.5x.
 * - `long2x`: the same book at half the size.
 * - `hedged5x`: BTC long and ETH short, 5x of equity each leg (10x gross), where the day has ETH.
 * - `isoAlt10x`: four altcoin longs, isolated at 10x leverage, 5,000 notional each (500 margin
 *   each, 8,000 left in the cross wallet), where the day has altcoins (2025-10-10).
 */
import { crashBenchmarks, type CrashBenchmark } from '../functions/replay/datasets.ts';
import type { Portfolio, PortfolioPosition as PositionInput } from '../functions/domain/snapshot.ts';
import { DATA_DIR, datasetReplay } from '../paper/index.ts';
import { defaultMarkets } from '../paper/markets.ts';
import { loadCandlesFile } from '../paper/replay.ts';

export const BOOKS = ['long4x', 'long2x', 'hedged5x', 'isoAlt10x'] as const;
export type BookName = (typeof BOOKS)[number];

export interface BenchBook extends CrashBenchmark {
  book: BookName;
}

const EQUITY = 10_000;
const ALTS = ['AVAXUSDT', 'DOTUSDT', 'UNIUSDT', 'ATOMUSDT'];
/** ETH for 2025-10-10 is not in the dataset's series; data/ has Gemini's trade-built candles of that day. */
const EXTRA_ETH: Record<string, string> = { '2025-10-10': `${DATA_DIR}gemini-spot-ETHUSD-1m-from-trades-2025-10-10.csv` };

const steps = new Map(defaultMarkets().map((m) => [m.symbol, m.stepSize]));

/** `notional` USDT of `symbol` at its first price at or after `start`, in whole lot steps. */
function contractsFor(symbol: string, file: string, start: number, notional: number): number {
  const first = loadCandlesFile(file).find((c) => c.t >= start)!;
  const step = steps.get(symbol) ?? 1;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Number((Math.max(1, Math.round(notional / first.o / step)) * step).toFixed(decimals));
}

const half = (p: PositionInput): PositionInput => {
  const step = steps.get(p.symbol) ?? 1;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return { ...p, contracts: Number((Math.max(1, Math.round(p.contracts / 2 / step)) * step).toFixed(decimals)) };
};

/** Every (day, book) pair the data supports. */
export function benchBooks(only?: { days?: readonly string[]; books?: readonly string[] }): BenchBook[] {
  const out: BenchBook[] = [];
  for (const b of crashBenchmarks()) {
    if (only?.days && !only.days.includes(b.dataset)) continue;
    const start = b.start!;
    const all = datasetReplay(b.dataset);
    const file = (symbol: string) => all.find((s) => s.symbol === symbol)?.file ?? (symbol === 'ETHUSDT' ? EXTRA_ETH[b.dataset] : undefined);
    const add = (book: BookName, portfolio: Portfolio) => {
      if (only?.books && !only.books.includes(book)) return;
      const symbols = new Set(portfolio.positions.map((p) => p.symbol));
      out.push({ ...b, book, portfolio, prices: [...symbols].map((symbol) => ({ symbol, file: file(symbol)! })) });
    };
    add('long4x', b.portfolio);
    add('long2x', { ...b.portfolio, positions: b.portfolio.positions.map(half) });
    const btc = file('BTCUSDT');
    const eth = file('ETHUSDT');
    if (btc && eth) {
      add('hedged5x', {
        crossWalletBalance: EQUITY,
        positions: [
          { symbol: 'BTCUSDT', side: 'long', contracts: contractsFor('BTCUSDT', btc, start, 5 * EQUITY), marginMode: 'cross', leverage: 20 },
          { symbol: 'ETHUSDT', side: 'short', contracts: contractsFor('ETHUSDT', eth, start, 5 * EQUITY), marginMode: 'cross', leverage: 20 },
        ],
      });
    }
    if (ALTS.every((s) => all.some((x) => x.symbol === s))) {
      add('isoAlt10x', {
        crossWalletBalance: EQUITY - ALTS.length * 500,
        positions: ALTS.map((symbol) => ({
          symbol,
          side: 'long' as const,
          contracts: contractsFor(symbol, file(symbol)!, start, 5_000),
          marginMode: 'isolated' as const,
          leverage: 10,
          isolatedWallet: 500,
        })),
      });
    }
  }
  return out;
}
