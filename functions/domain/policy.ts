import * as z from 'zod';
import { DEFAULT_STRESS } from './stress.ts';

/**
 * The guard's policy. Ratios and drawdowns are fractions (0.15 = 15 %). A threshold of `null`
 * means the metric does not raise that level.
 */

const fraction = () => z.number().finite().min(0).max(1);
const threshold = () => fraction().nullable();

const LevelThresholdsSchema = z
  .object({
    /** Account (and cross pool) margin ratio = maintenance margin / equity; breach when ≥. */
    marginRatio: threshold(),
    /** Drawdown of equity from its trailing peak; breach when ≥. */
    drawdown: threshold(),
    /** Any isolated pool's own margin ratio; breach when ≥. Acts on that position alone. */
    isolatedMarginRatio: threshold(),
    /** Stress survival (worst scenario's equity / maintenance margin); breach when < (1.10 = 110 %). */
    stressSurvival: z.number().finite().min(0).max(100).nullable(),
  })
  .strict();
export type LevelThresholds = z.output<typeof LevelThresholdsSchema>;

const LevelActionsSchema = z
  .object({
    /** Alert on entering, easing to and staying at this level (false: none; a live trip and a halted account always alert). */
    alert: z.boolean(),
    /** Reduce gross exposure by this fraction on entering the level (0 = none). */
    reduceFraction: fraction(),
    /** Close every position and halt when the account breaches this level (or any above it). */
    closeAll: z.boolean(),
  })
  .strict();
export type LevelActions = z.output<typeof LevelActionsSchema>;

const StressSchema = z
  .object({
    shocksPct: z.array(z.number().finite().min(-100).max(1000)).min(1),
    betas: z.record(z.string(), z.number().finite().min(0).max(10)),
    defaultBeta: z.number().finite().min(0).max(10),
  })
  .strict();

/**
 * What an AI trading agent may do (issue 15): `check_order` and `max_order_size` allow an order
 * only when, after it, the account and cross margin ratios and every isolated pool's stay below
 * their WARNING thresholds, cross stress survival stays at or above WARNING, the ordered
 * position's liquidation distance is at least `minLiquidationDistance`, and the book's
 * worst-scenario loss fits the drawdown budget left (equity down to the EMERGENCY drawdown level).
 */
export const AgentLimitsSchema = z
  .object({
    /** Smallest distance from mark to the ordered position's liquidation price (0.10 = 10 %). */
    minLiquidationDistance: fraction(),
    /** The fill assumed for a market order: mark × (1 ± slippage) (0.0005 = 5 bp). */
    slippage: z.number().finite().min(0).max(0.1),
    /** Taker fee rate, used when the venue does not report one for the symbol. */
    takerFee: z.number().finite().min(0).max(0.01),
    /** An answer from a snapshot older than this (seconds) is stale: reduce-only. */
    maxSnapshotAgeSeconds: z.number().int().min(1).max(86_400),
    /** How long a check_order answer holds (its `validUntil`), seconds. */
    validForSeconds: z.number().int().min(1).max(3_600),
    /** Offer the agent the `request_halt` tool (close all and halt: it can only tighten). */
    requestHalt: z.boolean(),
  })
  .strict();
export type AgentLimits = z.output<typeof AgentLimitsSchema>;

export const DEFAULT_AGENT_LIMITS: AgentLimits = {
  minLiquidationDistance: 0.1,
  slippage: 0.0005,
  takerFee: 0.0005,
  maxSnapshotAgeSeconds: 150,
  validForSeconds: 10,
  requestHalt: true,
};

