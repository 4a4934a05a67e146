import type { Action, Decision } from './decide.ts';
import { evaluateAccount, maintenanceFor } from './margin.ts';
import { drawdownOf } from './peak.ts';
import type { Policy } from './policy.ts';
import type { StressConfig } from './risk-types.ts';
import type { AccountSnapshot, Position } from './snapshot.ts';
import type { GuardState } from './state.ts';
import { baseAsset, betaOf } from './stress.ts';

/**
 * Backstop stops (issue 16): one reduce-only stop per position side, resting on the venue at the
 * price where that position's EMERGENCY breach would be reached without the guard. Pure: the
 * tick keeps the venue's stops in step with {@link wantedBackstops} through {@link diffBackstops}.
 *
 * - An isolated position: the mark at which its own margin ratio (MM / pool equity) reaches
 *   `thresholds.EMERGENCY.isolatedMarginRatio`.
 * - The cross pool: every cross position's mark moves together, by its stress beta × a common BTC
 *   move x (collateral too, as in the stress grid); the first x, in the direction that hurts a
 *   side, where the account's drawdown from the trailing peak reaches `EMERGENCY.drawdown` or the
 *   cross margin ratio reaches `EMERGENCY.marginRatio`. Each cross position's stop is its mark ×
 *   (1 + beta × x). Isolated pools are held at their current equity (they carry their own stops).
 *
 * What that assumes for hedged books: the legs stay correlated by their betas. A long's stop is
 * solved on a fall (x < 0) and a short's on a rise (x > 0); in a hedged book the fall that breaches
 * is the one the net beta-weighted exposure loses on, and the other direction may never breach —
 * then the leg that profits from the breaching move gets no stop (its stop would sit on the wrong
 * side of the mark), and a break of the hedge (one leg moving alone) is not covered: only the
 * ticking guard sees it. A book whose breach is already reached gets no stops: the tick trips.
 */

/** A position side: what one stop covers (a closePosition stop closes the whole side of a symbol). */
export interface BackstopKey {
  symbol: string;
  side: 'long' | 'short';
}

export interface WantedBackstop extends BackstopKey {
  /** Trigger on the venue's mark price: a long's stop fires at mark ≤ this, a short's at mark ≥ this. */
  stopPrice: number;
  /** Which breach the price solves for, as a sentence (for logs and alerts). */
  reason: string;
}

/** A backstop resting on the venue, as the adapter lists it (only the guard's own, by client id). */
export interface VenueBackstop extends BackstopKey {
  id: string;
  stopPrice: number;
}

/** Client order id prefix that marks the guard's own backstops on a venue (the gate reads their fills as the guard's). */
export const BACKSTOP_PREFIX = 'rg-bs-';

export const backstopKey = (k: BackstopKey): string => `${k.symbol}:${k.side}`;

/** Cheap stress config for the solver's evaluations: only the pool figures are read. */
const SOLVE_STRESS: StressConfig = { shocksPct: [0], betas: {}, defaultBeta: 1 };

/**
 * The mark where an isolated position's margin ratio reaches `limit`; null when it already has,
 * or never does on the losing side. Bisection on the engine's maintenance schedule.
 */
export function isolatedTrigger(p: Position, limit: number): number | null {
  if (p.isolatedWallet === undefined || limit <= 0) return null;
  const sign = p.side === 'long' ? 1 : -1;
  // g > 0: safe (equity × limit > MM); g ≤ 0: at or past the limit.
  const g = (price: number): number => {
    const equity = p.isolatedWallet! + sign * p.contracts * (price - p.entryPrice);
    return equity * limit - maintenanceFor(p, p.contracts * price);
  };
  if (g(p.markPrice) <= 0) return null;
  let safe = p.markPrice;
  let bad: number;
  if (sign > 0) {
    bad = 0;
    if (g(bad) > 0) return null;
  } else {
    bad = p.markPrice * 2;
    for (let i = 0; g(bad) > 0; i++) {
      if (i > 40) return null;
      safe = bad;
      bad *= 2;
    }
  }
  return bisect(g, safe, bad);
}

