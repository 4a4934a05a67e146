/**
 * A StateStore that remembers the state it last wrote (or read) per account and serves `get` from
 * memory, so a warm tick does not re-read DynamoDB (it was ~2 ms of a ~7 ms loopback tick). The
 * conditional `put` stays the safety net: if anyone else wrote in between (another tick or
 * container, a human re-arm or pause), the write fails before any order, the entry is dropped,
 * and runGuardTick reads the store again and retries once.
 */
import type { AuditEvent, GuardState } from '../domain/state.ts';
import type { StateStore } from '../ports.ts';

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
