/**
 * What-if for tickOverheadRatio: a StateStore that remembers the state it last wrote (or read)
 * per account and serves `get` from memory, so a warm tick does not re-read DynamoDB. The
 * conditional `put` stays the safety net: if anyone else wrote in between (another tick, a human
 * re-arm or pause), the tick's write fails, no order is placed (orders come after the write), the
 * entry is dropped, and the next tick reads the store again.
 *
 * Proposed for functions/adapters/ (the bench only measures it).
 */
import type { AuditEvent, GuardState } from '../functions/domain/state.ts';
import type { StateStore } from '../functions/ports.ts';

export class LastWriteCachingStore implements StateStore {
  private readonly cache = new Map<string, GuardState>();

  constructor(private readonly inner: StateStore) {}

  async get(accountId: string): Promise<GuardState | null> {
    const hit = this.cache.get(accountId);
    if (hit) return structuredClone(hit);
    const s = await this.inner.get(accountId);
    if (s) this.cache.set(accountId, structuredClone(s));
    return s;
  }

  async put(next: GuardState, expectedVersion: number): Promise<boolean> {
    const ok = await this.inner.put(next, expectedVersion);
    if (ok) this.cache.set(next.accountId, structuredClone({ ...next, version: expectedVersion + 1 }));
    else this.cache.delete(next.accountId);
    return ok;
  }

  append(event: AuditEvent): Promise<void> {
    return this.inner.append(event);
  }

  events(accountId: string, limit: number): Promise<AuditEvent[]> {
    return this.inner.events(accountId, limit);
  }

  listAccounts(): Promise<GuardState[]> {
    return this.inner.listAccounts();
  }
}
