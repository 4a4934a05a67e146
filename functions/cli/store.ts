import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoStateStore, documentClientOptions } from '../adapters/dynamo-store.ts';
import { DynamoSnapshotStore } from '../adapters/dynamo-snapshot-store.ts';
import { DynamoAgentLog, type AgentLog } from '../adapters/dynamo-agent-log.ts';
import { defaultDbPath, LOCAL_TABLE_NAME, LocalStateLockedError, startLocalDynamo } from '../adapters/local-dynamo.ts';
import type { SnapshotStore, StateStore } from '../ports.ts';

export interface StoreOptions {
  /** Deployed table name: talk to AWS with the user's own credentials. */
  table?: string;
  region?: string;
  /** Local state folder (dynalite on disk). */
  dbPath?: string;
}

export interface OpenStore {
  store: StateStore;
  /** The last accepted snapshot per account (agents' pre-trade answers). */
  snapshots: SnapshotStore;
  /** The agents' audit log (check_order answers). */
  agentLog: AgentLog;
  /** Human description for status lines, e.g. "local state at ./.riskguard/db". */
  where: string;
  close(): Promise<void>;
}

/** Where the process that holds a local state folder says its dynalite listens. */
const endpointFile = (dbPath: string) => `${dbPath.replace(/\/+$/, '')}.endpoint.json`;

const localClient = (endpoint: string) =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    documentClientOptions,
  );

/**
 * The deployed table with --table/--region, else the local dynalite state on disk. Only one
 * process can open a local folder; the one that does publishes its loopback endpoint beside it,
 * so `riskguard status` or `rearm` in another terminal reach the state of a running `riskguard run`.
 */
export async function openStore(opts: StoreOptions): Promise<OpenStore> {
  if (opts.table) {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient(opts.region ? { region: opts.region } : {}), documentClientOptions);
    return {
      store: new DynamoStateStore({ tableName: opts.table, client }),
      snapshots: new DynamoSnapshotStore({ tableName: opts.table, client }),
      agentLog: new DynamoAgentLog({ tableName: opts.table, client }),
      where: `table ${opts.table}${opts.region ? ` in ${opts.region}` : ''}`,
      close: async () => client.destroy(),
    };
  }
  const dbPath = opts.dbPath ?? defaultDbPath();
  try {
    const local = await startLocalDynamo({ dbPath });
    writeFileSync(endpointFile(dbPath), JSON.stringify({ endpoint: local.endpoint, pid: process.pid }));
    return {
      store: new DynamoStateStore({ tableName: local.tableName, client: local.client }),
      snapshots: new DynamoSnapshotStore({ tableName: local.tableName, client: local.client }),
      agentLog: new DynamoAgentLog({ tableName: local.tableName, client: local.client }),
      where: `local state at ${dbPath}`,
      close: async () => {
        rmSync(endpointFile(dbPath), { force: true });
        await local.close();
      },
    };
  } catch (err) {
    if (!(err instanceof LocalStateLockedError)) throw err;
    let shared: { endpoint: string; pid: number };
    try {
      shared = JSON.parse(readFileSync(endpointFile(dbPath), 'utf8')) as { endpoint: string; pid: number };
    } catch {
      throw err;
    }
    const client = localClient(shared.endpoint);
    return {
      store: new DynamoStateStore({ tableName: LOCAL_TABLE_NAME, client }),
      snapshots: new DynamoSnapshotStore({ tableName: LOCAL_TABLE_NAME, client }),
      agentLog: new DynamoAgentLog({ tableName: LOCAL_TABLE_NAME, client }),
      where: `local state at ${dbPath} (held by riskguard process ${shared.pid})`,
      close: async () => client.destroy(),
    };
  }
}
