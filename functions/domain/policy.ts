import * as z from 'zod';
import { LadderSchema } from './ladder.ts';
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
    /**
     * Reduce gross exposure to (1 − this) × its value at the trailing peak on reaching the level
     * (0 = none): once per episode (until a new peak or a re-arm), nothing when already that low
     * (ladder.ts). A policy `ladder` replaces it for the account; isolated and per-position
     * breaches still cut their positions by this fraction on entering the level.
     */
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

const BREACH = ['WARNING', 'DANGER', 'EMERGENCY'] as const;
/** Money in the quote currency (USDT for Binance USDⓈ-M), > 0. */
const quote = () => z.number().finite().positive().max(1e15);

/**
 * A limit given per level: `{ "DANGER": 500, "EMERGENCY": 800 }`. A level left out is not judged
 * by this limit; at least one must be given. `rising`: later levels must be ≥ earlier ones (a
 * loss, a notional); otherwise ≤ (a floor: WARNING sits above EMERGENCY).
 */
const levelShape = <T extends z.ZodType>(v: () => T) => ({ WARNING: v().optional(), DANGER: v().optional(), EMERGENCY: v().optional() });
type LevelValues = Partial<Record<(typeof BREACH)[number], number>>;
const checkLevels = (rising: boolean) => (m: LevelValues, ctx: z.RefinementCtx) => {
  const given = BREACH.filter((l) => m[l] !== undefined);
  if (given.length === 0) ctx.addIssue({ code: 'custom', path: [], message: 'give at least one of WARNING, DANGER, EMERGENCY' });
  for (let i = 1; i < given.length; i++) {
    const lo = m[given[i - 1]!]!;
    const hi = m[given[i]!]!;
    if (rising ? hi < lo : hi > lo) {
      ctx.addIssue({ code: 'custom', path: [given[i]!], message: `must be ${rising ? '≥' : '≤'} ${given[i - 1]} (${lo})` });
    }
  }
};
const levelMap = <T extends z.ZodType<number>>(v: () => T, rising: boolean) => z.object(levelShape(v)).strict().superRefine(checkLevels(rising));

/** True when the runtime's time-zone database knows the IANA zone ("UTC", "Europe/Berlin"). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

/**
 * A loss limit per day or week (issue 17 §3): the loss of equity since the period began, as a
 * fraction of the equity then (0.05 = 5 %), judged like the drawdown.
 * @example { "period": "day", "resetAt": "00:00", "timeZone": "UTC", "DANGER": 0.03, "EMERGENCY": 0.05 }
 */
export const PeriodLossSchema = z
  .object({
    period: z.enum(['day', 'week']),
    /** Local wall-clock time the period begins, "HH:MM" (24 h). */
    resetAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time "HH:MM" (00:00–23:59)'),
    /** IANA time zone of `resetAt`: "UTC", "Europe/Berlin", "America/New_York". */
    timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as "UTC" or "Europe/Berlin"'),
    /** Weekly periods only: the day the week begins. */
    weekday: z.enum(WEEKDAYS).optional(),
    ...levelShape(fraction),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.period === 'week' && p.weekday === undefined) ctx.addIssue({ code: 'custom', path: ['weekday'], message: 'required when period is "week"' });
    if (p.period === 'day' && p.weekday !== undefined) ctx.addIssue({ code: 'custom', path: ['weekday'], message: 'only allowed when period is "week"' });
    checkLevels(true)(p, ctx);
  });
export type PeriodLoss = z.output<typeof PeriodLossSchema>;

/**
 * Limits traders ask for (issue 17 §3), each off unless given: nothing here has a default.
 * Money is in the quote currency; fractions are fractions (0.05 = 5 %).
 */
export const LimitsSchema = z
  .object({
    /** Equity below this (quote) breaches; moved by deposits and withdrawals like the peak. */
    equityFloor: levelMap(quote, false).optional(),
    /** Loss since the day or week began (fraction of the equity then). */
    periodLoss: PeriodLossSchema.optional(),
    /** One position's unrealized loss above this (quote) breaches for that position alone. */
    positionLoss: levelMap(quote, true).optional(),
    /** One position's unrealized loss above this fraction of account equity breaches for that position alone. */
    positionLossOfEquity: levelMap(fraction, true).optional(),
    /** Per symbol as the venue names it ("BTCUSDT"): a position's notional above this (quote) breaches for that position alone. */
    symbolNotional: z.record(z.string().min(1), levelMap(quote, true)).optional(),
  })
  .strict();
export type Limits = z.output<typeof LimitsSchema>;
export type LevelLimit = Partial<Record<(typeof BREACH)[number], number>>;

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
    /** Equity floor, daily/weekly loss, per-position loss and notional caps: each off unless given. */
    limits: LimitsSchema.optional(),
    /**
     * A drawdown ladder (issue 16): rungs `{ drawdown, exposure }` — from that drawdown, gross
     * exposure at most `exposure` × its value at the trailing peak, each rung cut at most once per
     * episode. Replaces the levels' account-wide `reduceFraction`. Off unless given; the design
     * brief's ladder is `[{0.05, 0.9}, {0.08, 0.75}, {0.12, 0.5}]` (BRIEF_LADDER).
     */
    ladder: LadderSchema.optional(),
    /**
     * Backstop stops (issue 16, domain/backstop.ts): while armed, one reduce-only stop per position
     * side resting on the venue at the price where the EMERGENCY breach would be reached without the
     * guard. On by default; `false` switches them off; never placed in dry run.
     */
    backstop: z.boolean().default(true),
    /** A backstop is re-placed only when its solved price drifts by more than this (0.005 = 0.5 %). */
    backstopBand: z.number().finite().min(0.0001).max(0.2).default(0.005),
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
  backstop: true,
  backstopBand: 0.005,
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
