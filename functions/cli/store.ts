import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoStateStore } from '../adapters/dynamo-store.ts';
import { defaultDbPath, startLocalDynamo } from '../adapters/local-dynamo.ts';
import type { StateStore } from '../ports.ts';

export interface StoreOptions {
  /** Deployed table name: talk to AWS with the user's own credentials. */
  table?: string;
  region?: string;
  /** Local state folder (dynalite on disk). */
  dbPath?: string;
}

export interface OpenStore {
  store: StateStore;
  /** Human description for status lines, e.g. "local state at ./.riskguard/db". */
  where: string;
  close(): Promise<void>;
}

/** The deployed table with --table/--region, else the local dynalite state on disk. */
export async function openStore(opts: StoreOptions): Promise<OpenStore> {
  if (opts.table) {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient(opts.region ? { region: opts.region } : {}), {
      marshallOptions: { removeUndefinedValues: true },
    });
    return {
      store: new DynamoStateStore({ tableName: opts.table, client }),
      where: `table ${opts.table}${opts.region ? ` in ${opts.region}` : ''}`,
      close: async () => client.destroy(),
    };
  }
  const dbPath = opts.dbPath ?? defaultDbPath();
  const local = await startLocalDynamo({ dbPath });
  return {
    store: new DynamoStateStore({ tableName: local.tableName, client: local.client }),
    where: `local state at ${dbPath}`,
    close: () => local.close(),
  };
}
