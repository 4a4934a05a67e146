/** Cold-start wiring of the read-only status function (agents' "may I trade?"). */
import { DynamoAgentLog } from '../../adapters/dynamo-agent-log.ts';
import { DynamoSnapshotStore } from '../../adapters/dynamo-snapshot-store.ts';
import { DynamoStateStore } from '../../adapters/dynamo-store.ts';
import { documentClient, systemClock } from './clients.ts';
import { BaseEnvSchema, loadConfig, parseEnv } from './env.ts';
import { observability } from './observability.ts';

/** Everything the read-only status function needs, built once per cold start. */
export function statusRuntime() {
  const env = parseEnv(BaseEnvSchema);
  const config = loadConfig(env.RISKGUARD_CONFIG_FILE);
  const o = observability('status');
  const doc = documentClient(o);
  const store = new DynamoStateStore({ tableName: env.TABLE_NAME, client: doc });
  const snapshots = new DynamoSnapshotStore({ tableName: env.TABLE_NAME, client: doc });
  const agentLog = new DynamoAgentLog({ tableName: env.TABLE_NAME, client: doc });
  const find = (accountId: string) => config.accounts.find((a) => a.config.id === accountId) ?? null;
  return { env, config, o, store, snapshots, agentLog, clock: systemClock, find };
}
