/**
 * The chat channels at the wire: a local server stands in for Telegram, Discord, Slack and ntfy
 * at their real paths (test/helpers/chat-apis.ts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildChatChannels,
  chatText,
  ChatNotifier,
  deliver,
  DiscordChannel,
  NtfyChannel,
  SlackChannel,
  TelegramChannel,
  type ChatChannel,
} from '../../functions/adapters/chat-notifiers.ts';
import { AlertsConfigSchema } from '../../functions/config.ts';
import type { Alert } from '../../functions/ports.ts';
import { DISCORD_PATH, NTFY_PATH, SLACK_PATH, startChatApis, TELEGRAM_TOKEN, type ChatApis } from '../helpers/chat-apis.ts';

let apis: ChatApis;
beforeAll(async () => {
  apis = await startChatApis();
});
afterAll(async () => apis.close());
beforeEach(() => {
  apis.requests.length = 0;
});

const alert: Alert = {
  accountId: 'main',
  kind: 'trip',
  level: 'EMERGENCY',
  summary: 'CLOSED ALL, confirmed by a fresh read, equity 8,400.58 | drawdown 15.6 % ≥ EMERGENCY 15.0 %',
  body: 'drawdown 15.6 % from trailing peak\n> close-all: 3 reduce-only order(s) <@everyone> & co',
  at: Date.UTC(2025, 9, 10, 20, 56, 29),
};

const noSleep = { sleep: async () => {}, backoffMs: [0] };

describe('chatText', () => {
  it('puts the short summary on the first line and the body after it', () => {
    const lines = chatText(alert).split('\n');
    expect(lines[0]).toBe(`main TRIP EMERGENCY: ${alert.summary}`);
    expect(lines.slice(1, 3)).toEqual(alert.body.split('\n'));
    expect(lines.at(-1)).toBe('2025-10-10 20:56:29 UTC · riskguard');
  });

  it('clips to the channel limit', () => {
    const long = chatText({ ...alert, body: 'x'.repeat(5000) }, 2000);
    expect(long).toHaveLength(2000);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('chat channels at their real paths and payloads', () => {
  it('Telegram: POST /bot{token}/sendMessage with chat_id and text', async () => {
    await new TelegramChannel({ botToken: TELEGRAM_TOKEN, chatId: '-1001234567890', apiBaseUrl: apis.url }).post(alert);
    expect(apis.requests).toHaveLength(1);
    const r = apis.requests[0]!;
    expect(r.path).toBe(`/bot${TELEGRAM_TOKEN}/sendMessage`);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.json).toEqual({ chat_id: '-1001234567890', text: chatText(alert) });
  });

  it('Discord: POST to the webhook with content (mentions disabled), 204 is success', async () => {
    await new DiscordChannel({ webhookUrl: `${apis.url}${DISCORD_PATH}` }).post(alert);
    const r = apis.requests[0]!;
    expect(r.path).toBe(DISCORD_PATH);
    expect(r.json).toEqual({ content: chatText(alert, 2000), allowed_mentions: { parse: [] } });
  });

  it('Slack: POST to the incoming webhook with text, & < > escaped', async () => {
    await new SlackChannel({ webhookUrl: `${apis.url}${SLACK_PATH}` }).post(alert);
    const r = apis.requests[0]!;
    expect(r.path).toBe(SLACK_PATH);
    const text = r.json!['text'] as string;
    expect(text.split('\n')[0]).toBe(`main TRIP EMERGENCY: ${alert.summary}`);
    expect(text).toContain('&lt;@everyone&gt; &amp; co');
  });

  it('ntfy: POST the text to the topic URL with Title, Priority and a Bearer token', async () => {
    await new NtfyChannel({ topicUrl: `${apis.url}${NTFY_PATH}`, token: 'tk_secret' }).post(alert);
    const r = apis.requests[0]!;
    expect(r.path).toBe(NTFY_PATH);
    expect(r.body).toBe(chatText(alert));
    expect(r.headers['title']).toBe('riskguard main');
    expect(r.headers['priority']).toBe('5');
    expect(r.headers['authorization']).toBe('Bearer tk_secret');
  });
});

describe('deliver: retries what retrying can fix, never leaks a secret', () => {
  it('retries a 500 and a Telegram 429 (waiting its retry_after), then succeeds', async () => {
    apis.failNext('/bot', [500, 429]);
    const waits: number[] = [];
    const r = await deliver(new TelegramChannel({ botToken: TELEGRAM_TOKEN, chatId: 42, apiBaseUrl: apis.url }), alert, {
      backoffMs: [7],
      sleep: async (ms) => void waits.push(ms),
    });
    expect(r).toEqual({ ok: true, attempts: 3 });
    expect(waits).toEqual([7, 1000]);
  });

  it('gives up at once on a refusal retrying cannot fix (Discord 404 Unknown Webhook)', async () => {
    apis.failNext('/api/webhooks', [404]);
    const r = await deliver(new DiscordChannel({ webhookUrl: `${apis.url}${DISCORD_PATH}` }), alert, noSleep);
    expect(r).toEqual({ ok: false, attempts: 1, error: 'discord: HTTP 404 Unknown Webhook' });
    expect(apis.requests).toHaveLength(1);
  });

  it.each([
    ['telegram', () => new TelegramChannel({ botToken: TELEGRAM_TOKEN, chatId: 1, apiBaseUrl: apis.url }), '/bot', TELEGRAM_TOKEN],
    ['slack', () => new SlackChannel({ webhookUrl: `${apis.url}${SLACK_PATH}` }), '/services', 'slacksecretXYZ'],
  ] as const)('%s: after 3 failed tries the error names the channel and status only', async (_n, make, prefix, secret) => {
    apis.failNext(prefix, [500, 500, 500]);
    const r = await deliver(make(), alert, noSleep);
    expect(r.ok).toBe(false);
    expect(r.attempts).toBe(3);
    expect(JSON.stringify(r)).not.toContain(secret);
    expect(JSON.stringify(r)).not.toContain('127.0.0.1');
  });

  it('a closed port is retried and reported without the URL', async () => {
    const r = await deliver(new SlackChannel({ webhookUrl: 'http://127.0.0.1:1/services/T/B/secretpath' }), alert, noSleep);
    expect(r).toMatchObject({ ok: false, attempts: 3 });
    expect(r.ok ? '' : r.error).toMatch(/^slack: no answer/);
    expect(JSON.stringify(r)).not.toContain('secretpath');
  });
});

describe('ChatNotifier: never blocks the guard', () => {
  it('returns before the post, delivers in order, and hands an undelivered alert over after its retries', async () => {
    const undelivered: { channel: string; attempts: number; error: string; summary: string }[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: ChatChannel = {
      name: 'slack',
      post: async (a) => {
        await gate;
        await new SlackChannel({ webhookUrl: `${apis.url}${SLACK_PATH}` }).post(a);
      },
    };
    const n = new ChatNotifier(slow, {
      ...noSleep,
      warn: () => {},
      onUndelivered: async (a, channel, r) => void undelivered.push({ channel, ...r, summary: a.summary }),
    });
    await n.notify({ ...alert, summary: 'first' });
    await n.notify({ ...alert, summary: 'second' });
    expect(apis.requests).toHaveLength(0); // notify returned while the post still waits
    apis.failNext('/services', [500, 500, 500]);
    release();
    await n.flush();
    expect(undelivered).toEqual([{ channel: 'slack', attempts: 3, error: 'slack: HTTP 500 rollup_error', summary: 'first' }]);
    expect((apis.requests.at(-1)!.json!['text'] as string).split('\n')[0]).toBe('main TRIP EMERGENCY: second');
  });
});

describe('alerts config: the chat keys', () => {
  it('accepts the documented shapes, local and cloud', () => {
    const a = AlertsConfigSchema.parse({
      telegram: { botTokenEnv: 'TG_TOKEN', botTokenParameter: '/riskguard/telegram', chatId: '-100123', apiBaseUrl: 'http://127.0.0.1:9' },
      discord: { webhookUrlEnv: 'DISCORD_URL' },
      slack: { webhookUrlParameter: '/riskguard/slack' },
      ntfy: { topicUrl: 'https://ntfy.sh/riskguard-x', tokenEnv: 'NTFY_TOKEN' },
    });
    expect(a.telegram?.chatId).toBe('-100123');
  });

  it.each([
    [{ telegram: { chatId: 1 } }, 'telegram.botTokenEnv: name where the secret lives'],
    [{ ntfy: { topicUrl: 'http://ntfy.example.com/t' } }, 'ntfy.topicUrl: must use https'],
    [{ telegram: { botTokenEnv: 'T', chatId: 1, apiBaseUrl: 'http://api.example.com' } }, 'telegram.apiBaseUrl: must use https'],
    [{ discord: { webhookUrl: 'https://discord.com/api/webhooks/1/x' } }, 'discord: Unrecognized key: "webhookUrl"'],
    [{ slack: { webhookUrlEnv: 'not a name' } }, 'slack.webhookUrlEnv: must be an environment variable name'],
  ])('refuses %j', (alerts, message) => {
    const r = AlertsConfigSchema.safeParse(alerts);
    expect(r.success).toBe(false);
    const lines = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(lines).toContain(message);
  });
});

describe('buildChatChannels', () => {
  const alerts = AlertsConfigSchema.parse({
    telegram: { botTokenParameter: '/riskguard/telegram', chatId: 1 },
    discord: { webhookUrlEnv: 'DISCORD_URL' },
    ntfy: { topicUrl: 'https://ntfy.sh/x' },
  });

  it('locally takes secrets from the environment and says which channels are cloud-only', async () => {
    const env: Record<string, string> = { DISCORD_URL: `${apis.url}${DISCORD_PATH}` };
    const b = await buildChatChannels(alerts, 'env', async (n) => env[n]);
    expect(b.channels.map((c) => c.name)).toEqual(['discord', 'ntfy']);
    expect(b.skipped).toEqual(['telegram (no botTokenEnv)']);
  });

  it('refuses a variable that is not set, and a webhook URL that is not https, without printing it', async () => {
    await expect(buildChatChannels(alerts, 'env', async () => undefined)).rejects.toThrow(
      'alerts.discord.webhookUrlEnv names the environment variable DISCORD_URL, which is not set',
    );
    const p = buildChatChannels(alerts, 'env', async () => 'http://discord.example.com/api/webhooks/1/secret-token');
    await expect(p).rejects.toThrow('the environment variable DISCORD_URL (alerts.discord.webhookUrlEnv) must use https');
    await expect(p).rejects.not.toThrow(/secret-token/);
  });
});
