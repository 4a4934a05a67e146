/** Cold-start wiring of the watchdog function (dead-man's switch). */
import { DynamoStateStore } from '../../adapters/dynamo-store.ts';
import { staleAfterMs } from '../deployed-config.ts';
import { watchdogPk } from '../watchdog-check.ts';
import { documentClient, systemClock, topicNotifier } from './clients.ts';
import { loadConfig, parseEnv, WatchdogEnvSchema } from './env.ts';
import { observability } from './observability.ts';

/** Everything the watchdog needs, built once per cold start. */
export function watchdogRuntime() {
  const env = parseEnv(WatchdogEnvSchema);
  const config = loadConfig(env.RISKGUARD_CONFIG_FILE);
  const o = observability('watchdog');
  // States through the state index; its own memory events in its own partition (WATCHDOG#<id>).
  const store = new DynamoStateStore({ tableName: env.TABLE_NAME, client: documentClient(o), eventPk: watchdogPk });
  const notifier = topicNotifier(o, env);
  const accounts = config.accounts.map((a) => ({
    id: a.config.id,
    staleAfterMs: staleAfterMs(a),
    reminderMs: a.policy.reminderMinutes * 60_000,
  }));
  return { env, config, o, accounts, deps: { store, notifier, clock: systemClock, log: o.log } };
}
