/**
 * The riskguard DynamoDB table: one table holds every account's guard state and audit log.
 *
 * Key design
 * - Partition key `pk` (string) = `ACCOUNT#<accountId>`; sort key `sk` (string).
 * - Guard state: `sk = STATE`, one item per account. Writes are conditional on `version`
 *   (optimistic concurrency), so two ticks that read the same state cannot both write.
 * - Audit events: `sk = EVENT#<at in ms, zero-padded to 15 digits>#<suffix>`; the suffix is a
 *   per-process sequence number then random hex, so events never collide and events appended by
 *   one process in the same millisecond keep their order. A Query on `pk` with
 *   `begins_with(sk, "EVENT#")` and `ScanIndexForward=false` lists the newest first.
 *   Audit items carry `expiresAt` (epoch SECONDS = event time + retention, 90 days by default),
 *   the table's TTL attribute, so DynamoDB deletes old events by itself. State items never carry
 *   it and never expire.
 * - Listing accounts: only state items carry `statePk` (a copy of `pk`), the partition key of
 *   the sparse global secondary index `state-index`. Scanning that index reads state items only,
 *   however many audit events the table holds. Like every GSI it is eventually consistent:
 *   use it to find accounts, then `get` (strongly consistent) before acting on one.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';

/** Partition key attribute: `ACCOUNT#<accountId>`. */
export const PK = 'pk';
/** Sort key attribute: `STATE` or `EVENT#<ms>#<suffix>`. */
export const SK = 'sk';
/** TTL attribute of audit items, in epoch SECONDS (DynamoDB TTL ignores milliseconds). */
export const TTL_ATTRIBUTE = 'expiresAt';
/** Partition key of the sparse state index; present on state items only (same value as `pk`). */
export const STATE_INDEX_PK = 'statePk';
/** Sparse GSI over state items, used by `listAccounts`. */
export const STATE_INDEX_NAME = 'state-index';

/** Sort key of the guard state item. */
export const STATE_SK = 'STATE';
/** Sort key prefix of audit items. */
export const EVENT_SK_PREFIX = 'EVENT#';
/** Audit items expire this many days after the event unless the store is told otherwise. */
export const DEFAULT_RETENTION_DAYS = 90;

/** `ACCOUNT#<accountId>`. */
export const accountPk = (accountId: string): string => `ACCOUNT#${accountId}`;

/**
 * Sort key of an audit item. `at` is in ms and must fit 15 digits (until the year 33658), so
 * keys sort by time as strings.
 * @example eventSk(1_700_000_000_000, '00000a3f9c1b2e') === 'EVENT#001700000000000#00000a3f9c1b2e'
 */
export const eventSk = (at: number, suffix: string): string =>
  `${EVENT_SK_PREFIX}${String(at).padStart(15, '0')}#${suffix}`;

/**
 * The key design as plain data, for the CDK stack (map `type: 'S'` to `AttributeType.STRING`,
 * `projection: 'ALL'` to `ProjectionType.ALL`) and for local table creation.
 */
export const tableKeySchema = {
  partitionKey: { name: PK, type: 'S' },
  sortKey: { name: SK, type: 'S' },
  timeToLiveAttribute: TTL_ATTRIBUTE,
  globalSecondaryIndexes: [
    { indexName: STATE_INDEX_NAME, partitionKey: { name: STATE_INDEX_PK, type: 'S' }, projection: 'ALL' },
  ],
} as const;

/** CreateTable input for the table (on-demand billing). TTL cannot be set here: see `ensureTable`. */
export const createTableInput = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: PK, AttributeType: 'S' },
    { AttributeName: SK, AttributeType: 'S' },
    { AttributeName: STATE_INDEX_PK, AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: PK, KeyType: 'HASH' },
    { AttributeName: SK, KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: STATE_INDEX_NAME,
      KeySchema: [{ AttributeName: STATE_INDEX_PK, KeyType: 'HASH' }],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
});

/**
 * Creates the table in `client` unless it exists, and waits until it is ACTIVE. For local use
 * (dynalite); in AWS the CDK stack owns the table. Throws when an existing table has another key
 * design. TTL is not enabled here: dynalite has no UpdateTimeToLive and never expires items, so
 * local audit logs are kept until deleted; the CDK stack sets `timeToLiveAttribute`.
 * @returns whether the table was created now or already existed.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  { timeoutMs = 10_000 }: { timeoutMs?: number } = {},
): Promise<'created' | 'existed'> {
  let outcome: 'created' | 'existed' = 'existed';
  let table = await describe(client, tableName);
  if (!table) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
      outcome = 'created';
    } catch (err) {
      // Another process created it between our describe and create: that is fine.
      if (!(err instanceof Error && err.name === 'ResourceInUseException')) throw err;
    }
    table = await describe(client, tableName);
  }
  const deadline = Date.now() + timeoutMs;
  while (table?.TableStatus !== 'ACTIVE') {
    if (Date.now() > deadline) {
      throw new Error(`table ${tableName} is not ACTIVE after ${timeoutMs} ms (status ${table?.TableStatus ?? 'missing'})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    table = await describe(client, tableName);
  }
  assertKeyDesign(table, tableName);
  return outcome;
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table;
  } catch (err) {
    if (err instanceof Error && err.name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

function assertKeyDesign(table: TableDescription, tableName: string): void {
  const keyOf = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) =>
    (schema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  const problems: string[] = [];
  if (keyOf(table.KeySchema) !== `${PK}:HASH,${SK}:RANGE`) {
    problems.push(`key schema is ${keyOf(table.KeySchema) || 'empty'}, expected ${PK}:HASH,${SK}:RANGE`);
  }
  const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === STATE_INDEX_NAME);
  if (!index) problems.push(`index ${STATE_INDEX_NAME} is missing`);
  else if (keyOf(index.KeySchema) !== `${STATE_INDEX_PK}:HASH`) {
    problems.push(`index ${STATE_INDEX_NAME} key is ${keyOf(index.KeySchema)}, expected ${STATE_INDEX_PK}:HASH`);
  }
  if (problems.length > 0) {
    throw new Error(`table ${tableName} exists but is not a riskguard table: ${problems.join('; ')}`);
  }
}
