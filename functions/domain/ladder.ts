import * as z from 'zod';

/**
 * A drawdown ladder that cuts once (issue 16 §3). Each step is a *target* gross exposure relative
 * to the exposure the account had at its trailing peak: from 5 % drawdown hold at most 90 % of it,
 * from 8 % at most 75 %, from 12 % at most 50 % (then the EMERGENCY close-all). A step whose target
 * is already met does nothing, and no step is cut twice in one episode — an episode ends at a new
 * peak (or a re-arm, which re-bases the peak). Pure: no clock, no I/O.
 */

/** One rung: from `drawdown` (fraction) down, gross exposure at most `exposure` × its value at the peak. */
export const LadderRungSchema = z
  .object({
    drawdown: z.number().finite().gt(0).lt(1),
    exposure: z.number().finite().gt(0).lt(1),
  })
  .strict();
export type LadderRung = z.output<typeof LadderRungSchema>;

/** Policy `ladder`: rungs by rising drawdown and falling exposure. */
export const LadderSchema = z
  .array(LadderRungSchema)
  .min(1)
  .max(10)
  .superRefine((rungs, ctx) => {
    for (let i = 1; i < rungs.length; i++) {
      if (!(rungs[i]!.drawdown > rungs[i - 1]!.drawdown)) ctx.addIssue({ code: 'custom', path: [i, 'drawdown'], message: `must be > rung ${i - 1}'s drawdown (${rungs[i - 1]!.drawdown})` });
      if (!(rungs[i]!.exposure < rungs[i - 1]!.exposure)) ctx.addIssue({ code: 'custom', path: [i, 'exposure'], message: `must be < rung ${i - 1}'s exposure (${rungs[i - 1]!.exposure})` });
    }
  });
export type Ladder = z.output<typeof LadderSchema>;

/** The graded response of the guard's design brief: 5 % → 90 %, 8 % → 75 %, 12 % → 50 %, then close all. */
export const BRIEF_LADDER: Ladder = [
  { drawdown: 0.05, exposure: 0.9 },
  { drawdown: 0.08, exposure: 0.75 },
  { drawdown: 0.12, exposure: 0.5 },
];

/** What the guard keeps between ticks for the ladder (GuardState.ladder). */
export const EpisodeSchema = z
  .object({
    /** The peak's time the episode belongs to (GuardState.peakAt when it began). */
    peakAt: z.number().nullable(),
    /** Σ |notional| at that peak (quote). */
    peakExposure: z.number().finite().nonnegative(),
    /** Deepest step cut (or found met) in this episode; −1: none yet. */
    cutStep: z.number().int().min(-1),
  })
  .strict();
export type Episode = z.output<typeof EpisodeSchema>;

/** A step as the rule sees it: whether the account has reached it now, and its target exposure. */
export interface LadderStep {
  /** Target gross exposure as a fraction of the exposure at the peak. */
  exposure: number;
  reached: boolean;
  /** Names the step in the reason ("drawdown 8.3 % ≥ 8.0 %", "DANGER"). */
  label: string;
}

/** Exposure within this much above its target counts as met (lot rounding). */
export const MET_TOLERANCE = 0.01;

/**
 * The episode this tick belongs to: the previous one while the peak is the same, else a new one
 * that takes the exposure now as the exposure at the peak (a new high, a re-arm's re-base, or the
 * first tick that keeps a ladder).
 */
export function episodeAt(prev: Episode | null | undefined, peakAt: number | null, grossNow: number): Episode {
  if (prev && prev.peakAt === peakAt) return prev;
  return { peakAt, peakExposure: grossNow, cutStep: -1 };
}

export interface LadderCut {
  step: number;
  /** Fraction of the exposure now to cut (0 < fraction < 1). */
  fraction: number;
  /** Target gross exposure (quote). */
  target: number;
  label: string;
}

/**
 * The cut this tick, if any, and the episode after it. Only the deepest step reached counts; it
 * acts once per episode: not when it (or a deeper one) was already cut or found met, not when
 * the exposure is already within {@link MET_TOLERANCE} of its target (then it is marked met).
 *
 * @example ladderCut([{ exposure: 0.8, reached: true, label: 'DANGER' }], { peakAt: 1, peakExposure: 40_000, cutStep: -1 }, 38_000)
 *   // → cut 1 − 32,000 / 38,000 ≈ 15.8 %, episode.cutStep 0
 */
export function ladderCut(steps: readonly LadderStep[], episode: Episode, grossNow: number): { cut: LadderCut | null; episode: Episode } {
  let k = -1;
  steps.forEach((s, i) => {
    if (s.reached) k = i;
  });
  if (k < 0 || k <= episode.cutStep) return { cut: null, episode };
  const done: Episode = { ...episode, cutStep: k };
  const target = steps[k]!.exposure * episode.peakExposure;
  if (!(grossNow > target * (1 + MET_TOLERANCE))) return { cut: null, episode: done };
  // Rounded to 1e-9 so that a cut from the peak's own exposure is the policy's figure (0.2, not 0.19999999999999996).
  const fraction = Math.round((1 - target / grossNow) * 1e9) / 1e9;
  return { cut: { step: k, fraction, target, label: steps[k]!.label }, episode: done };
}