/** The boundary between `safe` (g > 0) and `bad` (g ≤ 0), to 1e-10 relative; returns a bad-side price. */
function bisect(g: (x: number) => number, safe: number, bad: number): number {
  for (let i = 0; i < 200 && Math.abs(bad - safe) > 1e-10 * Math.max(Math.abs(safe), Math.abs(bad), 1e-12); i++) {
    const mid = (safe + bad) / 2;
    if (g(mid) > 0) safe = mid;
    else bad = mid;
  }
  return bad;
}

interface CrossLimits {
  drawdown: number | null;
  marginRatio: number | null;
}

/**
 * The common BTC move x (fraction, e.g. −0.12) at which the cross pool first reaches a limit, in
 * the direction `dir` (−1 fall, +1 rise); null when it never does (within −100 % … +1,000 %) or
 * already has. Scans in 0.5 % steps, then bisects the first crossing.
 */
export function crossBreachMove(
  snapshot: AccountSnapshot,
  stress: StressConfig,
  peakEquity: number | null,
  limits: CrossLimits,
  dir: -1 | 1,
): number | null {
  if (limits.marginRatio === null && (limits.drawdown === null || peakEquity === null)) return null;
  const positions = snapshot.positions;
  const beta = positions.map((p) => (p.marginMode === 'cross' ? betaOf(baseAsset(p.symbol), stress) : 0));
  const collBeta = (snapshot.collateral ?? []).map((c) => betaOf(c.asset, stress));
  const g = (x: number): number => {
    const moved: AccountSnapshot = {
      ...snapshot,
      positions: positions.map((p, i) => (beta[i] === 0 ? p : { ...p, markPrice: Math.max(1e-12, p.markPrice * (1 + beta[i]! * x)) })),
      ...(snapshot.collateral
        ? { collateral: snapshot.collateral.map((c, i) => ({ ...c, price: Math.max(0, c.price * (1 + collBeta[i]! * x)) })) }
        : {}),
    };
    const ev = evaluateAccount(moved, SOLVE_STRESS, { liquidationSymbols: new Set() });
    const cross = ev.pools[0]!;
    let margin = Number.POSITIVE_INFINITY;
    if (limits.marginRatio !== null && cross.positions.length > 0) {
      // equity × limit − MM: > 0 while the ratio is below the limit (equity ≤ 0 counts as past it).
      margin = cross.equity <= 0 ? -1 : cross.equity * limits.marginRatio - cross.maintenanceMargin;
    }
    let draw = Number.POSITIVE_INFINITY;
    if (limits.drawdown !== null) {
      const d = drawdownOf(peakEquity, ev.account.equity);
      if (d !== null) draw = limits.drawdown - d;
    }
    return Math.min(margin, draw);
  };
  if (!(g(0) > 0)) return null;
  const maxMove = dir < 0 ? 1 : 10;
  let safe = 0;
  for (let k = 1; k * 0.005 <= maxMove + 1e-9; k++) {
    const x = dir * k * 0.005;
    if (g(x) <= 0) return bisect(g, safe, x);
    safe = x;
  }
  return null;
}

/** Options of {@link wantedBackstops}. */
export interface BackstopInputs {
  snapshot: AccountSnapshot;
  /** The guard's trailing peak of account equity (null: the drawdown limit is not solved for). */
  peakEquity: number | null;
  policy: Pick<Policy, 'thresholds' | 'stress'>;
}

