/**
 * `riskguard init`: a working riskguard.config.json and a .env template in a minute, by questions
 * (interactive) or by flags (`--yes`, for scripts and agents). Never writes a secret: the config
 * names environment variables, the .env template leaves their values empty.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Option, type Command } from 'commander';
import { chatUrlProblem, ConfigSchema, resolveAccounts, SUPPORTED_EXCHANGES, type RiskGuardConfig } from '../config.ts';
import { ConfigError } from '../errors.ts';

export interface InitAnswers {
  venue: string;
  account: string;
  /** Close everything at this drawdown from the peak, in percent (15 = 15 %). */
  closeAtPct: number;
  dryRun: boolean;
  /** The paper exchange or a testnet; undefined = the venue's real API. */
  baseUrl?: string;
  telegramChatId?: string;
  discord: boolean;
  slack: boolean;
  ntfyTopicUrl?: string;
}

const CHATS = ['telegram', 'discord', 'slack', 'ntfy'] as const;

/** Venues `init` can set up today (it writes Binance-shaped credentials); others are configured by hand. */
const INIT_VENUES = SUPPORTED_EXCHANGES.filter((v) => v === 'binanceusdm');

function checkVenue(v: string): string {
  const venue = v.trim().toLowerCase();
  if (!(INIT_VENUES as readonly string[]).includes(venue)) {
    throw new ConfigError(`--venue ${v}: init sets up ${INIT_VENUES.join(', ')} (Binance USDⓈ-M futures) today; other venues riskguard guards (${SUPPORTED_EXCHANGES.join(', ')}) are configured by hand (README, Venues)`);
  }
  return venue;
}

function checkAccount(v: string): string {
  const id = v.trim();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new ConfigError(`--account "${v}": letters, digits, _ and - only (1–64)`);
  return id;
}

function checkCloseAt(v: string): number {
  const n = Number(v.trim().replace(/\s*%$/, ''));
  if (!Number.isFinite(n) || n <= 0 || n >= 100) throw new ConfigError(`--close-at "${v}": a percentage below the peak, more than 0 and less than 100 (e.g. 15)`);
  return n;
}

function checkUrl(flag: string, v: string): string {
  const problem = chatUrlProblem(v.trim());
  if (problem) throw new ConfigError(`${flag} ${problem}`);
  return v.trim();
}

function checkChatId(v: string): string {
  const id = v.trim();
  if (!/^(-?\d+|@[A-Za-z0-9_]{5,})$/.test(id)) throw new ConfigError(`--telegram-chat-id "${v}": a numeric chat id (groups start with -100) or @channelusername`);
  return id;
}

