import { randomUUID } from 'node:crypto';
import { backstopTripDecision } from '../domain/backstop.ts';
import { decide, type Action, type Decision } from '../domain/decide.ts';
import { bookOf, rawEquity, walletOf } from '../domain/gate.ts';
import type { GuardState, TripRecord } from '../domain/state.ts';
import { MAX_MERGES, type TickContext, type TickOptions } from './tick-context.ts';
import type { TickRead } from './tick-read.ts';
import { liveTradesOf, tradeKind } from './tick-trades.ts';

type ReadOk = Extract<TickRead, { kind: 'ok' }>;

/** The state this tick writes before any order, and what it will do. */
export interface TickPlan {
  /** Every trading action of the decision (dry-run ones included). */
  trades: Action[];
  /** The trading actions to carry out now. */
  liveTrades: Action[];
  /** A pending trip belongs to another live tick: this one does not act. */
  tripBusy: boolean;
  acting: boolean;
  trip: TripRecord | null;
  next: GuardState;
  /** The pending trip of a tick that stopped in it, taken over by this one. */
  resumed: TripRecord | null;
  /** …and it was a close-all this tick finishes. */
  resumingClose: boolean;
}

export type Commit =
  /** Written: the plan stands on `base` (the state it overwrote) and `decision`. */
  | { kind: 'committed'; plan: TickPlan; base: GuardState; decision: Decision; keyAlert: boolean }
  /** The tick should run once more from the start (its reads did not confirm, or an older write won). */
  | { kind: 'again' }
  /** Another tick or human acts won: this tick does nothing. */
  | { kind: 'lost'; decision: Decision; humanAct: boolean };

/**
 * Step 6: write the state (and the trip id) before any order — an overlapping tick loses here.
 * A pending trip whose tick still shows signs of life is that tick's; one whose heartbeat went
 * quiet belongs to a tick that died in it (killed, timed out): this tick takes it over at once.
 * A human act (pause, resume, rearm, close-all) or a group close that wrote meanwhile leaves
 * lastTickAt alone: decide again on top of it with this tick's own reads and write again, bounded.
 */
export async function commitTick(ctx: TickContext, read: ReadOk): Promise<Commit> {
  const { deps, state, policy, now, opts, id } = ctx;
  const { store, log, exchange } = deps;
  const snapshot = read.snapshot;
  const netTransfers = read.verdict.transfers;
  const decideOpts = { peakCap: read.peakCap, drawdownUnknown: read.verdict.drawdownUnknown };
  // A key that can withdraw is a risk the guard itself reports: once, then daily (nothing in the cloud runs doctor).
  const keyAlert =
    (exchange.keyCanWithdraw?.() === true || (exchange.keyWarning?.() ?? null) !== null) && (state.keyAlertAt === null || now - state.keyAlertAt >= 24 * 3_600_000);
  const planOn = (base: GuardState, d: Decision) => plan(ctx, read, base, d, keyAlert);

  let decision = read.decision;
  let base = state;
  let p = planOn(base, decision);
  for (let merges = 0; !(await store.put(p.next, base.version)); merges++) {
    const fresh = await store.get(id);
    const humanAct = fresh !== null && fresh.lastTickAt === base.lastTickAt;
    if (humanAct && merges < MAX_MERGES) {
      const again = backstopTripDecision(decide({ ...snapshot, netTransfers }, fresh, policy, now, decideOpts), fresh, read.fired ?? [], now);
      // An order this tick's reads did not confirm waits for a tick that confirms it.
      if (liveTradesOf(again).length > 0 && !read.confirmed && !opts.retried) return { kind: 'again' };
      log.info('a human act changed the state during this tick: applying the tick on top of it', { account: id });
      base = fresh;
      decision = again;
      p = planOn(base, decision);
      continue;
    }
    // Another tick wrote. A live one of the same moment is acting: stand back. An older write
    // (another container's, seen through a cached state) is not: run again on the fresh state, once.
    const live = fresh?.lastTickAt != null && Math.abs(now - fresh.lastTickAt) < (opts.overlapMs ?? 30_000);
    if (!humanAct && !live && !opts.retried) {
      log.info('state changed since it was read: deciding again on the fresh state', { account: id });
      return { kind: 'again' };
    }
    log.warn(humanAct ? 'state kept changing under human acts: nothing done' : 'state write lost to another tick: nothing done', { account: id });
    return { kind: 'lost', decision, humanAct };
  }
  return { kind: 'committed', plan: p, base, decision, keyAlert };
}

/** The state to write on top of `base` for decision `d`, and the trip it starts, resumes or leaves. */
function plan(ctx: TickContext, read: ReadOk, base: GuardState, d: Decision, keyAlert: boolean): TickPlan {
  const { now, opts, policy } = ctx;
  const snapshot = read.snapshot;
  const heartbeatEveryMs = opts.heartbeatEveryMs;
  let liveTrades = liveTradesOf(d);
  const pending = base.trip !== null && base.trip.status === 'pending' ? base.trip : null;
  const tripBusy = pending !== null && now - (pending.heartbeatAt ?? pending.startedAt) < staleAfterMs(pending, opts);
  const resumed = pending !== null && !tripBusy ? pending : null;
  const resumingClose = resumed?.kind === 'close-all' && !policy.dryRun;
  if (resumingClose && !liveTrades.some((a) => a.type === 'closeAll') && snapshot.positions.length > 0) {
    liveTrades = [{ type: 'closeAll', reason: resumed!.reason, dryRun: false }];
  }
  const acting = (liveTrades.length > 0 || resumingClose) && !tripBusy;
  const first = liveTrades[0];
  const trip: TripRecord | null = resumingClose
    ? { ...resumed!, resumedAt: now, heartbeatAt: now, ...(heartbeatEveryMs ? { heartbeatEveryMs } : {}) }
    : acting && first
      ? {
          id: randomUUID(),
          kind: tradeKind(first)!,
          startedAt: now,
          by: 'guard',
          reason: 'reason' in first ? first.reason : d.reasons[0] ?? '',
          status: 'pending',
          heartbeatAt: now,
          ...(heartbeatEveryMs ? { heartbeatEveryMs } : {}),
        }
      : resumed
        ? { ...resumed, status: 'incomplete', resumedAt: now }
        : base.trip;
  const equity = rawEquity(snapshot);
  const next: GuardState = {
    ...d.state,
    ...read.cursor,
    trip,
    lastBook: bookOf(snapshot),
    // The baseline the next tick's history explains from: this snapshot, before any order of ours.
    lastWallet: walletOf(snapshot),
    pendingCredit: read.verdict.pendingCredit,
    lastSeenEquity: equity,
    lastOkAt: now,
    transfersTotal: base.transfersTotal + read.verdict.transfers,
    ...(keyAlert ? { keyAlertAt: now } : {}),
    // The stops the venue lists now: the next tick tells fired from vanished by them.
    ...(read.backstops ? { backstops: read.backstops.listed } : {}),
  };
  return { trades: d.actions.filter((a) => tradeKind(a) !== null), liveTrades, tripBusy, acting, trip, next, resumed, resumingClose };
}

function staleAfterMs(trip: TripRecord, opts: TickOptions): number {
  if (opts.tripLeaseMs !== undefined) return opts.tripLeaseMs;
  return trip.heartbeatEveryMs !== undefined ? Math.max(5_000, 3 * trip.heartbeatEveryMs) : 15_000;
}
