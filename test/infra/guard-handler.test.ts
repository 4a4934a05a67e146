/**
 * The guard Lambda handler invoked locally with the payload its schedule sends
 * (`{"accountId": …}`), against dynalite and the paper exchange (real ccxt over HTTP); SSM and SNS
 * at the wire (test/helpers/lambda-harness.ts).
 */
import type { Server } from 'node:http';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPaperExchange, type PaperAccount, type PaperExchange } from '../../paper/index.ts';
import { ConfigSchema } from '../../functions/config.ts';
import type { TickResult } from '../../functions/use-cases/types.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';
import { closeServer, lambdaContext as context, snsEndpoint, ssmEndpoint, stubGuardEnvironment } from '../helpers/lambda-harness.ts';

const dynamo = useLocalDynamo();

let paper: PaperExchange;
let acc: PaperAccount;
let ssm: Server;
let sns: Server;
const ssmCalls: { target: string; body: { Name?: string; WithDecryption?: boolean } }[] = [];
const published: URLSearchParams[] = [];
let handler: (event: unknown, ctx: Context) => Promise<TickResult>;

beforeAll(async () => {
  paper = await startPaperExchange({ startTime: Date.now(), speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000 });
  acc = paper.engine.createAccount({
    walletBalance: 10_000,
    positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
  });
  ssm = await ssmEndpoint(() => JSON.stringify({ apiKey: acc.apiKey, secret: acc.secret }), ssmCalls);
  sns = await snsEndpoint(published);
  const config = ConfigSchema.parse({
    accounts: [{ id: 'paper', exchange: 'binanceusdm', baseUrl: paper.url, credentials: { parameterName: '/riskguard/paper' } }],
    policy: { thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } },
    alerts: { emails: ['ops@example.com'] },
  });
  stubGuardEnvironment({ config, dynamoEndpoint: dynamo.local.endpoint, tableName: dynamo.tableName, sns, ssm });
  handler = (await import('../../functions/handlers/guard.ts')).handler as typeof handler;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await paper.close();
  await closeServer(ssm);
  await closeServer(sns);
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
