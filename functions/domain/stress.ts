import type { StressConfig, StressResult, StressScenario } from './risk-types.ts';

/**
 * Price-shock scenarios over a prepared book. Pure and allocation-light: the margin engine
 * flattens the snapshot into typed arrays once ({@link StressBook}) and every scenario reuses them.
 */

/** Quote and stable assets: they do not move in a stress scenario. */
export const STABLECOINS: ReadonlySet<string> = new Set(['USDT', 'USDC', 'USD', 'FDUSD', 'BUSD', 'DAI']);

/**
 * Reference stress grid: BTC −20 … +20 %, with sell-off betas (shared/DOMAIN.md: BTC/ETH and
 * BTC/alt correlations go to 0.9+ in a crash, and alts move more than BTC).
 */
export const DEFAULT_STRESS: StressConfig = {
  shocksPct: [-20, -10, -5, 5, 10, 20],
  betas: { BTC: 1, ETH: 1.2 },
  defaultBeta: 1.5,
};

const QUOTE_SUFFIXES = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'USD'] as const;
const ALIASES: Readonly<Record<string, string>> = { XBT: 'BTC' };

/**
 * The base asset of a market symbol, upper-cased.
 * @example baseAsset('BTCUSDT') === 'BTC'; baseAsset('ETH/USDT:USDT') === 'ETH';
 *          baseAsset('SOL-PERP') === 'SOL'; baseAsset('BTCUSD_PERP') === 'BTC'; baseAsset('BTC-USDT-SWAP') === 'BTC'
 */
export function baseAsset(symbol: string): string {
  let s = symbol.trim().toUpperCase();
  const slash = s.indexOf('/');
  if (slash > 0) s = s.slice(0, slash);
  const token = s.split(/[-_:]/).find((t) => t.length > 0) ?? s;
  let base = token;
  for (const q of QUOTE_SUFFIXES) {
    if (token.length > q.length && token.endsWith(q)) {
      base = token.slice(0, -q.length);
      break;
    }
  }
  return ALIASES[base] ?? base;
}

/** Stress beta of an asset to BTC: 0 for stablecoins, the configured beta, 1 for BTC, else the default. */
export function betaOf(asset: string, config: StressConfig): number {
  const a = asset.toUpperCase();
  if (STABLECOINS.has(a)) return 0;
  if (Object.hasOwn(config.betas, a)) return config.betas[a]!;
  return a === 'BTC' ? 1 : config.defaultBeta;
}

/** A shock in percent for a BTC move `btcPct` and a beta, floored at −100 % (prices stay ≥ 0). */
export const shockPct = (btcPct: number, beta: number): number => Math.max(-100, btcPct * beta) + 0;

/** Scenario label, e.g. "BTC -20%", "BTC +5%". */
export const scenarioName = (btcPct: number): string => `BTC ${btcPct > 0 ? '+' : ''}${btcPct}%`;

/**
 * The snapshot flattened for the stress loop. Per position: index i; per pool: index p (0 = cross,
 * then one per isolated position, as in `Evaluation.pools`).
 */
export interface StressBook {
  readonly symbols: readonly string[];
  readonly symbolOf: Int32Array;
  readonly poolOf: Int32Array;
  readonly contracts: Float64Array;
  /** +contracts for longs, −contracts for shorts. */
  readonly signedContracts: Float64Array;
  readonly entry: Float64Array;
  readonly mark: Float64Array;
  /** Maintenance margin fixed at entry (basis "entry"); NaN when it follows the price. */
  readonly fixedMM: Float64Array;
  /** Position i's maintenance tiers are floors/rates/amounts[tierStart[i] .. tierEnd[i]). */
  readonly tierStart: Int32Array;
  readonly tierEnd: Int32Array;
  readonly floors: Float64Array;
  readonly rates: Float64Array;
  readonly amounts: Float64Array;
  /** Pool wallet before collateral (cross: crossWalletBalance; isolated: isolatedWallet). */
  readonly wallet: Float64Array;
  readonly hasPositions: Uint8Array;
  /** Cross-pool collateral: value after haircut at today's price. */
  readonly collateral: readonly { asset: string; value: number }[];
}

