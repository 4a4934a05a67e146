import { Annotations, App, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import * as z from 'zod';
import type { RiskGuardConfig } from '../functions/config.ts';
import { ConfigError } from '../functions/errors.ts';
import { checkDeployable, toDeployedConfig } from '../functions/handlers/deployed-config.ts';
import { formatIssues } from '../functions/validation.ts';
import { venueFacts } from '../functions/venues/catalog.ts';
import { GuardStack, type GuardOptions } from './guard-stack.ts';
import { StatefulStack } from './stateful-stack.ts';
import { cloudChatAlerts } from './config-file.ts';

/**
 * CDK context: deployment choices only (the risk settings live in riskguard.config.json).
 * Give them in cdk.json or as `-c riskguard:guardMemoryMb=512`.
 */
export const ContextSchema = z
  .object({
    /** Prefix of the two stack names. */
    'riskguard:stackPrefix': z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,40}$/).default('RiskGuard'),
    /** Another config file than riskguard.config.json (e.g. per environment). */
    'riskguard:config': z.string().min(1).optional(),
    'riskguard:guardMemoryMb': z.coerce.number().int().min(128).max(10_240).default(256),
    'riskguard:logRetentionDays': z.coerce
      .number()
      .int()
      .refine((d) => Object.values(logs.RetentionDays).includes(d as logs.RetentionDays), 'must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, ...)')
      .default(30),
    /** Guard metrics: Level only ($0.30/month), 5 without an account dimension ($1.50/month), per account (×N), or none. */
    'riskguard:metrics': z.enum(['essential', 'aggregate', 'per-account', 'off']).default('essential'),
    /** Role/user ARNs allowed to call the status URL, comma-separated or a JSON list. */
    'riskguard:statusCallerArns': z
      .union([z.array(z.string()), z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))])
      .pipe(z.array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/, 'must be an IAM role or user ARN')))
      .default([]),
  })
  .loose();
export type RiskguardContext = z.output<typeof ContextSchema>;

/** Reads and checks the riskguard context keys of an app. */
export function readContext(app: App): RiskguardContext {
  const keys = Object.keys(ContextSchema.shape) as (keyof typeof ContextSchema.shape)[];
  const raw = Object.fromEntries(keys.map((k) => [k, app.node.tryGetContext(k)]).filter(([, v]) => v !== undefined));
  const parsed = ContextSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid CDK context:\n${formatIssues(parsed.error)}`);
  return parsed.data;
}

export interface RiskguardApp {
  stateful: StatefulStack;
  guard: GuardStack;
}

/**
 * Both stacks for one config, env-agnostic (synth needs no AWS credentials and no network; the
 * region and account come from the CLI profile at deploy time).
 * @param nag run cdk-nag (AwsSolutions + Serverless) at synth: unacknowledged findings fail it.
 */
export function buildRiskguard(
  app: App,
  config: RiskGuardConfig,
  source: string,
  opts: { nag?: boolean; /** The deployment region when known (the CLI profile's: CDK_DEFAULT_REGION). */ region?: string | undefined } = {},
): RiskguardApp {
  const ctx = readContext(app);
  const prefix = ctx['riskguard:stackPrefix'];
  checkDeployable(config);
  const deployed = toDeployedConfig(config, source);
  const options: GuardOptions = {
    guardMemoryMb: ctx['riskguard:guardMemoryMb'],
    logRetention: ctx['riskguard:logRetentionDays'] as logs.RetentionDays,
    metrics: ctx['riskguard:metrics'],
    statusCallerArns: ctx['riskguard:statusCallerArns'],
  };
  const description = 'riskguard: scheduled risk guard for crypto perpetual-futures accounts';
  const stateful = new StatefulStack(app, `${prefix}-State`, { alerts: config.alerts, description: `${description} (state, alerts)` });
  const guard = new GuardStack(app, `${prefix}-Guard`, {
    table: stateful.table,
    topic: stateful.topic,
    deployed,
    options,
    chats: cloudChatAlerts(config.alerts),
    description: `${description} (functions, schedules, alarms)`,
  });
  for (const w of geoBlockWarnings(config, opts.region)) Annotations.of(guard).addWarningV2('riskguard:geo-blocked', w);
  if (opts.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { stateful, guard };
}

/**
 * One sentence per configured venue whose API refuses service from the deployment region: a guard
 * there would be blind from its first tick. Empty when the region is not known at synth.
 */
export function geoBlockWarnings(config: RiskGuardConfig, region: string | undefined): string[] {
  if (!region) return [];
  const venues = [...new Set(config.accounts.map((a) => a.exchange))];
  return venues.flatMap((v) => {
    const g = venueFacts(v).geoBlocked;
    if (!g || !g.regions.includes(region)) return [];
    const ids = config.accounts.filter((a) => a.exchange === v).map((a) => a.id);
    return [`region ${region} cannot reach ${v} (accounts ${ids.join(', ')}): ${g.why}. Deploy to another region, e.g. ap-northeast-1 or eu-west-1.`];
  });
}
