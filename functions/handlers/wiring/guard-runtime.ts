/**
 * Cold-start wiring of the guard function: environment and deployed config checked, clients built
 * once per process, and the ports the use cases receive. Nothing here decides anything about risk.
 */
import * as z from 'zod';
import { LastWriteCachingStore } from '../../adapters/cached-store.ts';
import { DynamoSnapshotStore } from '../../adapters/dynamo-snapshot-store.ts';
import { DynamoStateStore } from '../../adapters/dynamo-store.ts';
import { settlementOf } from '../../venues/catalog.ts';
import { createExchange, VenueSharing } from '../../venues/index.ts';
import { ConfigError } from '../../errors.ts';
import type { ExchangePort } from '../../ports.ts';
import { runGroupTickFromStates } from '../../use-cases/group-from-states.ts';
import type { GroupTickResult } from '../../use-cases/group.ts';
import type { GuardDeps, TickResult } from '../../use-cases/types.ts';
import { staleAfterMs, type DeployedAccount } from '../deployed-config.ts';
import { credentialsLoader, documentClient, systemClock, topicNotifier } from './clients.ts';
import { GuardEnvSchema, loadConfig, parseEnv } from './env.ts';
import { observability } from './observability.ts';
import { ReportingNotifier } from './redaction.ts';
import { recordTick } from './tick-metrics.ts';

/** The Scheduler's input for one guard invocation: `{"accountId": "main"}`. */
export const GuardEventSchema = z.object({ accountId: z.string().min(1) }).strict();

/** Everything the guard function needs, built once per cold start. */
export function guardRuntime() {
  const env = parseEnv(GuardEnvSchema);
  const config = loadConfig(env.RISKGUARD_CONFIG_FILE);
  const o = observability('guard');
  const doc = documentClient(o);
  const stateStore = new DynamoStateStore({ tableName: env.TABLE_NAME, client: doc });
  const snapshots = new DynamoSnapshotStore({ tableName: env.TABLE_NAME, client: doc });
  // The last written state stays in memory between ticks of a warm container (the write is still conditional).
  const store = new LastWriteCachingStore(stateStore);
  const sns = topicNotifier(o, env);
  const credentials = credentialsLoader(o);
  const exchanges = new Map<string, Promise<ExchangePort>>();

  /** The account the Scheduler named; an id not in the deployed config is a deployment bug. */
  const account = (accountId: string): DeployedAccount => {
    const a = config.accounts.find((x) => x.config.id === accountId);
    if (!a) throw new ConfigError(`account "${accountId}" is not in the deployed config (${config.source}); redeploy`);
    return a;
  };

  // One copy of each venue's markets for all the container's accounts.
  const sharing = new VenueSharing();
  /** Deps for one tick; the exchange client (and its loaded markets) is reused while warm. */
  const exchangeFor = (a: DeployedAccount): Promise<ExchangePort> => {
    let exchange = exchanges.get(a.config.id);
    if (!exchange) {
      // The loader registers the key pair with the redactor as it loads it.
      exchange = credentials.load(a.config).then((creds) => createExchange(a.config, creds, { log: o.log, sharing }));
      exchanges.set(a.config.id, exchange);
      exchange.catch(() => exchanges.delete(a.config.id));
    }
    return exchange;
  };

  const deps = async (a: DeployedAccount): Promise<{ deps: GuardDeps; alerts: ReportingNotifier }> => {
    o.logger.appendKeys({ account: a.config.id, exchange: a.config.exchange });
    const alerts = new ReportingNotifier(sns, o.log);
    return { deps: { exchange: await exchangeFor(a), store, notifier: alerts, clock: systemClock, log: o.log, snapshots }, alerts };
  };

  /**
   * The group tick after a member's ticks, from every member's stored state (read fresh, not from
   * this container's cache): the member that sees the group past its limit closes every member.
   */
  const groupCheck = async (a: DeployedAccount, alerts: ReportingNotifier): Promise<GroupTickResult | null> => {
    const group = config.groups.find((g) => g.id === a.config.group);
    if (!group) return null;
    const members = config.accounts.filter((m) => m.config.group === group.id);
    const ports = new Map(await Promise.all(members.map(async (m) => [m.config.id, await exchangeFor(m)] as const)));
    return runGroupTickFromStates(
      { store: stateStore, notifier: alerts, clock: systemClock, log: o.log, exchange: (id) => ports.get(id)! },
      group,
      members.map((m) => m.config.id),
      { staleMs: Math.max(...members.map(staleAfterMs)), currencyOf: (id) => settlementOf(members.find((m) => m.config.id === id)?.config.exchange) },
    );
  };

  const record = (r: TickResult): void => recordTick(o, env.METRICS, r);

  return { env, config, o, account, deps, record, groupCheck };
}
