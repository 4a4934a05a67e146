import type { Alert, Clock, Logger, Notifier, StateStore } from '../ports.ts';
import { redactText } from '../redact.ts';
import type { GuardedAccount, TickResult } from './types.ts';

/** Consecutive failed ticks before the "blind" alert: the same rule as UNKNOWN ticks (run-guard-tick). */
export const FAILED_TICKS_BEFORE_ALERT = 3;

export interface FailedTickDeps {
  notifier: Notifier;
  clock: Clock;
  log: Logger;
  /** Best effort: the audit event of the alert (the store may be what failed). */
  store?: StateStore;
}

export type WatchedTick =
  | { ok: true; result: TickResult }
  | { ok: false; error: string; streak: number; alerted: boolean };

interface Streak {
  count: number;
  since: number;
  lastAlertAt: number | null;
}

/**
 * Ticks that fail outright — the store unreachable, figures that cannot be written, any
 * unexpected exception — alerted by the same streak rule as UNKNOWN ticks: a "blind" alert at the
 * 3rd consecutive failure, then a reminder every `policy.reminderMinutes` while it lasts. A tick
 * that returns (even UNKNOWN, which has its own streak in the stored state) ends the streak of
 * failures only when its data was trusted.
 *
 * The count lives in memory: the failure may be the store itself. One instance per process
 * (`riskguard run`).
 */
export class FailedTickWatch {
  private readonly streaks = new Map<string, Streak>();

  constructor(
    private readonly deps: FailedTickDeps,
    private readonly blindAfter = FAILED_TICKS_BEFORE_ALERT,
  ) {}

  /** Runs one tick of `account`; never throws. */
  async tick(account: GuardedAccount, run: () => Promise<TickResult>): Promise<WatchedTick> {
    const id = account.config.id;
    try {
      const result = await run();
      if (result.status !== 'UNKNOWN') this.streaks.delete(id);
      return { ok: true, result };
    } catch (err) {
      const now = this.deps.clock.now();
      const error = redactText(err instanceof Error ? err.message : String(err));
      const s = this.streaks.get(id) ?? { count: 0, since: now, lastAlertAt: null };
      s.count++;
      this.streaks.set(id, s);
      const reminderMs = account.policy.reminderMinutes * 60_000;
      const due =
        s.count === this.blindAfter ||
        (s.count > this.blindAfter && reminderMs > 0 && s.lastAlertAt !== null && now - s.lastAlertAt >= reminderMs);
      this.deps.log.info('tick failed', { account: id, streak: s.count, error });
      if (!due) return { ok: false, error, streak: s.count, alerted: false };
      const alert: Alert = {
        accountId: id,
        kind: 'blind',
        level: 'UNKNOWN',
        summary: `guard tick FAILING (${s.count} ticks): account not guarded`,
        body:
          `The guard's tick for account ${id} failed ${s.count} times in a row since ${new Date(s.since).toISOString()}; ` +
          `it cannot see or protect this account until this is fixed. No order was placed by these ticks.\nLast error: ${error}`,
        at: now,
      };
      let alerted = false;
      try {
        await this.deps.notifier.notify(alert);
        alerted = true;
        s.lastAlertAt = now;
      } catch (e) {
        this.deps.log.error('alert delivery failed', { account: id, kind: 'blind', error: (e as Error).message });
      }
      try {
        await this.deps.store?.append({ accountId: id, at: now, type: 'alert', message: `blind (UNKNOWN): ${alert.summary}: ${error}` });
      } catch {
        // The store may be what is failing; the alert has gone out through the notifier.
      }
      return { ok: false, error, streak: s.count, alerted };
    }
  }
}
