import { ConfigError, RiskGuardError } from '../errors.ts';
import type { AuditEvent, GuardState } from '../domain/state.ts';
import { initialState } from '../domain/state.ts';
import { money } from '../domain/alert-format.ts';
import type { Alert, Clock, Notifier, StateStore } from '../ports.ts';
import { writeMerged } from './state-write.ts';

/** A human act on an account's state: who, why, and the conditional write that records it. */
export interface HumanAct {
  accountId: string;
  by: string;
  reason: string;
}

/** What a human act needs: the store, the clock, and where its alert goes (every act is alerted). */
export interface AdminDeps {
  store: StateStore;
  clock: Clock;
  notifier?: Notifier;
}

/** What an act did; `alertError` says why its alert could not be delivered (the act itself stands). */
export interface ActOutcome {
  state: GuardState;
  alertError: string | null;
}

const MAX_ATTEMPTS = 5;

/**
 * After a re-arm, the first accepted tick within this window (ms) re-bases the trailing peak at
 * its equity; a window with no accepted tick (an UNKNOWN streak, lost writes) keeps the re-arm's
 * fallback: the last accepted equity before it.
 */
export const REARM_REBASE_MS = 5 * 60_000;

/** Audits the act, then alerts it: the team must know who re-armed, paused or closed. */
export async function recordAct(
  deps: AdminDeps,
  event: AuditEvent & { by: string },
  summary: string,
  body: string,
  kind: Alert['kind'] = 'info',
): Promise<string | null> {
  await deps.store.append(event);
  if (!deps.notifier) return null;
  const alert: Alert = { accountId: event.accountId, kind, level: event.level ?? 'OK', summary, body, at: event.at };
  try {
    await deps.notifier.notify(alert);
  } catch (err) {
    const why = (err as Error).message;
    await deps.store.append({ accountId: event.accountId, at: event.at, type: 'error', message: `alert of ${event.type} by ${event.by} not delivered: ${why}` });
    return why;
  }
  await deps.store.append({ accountId: event.accountId, at: event.at, type: 'alert', ...(event.level ? { level: event.level } : {}), message: `${kind} (${alert.level}): ${summary}` });
  return null;
}

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
  const current = await store.get(accountId);
  if (!current && !opts.create) {
    throw new ConfigError(`no guard state for account "${accountId}": has the guard ever ticked it? (check --account, --table/--db-path)`);
  }
  const written = await writeMerged(store, accountId, current ?? initialState(accountId), change, { attempts: MAX_ATTEMPTS });
  if (written) return written.state;
  throw new RiskGuardError(`account "${accountId}" kept changing under us: ${MAX_ATTEMPTS} conflicting writes; try again`);
}

/**
 * Re-arms a halted account: level OK, not halted, and the trailing peak re-based at the first
 * accepted tick within {@link REARM_REBASE_MS} (else the last accepted equity). Refused when the
 * account is not halted, unless forced (it wipes the drawdown). Audited and alerted.
 */
export async function rearm(deps: AdminDeps, act: HumanAct & { force?: boolean }): Promise<ActOutcome> {
  const now = deps.clock.now();
  let before: GuardState | null = null;
  const next = await update(
    deps.store,
    act.accountId,
    (s) => {
      if (!s.halted && !act.force) {
        throw new ConfigError(`account "${act.accountId}" is not halted (level ${s.level}): re-arming would wipe its drawdown from peak ${money(s.peakEquity, s.currency)}; add --force to do it anyway`);
      }
      before = s;
      return {
        ...s,
        level: 'OK',
        halted: false,
        haltedAt: null,
        haltReason: null,
        trip: null,
        unknownStreak: 0,
        peakEquity: s.lastEquity,
        peakAt: s.lastEquity === null ? null : now,
        rebaseUntil: now + REARM_REBASE_MS,
        breaches: [],
        remindersSent: 0,
        rearmedAt: now,
        rearmedBy: act.by,
      };
    },
    { create: false },
  );
  const prev = before as GuardState | null;
  const summary = `RE-ARMED by ${act.by}: ${act.reason}`;
  const alertError = await recordAct(
    deps,
    {
      accountId: act.accountId,
      at: now,
      type: 'rearm',
      by: act.by,
      level: 'OK',
      message: `re-armed by ${act.by}: ${act.reason}`,
      data: {
        wasHalted: prev?.halted ?? false,
        forced: act.force === true,
        previousLevel: prev?.level ?? null,
        previousPeak: prev?.peakEquity ?? null,
        lastEquity: prev?.lastEquity ?? null,
        rebaseUntil: now + REARM_REBASE_MS,
      },
    },
    summary,
    `${summary}\nWas: ${prev?.halted ? `HALTED (${prev.haltReason ?? 'no reason recorded'})` : `not halted, level ${prev?.level ?? '—'}`}, peak ${money(prev?.peakEquity, prev?.currency)}, last equity ${money(prev?.lastEquity, prev?.currency)}.\nAutomatic protection is back on. The trailing peak is re-based at the first accepted tick within ${REARM_REBASE_MS / 60_000} minutes (else it stays at ${money(prev?.lastEquity, prev?.currency)}).`,
  );
  return { state: next, alertError };
}

/**
 * A maintenance window: alerts continue, automatic orders are withheld until `until`. Audited and
 * alerted. `create` allows a first state for a configured account that has never ticked.
 */
export async function pause(deps: AdminDeps, act: HumanAct & { until: number; create?: boolean }): Promise<ActOutcome> {
  const now = deps.clock.now();
  if (act.until <= now) throw new ConfigError(`--until ${new Date(act.until).toISOString()} is not in the future`);
  const next = await update(
    deps.store,
    act.accountId,
    (s) => ({ ...s, pausedUntil: act.until, pausedBy: act.by, pauseReason: act.reason }),
    { create: act.create === true },
  );
  const until = new Date(act.until).toISOString();
  const summary = `PAUSED by ${act.by} until ${until} (orders withheld): ${act.reason}`;
  const alertError = await recordAct(
    deps,
    { accountId: act.accountId, at: now, type: 'pause', by: act.by, level: next.level, message: `paused by ${act.by} until ${until}: ${act.reason}`, data: { until: act.until } },
    summary,
    `${summary}\nAlerts continue; the guard places no automatic order until ${until} or \`riskguard resume\`.`,
  );
  return { state: next, alertError };
}

/** Ends a maintenance window early. Audited (as `resume`) and alerted. */
export async function resume(deps: AdminDeps, act: HumanAct): Promise<ActOutcome> {
  const now = deps.clock.now();
  let wasPaused = false;
  const next = await update(
    deps.store,
    act.accountId,
    (s) => {
      wasPaused = s.pausedUntil !== null && s.pausedUntil > now;
      return { ...s, pausedUntil: null, pausedBy: null, pauseReason: null };
    },
    { create: false },
  );
  const summary = `RESUMED by ${act.by}: automatic orders enabled: ${act.reason}`;
  const alertError = await recordAct(
    deps,
    { accountId: act.accountId, at: now, type: 'resume', by: act.by, level: next.level, message: `resumed by ${act.by}: ${act.reason}`, data: { wasPaused } },
    summary,
    `${summary}\n${wasPaused ? 'The pause is over' : 'The account was not paused'}; the guard acts on its own again.`,
  );
  return { state: next, alertError };
}
