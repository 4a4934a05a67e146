/**
 * The chat channels through the CLI, as processes: `test-alert` posts to each configured chat
 * (a local server stands in for the chat APIs at their real paths) and says which failed; a tick
 * whose chat post fails still completes, and `status` shows the undelivered alert.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type PaperExchange } from '../../paper/index.ts';
import { DISCORD_PATH, NTFY_PATH, SLACK_PATH, startChatApis, TELEGRAM_TOKEN, type ChatApis } from '../helpers/chat-apis.ts';
import { runCli } from '../helpers/cli.ts';

let apis: ChatApis;
let paper: PaperExchange;
let dir: string;
let keys: { apiKey: string; secret: string };

beforeAll(async () => {
  apis = await startChatApis();
  paper = await startPaperExchange({ startTime: Date.now(), speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000 });
  const acc = paper.engine.createAccount({
    walletBalance: 10_000,
    positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
  });
  keys = { apiKey: acc.apiKey, secret: acc.secret };
});
afterAll(async () => {
  await apis.close();
  await paper.close();
});
beforeEach(() => {
  apis.requests.length = 0;
  dir = mkdtempSync(join(tmpdir(), 'riskguard-chat-cli-'));
});

const chatEnv = () => ({
  RG_TELEGRAM_TOKEN: TELEGRAM_TOKEN,
  RG_DISCORD_URL: `${apis.url}${DISCORD_PATH}`,
  RG_SLACK_URL: `${apis.url}${SLACK_PATH}`,
  RG_NTFY_TOKEN: 'tk_ntfysecret',
  RG_KEY: keys.apiKey,
  RG_SECRET: keys.secret,
});

function writeConfig(extra: Record<string, unknown> = {}): string {
  const file = join(dir, 'riskguard.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      accounts: [{ id: 'main', exchange: 'binanceusdm', baseUrl: paper.url, credentials: { apiKeyEnv: 'RG_KEY', secretEnv: 'RG_SECRET' } }],
      alerts: {
        telegram: { botTokenEnv: 'RG_TELEGRAM_TOKEN', chatId: '-1001234567890', apiBaseUrl: apis.url },
        discord: { webhookUrlEnv: 'RG_DISCORD_URL' },
        slack: { webhookUrlEnv: 'RG_SLACK_URL' },
        ntfy: { topicUrl: `${apis.url}${NTFY_PATH}`, tokenEnv: 'RG_NTFY_TOKEN' },
        ...extra,
      },
    }),
  );
  return file;
}

const noSecrets = (text: string) => {
  for (const s of [TELEGRAM_TOKEN, 'discord-secret-token', 'slacksecretXYZ', 'tk_ntfysecret']) expect(text).not.toContain(s);
};

describe('riskguard test-alert (process)', () => {
  it('reaches every configured chat at its real path, first line the summary', async () => {
    const r = await runCli(['test-alert', '--config', writeConfig()], { env: chatEnv() });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/sent {4}telegram\n {2}sent {4}discord\n {2}sent {4}slack\n {2}sent {4}ntfy/);
    expect(apis.requests.map((q) => q.path)).toEqual([`/bot${TELEGRAM_TOKEN}/sendMessage`, DISCORD_PATH, SLACK_PATH, NTFY_PATH]);
    expect((apis.requests[0]!.json!['text'] as string).split('\n')[0]).toBe('main TEST OK: test alert: if you read this, alerts reach you');
    noSecrets(r.stdout + r.stderr);
  });

  it('says which channel failed and exits 1; the others still get it', async () => {
    apis.failNext('/api/webhooks', [404]);
    const r = await runCli(['test-alert', '--config', writeConfig()], { env: chatEnv() });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FAILED  discord: discord: HTTP 404 Unknown Webhook (1 attempt(s))');
    expect(r.stdout).toContain('1 channel(s) FAILED: discord');
    expect(apis.requests.map((q) => q.path)).toEqual([`/bot${TELEGRAM_TOKEN}/sendMessage`, DISCORD_PATH, SLACK_PATH, NTFY_PATH]);
    noSecrets(r.stdout + r.stderr);
  });

  it('a chat whose variable is not set is bad input: one line, exit 2, nothing sent', async () => {
    const r = await runCli(['test-alert', '--config', writeConfig()], { env: { ...chatEnv(), RG_SLACK_URL: '' } });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('riskguard: alerts.slack.webhookUrlEnv names the environment variable RG_SLACK_URL, which is not set');
    expect(apis.requests).toHaveLength(0);
  });

  it('a webhook URL that is not https is refused without printing it', async () => {
    const r = await runCli(['test-alert', '--config', writeConfig()], { env: { ...chatEnv(), RG_DISCORD_URL: 'http://discord.example.com/api/webhooks/1/discord-secret-token' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('RG_DISCORD_URL (alerts.discord.webhookUrlEnv) must use https');
    noSecrets(r.stdout + r.stderr);
  });

  it('names a cloud-only chat instead of posting it', async () => {
    const r = await runCli(['test-alert', '--config', writeConfig({ slack: { webhookUrlParameter: '/riskguard/slack' } })], { env: chatEnv() });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('skipped slack (no webhookUrlEnv): cloud only; give --topic-arn to test it through the relay');
    expect(apis.requests.map((q) => q.path)).not.toContain(SLACK_PATH);
  });
});

describe('a failed chat post never blocks the guard (process)', () => {
  it('the tick completes, the alert reaches the other chats, and status shows what was not delivered', async () => {
    const config = writeConfig();
    const dbPath = join(dir, 'db');
    apis.failNext('/bot', [401]);
    const tick = await runCli(['tick', '--config', config, '--db-path', dbPath, '--dry-run'], { env: chatEnv() });
    expect(tick.status).toBe(0);
    expect(tick.stdout).toMatch(/main {2}(WARNING|DANGER)/);
    expect(tick.stderr).toContain('NOT DELIVERED to telegram after 1 attempt(s): telegram: HTTP 401 Unauthorized');
    expect(apis.requests.map((q) => q.path)).toEqual(expect.arrayContaining([DISCORD_PATH, SLACK_PATH, NTFY_PATH]));

    const status = await runCli(['status', '--db-path', dbPath]);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/main: alert NOT DELIVERED to telegram at .* \(1 attempt\(s\): telegram: HTTP 401 Unauthorized\): escalation/);
    noSecrets(tick.stdout + tick.stderr + status.stdout);
  });
});
