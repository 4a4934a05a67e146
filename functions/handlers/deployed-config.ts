import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { AccountConfigSchema, GroupConfigSchema, resolveAccounts, type RiskGuardConfig } from '../config.ts';
import { PolicySchema } from '../domain/policy.ts';
import { ConfigError } from '../errors.ts';
import { formatIssues } from '../validation.ts';

/**
 * The non-secret part of riskguard.config.json as the Lambda functions receive it: every account
 * with its policy already resolved, and the groups. Written at synth into each function's bundle
 * (see lib/bundle.ts), read and checked once per cold start. Alert destinations are not in it:
 * they live in the SNS topic's subscriptions.
 */

/** File name of the deployed config inside each function bundle. */
export const DEPLOYED_CONFIG_FILE = 'riskguard.deployed.json';

export const DeployedAccountSchema = z.object({ config: AccountConfigSchema, policy: PolicySchema }).strict();
export type DeployedAccount = z.output<typeof DeployedAccountSchema>;

export const DeployedConfigSchema = z
  .object({
    format: z.literal('riskguard.deployed/1'),
    /** Which config file it came from (base name), for logs. */
    source: z.string().min(1),
    accounts: z.array(DeployedAccountSchema).min(1),
    groups: z.array(GroupConfigSchema),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.accounts.forEach((a, i) => {
      if (seen.has(a.config.id)) {
        ctx.addIssue({ code: 'custom', path: ['accounts', i, 'config', 'id'], message: `duplicate account id "${a.config.id}"` });
      }
      seen.add(a.config.id);
    });
  });
export type DeployedConfig = z.output<typeof DeployedConfigSchema>;

/**
 * Builds the deployed config at synth. Throws a ConfigError naming the account when an account
 * names no cloud key store: in AWS the guard reads keys only from SSM or Secrets Manager.
 */
export function toDeployedConfig(config: RiskGuardConfig, source: string): DeployedConfig {
  config.accounts.forEach((a, i) => {
    if (a.credentials.parameterName === undefined && a.credentials.secretName === undefined) {
      throw new ConfigError(
        `accounts[${i}] (${a.id}): the cloud guard reads the exchange key from SSM or Secrets Manager; add credentials.parameterName (an SSM SecureString, free) or credentials.secretName`,
      );
    }
  });
  return DeployedConfigSchema.parse({
    format: 'riskguard.deployed/1',
    source,
    accounts: resolveAccounts(config),
    groups: config.groups,
  });
}

/** Reads and checks the deployed config; a bad file fails with every problem and its path. */
export function readDeployedConfig(file: string | URL): DeployedConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read the deployed config ${String(file)}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = DeployedConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`the deployed config ${String(file)} is invalid:\n${formatIssues(parsed.error)}`, { cause: parsed.error });
  }
  return parsed.data;
}

/**
 * How long an account may go without a successful tick before the watchdog raises the dead-man
 * alert: two schedule periods plus 30 s (150 s at the default 1-minute schedule), so one missed
 * or failed tick is tolerated and two are not.
 */
export const staleAfterMs = (account: DeployedAccount): number => 2 * account.config.scheduleMinutes * 60_000 + 30_000;
