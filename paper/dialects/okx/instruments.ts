import type { MarketSpec } from '../../markets.ts';
import { roundTo } from '../../markets.ts';

/**
 * OKX USDT-margined perpetual swaps on the paper engine. The engine names markets BTCUSDT and
 * counts base units; OKX names them `BTC-USDT-SWAP` and counts CONTRACTS of `ctVal` base units
 * each ("ctVal: Contract value", GET /api/v5/public/instruments,
 * https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments). BTC-USDT-SWAP is 0.01
 * BTC a contract and ETH-USDT-SWAP 0.1 ETH, as on OKX; other markets get one engine step a
 * contract. The control API (/paper/*) keeps the engine's names and base units.
 */

/** Contract values of the swaps whose real ctVal the paper copies; others: the engine's step. */
const CT_VAL: Readonly<Record<string, number>> = { BTC: 0.01, ETH: 0.1, SOL: 1 };

export interface OkxInstrument {
  instId: string;
  symbol: string;
  base: string;
  /** Base units per contract. */
  ctVal: number;
  /** Contracts: the order size step (the engine's base step ÷ ctVal). */
  lotSz: number;
  minSz: number;
  /** Largest market order, contracts. */
  maxMktSz: number;
  maxLmtSz: number;
  tickSz: number;
  /** Decimals of a contract count. */
  szDecimals: number;
}

/** `BTC-USDT-SWAP` → `BTCUSDT`, or null when it is not a USDT swap id. */
export function symbolOfInstId(instId: string): string | null {
  const m = /^([A-Z0-9]{2,20})-USDT-SWAP$/.exec(instId);
  return m ? `${m[1]}USDT` : null;
}

export const instIdOf = (symbol: string): string => `${symbol.slice(0, -4)}-USDT-SWAP`;

const decimalsOf = (x: number): number => {
  const s = String(x);
  if (s.includes('e-')) return Number(s.split('e-')[1]);
  return s.includes('.') ? s.split('.')[1]!.length : 0;
};

export function instrumentOf(m: MarketSpec): OkxInstrument {
  const ctVal = CT_VAL[m.baseAsset] ?? m.stepSize;
  const lotSz = roundTo(m.stepSize / ctVal, 10);
  const szDecimals = decimalsOf(lotSz);
  return {
    instId: instIdOf(m.symbol),
    symbol: m.symbol,
    base: m.baseAsset,
    ctVal,
    lotSz,
    minSz: lotSz,
    maxMktSz: roundTo(m.marketMaxQty / ctVal, szDecimals),
    maxLmtSz: roundTo(m.maxQty / ctVal, szDecimals),
    tickSz: m.tickSize,
    szDecimals,
  };
}

/** Contracts → base units (what the engine counts). */
export const toBase = (inst: OkxInstrument, contracts: number): number => roundTo(contracts * inst.ctVal, 12);
/** Base units → contracts (what OKX answers), rounded to the lot's decimals plus headroom. */
export const toContracts = (inst: OkxInstrument, base: number): number => roundTo(base / inst.ctVal, inst.szDecimals + 4);

/** A decimal string as OKX writes numbers ("0.01", never 1e-2). */
export function num(x: number): string {
  if (!Number.isFinite(x)) return '';
  if (x === 0) return '0';
  const s = x.toFixed(12);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
