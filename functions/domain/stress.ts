import type { StressConfig, StressResult, StressScenario } from './risk-types.ts';
import { scratchF64 } from './scratch.ts';

/**
 * Price-shock scenarios over a prepared book. Pure and allocation-light: the margin engine
 * flattens the snapshot into typed arrays once ({@link StressBook}), every scenario reuses them,
 * and the per-scenario report objects are only built when `scenarios` is first read.
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
 *          baseAsset('SOL-PERP') === 'SOL'; baseAsset('BTCUSD_PERP') === 'BTC'; baseAsset('BTC-USDT-SWAP') === 'BTC';
 *          baseAsset('PERP_ETH_USDC') === 'ETH'
 */
export function baseAsset(symbol: string): string {
  let known = baseAssets.get(symbol);
  if (known === undefined) {
    known = parseBaseAsset(symbol);
    // Symbols are few (a venue lists hundreds): a bounded memo keeps the stress loop allocation-free.
    if (baseAssets.size < 10_000) baseAssets.set(symbol, known);
  }
  return known;
}

const baseAssets = new Map<string, string>();

function parseBaseAsset(symbol: string): string {
  let s = symbol.trim().toUpperCase();
  const slash = s.indexOf('/');
  if (slash > 0) s = s.slice(0, slash);
  // Orderly names its perpetuals PERP_<BASE>_USDC: the base is the first token that is not PERP.
  const token = s.split(/[-_:]/).find((t) => t.length > 0 && t !== 'PERP') ?? s;
  let base = token;
  for (const q of QUOTE_SUFFIXES) {
    if (token.length > q.length && token.endsWith(q)) {
      base = token.slice(0, -q.length);
      break;
    }
  }
  return ALIASES[base] ?? base;
}

/** Stress beta of an asset to BTC: 0 for stablecoins, the configured beta (upper-case keys), 1 for BTC, else the default. */
export function betaOf(asset: string, config: StressConfig): number {
  const a = asset.toUpperCase();
  if (STABLECOINS.has(a)) return 0;
  if (Object.hasOwn(config.betas, a)) return config.betas[a]!;
  return a === 'BTC' ? 1 : config.defaultBeta;
}

/** Betas of market symbols already seen, per stress config (configs live as long as their policy). */
const symbolBetas = new WeakMap<StressConfig, Map<string, number>>();

/** {@link betaOf} the symbol's base asset, memoised: the stress loop runs on every evaluation. */
export function betaOfSymbol(symbol: string, config: StressConfig): number {
  let memo = symbolBetas.get(config);
  if (memo === undefined) symbolBetas.set(config, (memo = new Map()));
  let b = memo.get(symbol);
  if (b === undefined) {
    b = betaOf(baseAsset(symbol), config);
    if (memo.size < 10_000) memo.set(symbol, b);
  }
  return b;
}

/** A shock in percent for a BTC move `btcPct` and a beta, floored at −100 % (prices stay ≥ 0). */
export const shockPct = (btcPct: number, beta: number): number => Math.max(-100, btcPct * beta) + 0;

/** Scenario label, e.g. "BTC -20%", "BTC +5%". */
export const scenarioName = (btcPct: number): string => `BTC ${btcPct > 0 ? '+' : ''}${btcPct}%`;

/**
 * The snapshot flattened for the stress loop, pool-major: pool p (0 = cross, then one per
 * isolated position, as in `Evaluation.pools`) holds book entries [poolStart[p], poolStart[p + 1]).
 */
export interface StressBook {
  /** Per book entry: its market symbol. */
  readonly symbolAt: readonly string[];
  /** Pools in the book; the typed arrays below may be longer than their counts (scratch buffers). */
  readonly nPool: number;
  readonly poolStart: Int32Array;
  /** Pool equity if every price went to 0: wallet − Σ ±contracts × entry (cross: before collateral). */
  readonly poolBase: Float64Array;
  /** ±contracts × mark (+ long, − short): the equity that moves with the price. */
  readonly signedMarkValue: Float64Array;
  /** contracts × mark. */
  readonly markNotional: Float64Array;
  /** Maintenance margin fixed at entry (basis "entry"); NaN when it follows the price. */
  readonly fixedMM: Float64Array;
  /** Entry i's maintenance tiers are floors/rates/amounts[tierStart[i] .. tierEnd[i]), floors increasing. */
  readonly tierStart: Int32Array;
  readonly tierEnd: Int32Array;
  readonly floors: Float64Array;
  readonly rates: Float64Array;
  readonly amounts: Float64Array;
  /** Entry i's maintenanceCurve (rate = max(floor, coefficient × notional^exponent)) when curveCoefficient[i] is not NaN; else its tiers. */
  readonly curveFloor: Float64Array;
  readonly curveCoefficient: Float64Array;
  readonly curveExponent: Float64Array;
  /** Cross-pool collateral: value after haircut at today's price. */
  readonly collateral: readonly { asset: string; value: number }[];
}