/** RISKGUARD_<ID>_…: the account id in upper case, other characters as "_". */
export const envPrefix = (accountId: string): string => `RISKGUARD_${accountId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/**
 * The config `init` writes: one account whose key comes from two environment variables, the
 * drawdown levels in the same proportions as the defaults (warn at a third of the close-all
 * drawdown, reduce at two thirds: 5/10/15 %), dry run if asked, and the chosen chats.
 * @example initConfig({ venue: 'binanceusdm', account: 'main', closeAtPct: 15, dryRun: true, discord: false, slack: false }).policy
 *   // { thresholds: { WARNING: { drawdown: 0.05 }, DANGER: { drawdown: 0.1 }, EMERGENCY: { drawdown: 0.15 } }, dryRun: true }
 */
export function initConfig(a: InitAnswers): Record<string, unknown> {
  const p = envPrefix(a.account);
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  const alerts: Record<string, unknown> = {};
  if (a.telegramChatId !== undefined) alerts['telegram'] = { botTokenEnv: 'RISKGUARD_TELEGRAM_BOT_TOKEN', chatId: a.telegramChatId };
  if (a.discord) alerts['discord'] = { webhookUrlEnv: 'RISKGUARD_DISCORD_WEBHOOK_URL' };
  if (a.slack) alerts['slack'] = { webhookUrlEnv: 'RISKGUARD_SLACK_WEBHOOK_URL' };
  if (a.ntfyTopicUrl !== undefined) alerts['ntfy'] = { topicUrl: a.ntfyTopicUrl };
  return {
    accounts: [
      {
        id: a.account,
        exchange: a.venue,
        ...(a.baseUrl ? { baseUrl: a.baseUrl } : {}),
        credentials: { apiKeyEnv: `${p}_API_KEY`, secretEnv: `${p}_SECRET` },
      },
    ],
    policy: {
      thresholds: {
        WARNING: { drawdown: round(a.closeAtPct / 300) },
        DANGER: { drawdown: round((2 * a.closeAtPct) / 300) },
        EMERGENCY: { drawdown: a.closeAtPct / 100 },
      },
      ...(a.dryRun ? { dryRun: true } : {}),
    },
    alerts,
  };
}

/** The .env template: every variable the config names, empty, with what goes in it. */
export function envTemplate(a: InitAnswers, configFile: string): string {
  const p = envPrefix(a.account);
  const lines = [
    `# Secrets for ${configFile} (written by riskguard init). Fill in the values; never commit this file.`,
    '# Load it into your shell with:  set -a; . ./.env; set +a   (systemd: EnvironmentFile=)',
    '',
    `# ${a.venue} API key of account "${a.account}": read and trade permission only, NEVER withdraw.`,
    `${p}_API_KEY=`,
    `${p}_SECRET=`,
  ];
  if (a.telegramChatId !== undefined) lines.push('', '# Telegram: the bot token from @BotFather (the bot must be in the chat).', 'RISKGUARD_TELEGRAM_BOT_TOKEN=');
  if (a.discord) lines.push('', '# Discord: channel settings > Integrations > Webhooks > Copy Webhook URL.', 'RISKGUARD_DISCORD_WEBHOOK_URL=');
  if (a.slack) lines.push('', '# Slack: the incoming webhook URL of your Slack app (https://hooks.slack.com/services/...).', 'RISKGUARD_SLACK_WEBHOOK_URL=');
  return `${lines.join('\n')}\n`;
}

/** Reads answers line by line from stdin (a terminal or a pipe); null once the input has ended. */
function lineReader(): { ask(question: string): Promise<string | null>; close(): void } {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const lines: string[] = [];
  const waiting: ((l: string | null) => void)[] = [];
  let ended = false;
  rl.on('line', (l) => (waiting.length > 0 ? waiting.shift()!(l) : lines.push(l)));
  rl.on('close', () => {
    ended = true;
    for (const w of waiting.splice(0)) w(null);
  });
  return {
    ask: (question) => {
      process.stdout.write(question);
      if (lines.length > 0) return Promise.resolve(lines.shift()!);
      if (ended) return Promise.resolve(null);
      return new Promise((r) => waiting.push(r));
    },
    close: () => rl.close(),
  };
}

/** Asks until the answer passes `check` (an empty answer takes the default); input that ends is bad input. */
async function ask<T>(r: ReturnType<typeof lineReader>, question: string, def: string, check: (v: string) => T): Promise<T> {
  for (;;) {
    const line = await r.ask(`${question}${def ? ` [${def}]` : ''}: `);
    if (line === null) throw new ConfigError('init: the input ended before every question was answered; nothing was written');
    const v = line.trim() === '' ? def : line.trim();
    try {
      return check(v);
    } catch (err) {
      // The flag names in messages read oddly in a dialogue; the reason after the colon is what matters.
      process.stdout.write(`  ${(err as Error).message.replace(/^--[a-z-]+ /, '')}\n`);
    }
  }
}

const yesNo = (v: string): boolean => {
  if (/^(y|yes)$/i.test(v)) return true;
  if (/^(n|no)$/i.test(v)) return false;
  throw new ConfigError('answer y or n');
};

interface InitOptions {
  yes?: boolean;
  venue?: string;
  account?: string;
  closeAt?: string;
  dryRun?: boolean;
  out: string;
  force?: boolean;
  baseUrl?: string;
  telegramChatId?: string;
  discord?: boolean;
  slack?: boolean;
  ntfyTopicUrl?: string;
}

