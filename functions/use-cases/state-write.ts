import type { GuardState } from '../domain/state.ts';
import type { StateStore } from '../ports.ts';

/**
 * Writes a tick's own change on top of whatever is stored now: tries the expected version, and
 * when another writer (a human act, a heartbeat) got there first, re-reads and re-applies the
 * change to the fresh state — bounded. Returns the version written, or null when it could not.
 */
export async function writeMerged(
  store: StateStore,
  accountId: string,
  expected: GuardState,
  change: (s: GuardState) => GuardState,
  attempts = 4,
): Promise<{ state: GuardState; version: number } | null> {
  let base: GuardState | null = expected;
  for (let i = 0; i < attempts && base !== null; i++) {
    const next = change(base);
    if (await store.put(next, base.version)) return { state: { ...next, version: base.version + 1 }, version: base.version + 1 };
    base = await store.get(accountId);
  }
  return null;
}