/** Runs every scenario of `config` over the book. */
export function runStress(book: StressBook, config: StressConfig): StressResult {
  const { symbolAt, poolStart, poolBase, signedMarkValue, markNotional, fixedMM, collateral } = book;
  const { tierStart, tierEnd, floors, rates, amounts } = book;
  const { curveFloor, curveCoefficient, curveExponent } = book;
  const shocks = config.shocksPct;
  const nPool = book.nPool;
  const n = symbolAt.length;
  // Per entry rather than per distinct symbol: no symbol map to build on every evaluation.
  const beta = scratchF64(8, n);
  for (let i = 0; i < n; i++) beta[i] = betaOfSymbol(symbolAt[i]!, config);
  const collBeta = scratchF64(9, collateral.length);
  for (let c = 0; c < collateral.length; c++) collBeta[c] = betaOf(collateral[c]!.asset, config);
  // Per scenario: account equity, survival ratio (NaN = none) and per-pool survival.
  const equities = new Float64Array(shocks.length);
  const ratios = new Float64Array(shocks.length);
  const survived = new Uint8Array(shocks.length * nPool);

  let worst = -1;
  let survivalRatio: number | null = null;
  let crossSurvivalRatio: number | null = null;
  for (let k = 0; k < shocks.length; k++) {
    const s = shocks[k]!;
    let collateralValue = 0;
    for (let c = 0; c < collateral.length; c++) collateralValue += collateral[c]!.value * (1 + shockPct(s, collBeta[c]!) / 100);

    let equity = 0;
    let ratio = Number.NaN;
    for (let p = 0; p < nPool; p++) {
      let e = p === 0 ? poolBase[0]! + collateralValue : poolBase[p]!;
      let m = 0;
      const first = poolStart[p]!;
      const last = poolStart[p + 1]!;
      for (let i = first; i < last; i++) {
        const f = 1 + shockPct(s, beta[i]!) / 100;
        e += signedMarkValue[i]! * f;
        const fixed = fixedMM[i]!;
        if (fixed === fixed) {
          // not NaN: MM fixed at entry
          m += fixed;
        } else if (curveCoefficient[i] === curveCoefficient[i]) {
          // not NaN: a size-dependent rate
          const notional = markNotional[i]! * f;
          m += notional * Math.max(curveFloor[i]!, curveCoefficient[i]! * notional ** curveExponent[i]!);
        } else {
          const notional = markNotional[i]! * f;
          let t = tierStart[i]!;
          const end = tierEnd[i]!;
          while (t + 1 < end && floors[t + 1]! <= notional) t++;
          const v = notional * rates[t]! - amounts[t]!;
          if (v > 0) m += v;
        }
      }
      // An isolated pool can lose its own margin and no more.
      equity += p === 0 || e > 0 ? e : 0;
      const open = last > first;
      survived[k * nPool + p] = !open || e > m ? 1 : 0;
      if (open && m > 0 && !(e / m >= ratio)) ratio = e / m;
      if (p === 0 && open && m > 0 && (crossSurvivalRatio === null || e / m < crossSurvivalRatio)) crossSurvivalRatio = e / m;
    }
    equities[k] = equity;
    ratios[k] = ratio;
    if (worst < 0 || equity < equities[worst]!) worst = k;
    if (ratio === ratio && (survivalRatio === null || ratio < survivalRatio)) survivalRatio = ratio;
  }

  // The per-scenario report (names, 50-key shock maps) costs more than the maths: build it on first read.
  let report: StressScenario[] | undefined;
  return {
    get scenarios(): StressScenario[] {
      report ??= shocks.map((s, k) => {
        const shockMap: Record<string, number> = {};
        for (let i = 0; i < n; i++) shockMap[symbolAt[i]!] ??= shockPct(s, betaOfSymbol(symbolAt[i]!, config));
        const poolSurvives = new Array<boolean>(nPool);
        for (let p = 0; p < nPool; p++) poolSurvives[p] = survived[k * nPool + p] === 1;
        const ratio = ratios[k]!;
        return {
          name: scenarioName(s),
          shocks: shockMap,
          equity: equities[k]!,
          survives: poolSurvives.every(Boolean),
          poolSurvives,
          survivalRatio: ratio === ratio ? ratio : null,
        };
      });
      return report;
    },
    set scenarios(value: StressScenario[]) {
      report = value;
    },
    worstEquity: worst < 0 ? null : equities[worst]!,
    worstScenario: worst < 0 ? null : scenarioName(shocks[worst]!),
    survivalRatio,
    crossSurvivalRatio,
  };
}
