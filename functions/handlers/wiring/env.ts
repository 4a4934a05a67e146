/** The Lambda environment and the deployed config, checked with zod at cold start. */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod';
import { ConfigError } from '../../errors.ts';
import { formatIssues } from '../../validation.ts';
import { readDeployedConfig, type DeployedConfig } from '../deployed-config.ts';

export const BaseEnvSchema = z.object({
  AWS_REGION: z.string().min(1),
  TABLE_NAME: z.string().min(1),
  /** The deployed config: a path, relative to the bundle (index.mjs) unless absolute. */
  RISKGUARD_CONFIG_FILE: z.string().min(1),
});
export const GuardEnvSchema = BaseEnvSchema.extend({
  ALERT_TOPIC_ARN: z.string().startsWith('arn:'),
  /** `per-account` adds an account dimension ($0.30 per metric and account a month); `off` logs only. */
  METRICS: z.enum(['essential', 'aggregate', 'per-account', 'off']),
});
export const WatchdogEnvSchema = BaseEnvSchema.extend({ ALERT_TOPIC_ARN: z.string().startsWith('arn:') });

/** Parses the environment; a bad or missing value fails the cold start with every problem listed. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid Lambda environment:\n${formatIssues(parsed.error)}`);
  return parsed.data;
}

/** The deployed config; a relative path is resolved against the bundle (everything is one index.mjs there). */
export function loadConfig(file: string): DeployedConfig {
  return readDeployedConfig(isAbsolute(file) ? pathToFileURL(file) : new URL(file, import.meta.url));
}
