/**
 * The Lambda handlers end to end, without AWS: the status and watchdog handlers run against
 * dynalite (DynamoDB's API) and a local HTTP endpoint that speaks SNS's query protocol; the SDK
 * clients built at module scope are pointed there with AWS_ENDPOINT_URL_<SERVICE>.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initialState, type GuardState } from '../../functions/domain/state.ts';
import { staleAfterMs, toDeployedConfig } from '../../functions/handlers/deployed-config.ts';
import { tradeStatus } from '../../functions/domain/trade-status.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';
import { DynamoStateStore } from '../../functions/adapters/dynamo-store.ts';
import { watchdogPk } from '../../functions/handlers/watchdog-check.ts';
import { configWith, exampleConfig } from './app-fixture.ts';

const dynamo = useLocalDynamo();
const deployed = toDeployedConfig(exampleConfig(), 'riskguard.config.example.json');
const context = { functionName: 'riskguard-test', awsRequestId: 'req-1', invokedFunctionArn: 'arn:aws:lambda:local:1:function:t', memoryLimitInMB: '256', functionVersion: '$LATEST' } as unknown as Context;

let sns: Server;
const published: URLSearchParams[] = [];
let statusHandler: (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let watchdogHandler: (e: unknown, c: Context) => Promise<{ down: { accountId: string; health: string }[]; alertsSent: number }>;

beforeAll(async () => {
  sns = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      published.push(new URLSearchParams(body));
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>');
    });
  });
  await new Promise<void>((r) => sns.listen(0, '127.0.0.1', r));
  const configFile = join(mkdtempSync(join(tmpdir(), 'riskguard-handlers-')), 'riskguard.deployed.json');
  writeFileSync(configFile, JSON.stringify(deployed));
  const env: Record<string, string> = {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.local.endpoint,
    AWS_ENDPOINT_URL_SNS: `http://127.0.0.1:${(sns.address() as AddressInfo).port}`,
    TABLE_NAME: dynamo.tableName,
    ALERT_TOPIC_ARN: 'arn:aws:sns:local:123456789012:riskguard-alerts',
    RISKGUARD_CONFIG_FILE: configFile,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  statusHandler = (await import('../../functions/handlers/status.ts')).handler as typeof statusHandler;
  watchdogHandler = (await import('../../functions/handlers/watchdog.ts')).handler as typeof watchdogHandler;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise<void>((r) => sns.close(() => r()));
});

async function putState(id: string, s: Partial<GuardState>) {
  const store = dynamo.store();
  const current = await store.get(id);
  expect(await store.put({ ...initialState(id), ...current, ...s, accountId: id }, current?.version ?? 0)).toBe(true);
}

const get = (query: Record<string, string> | undefined) =>
  statusHandler({ queryStringParameters: query } as unknown as APIGatewayProxyEventV2, context);

describe('status handler (function URL)', () => {
  it('answers "may I trade?" for a healthy account', async () => {
    const now = Date.now();
    await putState('main', { level: 'WARNING', lastTickAt: now - 20_000, lastOkAt: now - 20_000 });

    const res = await get({ account: 'main' });

    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(JSON.parse(res.body!)).toMatchObject({
      accountId: 'main',
      mayTrade: true,
      level: 'WARNING',
      halted: false,
      paused: false,
      reasons: [],
      lastTickAt: now - 20_000,
    });
  });

  it('says no, with the reason, for a halted account', async () => {
    const now = Date.now();
    await putState('bot-eth', {
      level: 'EMERGENCY',
      halted: true,
      haltedAt: now - 60_000,
      haltReason: 'drawdown 12.3 % ≥ EMERGENCY 12 %',
      lastTickAt: now - 10_000,
      lastOkAt: now - 10_000,
    });

    const body = JSON.parse((await get({ account: 'bot-eth' })).body!) as { mayTrade: boolean; reasons: string[] };

    expect(body.mayTrade).toBe(false);
    expect(body.reasons[0]).toMatch(/^halted since .*: drawdown 12\.3 % ≥ EMERGENCY 12 %; a human must re-arm$/);
    expect(body.reasons[1]).toBe('level EMERGENCY: do not add risk');
  });

  it('refuses a missing or malformed account id, and an account not deployed', async () => {
    expect((await get(undefined)).statusCode).toBe(400);
    expect((await get({ account: '../etc' })).statusCode).toBe(400);
    const res = await get({ account: 'other' });
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body!)).toEqual({ error: 'no account "other" in this deployment' });
  });
});

describe('watchdog handler', () => {
  it('publishes one dead-man alert for the account whose guard stopped', async () => {
    const now = Date.now();
    await putState('main', { lastTickAt: now - 10 * 60_000, lastOkAt: now - 10 * 60_000 });
    await putState('bot-eth', { halted: false, level: 'OK', lastTickAt: now - 5_000, lastOkAt: now - 5_000 });
    published.length = 0;

    const report = await watchdogHandler({}, context);

    expect(report.down).toEqual([{ accountId: 'main', health: 'stale' }]);
    expect(report.alertsSent).toBe(1);
    expect(published).toHaveLength(1);
    expect(published[0]!.get('Action')).toBe('Publish');
    const message = JSON.parse(published[0]!.get('Message')!) as { sms: string; email: string };
    expect(message.sms).toBe('main GUARD DOWN: no tick for 10 min; guard not running, account unprotected');
    expect(message.email).toContain("Check: the guard function logs and errors in CloudWatch");

    // The next minute: already reported, nothing sent.
    await watchdogHandler({}, context);
    expect(published).toHaveLength(1);

    // Its memory is its own items (WATCHDOG#main), the only ones its role may write; the guard's
    // audit log is left to the guard.
    const mine = await dynamo.store({}).events('main', 10);
    expect(mine.filter((e) => e.by === 'watchdog')).toEqual([]);
    const own = new DynamoStateStore({ tableName: dynamo.tableName, client: dynamo.client, eventPk: watchdogPk });
    expect((await own.events('main', 10)).map((e) => [e.by, e.data?.watchdog])).toContainEqual(['watchdog', 'stale']);
  });
});

describe('tradeStatus', () => {
  const now = Date.UTC(2025, 9, 10, 12, 0, 0);
  const ok = { ...initialState('a'), version: 3, lastTickAt: now - 30_000, lastOkAt: now - 30_000 };
  it.each<[string, GuardState | null, boolean, string[]]>([
    ['healthy OK', ok, true, []],
    ['WARNING still trades', { ...ok, level: 'WARNING' }, true, []],
    ['DANGER', { ...ok, level: 'DANGER' }, false, ['level DANGER: do not add risk']],
    ['never ticked', null, false, ['the guard has not ticked this account yet']],
    [
      'paused',
      { ...ok, pausedUntil: now + 600_000, pausedBy: 'ana', pauseReason: 'manual hedge' },
      false,
      ['guard paused by ana until 2025-10-10T12:10:00.000Z: manual hedge'],
    ],
    [
      'guard not seen for 5 minutes',
      { ...ok, lastOkAt: now - 300_000 },
      false,
      ['last successful guard tick 300 s ago (limit 150 s): the account is not being watched'],
    ],
  ])('%s', (_, state, mayTrade, reasons) => {
    const s = tradeStatus('a', state, now, 150_000);
    expect(s.mayTrade).toBe(mayTrade);
    expect(s.reasons).toEqual(reasons);
  });
});

describe('deployed config', () => {
  it('resolves every account policy at synth', () => {
    expect(deployed.accounts.map((a) => [a.config.id, a.policy.thresholds.DANGER.drawdown, a.policy.dryRun])).toEqual([
      ['main', 0.1, false],
      ['bot-eth', 0.08, true],
    ]);
  });

  it('refuses an account the cloud guard could not read keys for', () => {
    const config = configWith((raw) => {
      delete (raw.accounts as { credentials: Record<string, unknown> }[])[1]!.credentials.parameterName;
    });
    expect(() => toDeployedConfig(config, 'x.json')).toThrow(/accounts\[1\] \(bot-eth\): .*credentials\.parameterName/);
  });

  it('allows two schedule periods plus 30 s without a successful tick', () => {
    expect(staleAfterMs(deployed.accounts[0]!)).toBe(150_000);
    expect(staleAfterMs({ ...deployed.accounts[0]!, config: { ...deployed.accounts[0]!.config, scheduleMinutes: 5 } })).toBe(630_000);
  });
});
