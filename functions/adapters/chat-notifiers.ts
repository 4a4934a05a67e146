/**
 * Chat alert channels: Telegram, Discord, Slack and ntfy, spoken at their documented HTTP APIs
 * with Node's fetch (no SDKs). Used by the local `riskguard run`/`tick` (secrets from environment
 * variables) and by the cloud chat relay (secrets from SSM SecureString parameters).
 *
 * Every message reads the same way: the alert's short summary on the first line (with the
 * account and what happened), the body after it.
 *
 * Secrets: a bot token sits in the Telegram URL path, and a Discord or Slack webhook URL is
 * itself the credential. No error message, log line or thrown error here contains a URL or a
 * token: failures name the channel and the HTTP status only.
 */
import { registerSecret } from '../redact.ts';
import type { FormattableAlert } from '../domain/alert-format.ts';
import { LEVELS, type AuditEvent, type Level } from '../domain/state.ts';
import { chatUrlProblem, type AlertsConfig } from '../config.ts';
import { ConfigError, RiskGuardError } from '../errors.ts';
import type { Notifier } from '../ports.ts';

export type ChatChannelName = 'telegram' | 'discord' | 'slack' | 'ntfy';

/** A chat post that failed. `retryable`: a network failure, a timeout, HTTP 429 or 5xx. */
export class ChatDeliveryError extends RiskGuardError {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The API asked us to wait this long before retrying (HTTP 429), ms. */
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One chat destination: posts one alert with one HTTP request, or throws a ChatDeliveryError. */
export interface ChatChannel {
  readonly name: ChatChannelName;
  post(alert: FormattableAlert): Promise<void>;
}

/** Per-request timeout: a hung chat API must not hold an alert queue for long. */
export const CHAT_TIMEOUT_MS = 10_000;

/**
 * The chat message: first line `<account> <KIND> <LEVEL>: <summary>`, then the body, then the
 * time. Clipped to `max` characters (each API has its own limit), ending with "…" when cut.
 * @example chatText({ accountId: 'main', kind: 'trip', level: 'EMERGENCY', summary: 'CLOSED ALL', body: 'drawdown 15.6 %', at: 0 })
 *   === 'main TRIP EMERGENCY: CLOSED ALL\ndrawdown 15.6 %\n1970-01-01 00:00:00 UTC · riskguard'
 */
export function chatText(a: FormattableAlert, max = 4096): string {
  const first = `${a.accountId} ${a.kind.toUpperCase()} ${a.level}: ${a.summary.replace(/\s*\n\s*/g, ' ')}`;
  const time = new Date(a.at).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
  const body = a.body.trim();
  const text = [first, ...(body ? [body] : []), `${time} · riskguard`].join('\n');
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Cuts text so its UTF-8 encoding fits `maxBytes` (ntfy counts bytes). */
function clipBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let out = text;
  while (Buffer.byteLength(`${out}…`, 'utf8') > maxBytes) out = out.slice(0, Math.max(0, out.length - Math.max(1, Math.ceil((Buffer.byteLength(out) - maxBytes) / 4))));
  return `${out}…`;
}

type Fetch = typeof fetch;

interface HttpPost {
  readonly channel: ChatChannelName;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly fetchImpl?: Fetch;
}

/** Seconds (possibly fractional) from a Retry-After header or a JSON field, as ms. */
const secondsToMs = (v: unknown): number | null => {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : null;
};

/**
 * One POST. 2xx is success; anything else a ChatDeliveryError naming the channel and status
 * (and the API's short error description when it gives one), never the URL.
 */
async function postOnce(p: HttpPost, describe: (status: number, body: string) => { detail: string; retryAfterMs: number | null }): Promise<string> {
  let res: Response;
  try {
    res = await (p.fetchImpl ?? fetch)(p.url, {
      method: 'POST',
      headers: p.headers,
      body: p.body,
      redirect: 'error',
      signal: AbortSignal.timeout(CHAT_TIMEOUT_MS),
    });
  } catch (err) {
    // undici's "fetch failed" cause names host and port at most, never the path; keep only its code.
    const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new ChatDeliveryError(`${p.channel}: no answer (${code})`, true);
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return text;
  const { detail, retryAfterMs } = describe(res.status, text);
  const retryable = res.status === 429 || res.status >= 500;
  const headerWait = secondsToMs(res.headers.get('retry-after'));
  throw new ChatDeliveryError(`${p.channel}: HTTP ${res.status}${detail ? ` ${detail}` : ''}`, retryable, retryAfterMs ?? headerWait);
}

/** A short, printable error description from an API's answer (never echoing anything long). */
const short = (s: unknown): string => (typeof s === 'string' ? s.replace(/\s+/g, ' ').slice(0, 120) : '');

const parseJson = (text: string): Record<string, unknown> | null => {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

export interface TelegramChannelOptions {
  readonly botToken: string;
  readonly chatId: string | number;
  /** @default "https://api.telegram.org" */
  readonly apiBaseUrl?: string;
  readonly fetchImpl?: Fetch;
}

/**
 * Telegram Bot API `sendMessage` (https://core.telegram.org/bots/api#sendmessage):
 * `POST {apiBaseUrl}/bot{token}/sendMessage`, JSON `{ "chat_id": …, "text": … }`; text is
 * 1–4096 characters after entity parsing. Plain text (no `parse_mode`), so nothing needs escaping.
 * Answers `{ "ok": true, "result": Message }`, or `{ "ok": false, "error_code", "description",
 * "parameters": { "retry_after" } }` (seconds, with HTTP 429).
 */
export class TelegramChannel implements ChatChannel {
  readonly name = 'telegram' as const;
  constructor(private readonly o: TelegramChannelOptions) {}

  async post(alert: FormattableAlert): Promise<void> {
    const base = (this.o.apiBaseUrl ?? 'https://api.telegram.org').replace(/\/+$/, '');
    await postOnce(
      {
        channel: this.name,
        url: `${base}/bot${this.o.botToken}/sendMessage`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: this.o.chatId, text: chatText(alert, 4096) }),
        ...(this.o.fetchImpl ? { fetchImpl: this.o.fetchImpl } : {}),
      },
      (_status, text) => {
        const j = parseJson(text);
        const params = j?.['parameters'] as { retry_after?: unknown } | undefined;
        return { detail: short(j?.['description']), retryAfterMs: secondsToMs(params?.retry_after) };
      },
    );
  }
}

export interface WebhookChannelOptions {
  /** The webhook URL: a secret. */
  readonly webhookUrl: string;
  readonly fetchImpl?: Fetch;
}

/**
 * Discord "Execute Webhook" (https://discord.com/developers/docs/resources/webhook#execute-webhook):
 * `POST https://discord.com/api/webhooks/{webhook.id}/{webhook.token}`, JSON `{ "content": … }`
 * (up to 2000 characters). Answers 204 No Content (200 with `?wait=true`); 429 carries
 * `{ "retry_after": seconds }` and a Retry-After header. `allowed_mentions: { parse: [] }` keeps
 * an alert's text from pinging @everyone or a role.
 */
export class DiscordChannel implements ChatChannel {
  readonly name = 'discord' as const;
  constructor(private readonly o: WebhookChannelOptions) {}