const fmtPct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** One stop per position side that has a breach price; sides whose breach cannot be reached get none. */
export function wantedBackstops({ snapshot, peakEquity, policy }: BackstopInputs): WantedBackstop[] {
  const em = policy.thresholds.EMERGENCY;
  const out = new Map<string, WantedBackstop>();
  const add = (w: WantedBackstop): void => {
    const key = backstopKey(w);
    const have = out.get(key);
    // Two positions on one side of a symbol (cross and isolated): the stop nearer the mark wins.
    if (have === undefined || (w.side === 'long' ? w.stopPrice > have.stopPrice : w.stopPrice < have.stopPrice)) out.set(key, w);
  };
  for (const p of snapshot.positions) {
    if (p.marginMode !== 'isolated' || em.isolatedMarginRatio === null) continue;
    const price = isolatedTrigger(p, em.isolatedMarginRatio);
    if (price !== null) {
      add({ symbol: p.symbol, side: p.side, stopPrice: price, reason: `isolated margin ratio reaches EMERGENCY ${em.isolatedMarginRatio}` });
    }
  }
  const cross = snapshot.positions.filter((p) => p.marginMode === 'cross');
  if (cross.length > 0) {
    const limits = { drawdown: em.drawdown, marginRatio: em.marginRatio };
    for (const dir of [-1, 1] as const) {
      const side = dir < 0 ? 'long' : 'short';
      if (!cross.some((p) => p.side === side)) continue;
      const x = crossBreachMove(snapshot, policy.stress, peakEquity, limits, dir);
      if (x === null) continue;
      for (const p of cross) {
        if (p.side !== side) continue;
        const b = betaOf(baseAsset(p.symbol), policy.stress);
        const price = p.markPrice * (1 + b * x);
        if (!(price > 0) || b === 0) continue;
        add({ symbol: p.symbol, side, stopPrice: price, reason: `cross pool reaches EMERGENCY on a BTC move of ${fmtPct(x)} (beta ${b})` });
      }
    }
  }
  return [...out.values()];
}

export interface BackstopPlan {
  place: WantedBackstop[];
  cancel: VenueBackstop[];
  keep: VenueBackstop[];
}

/**
 * What to change on the venue: a side's stop is kept while exactly one rests there within `band`
 * (relative, 0.005 = 0.5 %) of the wanted price; otherwise every stop of that side is cancelled and
 * one placed. Stops of sides no longer wanted are cancelled. Never two for one side.
 */
export function diffBackstops(wanted: readonly WantedBackstop[], onVenue: readonly VenueBackstop[], band: number): BackstopPlan {
  const plan: BackstopPlan = { place: [], cancel: [], keep: [] };
  const bySide = new Map<string, VenueBackstop[]>();
  for (const v of onVenue) {
    const key = backstopKey(v);
    const list = bySide.get(key);
    if (list === undefined) bySide.set(key, [v]);
    else list.push(v);
  }
  const wantedKeys = new Set<string>();
  for (const w of wanted) {
    const key = backstopKey(w);
    if (wantedKeys.has(key)) continue;
    wantedKeys.add(key);
    const have = bySide.get(key) ?? [];
    // Keep the one nearest the wanted price if it is within the band; cancel the rest.
    let best: VenueBackstop | null = null;
    for (const v of have) if (best === null || Math.abs(v.stopPrice - w.stopPrice) < Math.abs(best.stopPrice - w.stopPrice)) best = v;
    const within = best !== null && Math.abs(best.stopPrice - w.stopPrice) <= band * w.stopPrice;
    for (const v of have) if (!(within && v === best)) plan.cancel.push(v);
    if (within) plan.keep.push(best!);
    else plan.place.push(w);
  }
  for (const [key, list] of bySide) if (!wantedKeys.has(key)) plan.cancel.push(...list);
  return plan;
}

export interface MissingBackstops {
  /** The side is flat: the stop fired (the next tick records the trip). */
  fired: VenueBackstop[];
  /** The side is still held but its stop is gone: someone cancelled it (alert once). */
  vanished: VenueBackstop[];
}

/**
 * Backstops the guard knew (placed or listed last tick) that the venue no longer lists, split by
 * whether their position side is still held. A stop that is gone while the side is flat is read
 * as fired; an owner who both cancelled it and closed the side by hand reads the same, so a caller
 * that can ask the venue for the stop's own status (Binance GET /fapi/v1/algoOrder, algoStatus
 * FINISHED vs CANCELED) should confirm before recording a trip.
 */
