import { BINANCE_BRACKETS, GENERIC_ALT_BRACKETS, type Bracket } from './brackets.ts';

/**
 * Static description of one USDⓈ-M perpetual, i.e. what `exchangeInfo` says about a symbol.
 *
 * The filter values (tick, step, quantity limits, min notional) are representative of Binance's
 * USDⓈ-M perpetuals in 2025 but are NOT copied from a live exchangeInfo: Binance changes them.
 * The bracket tables are real (see brackets.ts).
 */
export interface MarketSpec {
  symbol: string;
  baseAsset: string;
  quoteAsset: 'USDT' | 'USDC';
  pricePrecision: number;
  quantityPrecision: number;
  tickSize: number;
  stepSize: number;
  minQty: number;
  /** LOT_SIZE maxQty: largest quantity of a LIMIT order. */
  maxQty: number;
  /** MARKET_LOT_SIZE maxQty: largest quantity of one MARKET order (Binance rejects with -4005). */
  marketMaxQty: number;
  /** MIN_NOTIONAL: smallest notional of an order that is not reduce-only (-4164). */
  minNotional: number;
  brackets: Bracket[];
  /** false when the symbol uses GENERIC_ALT_BRACKETS. */
  realBrackets: boolean;
}

type SpecRow = [base: string, pricePrecision: number, quantityPrecision: number, tick: number, step: number, maxQty: number, marketMaxQty: number, minNotional: number];

const ROWS: SpecRow[] = [
  ['BTC', 2, 3, 0.1, 0.001, 1_000, 120, 100],
  ['ETH', 2, 3, 0.01, 0.001, 10_000, 2_000, 20],
  ['SOL', 4, 0, 0.01, 1, 1_000_000, 5_000, 5],
  ['AAVE', 3, 1, 0.01, 0.1, 30_000, 1_500, 5],
  ['ATOM', 3, 2, 0.001, 0.01, 100_000, 10_000, 5],
  ['AVAX', 4, 0, 0.001, 1, 100_000, 10_000, 5],
  ['BCH', 2, 3, 0.01, 0.001, 10_000, 850, 20],
  ['DOT', 3, 1, 0.001, 0.1, 1_000_000, 50_000, 5],
  ['ETC', 3, 2, 0.001, 0.01, 100_000, 10_000, 20],
  ['FIL', 3, 1, 0.001, 0.1, 1_000_000, 50_000, 5],
  ['TRX', 5, 0, 0.00001, 1, 5_000_000, 2_000_000, 5],
  ['UNI', 4, 0, 0.001, 1, 100_000, 25_000, 5],
  ['WIF', 4, 1, 0.0001, 0.1, 10_000_000, 1_000_000, 5],
  ['WLD', 4, 0, 0.0001, 1, 10_000_000, 500_000, 5],
  ['XLM', 5, 0, 0.00001, 1, 10_000_000, 1_000_000, 5],
];

function fromRow([base, pricePrecision, quantityPrecision, tickSize, stepSize, maxQty, marketMaxQty, minNotional]: SpecRow): MarketSpec {
  const symbol = `${base}USDT`;
  const real = BINANCE_BRACKETS[symbol];
  return {
    symbol,
    baseAsset: base,
    quoteAsset: 'USDT',
    pricePrecision,
    quantityPrecision,
    tickSize,
    stepSize,
    minQty: stepSize,
    maxQty,
    marketMaxQty,
    minNotional,
    brackets: real ?? GENERIC_ALT_BRACKETS,
    realBrackets: real !== undefined,
  };
}

/** The symbols the paper exchange lists by default. */
export function defaultMarkets(): MarketSpec[] {
  return ROWS.map(fromRow);
}

/**
 * A market for a symbol not in the default list (e.g. a replay of another altcoin): generic alt
 * brackets, and tick/step chosen from the price so that orders of ~5 USDT are possible.
 */
export function genericMarket(symbol: string, refPrice: number): MarketSpec {
  if (!/^[A-Z0-9]{2,20}USDT$/.test(symbol)) {
    throw new Error(`unsupported symbol "${symbol}": the paper exchange lists <BASE>USDT perpetuals only`);
  }
  const p = refPrice > 0 && Number.isFinite(refPrice) ? refPrice : 1;
  // About 5 significant digits of price, and a quantity step worth ≤ ~1 USDT.
  const pricePrecision = Math.min(8, Math.max(0, 4 - Math.floor(Math.log10(p))));
  const quantityPrecision = Math.min(3, Math.max(0, Math.floor(Math.log10(p))));
  const stepSize = 10 ** -quantityPrecision;
  return {
    symbol,
    baseAsset: symbol.slice(0, -4),
    quoteAsset: 'USDT',
    pricePrecision,
    quantityPrecision,
    tickSize: 10 ** -pricePrecision,
    stepSize,
    minQty: stepSize,
    maxQty: Math.max(1, Math.round(10_000_000 / p)),
    marketMaxQty: Math.max(1, Math.round(1_000_000 / p)),
    minNotional: 5,
    brackets: BINANCE_BRACKETS[symbol] ?? GENERIC_ALT_BRACKETS,
    realBrackets: BINANCE_BRACKETS[symbol] !== undefined,
  };
}

/** Rounds to a number of decimals, killing binary noise (0.1 + 0.2). */
export function roundTo(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** True when `qty` is a whole number of `step`s (with float tolerance). */
export function isMultipleOf(qty: number, step: number): boolean {
  const k = qty / step;
  return Math.abs(k - Math.round(k)) < 1e-6;
}
