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
  opts: { attempts?: number; mergeWith?: (fresh: GuardState, before: GuardState) => boolean } = {},
): Promise<{ state: GuardState; version: number } | null> {
  let base: GuardState | null = expected;
  for (let i = 0; i < (opts.attempts ?? 4) && base !== null; i++) {
    const next = change(base);
    if (await store.put(next, base.version)) return { state: { ...next, version: base.version + 1 }, version: base.version + 1 };
    const fresh: GuardState | null = await store.get(accountId);
    // Only merge over writers the caller accepts (e.g. human acts, not another tick).
    base = fresh !== null && (opts.mergeWith?.(fresh, base) ?? true) ? fresh : null;
  }
  return null;
}
