/**
 * What the margin engine reports. Money in quote currency; ratios are fractions (0.5 = 50 %);
 * `null` means "not defined" (e.g. a ratio whose denominator is ≤ 0), never NaN.
 */

export type Side = 'long' | 'short';
export type MarginMode = 'cross' | 'isolated';

export interface PositionRisk {
  /** Index in the snapshot's `positions` array. */
  index: number;
  symbol: string;
  side: Side;
  marginMode: MarginMode;
  contracts: number;
  entryPrice: number;
  markPrice: number;
  /** |contracts| × mark. */
  notional: number;
  unrealizedPnl: number;
  maintenanceMargin: number;
  /** notional / leverage; for an isolated position without leverage, its isolated wallet; else null. */
  initialMargin: number | null;
  /** Price of this symbol at which the position's pool equity equals its maintenance margin. */
  liquidationPrice: number | null;
  /** (mark − liq) / mark for longs, (liq − mark) / mark for shorts: positive while safe. */
  liquidationDistance: number | null;
  /** Index into `pools`. */
  pool: number;
}

export interface PoolRisk {
  kind: MarginMode;
  /** Indexes into the snapshot's `positions`. */
  positions: number[];
  /** Cross: crossWalletBalance + haircut collateral value; isolated: isolatedWallet. */
  walletBalance: number;
  unrealizedPnl: number;
  equity: number;
  maintenanceMargin: number;
  /** null when any position of the pool has no known initial margin. */
  initialMargin: number | null;
  /** maintenanceMargin / equity; null when equity ≤ 0. */
  marginRatio: number | null;
  /** equity ≤ maintenance margin with positions open (or equity ≤ 0). */
  liquidatable: boolean;
}

export interface StressScenario {
  name: string;
  /** Price move per symbol, in percent (−20 = −20 %). */
  shocks: Record<string, number>;
  /** Account equity after the shock (isolated pools floored at 0: their loss is capped). */
  equity: number;
  /** Every pool keeps equity above its maintenance margin. */
  survives: boolean;
  /** Per pool (same order as `pools`): survives this scenario. */
  poolSurvives: boolean[];
  /** min over pools with positions of equity / maintenance margin after the shock (null if no positions). */
  survivalRatio: number | null;
}

export interface StressResult {
  scenarios: StressScenario[];
  worstEquity: number | null;
  worstScenario: string | null;
  /** min survivalRatio over scenarios (every pool; 1.10 = 110 %). */
  survivalRatio: number | null;
  /**
   * The same for the cross pool alone: the account-wide "stress survival" metric. An isolated
   * pool that fails a scenario loses only its own margin and is judged by its own margin ratio.
   */
  crossSurvivalRatio: number | null;
}

export interface AccountRisk {
  /** Sum of pool equities, isolated pools floored at 0. */
  equity: number;
  maintenanceMargin: number;
  initialMargin: number | null;
  /** maintenanceMargin / equity over all pools; null when equity ≤ 0. */
  marginRatio: number | null;
  utilization: number | null;
  liquidationBuffer: number | null;
  /** Σ signed notional / equity. */
  netExposure: number | null;
  /** Σ |notional| / equity. */
  grossExposure: number | null;
  /** 100 × (1 − marginRatio) clamped to 0–100; 0 when equity ≤ 0. */
  healthScore: number;
  stress: StressResult;
}

export interface Evaluation {
  account: AccountRisk;
  pools: PoolRisk[];
  positions: PositionRisk[];
  /** The snapshot's currency (USDT when absent), for the amounts in reasons and reports. */
  currency?: string;
}

/** How price shocks spread from BTC to other assets in a stress test. */
export interface StressConfig {
  /** BTC moves in percent, e.g. [-20, -10, -5, 5, 10, 20]. */
  shocksPct: number[];
  /** Stress beta to BTC by base asset (e.g. { ETH: 1.2 }); BTC is 1. */
  betas: Record<string, number>;
  /** Beta for assets not listed. */
  defaultBeta: number;
}
