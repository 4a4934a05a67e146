/**
 * The deployed status function answering the agent contract (`get_status`, `check_order`,
 * `max_order_size`) through the local Lambda harness: dynalite as the table, the guard's stored
 * snapshot as the data, the agents' audit log written with the table's TTL.
 */
import type { Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoAgentLog } from '../../functions/adapters/dynamo-agent-log.ts';
import { DynamoSnapshotStore } from '../../functions/adapters/dynamo-snapshot-store.ts';
import { evaluateAccount } from '../../functions/domain/margin.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import { checkOrder } from '../../functions/domain/pre-trade.ts';
import { AccountSnapshotSchema } from '../../functions/domain/snapshot.ts';
import { initialState } from '../../functions/domain/state.ts';
import type { CheckOrderResult, AgentStatus } from '../../functions/agent/contract.ts';
import { closeServer, lambdaContext, snsEndpoint, ssmEndpoint, stubGuardEnvironment } from '../helpers/lambda-harness.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';
import { exampleConfig } from './app-fixture.ts';

const dynamo = useLocalDynamo();
let sns: Server;
let ssm: Server;
let handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const TIERS = [
  { notionalFloor: 0, rate: 0.004, amount: 0 },
  { notionalFloor: 300_000, rate: 0.005, amount: 300 },
];
const snapshot = AccountSnapshotSchema.parse({
  crossWalletBalance: 10_000,
  positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 0.1, entryPrice: 50_000, markPrice: 50_000, marginMode: 'cross', leverage: 10, maintenanceTiers: TIERS }],
});

const post = (body: unknown) =>
  handler({ requestContext: { http: { method: 'POST' } }, body: JSON.stringify(body), isBase64Encoded: false } as unknown as APIGatewayProxyEventV2, lambdaContext);

beforeAll(async () => {
  sns = await snsEndpoint([]);
  ssm = await ssmEndpoint(() => '{}');
  stubGuardEnvironment({ config: exampleConfig(), dynamoEndpoint: dynamo.local.endpoint, tableName: dynamo.tableName, sns, ssm });
  handler = (await import('../../functions/handlers/status.ts')).handler as typeof handler;
  const now = Date.now();
  await dynamo.store().put({ ...initialState('main'), lastTickAt: now - 5_000, lastOkAt: now - 5_000, peakEquity: 10_000, lastEquity: 10_000 }, 0);
  await new DynamoSnapshotStore({ tableName: dynamo.tableName, client: dynamo.client }).put({ accountId: 'main', at: now - 5_000, snapshot, lotSteps: { BTCUSDT: 0.001 } });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await closeServer(sns);
  await closeServer(ssm);
});

describe('status function: the agent contract over its IAM URL', () => {
  it('answers check_order from the stored snapshot, as the pure engine does, and audits it with the TTL', async () => {
    const args = { account: 'main', symbol: 'BTCUSDT', side: 'buy', size: 0.05, marginMode: 'cross' } as const;
    const res = await post({ tool: 'check_order', arguments: args });
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body!) as CheckOrderResult;
    const policy = exampleConfig().accounts[0]!.policy;
    const expected = checkOrder(snapshot, { restrictions: [], peakEquity: 10_000 }, resolvePolicy(policy), args, { symbol: 'BTCUSDT', markPrice: 50_000, lotStep: 0.001, maintenanceTiers: TIERS, takerFee: null });
    expect(body).toMatchObject({ decision: expected.decision, mayPlace: expected.decision === 'allow', source: 'stored', maxAllowed: expected.maxAllowed });
    expect(body.postTrade).toEqual(expected.postTrade);
    expect(evaluateAccount(snapshot, resolvePolicy(policy).stress).account.equity).toBe(10_000);

    const log = await new DynamoAgentLog({ tableName: dynamo.tableName, client: dynamo.client }).recent('main', 10);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ id: body.decisionId, type: 'check_order' });
    expect(log[0]!.expiresAt).toBe(Math.floor(log[0]!.at / 1000) + 90 * 86_400);
  });

  it('answers get_status with mayTrade and reasons, and max_order_size', async () => {
    const s = JSON.parse((await post({ tool: 'get_status', arguments: { account: 'main' } })).body!) as AgentStatus;
    expect(s).toMatchObject({ accountId: 'main', mayTrade: true, level: 'OK', reasons: [], source: 'stored', equity: 10_000 });
    const m = await post({ tool: 'max_order_size', arguments: { account: 'main', symbol: 'BTCUSDT', side: 'buy', marginMode: 'cross' } });
    expect(m.statusCode).toBe(200);
    expect((JSON.parse(m.body!) as { maxAllowed: { size: number } }).maxAllowed.size).toBeGreaterThan(0);
  });

  it('answers an MCP gateway invoking it directly (AgentCore Lambda target: arguments as the event, `<target>___<tool>` in the client context)', async () => {
    const ctx = { ...lambdaContext, clientContext: { custom: { bedrockAgentCoreToolName: 'riskguard___get_status' } } } as unknown as Context;
    const s = (await handler({ account: 'main' } as unknown as APIGatewayProxyEventV2, ctx)) as unknown as AgentStatus;
    expect(s).toMatchObject({ accountId: 'main', mayTrade: true, source: 'stored' });
    const rearm = { ...lambdaContext, clientContext: { custom: { bedrockAgentCoreToolName: 'riskguard___rearm' } } } as unknown as Context;
    expect(await handler({ account: 'main' } as unknown as APIGatewayProxyEventV2, rearm)).toMatchObject({ error: expect.stringMatching(/invalid request/) });
  });

  it('refuses bad input, fresh reads (it cannot reach the venue) and unknown accounts', async () => {
    expect((await post({ tool: 'rearm', arguments: { account: 'main' } })).statusCode).toBe(400);
    const both = await post({ tool: 'check_order', arguments: { account: 'main', symbol: 'BTCUSDT', side: 'buy', size: 1, notional: 5, marginMode: 'cross' } });
    expect(both.statusCode).toBe(400);
    expect(both.body).toMatch(/exactly one of size and notional/);
    const fresh = await post({ tool: 'get_status', arguments: { account: 'main', fresh: true } });
    expect(fresh.statusCode).toBe(400);
    expect(fresh.body).toMatch(/venue cannot be read from here/);
    expect((await post({ tool: 'get_status', arguments: { account: 'nope' } })).statusCode).toBe(404);
  });
});
