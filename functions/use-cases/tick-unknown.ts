import { rawEquity } from '../domain/gate.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import type { GuardState } from '../domain/state.ts';
import { writeMerged } from './state-write.ts';
import { describeRateLimit } from './rate-limit-watch.ts';
import { MAX_MERGES, type TickContext } from './tick-context.ts';
import { sendAlerts } from './tick-report.ts';
import type { TickResult } from './types.ts';
import { settlementOf } from '../venues/catalog.ts';

/** A rate-limited read counts toward "guard cannot see account" only after this long without trusted data (ms). */
export const RATE_LIMIT_BLIND_AFTER_MS = 120_000;

/**
 * A tick whose data could not be trusted: no trade, no peak update. Counts the streak, alerts a
 * rejected key at once and blindness once the streak lasts, and records it.
 */
export async function unknownTick(ctx: TickContext, why: string, seen: AccountSnapshot | null, auth: boolean): Promise<TickResult> {
  const { deps, state, now, id, opts, policy } = ctx;
  const { store, log, exchange } = deps;
  const blindAfter = opts.blindAfter ?? 3;
  const blindAfterMs = opts.blindAfterMs ?? 20_000;
  // The venue said "wait" (429) or banned the IP (418): the guard cannot see, so it does not trade,
  // but the run loop holds the venue's accounts until Retry-After — one ban is not three UNKNOWN
  // ticks. It counts toward blindness once the account has gone that long without trusted data.
  const limited = ctx.rateLimit();
  const counts = limited === null || state.lastOkAt === null || now - state.lastOkAt >= RATE_LIMIT_BLIND_AFTER_MS;
  const streak = state.unknownStreak + (counts ? 1 : 0);
  log.warn('UNKNOWN tick: no trade, no peak update', { account: id, exchange: exchange.id, streak, why, ...(limited ? { rateLimit: limited } : {}) });
  const unknownState: GuardState = {
    ...state,
    unknownStreak: streak,
    lastTickAt: now,
    lastSeenEquity: seen ? rawEquity(seen) : state.lastSeenEquity,
  };
  const reminderMs = policy.reminderMinutes * 60_000;
  // Blind after `blindAfter` ticks in a row that also span `blindAfterMs` without trusted data:
  // at a 1-s cadence three ticks are three seconds — a history row arriving late, not blindness.
  const blindAt = (at: number, n: number) => n >= blindAfter && (state.lastOkAt === null || at - state.lastOkAt >= blindAfterMs);
  const wasBlind = state.lastTickAt !== null && blindAt(state.lastTickAt, state.unknownStreak);
  const remind = wasBlind && reminderMs > 0 && state.lastAlertAt !== null && now - state.lastAlertAt >= reminderMs;
  const blind = (counts && blindAt(now, streak) && !wasBlind) || remind;
  if (auth && streak === 1) {
    ctx.alert('auth', 'UNKNOWN', `exchange REJECTED the API key: fix credentials`, `The exchange rejected the guard's credentials for account ${id}: ${why}\nThe guard cannot see or protect this account until the key is fixed.`);
  } else if (blind) {
    ctx.alert('blind', 'UNKNOWN', `guard cannot see account (${streak} ticks)`, `The guard could not trust the data of account ${id} for ${streak} consecutive ticks and placed no order.\nLast reason: ${why}`);
  }
  if (ctx.alerts.length) unknownState.lastAlertAt = now;
  const own = { unknownStreak: streak, lastTickAt: now, lastSeenEquity: unknownState.lastSeenEquity, lastAlertAt: unknownState.lastAlertAt };
  // A human act that wrote since (it leaves lastTickAt alone) keeps what it wrote: this tick's fields go on top.
  const written = await writeMerged(store, id, state, (s) => (s === state ? unknownState : { ...s, ...own }), {
    attempts: MAX_MERGES + 1,
    mergeWith: (fresh, before) => fresh.lastTickAt === before.lastTickAt,
  });
  if (!counts) {
    await store.append({ accountId: id, at: now, type: 'unknown', message: `UNKNOWN (${describeRateLimit(limited!)}; not counted as blind): ${why}` });
  } else if (streak === 1 || blind) {
    await store.append({ accountId: id, at: now, type: 'unknown', message: `UNKNOWN (${streak}): ${why}` });
  }
  const sent = await sendAlerts(ctx);
  return {
    accountId: id,
    at: now,
    currency: settlementOf(ctx.account.config.exchange),
    status: 'UNKNOWN',
    level: state.level,
    previousLevel: state.level,
    halted: state.halted,
    paused: state.pausedUntil !== null && state.pausedUntil > now,
    equity: seen ? rawEquity(seen) : null,
    equityAfter: null,
    netTransfers: 0,
    peakEquity: state.peakEquity,
    drawdownPct: null,
    marginRatio: null,
    reasons: [why],
    actions: [],
    alertsSent: sent,
    tripId: null,
    tripKind: null,
    residuals: [],
    stateVersion: written?.version ?? null,
  };
}
