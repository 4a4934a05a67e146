import { AuditEventSchema, GuardStateSchema, type AuditEvent, type GuardState } from '../domain/state.ts';
import type { StateStore } from '../ports.ts';
import { formatIssues } from '../validation.ts';

export interface MemoryStateStoreOptions {
  /**
   * Parse every state and event with the domain schemas on write, as the DynamoDB store does.
   * Replays that write thousands of states may turn it off. @default true
   */
  readonly validate?: boolean;
  /** Oldest audit events are dropped beyond this many per account. @default 10_000 */
  readonly maxEventsPerAccount?: number;
}

/**
 * StateStore in process memory, with DynamoStateStore's semantics: `put(next, expectedVersion)`
 * succeeds only when the stored version equals `expectedVersion` (0 = nothing stored yet) and
 * stores version expectedVersion + 1; events are append-only, read newest first. Values are
 * copied in and out, so a caller mutating what it got cannot change what is stored.
 * For replays, tests and one-process runs; nothing survives the process.
 */
/**
 * A copy of a state that shares nothing mutable with it. GuardState is flat apart from `trip` and
 * `lastBook` (cheaper than structuredClone, which dominates a replay's store time).
 */
function copyState(s: GuardState): GuardState {
  return { ...s, trip: s.trip === null ? null : { ...s.trip }, lastBook: s.lastBook.map((b) => ({ ...b })), historySeen: s.historySeen.map((r) => ({ ...r })) };
}

export class MemoryStateStore implements StateStore {
  private readonly states = new Map<string, GuardState>();
  private readonly log = new Map<string, { seq: number; event: AuditEvent }[]>();
  private readonly validate: boolean;
  private readonly maxEvents: number;
  private seq = 0;

  constructor(opts: MemoryStateStoreOptions = {}) {
    this.validate = opts.validate ?? true;
    this.maxEvents = opts.maxEventsPerAccount ?? 10_000;
    if (!(Number.isInteger(this.maxEvents) && this.maxEvents > 0)) {
      throw new RangeError(`maxEventsPerAccount must be a positive integer, got ${opts.maxEventsPerAccount}`);
    }
  }

  async get(accountId: string): Promise<GuardState | null> {
    const s = this.states.get(accountId);
    return s === undefined ? null : copyState(s);
  }

  async put(next: GuardState, expectedVersion: number): Promise<boolean> {
    if (!(Number.isSafeInteger(expectedVersion) && expectedVersion >= 0)) {
      throw new RangeError(`put: expectedVersion must be a non-negative integer, got ${expectedVersion}`);
    }
    let item: GuardState = { ...next, version: expectedVersion + 1 };
    if (this.validate) {
      const parsed = GuardStateSchema.safeParse(item);
      if (!parsed.success) {
        throw new TypeError(`put: invalid guard state for account "${next.accountId}": ${formatIssues(parsed.error)}`, { cause: parsed.error });
      }
      item = parsed.data;
    }
    // Check and write with no await in between: atomic on the one JavaScript thread.
    const stored = this.states.get(item.accountId)?.version ?? 0;
    if (stored !== expectedVersion) return false;
    this.states.set(item.accountId, copyState(item));
    return true;
  }

  async append(event: AuditEvent): Promise<void> {
    let e = event;
    if (this.validate) {
      const parsed = AuditEventSchema.safeParse(event);
      if (!parsed.success) {
        throw new TypeError(`append: invalid audit event for account "${event.accountId}": ${formatIssues(parsed.error)}`, { cause: parsed.error });
      }
      e = parsed.data;
    }
    let list = this.log.get(e.accountId);
    if (list === undefined) {
      list = [];
      this.log.set(e.accountId, list);
    }
    list.push({ seq: this.seq++, event: structuredClone(e) });
    if (list.length > this.maxEvents) list.splice(0, list.length - this.maxEvents);
  }

  async events(accountId: string, limit: number): Promise<AuditEvent[]> {
    if (!(Number.isSafeInteger(limit) && limit >= 0)) throw new RangeError(`events: limit must be a non-negative integer, got ${limit}`);
    const list = this.log.get(accountId) ?? [];
    // Newest first by time; same millisecond: the later append first (DynamoDB's sort key order).
    return [...list]
      .sort((a, b) => b.event.at - a.event.at || b.seq - a.seq)
      .slice(0, limit)
      .map((x) => structuredClone(x.event));
  }

  async listAccounts(): Promise<GuardState[]> {
    return [...this.states.values()]
      .sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0))
      .map(copyState);
  }
}
