import * as z from 'zod';
import { formatIssues } from './validation.ts';
import { DEFAULT_POLICY, mergeDeep, PolicySchema, type Policy } from './domain/policy.ts';
import { ConfigError } from './errors.ts';
import { registerSecret } from './redact.ts';
import { VENUE_CATALOG, SUPPORTED_VENUES, type SupportedVenue } from './venues/catalog.ts';
import { credentialsConfigSchema, credentialsFromEnvSpec } from './venues/credential-spec.ts';

/**
 * `riskguard.config.json`: one file drives the local runner and the cloud deployment.
 * Secrets never sit in it: locally they come from environment variables it names, in the cloud
 * from an SSM SecureString parameter or a Secrets Manager secret it names.
 */

/** `accounts[].exchange`: one per venue module (functions/venues/catalog.ts). */
export const SUPPORTED_EXCHANGES = SUPPORTED_VENUES;

const envName = () =>
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name (letters, digits, _)');

/**
 * An account's `credentials`: per venue, the environment variable of each field for local runs
 * (Binance `apiKeyEnv`/`secretEnv`) and/or `parameterName` (SSM SecureString) / `secretName`
 * (Secrets Manager) holding the fields as JSON in the cloud.
 */
export interface Credentials {
  parameterName?: string | undefined;
  secretName?: string | undefined;
  /** `<field>Env`: the environment variable holding that field locally. */
  [envKey: string]: string | undefined;
}

/** The credentials schema of one venue (`exchange` decides which fields exist). */
export const credentialsSchemaOf = (venue: SupportedVenue): z.ZodType<Credentials> =>
  credentialsConfigSchema(VENUE_CATALOG[venue].credentials) as unknown as z.ZodType<Credentials>;

export const CadenceSchema = z
  .object({
    /** Seconds between ticks inside one invocation at each level above OK (EventBridge's floor is 60 s). */
    WARNING: z.number().int().min(1).max(60),
    DANGER: z.number().int().min(1).max(60),
    EMERGENCY: z.number().int().min(1).max(60),
    /**
     * Seconds between ticks at OK inside one invocation (issue 16: a high between two minute ticks
     * is missed by the trailing peak). Omit for one tick a minute at OK; the Lambda then runs the
     * whole minute (cost in README, "Adaptive cadence").
     */
    OK: z.number().int().min(1).max(60).optional(),
  })
  .strict();

const AccountFields = {
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only (1–64)'),
    /** Only for the paper exchange or a testnet: where to send the venue's requests instead. */
    baseUrl: z.url().optional(),
    /**
     * Deployments only: allow a `baseUrl` that is not one of the venue's known hosts (still https,
     * never loopback or private). Without it `cdk synth` refuses any other host: the real key
     * would be sent there.
     */
    allowCustomBaseUrl: z.boolean().optional(),
    /** Overrides of the default policy for this account (same shape, partial). */
    policy: z.record(z.string(), z.unknown()).optional(),
    /** Sub-minute cadence while above OK; omit for one tick a minute. */
    cadence: CadenceSchema.optional(),
    /** Accounts sharing one drawdown budget. */
    group: z.string().min(1).optional(),
    /** Schedule rate in minutes (cloud). */
    scheduleMinutes: z.number().int().min(1).max(60).default(1),
    /** OKX only: the key is a demo-trading key (every request carries `x-simulated-trading: 1`). */
    demo: z.boolean().optional(),
};

/** One guarded account; `exchange` selects the venue module and the shape of `credentials`. */
export const AccountConfigSchema = z.discriminatedUnion(
  'exchange',
  SUPPORTED_VENUES.map((v) => z.object({ ...AccountFields, exchange: z.literal(v), credentials: credentialsSchemaOf(v) }).strict()) as unknown as [
    z.ZodObject<typeof AccountFields & { exchange: z.ZodLiteral<SupportedVenue>; credentials: z.ZodType<Credentials> }>,
  ],
);
export type AccountConfig = z.output<typeof AccountConfigSchema>;

const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 phone number like +14155550123');

/** Loopback hosts may use plain http (tests, a self-hosted relay on the same machine). */
export const isLoopbackHost = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);

/**
 * Why a chat URL is refused, or null when it is fine: https, or http only to a loopback host.
 * The reason never repeats the URL (a webhook URL is itself a secret).
 */
export function chatUrlProblem(value: string): string | null {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return null;
  return 'must use https (plain http only to a loopback host such as 127.0.0.1)';
}