async function interview(o: InitOptions): Promise<InitAnswers> {
  const r = lineReader();
  try {
    process.stdout.write('riskguard init: a few questions (Enter takes the [default]).\n');
    const venue = o.venue !== undefined ? checkVenue(o.venue) : await ask(r, `Exchange (${SUPPORTED_EXCHANGES.join(', ')})`, 'binanceusdm', checkVenue);
    const account = o.account !== undefined ? checkAccount(o.account) : await ask(r, 'A name for this account (letters, digits, _ and -)', 'main', checkAccount);
    const closeAtPct =
      o.closeAt !== undefined ? checkCloseAt(o.closeAt) : await ask(r, 'Close everything when equity falls how many % below its peak?', '15', checkCloseAt);
    const dryRun = o.dryRun === true ? true : await ask(r, 'Observe only for the first week (dry run: alerts, no orders)? (y/n)', 'y', yesNo);
    const baseUrl =
      o.baseUrl !== undefined
        ? checkUrl('--base-url', o.baseUrl)
        : await ask(r, "Exchange URL: Enter for the real exchange, or the paper exchange's URL (riskguard paper prints it)", '', (v) =>
            v === '' ? undefined : checkUrl('the URL', v),
          );
    const chats = await ask(r, `Alert channels besides the terminal (${CHATS.join(', ')}; comma-separated, Enter for none)`, '', (v) => {
      const list = v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
      const bad = list.filter((x) => !(CHATS as readonly string[]).includes(x));
      if (bad.length > 0) throw new ConfigError(`unknown channel(s) ${bad.join(', ')}: choose from ${CHATS.join(', ')}`);
      return new Set(list);
    });
    const telegramChatId = chats.has('telegram') ? await ask(r, 'Telegram chat id (numeric, or @channelusername)', '', checkChatId) : undefined;
    const ntfyTopicUrl = chats.has('ntfy')
      ? await ask(r, 'ntfy topic URL (the topic name works like a password)', `https://ntfy.sh/riskguard-${randomBytes(6).toString('hex')}`, (v) => checkUrl('the URL', v))
      : undefined;
    return {
      venue,
      account,
      closeAtPct,
      dryRun,
      ...(baseUrl ? { baseUrl } : {}),
      ...(telegramChatId !== undefined ? { telegramChatId } : {}),
      discord: chats.has('discord'),
      slack: chats.has('slack'),
      ...(ntfyTopicUrl !== undefined ? { ntfyTopicUrl } : {}),
    };
  } finally {
    r.close();
  }
}

function fromFlags(o: InitOptions): InitAnswers {
  const missing = (['venue', 'account', 'closeAt'] as const).filter((k) => o[k] === undefined).map((k) => (k === 'closeAt' ? '--close-at' : `--${k}`));
  if (missing.length > 0) throw new ConfigError(`init --yes needs ${missing.join(', ')} (e.g. riskguard init --yes --venue binanceusdm --account main --close-at 15 --dry-run)`);
  return {
    venue: checkVenue(o.venue!),
    account: checkAccount(o.account!),
    closeAtPct: checkCloseAt(o.closeAt!),
    dryRun: o.dryRun === true,
    ...(o.baseUrl !== undefined ? { baseUrl: checkUrl('--base-url', o.baseUrl) } : {}),
    ...(o.telegramChatId !== undefined ? { telegramChatId: checkChatId(o.telegramChatId) } : {}),
    discord: o.discord === true,
    slack: o.slack === true,
    ...(o.ntfyTopicUrl !== undefined ? { ntfyTopicUrl: checkUrl('--ntfy-topic-url', o.ntfyTopicUrl) } : {}),
  };
}