  async post(alert: FormattableAlert): Promise<void> {
    await postOnce(
      {
        channel: this.name,
        url: this.o.webhookUrl,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content: chatText(alert, 2000), allowed_mentions: { parse: [] } }),
        ...(this.o.fetchImpl ? { fetchImpl: this.o.fetchImpl } : {}),
      },
      (_status, text) => {
        const j = parseJson(text);
        return { detail: short(j?.['message']), retryAfterMs: secondsToMs(j?.['retry_after']) };
      },
    );
  }
}

/** Slack treats `&`, `<` and `>` as markup (`<!channel>` notifies everyone): escape them. */
export const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Slack incoming webhook (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks):
 * `POST https://hooks.slack.com/services/T…/B…/…`, JSON `{ "text": … }`. Answers 200 with the
 * body `ok`; errors are a status with a plain-text code (`invalid_payload`, `no_text`,
 * `channel_not_found`, `channel_is_archived`, `action_prohibited`, …). Slack truncates text past
 * 40,000 characters.
 */
export class SlackChannel implements ChatChannel {
  readonly name = 'slack' as const;
  constructor(private readonly o: WebhookChannelOptions) {}

  async post(alert: FormattableAlert): Promise<void> {
    await postOnce(
      {
        channel: this.name,
        url: this.o.webhookUrl,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: slackEscape(chatText(alert, 39_000)) }),
        ...(this.o.fetchImpl ? { fetchImpl: this.o.fetchImpl } : {}),
      },
      (_status, text) => ({ detail: /^[a-z_]{2,60}$/.test(text.trim()) ? text.trim() : '', retryAfterMs: null }),
    );
  }
}

export interface NtfyChannelOptions {
  /** e.g. https://ntfy.sh/riskguard-7f3k2q */
  readonly topicUrl: string;
  /** An access token for a protected topic, sent as `Authorization: Bearer …`. */
  readonly token?: string;
  readonly fetchImpl?: Fetch;
}

/** ntfy priorities 1–5 (min, low, default, high, urgent). */
function ntfyPriority(a: FormattableAlert): string {
  if (a.kind === 'trip' || a.kind === 'residual' || a.kind === 'liquidation' || a.kind === 'dead-man' || a.level === 'EMERGENCY') return '5';
  if (a.kind === 'blind' || a.kind === 'auth' || a.level === 'DANGER') return '4';
  return '3';
}