const chatUrl = () =>
  z.string().superRefine((v, ctx) => {
    const problem = chatUrlProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const ssmParameter = () => z.string().regex(/^\/[A-Za-z0-9_.\-/]+$/, 'must be an SSM parameter path like /riskguard/telegram');

/** Locally the secret comes from `<name>Env`, in the cloud from `<name>Parameter` (SSM SecureString): at least one. */
const secretSomewhere = (env: string, parameter: string) => (c: Record<string, unknown>, ctx: z.RefinementCtx) => {
  if (c[env] === undefined && c[parameter] === undefined) {
    ctx.addIssue({ code: 'custom', path: [env], message: `name where the secret lives: ${env} (local runs) and/or ${parameter} (cloud, SSM SecureString)` });
  }
};

/**
 * Telegram: `POST {apiBaseUrl}/bot{token}/sendMessage` with `{ chat_id, text }`.
 * @example { "botTokenEnv": "RISKGUARD_TELEGRAM_TOKEN", "chatId": "-1001234567890" }
 */
export const TelegramAlertSchema = z
  .object({
    /** Local runs: environment variable holding the bot token (from @BotFather). */
    botTokenEnv: envName().optional(),
    /** Cloud: SSM SecureString parameter holding the bot token. */
    botTokenParameter: ssmParameter().optional(),
    /** The chat: a numeric id (groups and channels are negative) or "@channelusername". */
    chatId: z.union([z.string().regex(/^(-?\d+|@[A-Za-z0-9_]{5,})$/, 'must be a numeric chat id or @channelusername'), z.number().int()]),
    /** @default "https://api.telegram.org" */
    apiBaseUrl: chatUrl().optional(),
  })
  .strict()
  .superRefine(secretSomewhere('botTokenEnv', 'botTokenParameter'));

/** Discord: a JSON POST with `content` to the channel's webhook URL (the URL is the secret). */
export const DiscordAlertSchema = z
  .object({
    webhookUrlEnv: envName().optional(),
    webhookUrlParameter: ssmParameter().optional(),
  })
  .strict()
  .superRefine(secretSomewhere('webhookUrlEnv', 'webhookUrlParameter'));

/** Slack: a JSON POST with `text` to the incoming webhook URL (the URL is the secret). */
export const SlackAlertSchema = z
  .object({
    webhookUrlEnv: envName().optional(),
    webhookUrlParameter: ssmParameter().optional(),
  })
  .strict()
  .superRefine(secretSomewhere('webhookUrlEnv', 'webhookUrlParameter'));

/** ntfy: a POST of the text to the topic URL; an access token only for protected topics. */
export const NtfyAlertSchema = z
  .object({
    /** e.g. "https://ntfy.sh/riskguard-7f3k2q" (pick a topic name nobody guesses) or a self-hosted server's topic. */
    topicUrl: chatUrl(),
    /** Local runs: environment variable holding an access token (`tk_…`), sent as a Bearer token. */
    tokenEnv: envName().optional(),
    /** Cloud: SSM SecureString parameter holding the access token. */
    tokenParameter: ssmParameter().optional(),
  })
  .strict();

export const AlertsConfigSchema = z
  .object({
    emails: z.array(z.email()).default([]),
    phones: z.array(e164).default([]),
    /** SNS HTTPS subscriptions (they must confirm the subscription; chat webhooks cannot: use the chat keys below). */
    webhooks: z.array(z.url().startsWith('https://', 'webhooks must use https')).default([]),
    /** Local runs: also append every alert as one JSON line to this file. */
    jsonlFile: z.string().min(1).optional(),
    telegram: TelegramAlertSchema.optional(),
    discord: DiscordAlertSchema.optional(),
    slack: SlackAlertSchema.optional(),
    ntfy: NtfyAlertSchema.optional(),
  })
  .strict();
export type AlertsConfig = z.output<typeof AlertsConfigSchema>;

export const GroupConfigSchema = z
  .object({
    id: z.string().min(1),
    /** Close all the group's accounts when the group's total equity falls this far from its peak (fraction). */
    maxDrawdown: z.number().finite().gt(0).max(1),
  })
  .strict();

export const ConfigSchema = z
  .object({
    accounts: z.array(AccountConfigSchema).min(1),
    /** Overrides of the built-in default policy for every account. */
    policy: z.record(z.string(), z.unknown()).optional(),
    alerts: AlertsConfigSchema.default({ emails: [], phones: [], webhooks: [] }),
    groups: z.array(GroupConfigSchema).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.accounts.forEach((a, i) => {
      if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: ['accounts', i, 'id'], message: `duplicate account id "${a.id}"` });
      if (a.demo !== undefined && a.exchange !== 'okx') {
        ctx.addIssue({ code: 'custom', path: ['accounts', i, 'demo'], message: `"demo" (demo-trading keys) is an OKX setting; remove it from this ${a.exchange} account` });
      }
      seen.add(a.id);
      if (a.group !== undefined && !c.groups.some((g) => g.id === a.group)) {
        ctx.addIssue({ code: 'custom', path: ['accounts', i, 'group'], message: `no group "${a.group}" in groups` });
      }
    });
  });
export type RiskGuardConfig = z.output<typeof ConfigSchema>;

/** Each account with its policy resolved (defaults ← config policy ← account policy), errors with paths. */
export function resolveAccounts(config: RiskGuardConfig): { config: AccountConfig; policy: Policy }[] {
  return config.accounts.map((account, i) => {
    const r = PolicySchema.safeParse(mergeDeep(mergeDeep(DEFAULT_POLICY, config.policy), account.policy));
    if (!r.success) {
      const where = account.policy !== undefined ? `accounts[${i}].policy (over the top-level policy)` : 'policy';
      throw new ConfigError(`${where} is invalid:\n${formatIssues(r.error)}`, { cause: r.error });
    }
    return { config: account, policy: r.data };
  });
}

/** Local runs: the account's credentials from the environment variables the config names. */
export function credentialsFromEnv(account: AccountConfig, i: number, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const spec = VENUE_CATALOG[account.exchange].credentials;
  const r = credentialsFromEnvSpec(spec, account.credentials, env);
  if (!r.ok) throw new ConfigError(`account ${account.id} (accounts[${i}].credentials) ${r.problem}`);
  // Loaded: from here on no output of this process shows them (functions/redact.ts).
  registerSecret(...spec.secret.map((f) => r.value[f]).filter((v): v is string => v !== undefined));
  return r.value;
}
