/**
 * The guard Lambda handler with a group: two accounts on their own schedules share one drawdown
 * budget. Dynalite and the paper exchange (real ccxt over HTTP); SSM and SNS, which have no local
 * implementation here, are small HTTP endpoints speaking their wire protocols.
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
const accounts: Record<string, PaperAccount> = {};
let ssm: Server;
let sns: Server;
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
  paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000 });
  accounts.a = paper.engine.createAccount({
    walletBalance: 10_000,
    positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
  });
  accounts.b = paper.engine.createAccount({
    walletBalance: 10_000,
    positions: [{ symbol: 'ETHUSDT', side: 'long', size: 10, entryPrice: 3_000, marginMode: 'cross', leverage: 10 }],
  });
  // SSM's JSON protocol: one SecureString per account, named /riskguard/<id>.
  ssm = await endpoint((_req, body, res) => {
    const name = (JSON.parse(body) as { Name: string }).Name;
    const acc = accounts[name.split('/').pop()!]!;
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ Parameter: { Name: name, Type: 'SecureString', Version: 1, Value: JSON.stringify({ apiKey: acc.apiKey, secret: acc.secret }) } }));
  });
  sns = await endpoint((_req, body, res) => {
    published.push(new URLSearchParams(body));
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end('<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>');
  });
  const config = ConfigSchema.parse({
    accounts: ['a', 'b'].map((id) => ({ id, exchange: 'binanceusdm', baseUrl: paper.url, credentials: { parameterName: `/riskguard/${id}` }, group: 'desk' })),
    // Each account's own drawdown rule is off: only the group can trip.
    policy: { thresholds: { WARNING: { stressSurvival: null, drawdown: null }, DANGER: { stressSurvival: null, drawdown: null }, EMERGENCY: { drawdown: null } } },
    groups: [{ id: 'desk', maxDrawdown: 0.08 }],
  });
  const configFile = join(mkdtempSync(join(tmpdir(), 'riskguard-group-')), 'riskguard.deployed.json');
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

describe('guard handler with a group', () => {
  it("closes both members when the group passes its limit (each account's own drawdown rule is off)", async () => {
    await handler({ accountId: 'a' }, context);
    await handler({ accountId: 'b' }, context);
    // BTC −6 %, ETH −10 %: 6,000 lost on the group's 20,000, past its 8 % limit.
    paper.engine.setPrices({ BTCUSDT: 47_000, ETHUSDT: 2_700 });
    paper.engine.advanceBy(60_000);
    await handler({ accountId: 'a' }, context);
    expect(accounts.a!.positions.size).toBe(0);
    expect(accounts.b!.positions.size).toBe(0);
    const state = await dynamo.store().get('group:desk');
    expect(state).toMatchObject({ halted: true });
    const group = published.map((p) => JSON.parse(p.get('Message')!) as { sms: string }).find((m) => m.sms.includes('desk'));
    expect(group).toBeDefined();
  });
});