/**
 * ntfy publish (https://docs.ntfy.sh/publish/): `POST {topicUrl}` with the message as the body
 * (plain text, at most 4,096 bytes before ntfy turns it into an attachment), `Title`, `Priority`
 * (1–5) and `Tags` headers, and `Authorization: Bearer tk_…` for an access-controlled topic.
 * Answers 200 with the message as JSON; 429 when rate-limited.
 */
export class NtfyChannel implements ChatChannel {
  readonly name = 'ntfy' as const;
  constructor(private readonly o: NtfyChannelOptions) {}

  async post(alert: FormattableAlert): Promise<void> {
    const priority = ntfyPriority(alert);
    await postOnce(
      {
        channel: this.name,
        url: this.o.topicUrl,
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          // Headers must be ASCII: account ids are (config schema), kinds and levels too.
          title: `riskguard ${alert.accountId}`,
          priority,
          tags: priority === '5' ? 'rotating_light' : priority === '4' ? 'warning' : 'information_source',
          ...(this.o.token ? { authorization: `Bearer ${this.o.token}` } : {}),
        },
        body: clipBytes(chatText(alert, 4096), 4096),
        ...(this.o.fetchImpl ? { fetchImpl: this.o.fetchImpl } : {}),
      },
      (_status, text) => {
        const j = parseJson(text);
        return { detail: short(j?.['error']), retryAfterMs: null };
      },
    );
  }
}

export interface RetryOptions {
  /** Total tries, the first included. @default 3 */
  readonly attempts?: number;
  /** Waits between tries, ms (the last repeats). A 429's own wait wins, capped at `maxWaitMs`. @default [1000, 3000] */
  readonly backoffMs?: readonly number[];
  /** @default 10000 */
  readonly maxWaitMs?: number;
  /** Injected by tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type DeliveryResult = { ok: true; attempts: number } | { ok: false; attempts: number; error: string };

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Posts one alert to one channel, retrying network failures, timeouts, HTTP 429 and 5xx; a
 * refusal that retrying cannot fix (a bad token, a deleted webhook: other 4xx) ends at once.
 * Never throws.
 */
export async function deliver(channel: ChatChannel, alert: FormattableAlert, o: RetryOptions = {}): Promise<DeliveryResult> {
  const attempts = o.attempts ?? 3;
  const backoff = o.backoffMs ?? [1000, 3000];
  const sleep = o.sleep ?? realSleep;
  let last = '';
  for (let i = 1; i <= attempts; i++) {
    try {
      await channel.post(alert);
      return { ok: true, attempts: i };
    } catch (err) {
      const e = err instanceof ChatDeliveryError ? err : new ChatDeliveryError(`${channel.name}: ${(err as Error).name}`, true);
      last = e.message;
      if (!e.retryable || i === attempts) return { ok: false, attempts: i, error: last };
      const planned = backoff[Math.min(i - 1, backoff.length - 1)] ?? 0;
      await sleep(Math.min(e.retryAfterMs ?? planned, o.maxWaitMs ?? 10_000));
    }
  }
  return { ok: false, attempts, error: last };
}

/** What becomes of an alert that could not be delivered after its retries. */
export type UndeliveredHandler = (alert: FormattableAlert, channel: ChatChannelName, result: { attempts: number; error: string }) => Promise<void>;

export interface ChatNotifierOptions extends RetryOptions {
  /** Called once per alert that every try failed to deliver (the local runner records an audit event). */
  readonly onUndelivered?: UndeliveredHandler;
  /** Where a failure of `onUndelivered` itself is reported. @default stderr */
  readonly warn?: (line: string) => void;
}

/**
 * A chat channel as a Notifier that never blocks or fails the guard: `notify` queues the alert
 * and returns at once; a background queue per channel posts in order, retries, and hands what
 * could not be delivered to `onUndelivered`. `flush()` waits for the queue (before exit).
 */
export class ChatNotifier implements Notifier {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly channel: ChatChannel,
    private readonly o: ChatNotifierOptions = {},
  ) {}

  async notify(alert: FormattableAlert): Promise<void> {
    this.queue = this.queue.then(() => this.send(alert));
  }

  /** Resolves when every queued alert has been delivered or recorded as undelivered. */
  flush(): Promise<void> {
    return this.queue;
  }

  private async send(alert: FormattableAlert): Promise<void> {
    const r = await deliver(this.channel, alert, this.o);
    if (r.ok) return;
    const warn = this.o.warn ?? ((l: string) => process.stderr.write(`${l}\n`));
    warn(`riskguard: alert for ${alert.accountId} NOT DELIVERED to ${this.channel.name} after ${r.attempts} attempt(s): ${r.error}`);
    try {
      await this.o.onUndelivered?.(alert, this.channel.name, { attempts: r.attempts, error: r.error });
    } catch (err) {
      warn(`riskguard: could not record the undelivered ${this.channel.name} alert: ${(err as Error).message}`);
    }
  }
}

