import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DATASETS, datasetReplay } from '../../paper/index.ts';
import { PortfolioSchema, type Portfolio } from '../domain/snapshot.ts';
import { ConfigError } from '../errors.ts';
import { formatIssues } from '../validation.ts';
import type { PriceFile } from './portfolio.ts';

/** Absolute path of examples/portfolios/, one demo portfolio per crash dataset. */
export const PORTFOLIO_DIR = fileURLToPath(new URL('../../examples/portfolios/', import.meta.url));

export interface CrashBenchmark {
  /** A name in paper's DATASETS, e.g. "2021-05-19". */
  dataset: string;
  portfolio: Portfolio;
  /** Only the series the portfolio trades (absolute paths). */
  prices: PriceFile[];
  /** The dataset's suggested start (ms); the end is the end of its data. */
  start?: number;
  end?: number;
}

/** Reads examples/portfolios/<dataset>.json (the replay's portfolio format). */
export function loadExamplePortfolio(dataset: string): Portfolio {
  const file = `${PORTFOLIO_DIR}${dataset}.json`;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read example portfolio ${file}: ${(err as Error).message}`, { cause: err });
  }
  const r = PortfolioSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(`example portfolio ${file} is invalid:\n${formatIssues(r.error)}`, { cause: r.error });
  return r.data;
}

/**
 * Every crash dataset shipped in data/ with its demo portfolio: 10,000 USDT, about 4x long
 * (BTC, or BTC 2.5x + ETH 1.5x where the dataset has ETH), entries at the first price, the
 * Binance brackets. 4x is the most the default policy's stress test accepts without starting in
 * DANGER (a −20 % BTC scenario must leave equity above maintenance margin).
 */
export function crashBenchmarks(): CrashBenchmark[] {
  return Object.entries(DATASETS).map(([dataset, d]) => {
    const portfolio = loadExamplePortfolio(dataset);
    const traded = new Set(portfolio.positions.map((p) => p.symbol));
    return {
      dataset,
      portfolio,
      prices: datasetReplay(dataset).filter((s) => traded.has(s.symbol)),
      start: d.startTime,
    };
  });
}
