import { ConfigError, RiskGuardError } from '../errors.ts';
import type { GuardState } from '../domain/state.ts';
import { initialState } from '../domain/state.ts';
import type { Clock, StateStore } from '../ports.ts';

/** A human act on an account's state: who, why, and the conditional write that records it. */
export interface HumanAct {
  accountId: string;
  by: string;
  reason: string;
}

const MAX_ATTEMPTS = 5;

/**
 * Read–modify–write with optimistic concurrency: retried when a tick wrote in between, so the
 * human's change is never lost and never overwrites a newer tick.
 */
async function update(
  store: StateStore,
  accountId: string,
  change: (s: GuardState) => GuardState,
  opts: { create: boolean },
): Promise<GuardState> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await store.get(accountId);
    if (!current && !opts.create) {
      throw new ConfigError(`no guard state for account "${accountId}": has the guard ever ticked it? (check --account, --table/--db-path)`);
    }
    const base = current ?? initialState(accountId);
    const next = change(base);
    if (await store.put(next, base.version)) return { ...next, version: base.version + 1 };
  }
  throw new RiskGuardError(`account "${accountId}" kept changing under us: ${MAX_ATTEMPTS} conflicting writes; try again`);
}

/** Re-arms a halted account: level OK, peak re-based at the next tick's equity. Audited. */
export async function rearm(deps: { store: StateStore; clock: Clock }, act: HumanAct): Promise<GuardState> {
  const now = deps.clock.now();
  let before: GuardState | null = null;
  const next = await update(
    deps.store,
    act.accountId,
    (s) => {
      before = s;
      return {
        ...s,
        level: 'OK',
        halted: false,
        haltedAt: null,
        haltReason: null,
        trip: null,
        unknownStreak: 0,
        // null: the next tick takes its own equity as the new peak.
        peakEquity: null,
        peakAt: null,
        rearmedAt: now,
        rearmedBy: act.by,
      };
    },
    { create: false },
  );
  const prev = before as GuardState | null;
  await deps.store.append({
    accountId: act.accountId,
    at: now,
    type: 'rearm',
    by: act.by,
    level: 'OK',
    message: `re-armed by ${act.by}: ${act.reason}`,
    data: {
      wasHalted: prev?.halted ?? false,
      previousLevel: prev?.level ?? null,
      previousPeak: prev?.peakEquity ?? null,
      lastEquity: prev?.lastEquity ?? null,
    },
  });
  return next;
}

/** A maintenance window: alerts continue, automatic orders are withheld until `until`. Audited. */
export async function pause(
  deps: { store: StateStore; clock: Clock },
  act: HumanAct & { until: number },
): Promise<GuardState> {
  const now = deps.clock.now();
  if (act.until <= now) throw new ConfigError(`--until ${new Date(act.until).toISOString()} is not in the future`);
  const next = await update(
    deps.store,
    act.accountId,
    (s) => ({ ...s, pausedUntil: act.until, pausedBy: act.by, pauseReason: act.reason }),
    { create: true },
  );
  await deps.store.append({
    accountId: act.accountId,
    at: now,
    type: 'pause',
    by: act.by,
    message: `paused by ${act.by} until ${new Date(act.until).toISOString()}: ${act.reason}`,
    data: { until: act.until },
  });
  return next;
}

/** Ends a maintenance window early. Audited. */
export async function resume(deps: { store: StateStore; clock: Clock }, act: HumanAct): Promise<GuardState> {
  const now = deps.clock.now();
  const next = await update(
    deps.store,
    act.accountId,
    (s) => ({ ...s, pausedUntil: null, pausedBy: null, pauseReason: null }),
    { create: false },
  );
  await deps.store.append({ accountId: act.accountId, at: now, type: 'pause', by: act.by, message: `resumed by ${act.by}: ${act.reason}` });
  return next;
}