export const PolicySchema = z
  .object({
    thresholds: z
      .object({ WARNING: LevelThresholdsSchema, DANGER: LevelThresholdsSchema, EMERGENCY: LevelThresholdsSchema })
      .strict(),
    actions: z
      .object({ WARNING: LevelActionsSchema, DANGER: LevelActionsSchema, EMERGENCY: LevelActionsSchema })
      .strict(),
    /** How far below a threshold (above, for stress survival) a metric must be before the level falls. */
    hysteresis: z
      .object({
        marginRatio: fraction(),
        drawdown: fraction(),
        stressSurvival: z.number().finite().min(0).max(10),
      })
      .strict(),
    /** Minutes between reminder alerts while above OK (0 = no reminders). */
    reminderMinutes: z.number().int().min(0).max(10_080),
    /** Decide and alert, but place no orders. */
    dryRun: z.boolean(),
    stress: StressSchema,
    /** Limits on what an AI trading agent is told it may trade (optional; defaults documented). */
    agentLimits: AgentLimitsSchema.default(DEFAULT_AGENT_LIMITS),
  })
  .strict()
  .superRefine((p, ctx) => {
    // Thresholds must escalate: WARNING ≤ DANGER ≤ EMERGENCY (stress survival: ≥).
    const order = ['WARNING', 'DANGER', 'EMERGENCY'] as const;
    for (const key of ['marginRatio', 'drawdown', 'isolatedMarginRatio'] as const) {
      for (let i = 1; i < order.length; i++) {
        const lo = p.thresholds[order[i - 1]!][key];
        const hi = p.thresholds[order[i]!][key];
        if (lo !== null && hi !== null && hi < lo) {
          ctx.addIssue({
            code: 'custom',
            path: ['thresholds', order[i]!, key],
            message: `must be ≥ ${order[i - 1]} ${key} (${lo})`,
          });
        }
      }
    }
    for (let i = 1; i < order.length; i++) {
      const lo = p.thresholds[order[i - 1]!].stressSurvival;
      const hi = p.thresholds[order[i]!].stressSurvival;
      if (lo !== null && hi !== null && hi > lo) {
        ctx.addIssue({
          code: 'custom',
          path: ['thresholds', order[i]!, 'stressSurvival'],
          message: `must be ≤ ${order[i - 1]} stressSurvival (${lo})`,
        });
      }
    }
  });
export type Policy = z.output<typeof PolicySchema>;

/** Reference defaults (shared/DOMAIN.md): margin ratio 0.50/0.70/0.85, drawdown 5/10/15 %. */
export const DEFAULT_POLICY: Policy = {
  thresholds: {
    WARNING: { marginRatio: 0.5, drawdown: 0.05, isolatedMarginRatio: 0.5, stressSurvival: 1.1 },
    DANGER: { marginRatio: 0.7, drawdown: 0.1, isolatedMarginRatio: 0.7, stressSurvival: 1.0 },
    EMERGENCY: { marginRatio: 0.85, drawdown: 0.15, isolatedMarginRatio: 0.85, stressSurvival: null },
  },
  actions: {
    WARNING: { alert: true, reduceFraction: 0, closeAll: false },
    DANGER: { alert: true, reduceFraction: 0.2, closeAll: false },
    EMERGENCY: { alert: true, reduceFraction: 0, closeAll: true },
  },
  hysteresis: { marginRatio: 0.05, drawdown: 0.01, stressSurvival: 0.05 },
  reminderMinutes: 30,
  dryRun: false,
  stress: DEFAULT_STRESS,
  agentLimits: DEFAULT_AGENT_LIMITS,
};

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
export type PolicyOverride = DeepPartial<Policy>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges overrides onto a base (arrays and `null` replace). Validation happens afterwards. */
export function mergeDeep(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = mergeDeep(base[k], v);
  return out;
}

/**
 * A policy file may give only what differs from the defaults; unknown keys are errors.
 * Returns the full policy or throws a ZodError whose issues carry the path.
 */
export function resolvePolicy(...overrides: unknown[]): Policy {
  let merged: unknown = DEFAULT_POLICY;
  for (const o of overrides) merged = mergeDeep(merged, o);
  return PolicySchema.parse(merged);
}