/** The chat part of `alerts` (config keys exactly as in riskguard.config.json). */
export type ChatAlertsConfig = Pick<AlertsConfig, 'telegram' | 'discord' | 'slack' | 'ntfy'>;

/** Where secrets come from: environment variables (`…Env`, local runs) or SSM parameters (`…Parameter`, cloud). */
export type SecretSource = 'env' | 'parameter';

export interface BuiltChannels {
  channels: ChatChannel[];
  /** Configured channels without a secret name for this source, e.g. "telegram (botTokenParameter only: cloud)". */
  skipped: string[];
}

/** The chat keys of a config, in a fixed order. */
export const configuredChats = (a: ChatAlertsConfig): ChatChannelName[] =>
  (['telegram', 'discord', 'slack', 'ntfy'] as const).filter((n) => a[n] !== undefined);

/**
 * The configured chat channels with their secrets read from `source`. A secret name that is
 * given but has no value, or a webhook URL that is not https (loopback excepted), is a
 * ConfigError that names the variable or parameter and never prints its value.
 */
export async function buildChatChannels(
  alerts: ChatAlertsConfig,
  source: SecretSource,
  read: (name: string) => Promise<string | undefined>,
  fetchImpl?: Fetch,
): Promise<BuiltChannels> {
  const channels: ChatChannel[] = [];
  const skipped: string[] = [];
  const f = fetchImpl ? { fetchImpl } : {};
  const what = source === 'env' ? 'environment variable' : 'SSM parameter';
  const need = async (name: string, path: string): Promise<string> => {
    const v = (await read(name))?.trim();
    if (!v) throw new ConfigError(`${path} names the ${what} ${name}, which is not set`);
    // Bot tokens and webhook URLs are secrets: redacted by value from every output.
    registerSecret(v);
    return v;
  };
  const url = (value: string, name: string, path: string): string => {
    const problem = chatUrlProblem(value);
    if (problem) throw new ConfigError(`the ${what} ${name} (${path}) ${problem}`);
    return value;
  };
  const key = (field: string): string => (source === 'env' ? `${field}Env` : `${field}Parameter`);
  const pick = (o: object, field: string): string | undefined => (o as Record<string, string | undefined>)[key(field)];

  if (alerts.telegram) {
    const name = pick(alerts.telegram, 'botToken');
    if (name === undefined) skipped.push(`telegram (no ${key('botToken')})`);
    else {
      const botToken = await need(name, `alerts.telegram.${key('botToken')}`);
      channels.push(
        new TelegramChannel({ botToken, chatId: alerts.telegram.chatId, ...(alerts.telegram.apiBaseUrl ? { apiBaseUrl: alerts.telegram.apiBaseUrl } : {}), ...f }),
      );
    }
  }
  for (const [chat, Channel] of [['discord', DiscordChannel], ['slack', SlackChannel]] as const) {
    const c = alerts[chat];
    if (!c) continue;
    const name = pick(c, 'webhookUrl');
    if (name === undefined) skipped.push(`${chat} (no ${key('webhookUrl')})`);
    else {
      const path = `alerts.${chat}.${key('webhookUrl')}`;
      channels.push(new Channel({ webhookUrl: url(await need(name, path), name, path), ...f }));
    }
  }
  if (alerts.ntfy) {
    const name = pick(alerts.ntfy, 'token');
    const token = name === undefined ? undefined : await need(name, `alerts.ntfy.${key('token')}`);
    channels.push(new NtfyChannel({ topicUrl: alerts.ntfy.topicUrl, ...(token ? { token } : {}), ...f }));
  }
  return { channels, skipped };
}

/** The audit event of an alert that no try delivered (type `error`, marked by `data.undeliveredAlert`). */
export function undeliveredEvent(alert: FormattableAlert, channel: ChatChannelName, r: { attempts: number; error: string }, at: number): AuditEvent {
  const level = (LEVELS as readonly string[]).includes(alert.level) ? { level: alert.level as Level } : {};
  return {
    accountId: alert.accountId,
    at,
    type: 'error',
    ...level,
    message: `alert NOT DELIVERED to ${channel} after ${r.attempts} attempt(s) (${r.error}): ${alert.kind} (${alert.level}): ${alert.summary}`,
    data: { undeliveredAlert: { channel, kind: alert.kind, level: alert.level, summary: alert.summary, alertAt: alert.at, attempts: r.attempts, error: r.error } },
  };
}

/** True for the audit events `undeliveredEvent` makes. */
export const isUndelivered = (e: AuditEvent): boolean => e.type === 'error' && e.data !== undefined && 'undeliveredAlert' in e.data;
