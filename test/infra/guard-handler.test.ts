/**
 * The guard Lambda handler invoked locally with the payload its schedule sends
 * (`{"accountId": …}`), against dynalite and the paper exchange (real ccxt over HTTP). SSM and SNS
 * have no local implementation here, so each is a small HTTP endpoint speaking its wire protocol;
 * the SDK clients are pointed there with AWS_ENDPOINT_URL_<SERVICE>.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPaperExchange, type PaperAccount, type PaperExchange } from '../../paper/index.ts';
import { ConfigSchema } from '../../functions/config.ts';
import { toDeployedConfig } from '../../functions/handlers/deployed-config.ts';
import type { TickResult } from '../../functions/use-cases/types.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';

const dynamo = useLocalDynamo();
const context = { functionName: 'riskguard-guard', awsRequestId: 'req-1', invokedFunctionArn: 'arn:aws:lambda:local:1:function:g', memoryLimitInMB: '256', functionVersion: '$LATEST', getRemainingTimeInMillis: () => 50_000 } as unknown as Context;

let paper: PaperExchange;
let acc: PaperAccount;
let ssm: Server;
let sns: Server;
const ssmCalls: { target: string; body: { Name?: string; WithDecryption?: boolean } }[] = [];
const published: URLSearchParams[] = [];
let handler: (event: unknown, ctx: Context) => Promise<TickResult>;

function endpoint(onBody: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<Server> {
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => onBody(req, body, res));
  });
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r(s)));
}
const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

beforeAll(async () => {
  paper = await startPaperExchange({ startTime: Date.now(), speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000 });
  acc = paper.engine.createAccount({
    walletBalance: 10_000,
    positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
  });
  // SSM's JSON protocol: POST / with X-Amz-Target: AmazonSSM.GetParameter.
  ssm = await endpoint((req, body, res) => {
    ssmCalls.push({ target: String(req.headers['x-amz-target']), body: JSON.parse(body) as { Name?: string } });
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ Parameter: { Name: '/riskguard/paper', Type: 'SecureString', Version: 1, Value: JSON.stringify({ apiKey: acc.apiKey, secret: acc.secret }) } }));
  });
  // SNS's query protocol: Action=Publish.
  sns = await endpoint((_req, body, res) => {
    published.push(new URLSearchParams(body));
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end('<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>');
  });
  const config = ConfigSchema.parse({
    accounts: [{ id: 'paper', exchange: 'binanceusdm', baseUrl: paper.url, credentials: { parameterName: '/riskguard/paper' } }],
    policy: { thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } },
    alerts: { emails: ['ops@example.com'] },
  });
  const configFile = join(mkdtempSync(join(tmpdir(), 'riskguard-guard-')), 'riskguard.deployed.json');
  writeFileSync(configFile, JSON.stringify(toDeployedConfig(config, 'test')));
  const env: Record<string, string> = {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.local.endpoint,
    AWS_ENDPOINT_URL_SNS: url(sns),
    AWS_ENDPOINT_URL_SSM: url(ssm),
    TABLE_NAME: dynamo.tableName,
    ALERT_TOPIC_ARN: 'arn:aws:sns:local:123456789012:riskguard-alerts',
    RISKGUARD_CONFIG_FILE: configFile,
    METRICS: 'essential',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  handler = (await import('../../functions/handlers/guard.ts')).handler as typeof handler;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await paper.close();
  await new Promise<void>((r) => ssm.close(() => r()));
  await new Promise<void>((r) => sns.close(() => r()));
});

describe('guard handler, invoked as its schedule invokes it', () => {
  it('ticks, then trips on a crash: flat on the paper exchange, state in dynalite, one SNS alert', async () => {
    const first = await handler({ accountId: 'paper' }, context);
    expect(first.status).toBe('OK');
    expect(ssmCalls).toEqual([{ target: 'AmazonSSM.GetParameter', body: { Name: '/riskguard/paper', WithDecryption: true } }]);

    paper.engine.setPrices({ BTCUSDT: 48_000 }); // 2,000 lost on 10,000: 20 % drawdown
    paper.engine.advanceBy(60_000);
    const second = await handler({ accountId: 'paper' }, context);

    expect(second.tripKind).toBe('close-all');
    expect(acc.positions.size).toBe(0);
    expect(published).toHaveLength(1);
    const message = JSON.parse(published[0]!.get('Message')!) as { sms: string; email: string };
    expect(message.sms.length).toBeLessThanOrEqual(140);
    expect(message.sms).toContain('CLOSED ALL');
    expect(published[0]!.get('MessageStructure')).toBe('json');
    expect(JSON.stringify(message)).not.toContain(acc.secret);
    // The key is read once per cold start.
    expect(ssmCalls).toHaveLength(1);
    const state = await dynamo.store().get('paper');
    expect(state).toMatchObject({ halted: true, trip: { status: 'done' } });
  });

  it('refuses a bad schedule payload plainly', async () => {
    await expect(handler({ account: 'paper' }, context)).rejects.toThrow(/accountId/);
  });
});