/** Registers `riskguard init` (one line in main.ts). */
export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('write riskguard.config.json and a .env template (questions, or flags with --yes), then run doctor on the result')
    .option('--yes', 'no questions: take everything from the flags (for scripts and agents)')
    .option('--venue <venue>', `exchange: ${SUPPORTED_EXCHANGES.join(', ')}`)
    .option('--account <id>', 'a name for the account (letters, digits, _ and -)')
    .option('--close-at <pct>', 'close everything at this % below the peak (15 = 15 %)')
    .option('--dry-run', 'observe only: decide and alert, place no orders (the first week)')
    .addOption(new Option('--out <file>', 'where to write the config').default('riskguard.config.json'))
    .option('--force', 'overwrite an existing config file')
    .option('--base-url <url>', "the paper exchange's (or a testnet's) URL instead of the real exchange")
    .option('--telegram-chat-id <id>', 'alert to this Telegram chat (bot token: RISKGUARD_TELEGRAM_BOT_TOKEN)')
    .option('--discord', 'alert to a Discord webhook (RISKGUARD_DISCORD_WEBHOOK_URL)')
    .option('--slack', 'alert to a Slack incoming webhook (RISKGUARD_SLACK_WEBHOOK_URL)')
    .option('--ntfy-topic-url <url>', 'push alerts to this ntfy topic')
    .action(async (o: InitOptions) => {
      const out = resolve(o.out);
      if (existsSync(out) && !o.force) throw new ConfigError(`${o.out} already exists: give --force to overwrite it, or --out another file`);
      const answers = o.yes ? fromFlags(o) : await interview(o);
      const config = initConfig(answers);
      // What init writes must be what tick accepts.
      const parsed = ConfigSchema.safeParse(config);
      if (!parsed.success) throw new Error(`init built an invalid config (a bug): ${parsed.error.message}`);
      resolveAccounts(parsed.data);
      const envFile = join(dirname(out), '.env');
      writeFileSync(out, `${JSON.stringify(config, null, 2)}\n`);
      process.stdout.write(`Wrote ${o.out}: account ${answers.account} on ${answers.venue}${answers.baseUrl ? ` at ${answers.baseUrl}` : ''}; warn at ${pctWords(answers.closeAtPct / 3)}, reduce at ${pctWords((2 * answers.closeAtPct) / 3)}, close everything at ${pctWords(answers.closeAtPct)} below the peak${answers.dryRun ? '; DRY RUN (alerts only, no orders)' : ''}.\n`);
      if (existsSync(envFile)) process.stdout.write(`${envFile} exists: left as it is (it may hold your secrets). Variables the config names: ${envNames(parsed.data).join(', ')}.\n`);
      else {
        writeFileSync(envFile, envTemplate(answers, o.out), { mode: 0o600 });
        process.stdout.write(`Wrote ${envFile} (a template, mode 600): fill in ${envNames(parsed.data).join(', ')}.\n`);
      }
      await doctorOrHint(parsed.data, o.out);
    });
}

const pctWords = (p: number): string => `${Math.round(p * 100) / 100} %`;

function envNames(c: RiskGuardConfig): string[] {
  const a = c.alerts;
  return [
    ...c.accounts.flatMap((x) => [x.credentials.apiKeyEnv, x.credentials.secretEnv]),
    a.telegram?.botTokenEnv,
    a.discord?.webhookUrlEnv,
    a.slack?.webhookUrlEnv,
    a.ntfy?.tokenEnv,
  ].filter((n): n is string => n !== undefined);
}

/** Runs `doctor` on the new config when its keys are in the environment; otherwise says what to set. */
async function doctorOrHint(c: RiskGuardConfig, file: string): Promise<void> {
  const missing = envNames(c).filter((n) => !process.env[n]);
  if (missing.length > 0) {
    process.stdout.write(
      `Next: set ${missing.join(', ')} (fill in .env, then \`set -a; . ./.env; set +a\`), then check the key:\n  npx riskguard doctor --config ${file}\n`,
    );
    return;
  }
  process.stdout.write(`Keys found in the environment: running doctor on ${file}\n`);
  const { buildProgram } = await import('./main.ts');
  await buildProgram().parseAsync(['doctor', '--config', file], { from: 'user' });
}
