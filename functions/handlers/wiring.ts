/**
 * Cold-start wiring shared by the Lambda handlers: environment and deployed config checked with
 * zod, SDK clients built once per process, Powertools logger/metrics/tracer, and the adapters the
 * use cases receive. Nothing here decides anything about risk.
 */
import { isAbsolute } from 'node:path';
import { runGroupTickFromStates } from '../use-cases/group-from-states.ts';
import type { GroupTickResult } from '../use-cases/group.ts';
import { pathToFileURL } from 'node:url';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { CredentialsLoader } from '../adapters/credentials.ts';
import { LastWriteCachingStore } from '../adapters/cached-store.ts';
import { DynamoStateStore, documentClientOptions } from '../adapters/dynamo-store.ts';
import { DynamoSnapshotStore } from '../adapters/dynamo-snapshot-store.ts';
import { DynamoAgentLog } from '../adapters/dynamo-agent-log.ts';
import { createExchange, VenueSharing } from '../venues/index.ts';
import { SnsNotifier } from '../adapters/sns-notifier.ts';
import type { FormattableAlert } from '../domain/alert-format.ts';
import { levelRank } from '../domain/state.ts';
import { ConfigError } from '../errors.ts';
import type { Clock, ExchangePort, Logger, Notifier } from '../ports.ts';
import type { GuardDeps, TickResult } from '../use-cases/types.ts';
import { formatIssues } from '../validation.ts';
import { redactStrings, redactText, redactValue } from '../redact.ts';
import { watchdogPk } from './watchdog-check.ts';
import { readDeployedConfig, staleAfterMs, type DeployedAccount, type DeployedConfig } from './deployed-config.ts';

/** The Scheduler's input for one guard invocation: `{"accountId": "main"}`. */
export const GuardEventSchema = z.object({ accountId: z.string().min(1) }).strict();

const BaseEnvSchema = z.object({
  AWS_REGION: z.string().min(1),
  TABLE_NAME: z.string().min(1),
  /** The deployed config: a path, relative to the bundle (index.mjs) unless absolute. */
  RISKGUARD_CONFIG_FILE: z.string().min(1),
});
const GuardEnvSchema = BaseEnvSchema.extend({
  ALERT_TOPIC_ARN: z.string().startsWith('arn:'),
  /** `per-account` adds an account dimension ($0.30 per metric and account a month); `off` logs only. */
  METRICS: z.enum(['essential', 'aggregate', 'per-account', 'off']),
});
const WatchdogEnvSchema = BaseEnvSchema.extend({ ALERT_TOPIC_ARN: z.string().startsWith('arn:') });

/** Parses the environment; a bad or missing value fails the cold start with every problem listed. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid Lambda environment:\n${formatIssues(parsed.error)}`);
  return parsed.data;
}

function loadConfig(file: string): DeployedConfig {
  return readDeployedConfig(isAbsolute(file) ? pathToFileURL(file) : new URL(file, import.meta.url));
}

/** Logger, metrics and tracer of one function; every log line goes through functions/redact.ts. */
export interface Observability {
  logger: PowertoolsLogger;
  metrics: Metrics;
  tracer: Tracer;
  /** The ports.Logger the use cases receive: structured, redacted. */
  log: Logger;
}

export function observability(serviceName: string): Observability {
  const logger = new PowertoolsLogger({ serviceName });
  const emit = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, data?: Record<string, unknown>) =>
    data === undefined
      ? logger[level](redactText(msg))
      : logger[level](redactText(msg), redactValue(data) as Record<string, never>);
  return {
    logger,
    metrics: new Metrics({ namespace: 'riskguard', serviceName }),
    tracer: new Tracer({ serviceName }),
    log: { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') },
  };
}

/**
 * Wraps a handler: Lambda context in every log line, a `## handler` trace subsegment when the
 * invocation is sampled (Lambda decides: active tracing samples, it does not trace every request),
 * metrics flushed, per-invocation log keys cleared, failures logged (redacted) and re-thrown so
 * the Lambda Errors metric (and its alarm) sees them.
 */
export function instrumented<E, R>(o: Observability, fn: (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    o.logger.addContext(context);
    const parent = o.tracer.isTracingEnabled() ? o.tracer.getSegment() : undefined;
    const sub = parent?.addNewSubsegment('## handler');
    if (sub) {
      o.tracer.setSegment(sub);
      o.tracer.annotateColdStart();
      o.tracer.addServiceNameAnnotation();
    }
    try {
      return await fn(event, context);
    } catch (err) {
      o.log.error('invocation failed', { error: err });
      if (sub && err instanceof Error) o.tracer.addErrorAsMetadata(err);
      // The runtime logs what a handler throws, message and stack: rethrow it redacted.
      throw redactedError(err);
    } finally {
      if (o.metrics.hasStoredMetrics()) o.metrics.publishStoredMetrics();
      o.logger.resetKeys();
      sub?.close();
      if (parent) o.tracer.setSegment(parent);
    }
  };
}

/** The same error class name and a redacted message, without the cause (a request with its headers). */
export function redactedError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(redactText(String(err)));
  const clean = redactText(err.message);
  if (clean === err.message) return err;
  const out = new Error(clean);
  out.name = err.name;
  out.stack = `${err.name}: ${clean}`;
  return out;
}

/** Counts (and logs) alerts that could not be published, so the invocation can fail loudly. */
class ReportingNotifier implements Notifier {
  failures: string[] = [];
  constructor(
    private readonly inner: SnsNotifier,
    private readonly log: Logger,
  ) {}