function scenario(
  btcPct: number,
  symbols: readonly string[],
  betas: Float64Array,
  equity: number,
  poolSurvives: boolean[],
  survivalRatio: number | null,
): StressScenario {
  // `shocks` is built on first read: a 50-key object per scenario would cost more than the maths.
  let shocks: Record<string, number> | undefined;
  return {
    name: scenarioName(btcPct),
    get shocks(): Record<string, number> {
      if (shocks === undefined) {
        shocks = {};
        for (let j = 0; j < symbols.length; j++) shocks[symbols[j]!] = shockPct(btcPct, betas[j]!);
      }
      return shocks;
    },
    set shocks(value: Record<string, number>) {
      shocks = value;
    },
    equity,
    survives: poolSurvives.every(Boolean),
    poolSurvives,
    survivalRatio,
  };
}

/** Runs every scenario of `config` over the book. */
export function runStress(book: StressBook, config: StressConfig): StressResult {
  const nPos = book.poolOf.length;
  const nPool = book.wallet.length;
  const nSym = book.symbols.length;
  const symBeta = Float64Array.from(book.symbols, (s) => betaOf(baseAsset(s), config));
  const collBeta = Float64Array.from(book.collateral, (c) => betaOf(c.asset, config));
  const factor = new Float64Array(nSym);
  const eq = new Float64Array(nPool);
  const mm = new Float64Array(nPool);
  const { symbolOf, poolOf, contracts, signedContracts, entry, mark, fixedMM, tierStart, tierEnd, floors, rates, amounts } =
    book;

  const scenarios: StressScenario[] = [];
  let worstEquity: number | null = null;
  let worstScenario: string | null = null;
  let survivalRatio: number | null = null;

  for (const s of config.shocksPct) {
    for (let j = 0; j < nSym; j++) factor[j] = 1 + shockPct(s, symBeta[j]!) / 100;
    eq.set(book.wallet);
    mm.fill(0);
    for (let c = 0; c < book.collateral.length; c++) {
      eq[0]! += book.collateral[c]!.value * (1 + shockPct(s, collBeta[c]!) / 100);
    }
    for (let i = 0; i < nPos; i++) {
      const price = mark[i]! * factor[symbolOf[i]!]!;
      const p = poolOf[i]!;
      eq[p]! += signedContracts[i]! * (price - entry[i]!);
      const fixed = fixedMM[i]!;
      if (fixed === fixed) {
        mm[p]! += fixed;
      } else {
        const notional = contracts[i]! * price;
        let t = tierStart[i]!;
        for (let u = t + 1; u < tierEnd[i]!; u++) if (floors[u]! <= notional) t = u;
        const v = notional * rates[t]! - amounts[t]!;
        if (v > 0) mm[p]! += v;
      }
    }

    let equity = eq[0]!;
    let ratio: number | null = null;
    const poolSurvives = new Array<boolean>(nPool);
    for (let p = 0; p < nPool; p++) {
      if (p > 0) equity += Math.max(0, eq[p]!);
      const open = book.hasPositions[p] === 1;
      poolSurvives[p] = !open || eq[p]! > mm[p]!;
      if (open && mm[p]! > 0) {
        const r = eq[p]! / mm[p]!;
        if (ratio === null || r < ratio) ratio = r;
      }
    }
    const sc = scenario(s, book.symbols, symBeta, equity, poolSurvives, ratio);
    scenarios.push(sc);
    if (worstEquity === null || equity < worstEquity) {
      worstEquity = equity;
      worstScenario = sc.name;
    }
    if (ratio !== null && (survivalRatio === null || ratio < survivalRatio)) survivalRatio = ratio;
  }
  return { scenarios, worstEquity, worstScenario, survivalRatio };
}
