import type { Bracket } from '../../brackets.ts';
import type { MarketSpec } from '../../markets.ts';

/**
 * Hyperliquid's perpetuals as the paper exchange lists them: coin names (BTC, ETH), USDC collateral,
 * sizes in `szDecimals`, leverage capped by margin tables.
 *
 * Margin tables — "Margin tiers", https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers:
 * maintenance_margin = notional × rate − deduction; rate(tier n) = initial margin rate at the tier's
 * max leverage / 2 (20x → 2.5 %); deduction(n) = deduction(n−1) + lowerBound(n) × (rate(n) − rate(n−1)).
 * "For IDs less than 50, there is a single tier with max leverage equal to the ID." Mainnet tiers:
 * BTC 0–150M 40x, >150M 20x; ETH 0–100M 25x, >100M 15x; SOL 0–70M 20x, >70M 10x; XRP 0–40M 20x,
 * >40M 10x; DOGE, WIF, AAVE, AVAX, UNI, BCH, HYPE, … 0–20M 10x, >20M 5x; DOT, TRX, … 0–3M 10x, >3M 5x.
 * Table ids 56 (tiered 40x) and 55 (tiered 25x) are the venue's; the other tiered ids here are the
 * paper's own. szDecimals and maxLeverage are a representative snapshot, not live data.
 */
export interface MarginTier {
  lowerBound: number;
  maxLeverage: number;
}
export interface MarginTable {
  description: string;
  marginTiers: MarginTier[];
}

export const MARGIN_TABLES: ReadonlyMap<number, MarginTable> = new Map<number, MarginTable>([
  [51, { description: 'tiered 10x', marginTiers: [{ lowerBound: 0, maxLeverage: 10 }, { lowerBound: 3_000_000, maxLeverage: 5 }] }],
  [52, { description: 'tiered 10x', marginTiers: [{ lowerBound: 0, maxLeverage: 10 }, { lowerBound: 20_000_000, maxLeverage: 5 }] }],
  [53, { description: 'tiered 20x', marginTiers: [{ lowerBound: 0, maxLeverage: 20 }, { lowerBound: 40_000_000, maxLeverage: 10 }] }],
  [54, { description: 'tiered 20x', marginTiers: [{ lowerBound: 0, maxLeverage: 20 }, { lowerBound: 70_000_000, maxLeverage: 10 }] }],
  [55, { description: 'tiered 25x', marginTiers: [{ lowerBound: 0, maxLeverage: 25 }, { lowerBound: 100_000_000, maxLeverage: 15 }] }],
  [56, { description: 'tiered 40x', marginTiers: [{ lowerBound: 0, maxLeverage: 40 }, { lowerBound: 150_000_000, maxLeverage: 20 }] }],
]);

/** One perpetual of the paper's `meta.universe`, in universe order (the asset index). */
export interface HlAsset {
  name: string;
  szDecimals: number;
  maxLeverage: number;
  marginTableId: number;
  onlyIsolated?: boolean;
}

/** The paper's universe: asset index = position here (BTC 0 and ETH 1, as on mainnet). */
export const HL_ASSETS: readonly HlAsset[] = [
  { name: 'BTC', szDecimals: 5, maxLeverage: 40, marginTableId: 56 },
  { name: 'ETH', szDecimals: 4, maxLeverage: 25, marginTableId: 55 },
  { name: 'SOL', szDecimals: 2, maxLeverage: 20, marginTableId: 54 },
  { name: 'XRP', szDecimals: 0, maxLeverage: 20, marginTableId: 53 },
  { name: 'DOGE', szDecimals: 0, maxLeverage: 10, marginTableId: 52 },
  { name: 'AVAX', szDecimals: 2, maxLeverage: 10, marginTableId: 52 },
  { name: 'WIF', szDecimals: 0, maxLeverage: 10, marginTableId: 52 },
  { name: 'AAVE', szDecimals: 2, maxLeverage: 10, marginTableId: 52 },
  { name: 'UNI', szDecimals: 1, maxLeverage: 10, marginTableId: 52 },
  { name: 'BCH', szDecimals: 3, maxLeverage: 10, marginTableId: 52 },
  { name: 'HYPE', szDecimals: 2, maxLeverage: 10, marginTableId: 52 },
  { name: 'DOT', szDecimals: 1, maxLeverage: 10, marginTableId: 51 },
  { name: 'TRX', szDecimals: 0, maxLeverage: 10, marginTableId: 51 },
];

/** A Hyperliquid perp coin name: letters and digits, e.g. BTC, kPEPE. */
export const COIN = /^[A-Za-z0-9]{1,20}$/;

/** The table of `id`: a listed one, or for ids below 50 one tier at that leverage. */
export function marginTable(id: number): MarginTable {
  const t = MARGIN_TABLES.get(id);
  if (t !== undefined) return t;
  if (id > 0 && id < 50) return { description: '', marginTiers: [{ lowerBound: 0, maxLeverage: id }] };
  throw new Error(`no margin table ${id}`);
}

/** A cap for the last tier (brackets need a finite one). */
const NO_CAP = 1e15;

/** Margin tiers as the engine's brackets: rate = 1 / (2 × max leverage), the deduction as `cum`. */
export function bracketsOf(table: MarginTable): Bracket[] {
  const out: Bracket[] = [];
  let cum = 0;
  let prevRate = 0;
  table.marginTiers.forEach((t, i) => {
    const rate = 1 / (2 * t.maxLeverage);
    if (i > 0) cum += t.lowerBound * (rate - prevRate);
    prevRate = rate;
    const next = table.marginTiers[i + 1];
    out.push({ bracket: i + 1, initialLeverage: t.maxLeverage, notionalFloor: t.lowerBound, notionalCap: next?.lowerBound ?? NO_CAP, maintMarginRatio: rate, cum });
  });
  return out;
}

/** Hyperliquid's minimum order value, USDC ("Order must have minimum value of $10.", error responses docs). */
export const MIN_ORDER_VALUE = 10;

/** The engine's market for an asset: lot = 10^-szDecimals, prices up to 6 − szDecimals decimals. */
export function marketOf(a: HlAsset): MarketSpec {
  const step = 10 ** -a.szDecimals;
  const pricePrecision = Math.max(0, 6 - a.szDecimals);
  return {
    symbol: a.name,
    baseAsset: a.name,
    quoteAsset: 'USDC',
    pricePrecision,
    quantityPrecision: a.szDecimals,
    tickSize: 10 ** -pricePrecision,
    stepSize: step,
    minQty: step,
    maxQty: 1e12,
    marketMaxQty: 1e12,
    minNotional: MIN_ORDER_VALUE,
    brackets: bracketsOf(marginTable(a.marginTableId)),
    realBrackets: MARGIN_TABLES.has(a.marginTableId) && a.marginTableId >= 55,
  };
}

/**
 * The asset of a coin priced or replayed at runtime that the table does not list: flat 10x
 * (table 10), szDecimals from the price so that a lot is worth about 1 USDC or less.
 */
export function runtimeAsset(coin: string, refPrice: number): HlAsset {
  if (!COIN.test(coin)) throw new Error(`unsupported coin "${coin}": the Hyperliquid paper lists perpetuals by coin name (BTC, ETH)`);
  const p = refPrice > 0 && Number.isFinite(refPrice) ? refPrice : 1;
  return { name: coin, szDecimals: Math.min(5, Math.max(0, Math.floor(Math.log10(p)))), maxLeverage: 10, marginTableId: 10 };
}
