import * as z from 'zod';
import { EpisodeSchema } from './ladder.ts';

/** Guard levels, lowest first. */
export const LEVELS = ['OK', 'WARNING', 'DANGER', 'EMERGENCY'] as const;
export type Level = (typeof LEVELS)[number];

export const levelRank = (l: Level): number => LEVELS.indexOf(l);

const nullableNumber = () => z.number().finite().nullable();

export const TripRecordSchema = z
  .object({
    id: z.string().min(1),
    kind: z.enum(['close-all', 'reduce', 'close-position']),
    startedAt: z.number(),
    by: z.string(),
    reason: z.string(),
    status: z.enum(['pending', 'done', 'incomplete']),
    /** Last sign of life of the tick acting on it (ms); a pending trip whose heartbeat is old belongs to a dead tick. */
    heartbeatAt: z.number().optional(),
    /** How often that tick refreshes the heartbeat (ms), when it runs a timer for it. */
    heartbeatEveryMs: z.number().positive().optional(),
    /** When a later tick took over the trip of a tick that died in it (ms). */
    resumedAt: z.number().optional(),
  })
  .strict();
/** The close-all or reduce in progress, written before any order so a retried tick does not act twice. */
export type TripRecord = z.output<typeof TripRecordSchema>;

/** A backstop stop the guard placed (domain/backstop.ts VenueBackstop). */
export const VenueBackstopSchema = z
  .object({ id: z.string().min(1), symbol: z.string().min(1), side: z.enum(['long', 'short']), stopPrice: z.number().finite() })
  .strict();

/** A position as last accepted by the data-quality gate (to notice one that vanishes). */
export const BookEntrySchema = z
  .object({
    symbol: z.string(),
    side: z.enum(['long', 'short']),
    marginMode: z.enum(['cross', 'isolated']),
    contracts: z.number(),
    markPrice: z.number(),
  })
  .strict();
export type BookEntry = z.output<typeof BookEntrySchema>;

/** A value per level (quote currency), a level absent when not given. */
export const LevelValuesSchema = z
  .object({ WARNING: z.number().finite().optional(), DANGER: z.number().finite().optional(), EMERGENCY: z.number().finite().optional() })
  .strict();

