import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isGsm7Basic, type FormattableAlert } from '../../functions/domain/alert-format.ts';
import { SnsNotifier } from '../../functions/adapters/sns-notifier.ts';

// The SDK warns about Node < 22 on this machine; Lambda runs Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * No SNS emulator here delivers to email or SMS, so the adapter is tested at the wire: a local
 * HTTP endpoint speaks the SNS query protocol (what @aws-sdk/client-sns 3.x sends: a form-encoded
 * POST with Action=Publish) and answers with a real PublishResponse document.
 */

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}

const TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:riskguard-alerts';
const MESSAGE_ID = '5f2c1e0a-7c55-5f4e-9a2f-2d0e2b4a1c11';
let server: Server;
let endpoint: string;
let received: Received[] = [];
let reply: { status: number; body: string } | null = null;

const publishResponse = (messageId: string) =>
  `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <PublishResult><MessageId>${messageId}</MessageId></PublishResult>
  <ResponseMetadata><RequestId>f187a3c1-376f-11df-8963-01868b7c937a</RequestId></ResponseMetadata>
</PublishResponse>`;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
      });
      const r = reply ?? { status: 200, body: publishResponse(MESSAGE_ID) };
      res.writeHead(r.status, { 'content-type': 'text/xml' });
      res.end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  reply = null;
});

const client = () =>
  new SNSClient({
    endpoint,
    region: 'ap-northeast-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    maxAttempts: 1,
  });

const tripAlert: FormattableAlert = {
  accountId: 'main',
  kind: 'trip',
  level: 'EMERGENCY',
  summary: 'drawdown 15.4 % ≥ EMERGENCY 15 %; closed all 3 positions, equity 8,460.12',
  body: 'close-all: 3 reduce-only order(s), 2 open order(s) cancelled, 1 round(s); confirmed by a fresh read\n\nReasons:\n  - drawdown 15.4 % ≥ EMERGENCY 15 %',
  at: Date.UTC(2025, 9, 10, 21, 15, 0),
};

describe('SnsNotifier', () => {
  it('sends one Publish with MessageStructure json, a subject and per-protocol messages', async () => {
    // Prepare
    const notifier = new SnsNotifier({
      topicArn: TOPIC,
      client: client(),
      context: { tableName: 'RiskGuard-Table', region: 'ap-northeast-1' },
    });

    // Act
    const messageId = await notifier.publish(tripAlert);

    // Assess
    expect(messageId).toBe(MESSAGE_ID);
    expect(received).toHaveLength(1);
    const req = received[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-northeast-1\/sns\/aws4_request/);
    const f = req.form;
    expect(f.get('Action')).toBe('Publish');
    expect(f.get('Version')).toBe('2010-03-31');
    expect(f.get('TopicArn')).toBe(TOPIC);
    expect(f.get('MessageStructure')).toBe('json');
    const subject = f.get('Subject')!;
    expect(subject.startsWith('riskguard main: TRIPPED at EMERGENCY: positions cut - drawdown 15.4 % >= EMERGENCY 15 %')).toBe(true);
    expect(subject.length).toBeLessThan(100);
    expect(f.get('MessageAttributes.entry.1.Name')).toBe('AWS.SNS.SMS.SMSType');
    expect(f.get('MessageAttributes.entry.1.Value.DataType')).toBe('String');
    expect(f.get('MessageAttributes.entry.1.Value.StringValue')).toBe('Transactional');

    const message = JSON.parse(f.get('Message')!) as Record<string, string>;
    expect(Object.keys(message).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sms']);
    expect(message.lambda).toBe(message.https);
    expect(message.sms).toBe('main TRIPPED EMERGENCY: drawdown 15.4 % >= EMERGENCY 15 %; closed all 3 positions, equity 8,460.12');
    expect(message.sms!.length).toBeLessThanOrEqual(140);
    expect(isGsm7Basic(message.sms!)).toBe(true);
    expect(message.email).toContain('close-all: 3 reduce-only order(s)');
    expect(message.email).toContain(
      'npx riskguard rearm --account main --by NAME --reason TEXT --table RiskGuard-Table --region ap-northeast-1',
    );
    expect(message.default).toBe(message.email);
    expect(JSON.parse(message.https!)).toMatchObject({ accountId: 'main', kind: 'trip', level: 'EMERGENCY' });
  });

  it('publishes the watchdog dead-man alert with its own wording', async () => {
    const notifier = new SnsNotifier({ topicArn: TOPIC, client: client() });

    await notifier.notify({ ...tripAlert, kind: 'dead-man', level: 'UNKNOWN', summary: 'no successful tick for 3 min', body: '' });

    const message = JSON.parse(received[0]!.form.get('Message')!) as Record<string, string>;
    expect(message.sms).toBe('main GUARD DOWN: no successful tick for 3 min');
    expect(received[0]!.form.get('Subject')).toBe('riskguard main: guard is not protecting this account - no successful tick for 3 min');
  });

  it('rejects when SNS refuses the publish, with the modelled SNS error', async () => {
    reply = {
      status: 400,
      body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <Error><Type>Sender</Type><Code>KMSAccessDenied</Code><Message>User is not authorized to perform kms:GenerateDataKey</Message></Error>
  <RequestId>9b1c2f4e-1111-2222-3333-444455556666</RequestId>
</ErrorResponse>`,
    };
    const notifier = new SnsNotifier({ topicArn: TOPIC, client: client() });

    await expect(notifier.notify(tripAlert)).rejects.toMatchObject({
      name: 'KMSAccessDeniedException',
      message: 'User is not authorized to perform kms:GenerateDataKey',
    });
  });

  it('refuses to be built without a topic', () => {
    expect(() => new SnsNotifier({ topicArn: '' })).toThrow(/topicArn is required/);
  });
});
