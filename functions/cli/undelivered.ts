import { isUndelivered } from '../adapters/chat-notifiers.ts';
import type { StateStore } from '../ports.ts';
import { when } from './format.ts';

/** How far back `status` looks for undelivered alerts: each account's newest audit events. */
export const UNDELIVERED_LOOKBACK = 50;

/**
 * `status` lines for alerts that no chat channel try delivered, newest first, from each
 * account's last {@link UNDELIVERED_LOOKBACK} audit events (at most 3 lines an account).
 * @example "main: alert NOT DELIVERED to telegram at 2026-12-03T23:50:01.123Z (3 attempt(s): telegram: HTTP 500): trip (EMERGENCY): CLOSED ALL …"
 */
export async function undeliveredLines(store: StateStore, accountIds: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of accountIds) {
    const events = (await store.events(id, UNDELIVERED_LOOKBACK)).filter(isUndelivered);
    for (const e of events.slice(0, 3)) {
      const u = e.data!['undeliveredAlert'] as { channel: string; attempts: number; error: string; kind: string; level: string; summary: string };
      out.push(`${id}: alert NOT DELIVERED to ${u.channel} at ${when(e.at)} (${u.attempts} attempt(s): ${u.error}): ${u.kind} (${u.level}): ${u.summary}`);
    }
    if (events.length > 3) out.push(`${id}: … and ${events.length - 3} more undelivered alert(s): \`riskguard events --account ${id}\``);
  }
  return out;
}
