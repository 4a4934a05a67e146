import { fileURLToPath } from 'node:url';

/**
 * Named crash windows shipped in data/ (see data/SOURCES.md for provenance), ready to replay.
 * Every series is used as the symbol's MARK price; for 2025-10-10 the BTC series is Binance's
 * COIN-M mark-price kline and the altcoins are COIN-M trade-built candles with their real wicks.
 */
export interface Dataset {
  description: string;
  /** Suggested start: the interesting part, not the file's first minute. */
  startTime: number;
  series: { symbol: string; file: string }[];
}

/** Absolute path of the repo's data/ folder (works from a clone, no ../shared needed). */
export const DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));

const alts = ['AAVE', 'ATOM', 'AVAX', 'BCH', 'DOT', 'ETC', 'FIL', 'TRX', 'UNI', 'WIF', 'WLD', 'XLM'];

export const DATASETS: Record<string, Dataset> = {
  '2025-10-10': {
    description: 'Tariff-headline liquidation cascade: BTC COIN-M mark price + 12 altcoins with real wicks (~21:20 UTC)',
    startTime: Date.UTC(2025, 9, 10, 0, 0),
    series: [
      { symbol: 'BTCUSDT', file: 'binance-coinm-markprice-BTCUSD_PERP-1m-2025-10-09_10.csv' },
      ...alts.map((a) => ({ symbol: `${a}USDT`, file: `binance-coinm-${a}USD_PERP-1m-from-trades-2025-10-10.csv` })),
    ],
  },
  '2020-03-12': {
    description: 'Black Thursday: Binance USDⓈ-M BTCUSDT last-price klines',
    startTime: Date.UTC(2020, 2, 12, 0, 0),
    series: [{ symbol: 'BTCUSDT', file: 'binance-futures-BTCUSDT-1m-2020-03-11_13.csv' }],
  },
  '2021-05-19': {
    description: 'China-ban crash: Binance spot BTC and ETH',
    startTime: Date.UTC(2021, 4, 19, 0, 0),
    series: [
      { symbol: 'BTCUSDT', file: 'binance-spot-BTCUSDT-1m-2021-05-17_20.csv' },
      { symbol: 'ETHUSDT', file: 'binance-spot-ETHUSDT-1m-2021-05-17_20.csv' },
    ],
  },
  '2022-06-13': {
    description: 'Celsius/3AC: Binance spot BTC',
    startTime: Date.UTC(2022, 5, 13, 0, 0),
    series: [{ symbol: 'BTCUSDT', file: 'binance-spot-BTCUSDT-1m-2022-06-12_14.csv' }],
  },
  '2022-06-18': {
    description: 'June 2022 capitulation: Binance spot BTC',
    startTime: Date.UTC(2022, 5, 18, 0, 0),
    series: [{ symbol: 'BTCUSDT', file: 'binance-spot-BTCUSDT-1m-2022-06-17_19.csv' }],
  },
  '2022-11-08': {
    description: 'FTX / Binance LOI reversal: Binance USDⓈ-M BTCUSDT (14:37–23:36 UTC)',
    startTime: Date.UTC(2022, 10, 8, 14, 37),
    series: [{ symbol: 'BTCUSDT', file: 'binance-futures-BTCUSDT-1m-2022-11-08.csv' }],
  },
  '2024-08-05': {
    description: 'Yen carry-trade unwind: Binance spot BTC and ETH',
    startTime: Date.UTC(2024, 7, 5, 0, 0),
    series: [
      { symbol: 'BTCUSDT', file: 'binance-spot-BTCUSDT-1m-2024-08-04_06.csv' },
      { symbol: 'ETHUSDT', file: 'binance-spot-ETHUSDT-1m-2024-08-04_06.csv' },
    ],
  },
};

/** Replay specs ({symbol, file} with absolute paths) of a named dataset. */
export function datasetReplay(name: string, dataDir: string = DATA_DIR): { symbol: string; file: string }[] {
  const d = DATASETS[name];
  if (d === undefined) throw new Error(`unknown dataset "${name}"; known: ${Object.keys(DATASETS).join(', ')}`);
  return d.series.map((s) => ({ symbol: s.symbol, file: `${dataDir.replace(/\/?$/, '/')}${s.file}` }));
}
