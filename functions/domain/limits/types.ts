import type { Level } from '../state.ts';

export type BreachLevel = Exclude<Level, 'OK'>;
export const BREACH_LEVELS: readonly BreachLevel[] = ['WARNING', 'DANGER', 'EMERGENCY'];

/** Which limit a finding comes from (decide.ts's `Finding.metric`). */
export type LimitMetric = 'equityFloor' | 'periodLoss' | 'positionLoss' | 'positionLossOfEquity' | 'symbolNotional';

/**
 * A breach of one limit, as decide.ts takes it: `position` set when it concerns that position
 * alone (an index into the snapshot's positions), absent for the whole account.
 */
export interface LimitFinding {
  level: BreachLevel;
  metric: LimitMetric;
  position?: number;
  /** What the all-clear names: "equity floor", "daily loss", "BTCUSDT long (cross) loss". */
  label: string;
  reason: string;
}

export const fmtPct = (x: number): string => `${(x * 100).toFixed(1)} %`;