  async notify(alert: FormattableAlert): Promise<void> {
    const clean = redactStrings(alert);
    try {
      await this.inner.notify(clean);
    } catch (err) {
      this.failures.push(redactText(`${alert.kind}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`));
      this.log.error('alert could not be published', { account: alert.accountId, kind: alert.kind, error: err });
      throw err;
    }
  }

  /** Throws when any alert of this invocation was lost: the Errors alarm then reaches the topic. */
  throwIfAny(): void {
    const lost = this.failures.splice(0);
    if (lost.length > 0) throw new Error(`${lost.length} alert(s) could not be published: ${lost.join('; ')}`);
  }
}

const systemClock: Clock = { now: () => Date.now() };

/** Everything the guard function needs, built once per cold start. */
export function guardRuntime() {
  const env = parseEnv(GuardEnvSchema);
  const config = loadConfig(env.RISKGUARD_CONFIG_FILE);
  const o = observability('guard');
  const ddb = o.tracer.captureAWSv3Client(new DynamoDBClient({}));
  const stateStore = new DynamoStateStore({ tableName: env.TABLE_NAME, client: DynamoDBDocumentClient.from(ddb, documentClientOptions) });
  const snapshots = new DynamoSnapshotStore({ tableName: env.TABLE_NAME, client: DynamoDBDocumentClient.from(ddb, documentClientOptions) });
  // The last written state stays in memory between ticks of a warm container (the write is still conditional).
  const store = new LastWriteCachingStore(stateStore);
  const sns = new SnsNotifier({
    topicArn: env.ALERT_TOPIC_ARN,
    client: o.tracer.captureAWSv3Client(new SNSClient({})),
    context: { tableName: env.TABLE_NAME, region: env.AWS_REGION },
  });
  const credentials = new CredentialsLoader({
    ssm: o.tracer.captureAWSv3Client(new SSMClient({})),
    secretsManager: o.tracer.captureAWSv3Client(new SecretsManagerClient({})),
  });
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
      { staleMs: Math.max(...members.map(staleAfterMs)) },
    );
  };

  /** Metrics without an account dimension by default: each dimension value is a billed metric. */
  const record = (r: TickResult): void => {
    const m = o.metrics;
    if (env.METRICS !== 'off') {
      if (env.METRICS === 'per-account') m.addDimension('account', r.accountId);
      // `essential` (the default) keeps the fixed bill down to one metric: the level, 0–3.
      if (r.status !== 'UNKNOWN') m.addMetric('Level', MetricUnit.NoUnit, levelRank(r.level));
      if (env.METRICS !== 'essential') {
        m.addMetric('Ticks', MetricUnit.Count, 1);
        if (r.marginRatio !== null) m.addMetric('MarginRatio', MetricUnit.NoUnit, r.marginRatio);
        if (r.drawdownPct !== null) m.addMetric('DrawdownPct', MetricUnit.Percent, r.drawdownPct);
        m.addMetric('Actions', MetricUnit.Count, r.tripId !== null ? 1 : 0);
      }
    }
    if (o.tracer.isTraceSampled()) {
      o.tracer.putAnnotation('account', r.accountId);
      o.tracer.putAnnotation('status', r.status);
    }
    o.log.info('tick', {
      status: r.status,
      level: r.level,
      previousLevel: r.previousLevel,
      halted: r.halted,
      paused: r.paused,
      marginRatio: r.marginRatio,
      drawdownPct: r.drawdownPct,
      actions: r.actions,
      reasons: r.reasons,
      alertsSent: r.alertsSent,
      tripId: r.tripId,
      residuals: r.residuals,
    });
  };

  return { env, config, o, account, deps, record, groupCheck };
}

/** Everything the watchdog needs, built once per cold start. */
export function watchdogRuntime() {
  const env = parseEnv(WatchdogEnvSchema);
  const config = loadConfig(env.RISKGUARD_CONFIG_FILE);
  const o = observability('watchdog');
  const ddb = o.tracer.captureAWSv3Client(new DynamoDBClient({}));
  // States through the state index; its own memory events in its own partition (WATCHDOG#<id>).
  const store = new DynamoStateStore({ tableName: env.TABLE_NAME, client: DynamoDBDocumentClient.from(ddb, documentClientOptions), eventPk: watchdogPk });
  const notifier = new SnsNotifier({
    topicArn: env.ALERT_TOPIC_ARN,
    client: o.tracer.captureAWSv3Client(new SNSClient({})),
    context: { tableName: env.TABLE_NAME, region: env.AWS_REGION },
  });
  const accounts = config.accounts.map((a) => ({
    id: a.config.id,
    staleAfterMs: staleAfterMs(a),
    reminderMs: a.policy.reminderMinutes * 60_000,
  }));
  return { env, config, o, accounts, deps: { store, notifier, clock: systemClock, log: o.log } };
}

/** Everything the read-only status function needs, built once per cold start. */
export function statusRuntime() {
  const env = parseEnv(BaseEnvSchema);
  const config = loadConfig(env.RISKGUARD_CONFIG_FILE);
  const o = observability('status');
  const ddb = o.tracer.captureAWSv3Client(new DynamoDBClient({}));
  const doc = DynamoDBDocumentClient.from(ddb, documentClientOptions);
  const store = new DynamoStateStore({ tableName: env.TABLE_NAME, client: doc });
  const snapshots = new DynamoSnapshotStore({ tableName: env.TABLE_NAME, client: doc });
  const agentLog = new DynamoAgentLog({ tableName: env.TABLE_NAME, client: doc });
  const find = (accountId: string) => config.accounts.find((a) => a.config.id === accountId) ?? null;
  return { env, config, o, store, snapshots, agentLog, clock: systemClock, find };
}
