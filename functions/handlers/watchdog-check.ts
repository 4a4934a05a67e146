import type { FormattableAlert } from '../domain/alert-format.ts';
import type { AuditEvent, GuardState } from '../domain/state.ts';
import type { Clock, Logger, StateStore } from '../ports.ts';

/**
 * The dead-man's switch, run by the watchdog function once a minute for every account: it reads
 * the guard state items and alerts on the SNS topic when an account has had no successful tick
 * for longer than `staleAfterMs`. One watchdog serves every account, so the cost per account is
 * a few DynamoDB reads a minute rather than a CloudWatch alarm and a custom metric per account.
 *
 * The watchdog keeps its memory (which outage it has already reported) in the account's audit
 * log, as events with `by: "watchdog"`, so alerts are sent once per outage (plus reminders) and a
 * recovery is reported, across cold starts and concurrent runs alike.
 *
 * (A use case with a pure core: it lives next to its handler because the handler folder is where
 * the cloud-only pieces are; it imports only ports and domain types.)
 */

export interface WatchedAccount {
  id: string;
  /** No successful tick for longer than this (ms) is an outage. */
  staleAfterMs: number;
  /** Repeat an unresolved outage alert this often (ms); 0 = once. */
  reminderMs: number;
}

/** What the watchdog sees for one account. */
export type Health =
  /** Ticking with trustworthy data. */
  | { kind: 'ok' }
  /** No guard state yet, and not for long: the guard has not had its first tick. */
  | { kind: 'new' }
  /** No guard state long after the watchdog first looked: the guard never ran. */
  | { kind: 'never'; since: number }
  /** The guard has not ticked (it throws, times out or is not invoked). */
  | { kind: 'stale'; lastTickAt: number | null }
  /** The guard ticks but has no trustworthy data (exchange down, key rejected, region blocked). */
  | { kind: 'blind'; lastOkAt: number | null; streak: number; guardAlerted: boolean };

type Memory = 'watching' | 'never' | 'stale' | 'blind' | 'recovered';
const OUTAGES: ReadonlySet<Memory> = new Set(['never', 'stale', 'blind']);

/** The watchdog's last own audit event for an account, if any. */
export interface WatchdogMemory {
  what: Memory;
  at: number;
  /** Outages: when the watchdog first reported this one (`never`: since when it has watched). */
  since?: number;
}

/**
 * The watchdog's own items: its memory events per account live in this partition, apart from the
 * guard's state and audit log, so its role may write here and nowhere else (lib/constructs/dead-man.ts).
 */
export const watchdogPk = (accountId: string): string => `WATCHDOG#${accountId}`;

/** Audit events the watchdog reads back to find its own last word. */
export const MEMORY_DEPTH = 10;

/** Reads the watchdog's last own event out of an account's newest audit events. */
export function memoryOf(events: AuditEvent[]): WatchdogMemory | null {
  for (const e of events) {
    const what = e.data?.watchdog;
    if (e.by === 'watchdog' && typeof what === 'string' && ['watching', 'never', 'stale', 'blind', 'recovered'].includes(what)) {
      const since = e.data?.since;
      return { what: what as Memory, at: e.at, ...(typeof since === 'number' ? { since } : {}) };
    }
  }
  return null;
}

/** Pure: how the account is doing at `now`. */
export function assess(state: GuardState | null, memory: WatchdogMemory | null, now: number, staleAfterMs: number): Health {
  if (state === null) {
    if (memory?.what === 'never') return { kind: 'never', since: memory.since ?? memory.at };
    if (memory?.what === 'watching' && now - memory.at > staleAfterMs) return { kind: 'never', since: memory.at };
    return { kind: 'new' };
  }
  if (state.lastTickAt === null || now - state.lastTickAt > staleAfterMs) return { kind: 'stale', lastTickAt: state.lastTickAt };
  if (state.lastOkAt === null || now - state.lastOkAt > staleAfterMs) {
    // The guard alerts on blindness itself (kind "blind"): it has done so when its last alert is
    // newer than its last good tick. The watchdog then stays quiet rather than send a duplicate.
    const guardAlerted = state.lastAlertAt !== null && state.lastAlertAt > (state.lastOkAt ?? 0);
    return { kind: 'blind', lastOkAt: state.lastOkAt, streak: state.unknownStreak, guardAlerted };
  }
  return { kind: 'ok' };
}

/** Pure: what to do about it, given what the watchdog last said. */
export type Step =
  | { do: 'nothing' }
  | { do: 'record'; what: 'watching' }
  | { do: 'alert'; what: 'never' | 'stale' | 'blind'; reminder: boolean }
  | { do: 'recover'; downSince: number };

export function nextStep(health: Health, memory: WatchdogMemory | null, now: number, reminderMs: number): Step {
  const open = memory !== null && OUTAGES.has(memory.what) ? memory : null;
  switch (health.kind) {
    case 'ok':
      return open ? { do: 'recover', downSince: open.since ?? open.at } : { do: 'nothing' };
    case 'new':
      return memory?.what === 'watching' ? { do: 'nothing' } : { do: 'record', what: 'watching' };
    case 'blind':
      if (health.guardAlerted && open?.what !== 'blind') return { do: 'nothing' };
    // falls through
    case 'never':
    case 'stale':
      if (open?.what !== health.kind) return { do: 'alert', what: health.kind, reminder: false };
      return reminderMs > 0 && now - open.at >= reminderMs ? { do: 'alert', what: health.kind, reminder: true } : { do: 'nothing' };
  }
}

