import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConfigSchema, type RiskGuardConfig } from '../functions/config.ts';
import type { ChatAlertsConfig } from '../functions/adapters/chat-notifiers.ts';
import { ConfigError } from '../functions/errors.ts';
import { formatIssues } from '../functions/validation.ts';

/** The file `cdk synth` and `riskguard run` both read. */
export const CONFIG_FILE = 'riskguard.config.json';
/** Shipped with the repository; used when there is no riskguard.config.json. */
export const EXAMPLE_CONFIG_FILE = 'riskguard.config.example.json';

export interface LoadedConfig {
  config: RiskGuardConfig;
  /** Absolute path of the file read. */
  path: string;
  /** Its base name (what the deployed config records). */
  name: string;
  isExample: boolean;
}

export interface LoadConfigOptions {
  /** Directory searched for riskguard.config.json, then the example. @default process.cwd() */
  readonly dir?: string;
  /** An explicit file instead (CDK context `riskguard:config`). */
  readonly file?: string;
  /** Where the "using ..." line goes. @default stderr */
  readonly announce?: (line: string) => void;
}

/**
 * Reads and validates the config for synth: `file` if given, else riskguard.config.json, else
 * the example; says which on stderr. Errors list every problem with its path.
 */
export function loadConfigFile(opts: LoadConfigOptions = {}): LoadedConfig {
  const dir = resolve(opts.dir ?? process.cwd());
  const announce = opts.announce ?? ((line: string) => process.stderr.write(`${line}\n`));
  let path: string;
  let isExample = false;
  if (opts.file !== undefined) {
    path = resolve(dir, opts.file);
    if (!existsSync(path)) throw new ConfigError(`config file ${path} (context riskguard:config) does not exist`);
  } else if (existsSync(join(dir, CONFIG_FILE))) {
    path = join(dir, CONFIG_FILE);
  } else {
    path = join(dir, EXAMPLE_CONFIG_FILE);
    isExample = true;
    if (!existsSync(path)) throw new ConfigError(`neither ${CONFIG_FILE} nor ${EXAMPLE_CONFIG_FILE} found in ${dir}`);
  }
  announce(
    isExample
      ? `riskguard: using ${EXAMPLE_CONFIG_FILE} (no ${CONFIG_FILE}; copy the example and edit it before deploying for real)`
      : `riskguard: using ${path}`,
  );
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${path} is invalid:\n${formatIssues(parsed.error)}`, { cause: parsed.error });
  return { config: parsed.data, path, name: basename(path), isExample };
}

/**
 * The chat part of `alerts` as the cloud relay uses it: every configured chat must name its SSM
 * SecureString parameter (`botTokenParameter`, `webhookUrlParameter`, and `tokenParameter` when
 * an ntfy topic needs a token). Only parameter names leave this function, never a secret.
 * @returns null when no chat is configured (no relay is deployed)
 */
export function cloudChatAlerts(alerts: RiskGuardConfig['alerts']): ChatAlertsConfig | null {
  const problems: string[] = [];
  const out: ChatAlertsConfig = {};
  const { telegram, discord, slack, ntfy } = alerts;
  if (telegram) {
    if (telegram.botTokenParameter === undefined) problems.push('alerts.telegram: add botTokenParameter (an SSM SecureString holding the bot token) for the cloud relay');
    else out.telegram = { botTokenParameter: telegram.botTokenParameter, chatId: telegram.chatId, ...(telegram.apiBaseUrl ? { apiBaseUrl: telegram.apiBaseUrl } : {}) };
  }
  for (const [name, c] of [['discord', discord], ['slack', slack]] as const) {
    if (!c) continue;
    if (c.webhookUrlParameter === undefined) problems.push(`alerts.${name}: add webhookUrlParameter (an SSM SecureString holding the webhook URL) for the cloud relay`);
    else out[name] = { webhookUrlParameter: c.webhookUrlParameter };
  }
  if (ntfy) {
    if (ntfy.tokenEnv !== undefined && ntfy.tokenParameter === undefined) problems.push('alerts.ntfy: has tokenEnv but no tokenParameter: add the SSM SecureString holding the token for the cloud relay');
    else out.ntfy = { topicUrl: ntfy.topicUrl, ...(ntfy.tokenParameter ? { tokenParameter: ntfy.tokenParameter } : {}) };
  }
  if (problems.length > 0) throw new ConfigError(`the cloud chat relay needs SSM parameters:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return Object.keys(out).length > 0 ? out : null;
}

/** The SSM parameters the relay reads (to grant exactly those). */
export const chatParameterNames = (c: ChatAlertsConfig): string[] =>
  [c.telegram?.botTokenParameter, c.discord?.webhookUrlParameter, c.slack?.webhookUrlParameter, c.ntfy?.tokenParameter].filter((p): p is string => p !== undefined);