export function missingBackstops(known: readonly VenueBackstop[], listed: readonly VenueBackstop[], snapshot: AccountSnapshot): MissingBackstops {
  const present = new Set(listed.map((b) => b.id));
  const held = new Set(snapshot.positions.map((p) => backstopKey(p)));
  const out: MissingBackstops = { fired: [], vanished: [] };
  for (const k of known) {
    if (present.has(k.id)) continue;
    (held.has(backstopKey(k)) ? out.vanished : out.fired).push(k);
  }
  return out;
}

/**
 * Whether the guard keeps backstops on the venue now: the policy wants them, it is not a dry run,
 * and the account is neither halted (a close-all cancelled them) nor paused (orders withheld).
 */
export function backstopsArmed(policy: Pick<Policy, 'backstop' | 'dryRun'>, state: Pick<GuardState, 'halted' | 'pausedUntil'>, now: number): boolean {
  return policy.backstop && !policy.dryRun && !state.halted && !(state.pausedUntil !== null && state.pausedUntil > now);
}

const fmtPrice = (x: number): string => x.toLocaleString('en-US', { maximumSignificantDigits: 8 });

/** How a fired backstop's trip reason begins (alerts, the replay report). */
export const BACKSTOP_FIRED = 'exchange-side backstop stop fired';

/** "BTCUSDT long at 47,000": the stops, in a few words. */
export const describeBackstops = (stops: readonly VenueBackstop[]): string => stops.map((s) => `${s.symbol} ${s.side} at ${fmtPrice(s.stopPrice)}`).join(', ');

/**
 * A backstop that fired while the account is paused (it rested from before the pause; the pause's
 * first tick had not cancelled it yet): the exchange acted, but a pause means no automatic order —
 * no close-all of the rest and no halt. One alert says what fired and that the rest is left to the
 * person at work; it leads any alert the decision had. Unchanged when nothing fired.
 */
export function backstopFiredWhilePaused(d: Decision, fired: readonly VenueBackstop[], state: Pick<GuardState, 'pausedBy' | 'pausedUntil'>, now: number): Decision {
  if (fired.length === 0) return d;
  const until = state.pausedUntil === null ? 'further notice' : new Date(state.pausedUntil).toISOString();
  const reason = `${BACKSTOP_FIRED} between ticks while paused by ${state.pausedBy ?? 'unknown'} until ${until}: ${describeBackstops(fired)} (mark price); no close-all during a pause, the rest of the book is left as it is`;
  const own = d.actions.find((a): a is Extract<Action, { type: 'alert' }> => a.type === 'alert');
  const alert: Action = { type: 'alert', kind: 'escalation', message: own ? `${reason} | ${own.message}` : reason };
  return {
    ...d,
    reasons: [reason, ...d.reasons],
    actions: [alert, ...d.actions.filter((a) => a.type !== 'alert')],
    state: { ...d.state, lastAlertAt: now },
  };
}

/**
 * The tick's decision once a backstop has fired between ticks: the exchange already acted for the
 * guard, so the tick records it as the trip it stood in for — a close-all of whatever is left
 * (none when the stop closed the whole book: the close then only cancels resting orders and
 * confirms flat), EMERGENCY, HALTED, and one trip alert saying the exchange-side stop fired in
 * place of the decision's own alerts. Unchanged when nothing fired or the account was already halted.
 */
export function backstopTripDecision(d: Decision, stateBefore: Pick<GuardState, 'halted'>, fired: readonly VenueBackstop[], now: number): Decision {
  if (fired.length === 0 || stateBefore.halted) return d;
  const reason = `${BACKSTOP_FIRED} between ticks: ${describeBackstops(fired)} (mark price)`;
  const alert: Action = { type: 'alert', kind: 'trip', message: `TRIPPED: the ${reason}; close-all, HALTED` };
  const closeAll: Action = { type: 'closeAll', reason, dryRun: false };
  return {
    ...d,
    level: 'EMERGENCY',
    reasons: [reason, ...d.reasons],
    actions: [alert, closeAll],
    state: {
      ...d.state,
      level: 'EMERGENCY',
      halted: true,
      haltedAt: now,
      haltReason: reason,
      lastAlertAt: now,
      remindersSent: 0,
    },
  };
}
