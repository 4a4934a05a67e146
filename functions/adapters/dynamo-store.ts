/**
 * StateStore on DynamoDB (one table; key design in table-schema.ts). Works against AWS and
 * against dynalite (local-dynamo.ts) alike: single-item conditional writes only, no transactions.
 */
import { randomBytes } from 'node:crypto';
import { RiskGuardError } from '../errors.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  type TranslateConfig,
} from '@aws-sdk/lib-dynamodb';
import type { ZodError } from 'zod';
import { AuditEventSchema, GuardStateSchema, type AuditEvent, type GuardState } from '../domain/state.ts';
import type { StateStore } from '../ports.ts';
import { redactStrings } from '../redact.ts';
import {
  DEFAULT_RETENTION_DAYS,
  EVENT_SK_PREFIX,
  PK,
  SK,
  STATE_INDEX_NAME,
  STATE_INDEX_PK,
  STATE_SK,
  TTL_ATTRIBUTE,
  accountPk,
  eventSk,
} from './table-schema.ts';

/**
 * DocumentClient options the store relies on: optional AuditEvent fields left undefined are
 * dropped instead of failing the write.
 */
export const documentClientOptions: TranslateConfig = {
  marshallOptions: { removeUndefinedValues: true },
};

/** A stored item that does not read back as what riskguard wrote: corruption or a hand edit. */
export class StoredDataError extends RiskGuardError {
  /** The key of the offending item. */
  readonly key: { pk: string; sk: string };
  constructor(message: string, key: { pk: string; sk: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.key = key;
  }
}

export interface DynamoStateStoreOptions {
  readonly tableName: string;
  /** @default a DocumentClient over `new DynamoDBClient({})` (region and credentials from the environment) */
  readonly client?: DynamoDBDocumentClient;
  /** How long audit events are kept before DynamoDB TTL deletes them. @default 90 */
  readonly retentionDays?: number;
  /**
   * The partition an account's audit events are appended to and read from. The watchdog keeps
   * its memory in its own partition (`WATCHDOG#<id>`), so IAM can let it write there and nowhere
   * else (dynamodb:LeadingKeys). @default accountPk (`ACCOUNT#<id>`, beside the state)
   */
  readonly eventPk?: (accountId: string) => string;
}

const SECONDS_PER_DAY = 86_400;
/** Largest `at` that fits the 15-digit sort key. */
const MAX_EVENT_AT = 999_999_999_999_999;

/** Guard state and audit log in one DynamoDB table, with optimistic concurrency on `version`. */
export class DynamoStateStore implements StateStore {
  readonly tableName: string;
  readonly retentionDays: number;
  private readonly client: DynamoDBDocumentClient;
  private readonly eventPk: (accountId: string) => string;

  constructor({ tableName, client, retentionDays = DEFAULT_RETENTION_DAYS, eventPk = accountPk }: DynamoStateStoreOptions) {
    this.eventPk = eventPk;
    if (!tableName) throw new Error('DynamoStateStore: tableName is required');
    if (!(Number.isFinite(retentionDays) && retentionDays > 0)) {
      throw new RangeError(`DynamoStateStore: retentionDays must be a positive number of days, got ${retentionDays}`);
    }
    this.tableName = tableName;
    this.retentionDays = retentionDays;
    this.client = client ?? DynamoDBDocumentClient.from(new DynamoDBClient({}), documentClientOptions);
  }

  async get(accountId: string): Promise<GuardState | null> {
    const key = { [PK]: accountPk(accountId), [SK]: STATE_SK };
    // Strongly consistent: the version read here is the one the next put is conditioned on.
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    if (!out.Item) return null;
    const state = this.parseState(out.Item);
    if (state.accountId !== accountId) {
      throw new StoredDataError(
        `stored guard state at ${describeKey(out.Item)} in table ${this.tableName} belongs to account "${state.accountId}", not "${accountId}"`,
        keyOf(out.Item),
      );
    }
    return state;
  }