/** Per-account guard state, persisted in DynamoDB with optimistic concurrency on `version`. */
export const GuardStateSchema = z
  .object({
    accountId: z.string().min(1),
    /** 0 = never stored; every successful write increments it. */
    version: z.number().int().nonnegative(),
    level: z.enum(LEVELS),
    /** Trailing peak of equity (quote currency), moved by deposits/withdrawals, else only rising. */
    peakEquity: nullableNumber(),
    peakAt: nullableNumber(),
    /** Equity of the last tick whose data passed the gate. */
    lastEquity: nullableNumber(),
    /** The asset the amounts are in (the venue's settlement, from the last accepted snapshot); absent = USDT. */
    currency: z.string().regex(/^[A-Z][A-Z0-9]{1,9}$/).optional(),
    halted: z.boolean(),
    haltedAt: nullableNumber(),
    haltReason: z.string().nullable(),
    /** Human maintenance window: alerts continue, no automatic orders, until this time (ms). */
    pausedUntil: nullableNumber(),
    pausedBy: z.string().nullable(),
    pauseReason: z.string().nullable(),
    /** Last time a tick ran (whatever it saw). */
    lastTickAt: nullableNumber(),
    /** Last time a tick saw trustworthy data (the dead-man's switch watches this). */
    lastOkAt: nullableNumber().default(null),
    lastAlertAt: nullableNumber(),
    /** Consecutive ticks whose data could not be trusted. */
    unknownStreak: z.number().int().nonnegative(),
    trip: TripRecordSchema.nullable(),
    rearmedAt: nullableNumber(),
    rearmedBy: z.string().nullable(),
    /** Positions of the last accepted snapshot. */
    lastBook: z.array(BookEntrySchema).default([]),
    /** Equity of the last snapshot read, trusted or not (a second agreeing read confirms a jump). */
    lastSeenEquity: nullableNumber().default(null),
    /** Until when the history has been read (venue market time, ms). */
    historyUntil: nullableNumber().default(null),
    /**
     * Set by a re-arm: the first accepted tick up to this time (ms) re-bases the peak at its own
     * equity; after it, the peak stays where the re-arm put it (the last accepted equity).
     */
    rebaseUntil: nullableNumber().default(null),
    /** What was in breach at the last decision ("drawdown", "cross margin ratio", …): an all-clear names them. */
    breaches: z.array(z.string()).default([]),
    /** Reminders sent since the last change; a halted, flat account's reminders back off with it. */
    remindersSent: z.number().int().nonnegative().default(0),
    /** Positions a close could not close: when they were last alerted (ms), and how often in a row (back-off). */
    residualAlertAt: nullableNumber().default(null),
    residualAlerts: z.number().int().nonnegative().default(0),
    /** When the guard last alerted that its key can withdraw (ms): once, then daily. */
    keyAlertAt: nullableNumber().default(null),
    /**
     * Deposits − withdrawals applied to the peak so far (quote currency, cumulative). A group's
     * state holds its members' sum at its last evaluation, so the group can tell transfers from losses.
     */
    transfersTotal: z.number().finite().default(0),
    /** Cross + isolated wallets of the last accepted snapshot (quote): the history explains every move from it. */
    lastWallet: nullableNumber().default(null),
    /** A wallet rise whose history row has not arrived yet, counted as a transfer until it does (quote, ≥ 0). */
    pendingCredit: z.number().finite().nonnegative().default(0),
    /** History rows older than this (venue market time, ms) were before the guard: never counted. */
    historyFrom: nullableNumber().default(null),
    /** Ids of the history rows counted within the re-read overlap window (de-duplication of late rows). */
    historySeen: z.array(z.object({ id: z.string(), at: z.number() }).strict()).default([]),
    /** When this guard last read the history (its own clock, ms). */
    historyReadAt: nullableNumber().default(null),
    /**
     * The equity floor (policy `limits.equityFloor`): its levels as configured when its reference
     * was set, and where deposits and withdrawals have moved them since (quote; see limits/equity-floor.ts).
     * Absent in states written before the floor existed or while none is configured.
     */
    floorRef: z.object({ configured: LevelValuesSchema, adjusted: LevelValuesSchema }).strict().nullable().optional(),
    /** Start of the current loss period (policy `limits.periodLoss`, ms); absent while none is configured. */
    periodStart: nullableNumber().optional(),
    /** Equity at the period's first accepted tick, moved by deposits and withdrawals like the peak (quote). */
    periodStartEquity: nullableNumber().optional(),
    /**
     * The drawdown episode of the reduce rule (ladder.ts): the exposure at the trailing peak and
     * the deepest step cut since. Absent in states written before it existed (a new episode then).
     */
    ladder: EpisodeSchema.nullable().optional(),
    /**
     * The guard's backstop stops resting on the venue after its last sync (issue 16,
     * domain/backstop.ts): the next tick tells a fired one from a vanished one by them. Absent in
     * states written before backstops existed: none.
     */
    backstops: z.array(VenueBackstopSchema).optional(),
    /** When `backstops` was last synced with the venue (ms); a re-arm after it renews them. */
    backstopsAt: nullableNumber().optional(),
    /**
     * A tick changing the venue's backstops holds this lease (its tick moment, ms) so that two
     * overlapping ticks never place a side twice; released with the sync's result, stale after 30 s.
     */
    backstopLease: z.object({ by: z.string(), at: z.number() }).strict().nullable().optional(),
  })
  .strict();
export type GuardState = z.output<typeof GuardStateSchema>;

export const initialState = (accountId: string): GuardState => ({
  accountId,
  version: 0,
  level: 'OK',
  peakEquity: null,
  peakAt: null,
  lastEquity: null,
  halted: false,
  haltedAt: null,
  haltReason: null,
  pausedUntil: null,
  pausedBy: null,
  pauseReason: null,
  lastTickAt: null,
  lastAlertAt: null,
  lastOkAt: null,
  unknownStreak: 0,
  trip: null,
  rearmedAt: null,
  rearmedBy: null,
  lastBook: [],
  lastSeenEquity: null,
  historyUntil: null,
  rebaseUntil: null,
  breaches: [],
  remindersSent: 0,
  residualAlertAt: null,
  residualAlerts: 0,
  keyAlertAt: null,
  transfersTotal: 0,
  lastWallet: null,
  pendingCredit: 0,
  historyFrom: null,
  historySeen: [],
  historyReadAt: null,
});

export const AUDIT_TYPES = ['decision', 'action', 'alert', 'rearm', 'pause', 'resume', 'close-all', 'unknown', 'liquidation', 'error'] as const;

/** One append-only audit entry: a decision that changed something, an action, an alert, a human act. */
export const AuditEventSchema = z
  .object({
    accountId: z.string().min(1),
    /** ms */
    at: z.number().int().nonnegative(),
    type: z.enum(AUDIT_TYPES),
    level: z.enum(LEVELS).optional(),
    message: z.string(),
    data: z.record(z.string(), z.unknown()).optional(),
    by: z.string().optional(),
  })
  .strict();
export type AuditEvent = z.output<typeof AuditEventSchema>;
