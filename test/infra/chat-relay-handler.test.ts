/**
 * The chat relay Lambda invoked locally with the SNS event the alert topic delivers: the SNS
 * message is what SnsNotifier really publishes (taken from the SNS wire endpoint), the chat
 * secrets come from SSM at the wire, the chats are a local stand-in at their real paths, and an
 * undelivered post lands in dynalite's audit log.
 */
import type { Server } from 'node:http';
import type { SNSEvent } from 'aws-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SnsNotifier } from '../../functions/adapters/sns-notifier.ts';
import { undeliveredLines } from '../../functions/cli/undelivered.ts';
import type { RelayReport } from '../../functions/handlers/chat-relay-wiring.ts';
import { alertFromSns } from '../../functions/handlers/chat-relay-wiring.ts';
import type { Alert } from '../../functions/ports.ts';
import { DISCORD_PATH, NTFY_PATH, SLACK_PATH, startChatApis, TELEGRAM_TOKEN, type ChatApis } from '../helpers/chat-apis.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';
import { closeServer, endpointUrl, snsEndpoint, ssmEndpoint } from '../helpers/lambda-harness.ts';

const dynamo = useLocalDynamo();
let apis: ChatApis;
let ssm: Server;
let sns: Server;
const ssmCalls: { target: string; body: { Name?: string; WithDecryption?: boolean } }[] = [];
const published: URLSearchParams[] = [];
let handler: (event: SNSEvent) => Promise<RelayReport>;

const trip: Alert = {
  accountId: 'main',
  kind: 'trip',
  level: 'EMERGENCY',
  summary: 'CLOSED ALL, confirmed by a fresh read, equity 8,400.58',
  body: 'drawdown 15.6 % from trailing peak ≥ EMERGENCY 15.0 %',
  at: Date.UTC(2026, 11, 3, 23, 0, 0),
};

beforeAll(async () => {
  apis = await startChatApis();
  const secrets: Record<string, string> = {
    '/riskguard/telegram': TELEGRAM_TOKEN,
    '/riskguard/discord': `${apis.url}${DISCORD_PATH}`,
    '/riskguard/slack': `${apis.url}${SLACK_PATH}`,
    '/riskguard/ntfy': 'tk_ntfysecret',
  };
  ssm = await ssmEndpoint((name) => secrets[name]!, ssmCalls);
  sns = await snsEndpoint(published);
  const env: Record<string, string> = {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.local.endpoint,
    AWS_ENDPOINT_URL_SSM: endpointUrl(ssm),
    TABLE_NAME: dynamo.tableName,
    CHAT_CHANNELS: JSON.stringify({
      telegram: { botTokenParameter: '/riskguard/telegram', chatId: '-1001234567890', apiBaseUrl: apis.url },
      discord: { webhookUrlParameter: '/riskguard/discord' },
      slack: { webhookUrlParameter: '/riskguard/slack' },
      ntfy: { topicUrl: `${apis.url}${NTFY_PATH}`, tokenParameter: '/riskguard/ntfy' },
    }),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  handler = (await import('../../functions/handlers/chat-relay.ts')).handler;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await apis.close();
  await closeServer(ssm);
  await closeServer(sns);
});

/** What the guard really publishes, as the topic hands it to a Lambda subscriber (the `lambda` key). */
async function snsEventOf(alert: Alert): Promise<SNSEvent> {
  published.length = 0;
  const client = new SNSClient({ region: 'local', endpoint: endpointUrl(sns), credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await new SnsNotifier({ topicArn: 'arn:aws:sns:local:123456789012:alerts', client }).notify(alert);
  const f = published[0]!;
  const message = (JSON.parse(f.get('Message')!) as { lambda: string }).lambda;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:local:123456789012:alerts:sub',
        Sns: {
          Type: 'Notification',
          MessageId: 'm-1',
          TopicArn: f.get('TopicArn')!,
          Subject: f.get('Subject')!,
          Message: message,
          Timestamp: new Date(alert.at).toISOString(),
          SignatureVersion: '1',
          Signature: 'x',
          SigningCertUrl: 'https://sns.local/cert.pem',
          UnsubscribeUrl: 'https://sns.local/unsub',
          MessageAttributes: {},
        },
      },
    ],
  };
}

describe('chat relay handler, invoked as the alert topic invokes it', () => {
  it('posts the alert to every chat (summary first), reading the SSM secrets once per cold start', async () => {
    apis.requests.length = 0;
    const report = await handler(await snsEventOf(trip));
    expect(report).toEqual({ alerts: 1, delivered: ['telegram', 'discord', 'slack', 'ntfy'], undelivered: [] });
    expect(apis.requests.map((r) => r.path).sort()).toEqual([`/bot${TELEGRAM_TOKEN}/sendMessage`, DISCORD_PATH, NTFY_PATH, SLACK_PATH].sort());
    const telegram = apis.requests.find((r) => r.path.startsWith('/bot'))!;
    expect(telegram.json).toMatchObject({ chat_id: '-1001234567890' });
    expect((telegram.json!['text'] as string).split('\n').slice(0, 2)).toEqual([`main TRIP EMERGENCY: ${trip.summary}`, trip.body]);
    expect(apis.requests.find((r) => r.path === NTFY_PATH)!.headers['authorization']).toBe('Bearer tk_ntfysecret');
    expect(ssmCalls.map((c) => c.body)).toEqual(
      ['/riskguard/telegram', '/riskguard/discord', '/riskguard/slack', '/riskguard/ntfy'].map((Name) => ({ Name, WithDecryption: true })),
    );

    await handler(await snsEventOf({ ...trip, kind: 'reminder', summary: 'still EMERGENCY' }));
    expect(ssmCalls).toHaveLength(4);
  });

  it('records a chat that fails as an undelivered alert (status shows it) and still succeeds', async () => {
    apis.requests.length = 0;
    apis.failNext('/api/webhooks', [404]);
    const report = await handler(await snsEventOf({ ...trip, accountId: 'relay-fail' }));
    expect(report.undelivered).toEqual([{ channel: 'discord', error: 'discord: HTTP 404 Unknown Webhook' }]);
    expect(report.delivered).toEqual(['telegram', 'slack', 'ntfy']);
    const lines = await undeliveredLines(dynamo.store(), ['relay-fail']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('relay-fail: alert NOT DELIVERED to discord');
    expect(lines[0]).toContain('trip (EMERGENCY): CLOSED ALL');
    expect(lines[0]).not.toContain('discord-secret-token');
  });
});

describe('alertFromSns', () => {
  it('reads a CloudWatch alarm as a notice about the deployment', () => {
    const a = alertFromSns({
      Subject: 'ALARM: "GuardErrors" in Asia Pacific (Tokyo)',
      Message: JSON.stringify({ AlarmName: 'GuardErrors', NewStateValue: 'ALARM', NewStateReason: 'Threshold Crossed: 2 datapoints', AlarmDescription: 'riskguard guard function failed' }),
      Timestamp: '2026-12-03T23:00:00.000Z',
    });
    expect(a).toMatchObject({ accountId: 'riskguard', level: 'ALARM', summary: 'CloudWatch alarm GuardErrors is ALARM', body: 'Threshold Crossed: 2 datapoints\nriskguard guard function failed' });
  });

  it('reads plain text with its subject as the summary', () => {
    expect(alertFromSns({ Subject: 'riskguard test', Message: 'riskguard test alert', Timestamp: '2026-12-03T23:00:00.000Z' })).toMatchObject({
      summary: 'riskguard test',
      body: 'riskguard test alert',
    });
  });
});