  async put(next: GuardState, expectedVersion: number): Promise<boolean> {
    if (!(Number.isSafeInteger(expectedVersion) && expectedVersion >= 0)) {
      throw new RangeError(`put: expectedVersion must be a non-negative integer, got ${expectedVersion}`);
    }
    const parsed = GuardStateSchema.safeParse({ ...next, version: expectedVersion + 1 });
    if (!parsed.success) {
      // Refuse to write what get() would refuse to read.
      throw new TypeError(`put: invalid guard state for account "${next.accountId}": ${formatIssues(parsed.error)}`, {
        cause: parsed.error,
      });
    }
    const pk = accountPk(parsed.data.accountId);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...parsed.data, [PK]: pk, [SK]: STATE_SK, [STATE_INDEX_PK]: pk },
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async append(event: AuditEvent): Promise<void> {
    // Audit messages quote exchange errors: no key or signature is ever written to the table.
    const clean = redactStrings(event);
    const parsed = AuditEventSchema.safeParse({ ...clean, data: clean.data === undefined ? undefined : jsonSafe(clean.data) });
    if (!parsed.success) {
      throw new TypeError(`append: invalid audit event for account "${event.accountId}": ${formatIssues(parsed.error)}`, {
        cause: parsed.error,
      });
    }
    const e = parsed.data;
    if (e.at > MAX_EVENT_AT) {
      throw new RangeError(`append: at must be epoch milliseconds below 10^15, got ${e.at}`);
    }
    const expiresAt = Math.floor(e.at / 1000) + Math.round(this.retentionDays * SECONDS_PER_DAY);
    // The suffix makes a collision practically impossible; the condition makes it harmless.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...e, [PK]: this.eventPk(e.accountId), [SK]: eventSk(e.at, eventSuffix()), [TTL_ATTRIBUTE]: expiresAt },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }),
        );
        return;
      } catch (err) {
        if (!isConditionalCheckFailed(err) || attempt >= 3) throw err;
      }
    }
  }

  async events(accountId: string, limit: number): Promise<AuditEvent[]> {
    if (!(Number.isSafeInteger(limit) && limit >= 0)) {
      throw new RangeError(`events: limit must be a non-negative integer, got ${limit}`);
    }
    const result: AuditEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    // A page stops at 1 MB, so a large limit may need several pages.
    while (result.length < limit) {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': this.eventPk(accountId), ':prefix': EVENT_SK_PREFIX },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: limit - result.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) result.push(this.parseEvent(item));
      startKey = out.LastEvaluatedKey;
      if (!startKey) break;
    }
    return result;
  }

  async listAccounts(): Promise<GuardState[]> {
    const states: GuardState[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      // The sparse index holds state items only, so this never reads audit events.
      const out = await this.client.send(
        new ScanCommand({ TableName: this.tableName, IndexName: STATE_INDEX_NAME, ExclusiveStartKey: startKey }),
      );
      for (const item of out.Items ?? []) states.push(this.parseState(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return states.sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
  }

  /**
   * Items are read through the domain's strict schemas: a field this version does not know
   * (written by a newer riskguard, or by hand) is an error rather than silently dropped, since the
   * next put would erase it; a field added later with a default reads fine from older items.
   */
  private parseState(item: Record<string, unknown>): GuardState {
    const { [PK]: _pk, [SK]: _sk, [STATE_INDEX_PK]: _statePk, ...rest } = item;
    const parsed = GuardStateSchema.safeParse(rest);
    if (!parsed.success) {
      throw new StoredDataError(
        `stored guard state at ${describeKey(item)} in table ${this.tableName} is invalid: ${formatIssues(parsed.error)}`,
        keyOf(item),
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }

  private parseEvent(item: Record<string, unknown>): AuditEvent {
    const { [PK]: _pk, [SK]: _sk, [TTL_ATTRIBUTE]: _expiresAt, ...rest } = item;
    const parsed = AuditEventSchema.safeParse(rest);
    if (!parsed.success) {
      throw new StoredDataError(
        `stored audit event at ${describeKey(item)} in table ${this.tableName} is invalid: ${formatIssues(parsed.error)}`,
        keyOf(item),
        { cause: parsed.error },
      );
    }
    // Optional fields come back absent, never as undefined keys.
    const e = parsed.data;
    return Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as AuditEvent;
  }
}

let eventSequence = 0;

/** Per-process sequence (keeps same-millisecond appends in order) then random hex (no collisions across processes). */
function eventSuffix(): string {
  eventSequence = (eventSequence + 1) % 36 ** 6;
  return eventSequence.toString(36).padStart(6, '0') + randomBytes(4).toString('hex');
}

/**
 * Audit data is free-form; make it storable: NaN/Infinity become strings (DynamoDB rejects them),
 * Errors keep name and message, Dates become ISO strings, bigints become strings.
 */
function jsonSafe(data: Record<string, unknown>): Record<string, unknown> {
  const json = JSON.stringify(data, (_key, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return { name: value.name, message: value.message };
    return value;
  });
  return JSON.parse(json) as Record<string, unknown>;
}

function isConditionalCheckFailed(err: unknown): boolean {
  // By name rather than instanceof: a second copy of the SDK in node_modules has its own class.
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

function formatIssues(error: ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(item)'}: ${i.message}`).join('; ');
}

function keyOf(item: Record<string, unknown>): { pk: string; sk: string } {
  return { pk: String(item[PK]), sk: String(item[SK]) };
}

function describeKey(item: Record<string, unknown>): string {
  const { pk, sk } = keyOf(item);
  return `${PK}=${pk} ${SK}=${sk}`;
}