export interface WatchdogDeps {
  store: StateStore;
  notifier: { notify(alert: FormattableAlert): Promise<void> };
  clock: Clock;
  log: Logger;
}

export interface WatchdogReport {
  at: number;
  accounts: number;
  healthy: number;
  /** Accounts with an outage, by kind. */
  down: { accountId: string; health: Health['kind'] }[];
  alertsSent: number;
  /** Accounts the watchdog could not check or alert about (the run fails if any). */
  failures: { accountId: string; error: string }[];
}

const minutes = (ms: number): string => `${(ms / 60_000).toFixed(ms < 600_000 ? 1 : 0)} min`;
const clockTime = (ms: number | null): string =>
  ms === null ? 'never' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');

/** Checks every account once; never throws for one account's trouble (see `failures`). */
export async function runWatchdog(deps: WatchdogDeps, accounts: WatchedAccount[]): Promise<WatchdogReport> {
  const now = deps.clock.now();
  const states = new Map((await deps.store.listAccounts()).map((s) => [s.accountId, s]));
  const report: WatchdogReport = { at: now, accounts: accounts.length, healthy: 0, down: [], alertsSent: 0, failures: [] };

  await Promise.all(
    accounts.map(async (account) => {
      try {
        const state = states.get(account.id) ?? null;
        const memory = memoryOf(await deps.store.events(account.id, MEMORY_DEPTH));
        const health = assess(state, memory, now, account.staleAfterMs);
        if (health.kind === 'ok' || health.kind === 'new') report.healthy++;
        else report.down.push({ accountId: account.id, health: health.kind });
        const step = nextStep(health, memory, now, account.reminderMs);
        if (step.do === 'nothing') return;
        if (step.do === 'record') {
          await remember(account.id, 'watching', 'watchdog: no guard state yet; watching for the first tick', {});
          return;
        }
        const alert = step.do === 'recover' ? recoveryAlert(account, state, step.downSince, now) : outageAlert(account, state, health, now, step.reminder);
        await deps.notifier.notify(alert);
        report.alertsSent++;
        const since = health.kind === 'never' ? health.since : step.do === 'alert' && step.reminder ? (memory?.since ?? memory?.at) : now;
        await remember(account.id, step.do === 'recover' ? 'recovered' : step.what, `watchdog: ${alert.summary}`, {
          ...(step.do === 'alert' ? { since } : {}),
          lastTickAt: state?.lastTickAt ?? null,
          lastOkAt: state?.lastOkAt ?? null,
          unknownStreak: state?.unknownStreak ?? null,
        });
        deps.log.warn('watchdog alert sent', { account: account.id, kind: alert.kind, summary: alert.summary });
      } catch (err) {
        const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        report.failures.push({ accountId: account.id, error });
        deps.log.error('watchdog could not check account', { account: account.id, error });
      }
    }),
  );
  return report;

  function remember(accountId: string, what: Memory, message: string, data: Record<string, unknown>): Promise<void> {
    // "unknown": the watchdog does not know the account's level; "alert" when it told someone.
    const type = what === 'watching' ? 'unknown' : 'alert';
    return deps.store.append({ accountId, at: now, type, by: 'watchdog', message, data: { watchdog: what, ...data } });
  }
}

function outageAlert(account: WatchedAccount, state: GuardState | null, health: Health, now: number, reminder: boolean): FormattableAlert {
  const again = reminder ? 'STILL: ' : '';
  const facts = [
    `Last tick: ${clockTime(state?.lastTickAt ?? null)}`,
    `Last tick with trustworthy data: ${clockTime(state?.lastOkAt ?? null)}`,
    `Consecutive UNKNOWN ticks: ${state?.unknownStreak ?? 0}`,
    `Level: ${state?.level ?? 'unknown'}${state?.halted ? ' (HALTED)' : ''}`,
    `Allowed without a successful tick: ${minutes(account.staleAfterMs)}`,
  ];
  const base = { accountId: account.id, level: 'UNKNOWN', at: now };
  switch (health.kind) {
    case 'never':
      return {
        ...base,
        kind: 'dead-man',
        summary: `${again}guard has never ticked this account (watched ${minutes(now - health.since)}); unprotected`,
        body: ['The guard has written no state for this account since the watchdog started watching it.', ...facts].join('\n'),
      };
    case 'blind':
      return {
        ...base,
        kind: 'blind',
        summary: `${again}no trustworthy data for ${state?.lastOkAt ? minutes(now - state.lastOkAt) : 'ever'}; ${health.streak} UNKNOWN ticks; no orders placed`,
        body: ['The guard is running but cannot trust what the exchange returns, so it cannot protect the account.', ...facts].join('\n'),
      };
    default:
      return {
        ...base,
        kind: 'dead-man',
        summary: `${again}no tick for ${state?.lastTickAt ? minutes(now - state.lastTickAt) : 'ever'}; guard not running, account unprotected`,
        body: ['The guard has not completed a tick for this account: it fails, times out or is not invoked.', ...facts].join('\n'),
      };
  }
}

function recoveryAlert(account: WatchedAccount, state: GuardState | null, downSince: number, now: number): FormattableAlert {
  return {
    accountId: account.id,
    kind: 'all-clear',
    level: state?.level ?? 'OK',
    summary: `guard ticking again with good data (was unprotected for at least ${minutes(now - downSince)})`,
    body: [
      'The watchdog sees successful ticks again for this account.',
      `Last tick: ${clockTime(state?.lastTickAt ?? null)}`,
      `Level: ${state?.level ?? 'unknown'}${state?.halted ? ' (HALTED)' : ''}`,
    ].join('\n'),
    at: now,
  };
}
