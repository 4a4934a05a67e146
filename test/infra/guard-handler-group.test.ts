/**
 * The guard Lambda handler with a group: two accounts on their own schedules share one drawdown
 * budget. Dynalite and the paper exchange (real ccxt over HTTP); SSM and SNS at the wire
 * (test/helpers/lambda-harness.ts).
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
const accounts: Record<string, PaperAccount> = {};
let ssm: Server;
let sns: Server;
const published: URLSearchParams[] = [];
let handler: (event: unknown, ctx: Context) => Promise<TickResult>;

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
  // One SecureString per account, named /riskguard/<id>.
  ssm = await ssmEndpoint((name) => {
    const acc = accounts[name.split('/').pop()!]!;
    return JSON.stringify({ apiKey: acc.apiKey, secret: acc.secret });
  });
  sns = await snsEndpoint(published);
  const config = ConfigSchema.parse({
    accounts: ['a', 'b'].map((id) => ({ id, exchange: 'binanceusdm', baseUrl: paper.url, credentials: { parameterName: `/riskguard/${id}` }, group: 'desk' })),
    // Each account's own drawdown rule is off: only the group can trip.
    policy: { thresholds: { WARNING: { stressSurvival: null, drawdown: null }, DANGER: { stressSurvival: null, drawdown: null }, EMERGENCY: { drawdown: null } } },
    groups: [{ id: 'desk', maxDrawdown: 0.08 }],
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
