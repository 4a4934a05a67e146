import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { AccountConfigSchema, GroupConfigSchema, resolveAccounts, type RiskGuardConfig } from '../config.ts';
import { PolicySchema } from '../domain/policy.ts';
import { ConfigError } from '../errors.ts';
import { formatIssues } from '../validation.ts';
import { SUPPORTED_VENUES, venueFacts } from '../venues/catalog.ts';

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

/**
 * The hosts each venue's API answers on, production and test (each venue module's `hosts`): a
 * deployed `baseUrl` must be one of them unless the account says `allowCustomBaseUrl: true`.
 */
export const VENUE_HOSTS: Record<string, readonly string[]> = Object.fromEntries(SUPPORTED_VENUES.map((v) => [v, venueFacts(v).hosts]));

/** Loopback, private, link-local, CGNAT and unspecified addresses, and names only a local resolver knows. */
export function isLocalHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.internal') || (!h.includes('.') && !h.includes(':'))) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (h.includes(':')) {
    // IPv6: unspecified, loopback, unique-local fc00::/7, link-local fe80::/10, IPv4-mapped.
    return h === '::' || h === '::1' || /^f[cd][0-9a-f]{0,2}:/.test(h) || /^fe[89ab][0-9a-f]?:/.test(h) || h.startsWith('::ffff:');
  }
  return false;
}

/**
 * A deployed guard runs in AWS: a loopback or private `baseUrl` (the paper exchange on a laptop)
 * would make it blind from its first tick, and an unknown host would receive the real key.
 * Throws a one-line ConfigError naming the account and what to change.
 */
export function checkDeployedBaseUrl(a: RiskGuardConfig['accounts'][number], i: number): void {
  if (a.baseUrl === undefined) return;
  const where = `accounts[${i}] (${a.id}): baseUrl ${a.baseUrl}`;
  const url = new URL(a.baseUrl);
  if (isLocalHost(url.hostname)) {
    throw new ConfigError(`${where} is a loopback or private address, which a deployed guard cannot reach (it would be blind from its first tick): remove baseUrl to guard the real venue, or deploy another config`);
  }
  if (url.protocol !== 'https:') {
    throw new ConfigError(`${where} is not https: the deployed guard sends the exchange key to it; use https`);
  }
  const known = VENUE_HOSTS[a.exchange] ?? [];
  if (!known.includes(url.hostname.toLowerCase()) && a.allowCustomBaseUrl !== true) {
    throw new ConfigError(
      `${where} is not a known ${a.exchange} host (${known.join(', ')}): the deployed guard would send the real key there; remove baseUrl, or set "allowCustomBaseUrl": true if you mean it`,
    );
  }
}

/**
 * What `cdk synth` checks before it builds anything (lib/app.ts): every account's `baseUrl` is one
 * a deployed guard can use and may send the real key to. (Local harnesses that run the handlers
 * against the paper exchange skip it.) Throws a one-line ConfigError.
 */
export function checkDeployable(config: RiskGuardConfig): void {
  config.accounts.forEach((a, i) => checkDeployedBaseUrl(a, i));
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
