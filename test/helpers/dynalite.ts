/**
 * A fresh in-memory local DynamoDB (dynalite over HTTP, riskguard table created) per test file.
 * @example
 * const dynamo = useLocalDynamo();
 * it('stores state', async () => {
 *   const store = dynamo.store();
 *   // ...
 * });
 */
import { afterAll, beforeAll } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoStateStore } from '../../functions/adapters/dynamo-store.ts';
import { quietAwsSdkNodeWarning, startLocalDynamo, type LocalDynamo } from '../../functions/adapters/local-dynamo.ts';

export interface LocalDynamoFixture {
  /** The running instance; throws if read before beforeAll ran. */
  readonly local: LocalDynamo;
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** A store on the shared table; give each test its own account ids to keep tests independent. */
  store(options?: { retentionDays?: number }): DynamoStateStore;
}

/** Registers beforeAll/afterAll in the calling test file; call it at the top level of the file. */
export function useLocalDynamo(): LocalDynamoFixture {
  let local: LocalDynamo | undefined;
  beforeAll(async () => {
    quietAwsSdkNodeWarning();
    local = await startLocalDynamo({ dbPath: null });
  });
  afterAll(async () => {
    await local?.close();
    local = undefined;
  });
  const running = (): LocalDynamo => {
    if (!local) throw new Error('useLocalDynamo: the local DynamoDB is not running (use it inside tests or hooks)');
    return local;
  };
  return {
    get local() {
      return running();
    },
    get client() {
      return running().client;
    },
    get tableName() {
      return running().tableName;
    },
    store: (options = {}) =>
      new DynamoStateStore({ tableName: running().tableName, client: running().client, ...options }),
  };
}

let accountCounter = 0;
/** A unique account id per call, so tests sharing a table never see each other's items. */
export const uniqueAccountId = (label = 'acct'): string => `${label}-${process.pid}-${++accountCounter}`;
