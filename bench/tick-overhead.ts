/**
 * tickOverheadRatio: a full warm guard tick (state read, the adapter's reads through ccxt, the
 * data gate, decide, the conditional state write) against the paper exchange and DynamoDB on
 * loopback, over the same HTTP requests and DynamoDB write issued by a bare script with no guard
 * logic, back-to-back (and, stricter, with the reads concurrent as the adapter sends them). The
 * runs alternate, so drift and the machine's other load hit them alike.
 */
import { createHmac } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoStateStore } from '../functions/adapters/dynamo-store.ts';
import { createExchange } from '../functions/venues/index.ts';
import { MemoryNotifier } from '../functions/adapters/local-notifiers.ts';
import { accountPk, PK, SK, STATE_INDEX_PK, STATE_SK } from '../functions/adapters/table-schema.ts';
import type { AccountConfig } from '../functions/config.ts';
import { DEFAULT_POLICY } from '../functions/domain/policy.ts';
import type { StateStore } from '../functions/ports.ts';
import { runGuardTick } from '../functions/use-cases/run-guard-tick.ts';
import type { GuardDeps } from '../functions/use-cases/types.ts';
import { LastWriteCachingStore } from '../functions/adapters/cached-store.ts';
import { median } from './stats.ts';
import type { World } from './world.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export const BENCH_ACCOUNT = {
  walletBalance: 50_000,
  positions: [
    { symbol: 'BTCUSDT', side: 'long' as const, size: 0.3, entryPrice: 99_000 },
    { symbol: 'ETHUSDT', side: 'short' as const, size: 5, entryPrice: 4_050 },
    { symbol: 'SOLUSDT', side: 'long' as const, size: 100, entryPrice: 195 },
  ],
};

export interface OverheadResult {
  tickMs: number;
  /** The same requests back-to-back, then the same conditional write. */
  bareMs: number;
  ratio: number;
  /** The bare reads issued concurrently, as the adapter does (a stricter baseline). */
  bareParallelMs: number;
  parallelRatio: number;
  /** The same with the last written state kept in memory (no DynamoDB read per tick). */
  uncachedTickMs: number;
  uncachedRatio: number;
  /** Requests per warm tick as the paper exchange saw them, e.g. "GET /fapi/v3/account". */
  requestsPerTick: string[];
  weightPerTick: number;
  runs: number;
}

function accountConfig(id: string, baseUrl: string): AccountConfig {
  return { id, exchange: 'binanceusdm', baseUrl, credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } as AccountConfig;
}

export async function benchTickOverhead(world: World, runs = 300): Promise<OverheadResult> {
  const [acc] = await world.createAccounts(1, BENCH_ACCOUNT);
  const [acc2] = await world.createAccounts(1, BENCH_ACCOUNT);
  const baseStore = new DynamoStateStore({ tableName: world.tableName, client: world.dynamo });
  const guard = (id: string, creds: { apiKey: string; secret: string }, store: StateStore) => {
    const config = accountConfig(id, world.paperUrl);
    const deps: GuardDeps = { exchange: createExchange(config, creds), store, notifier: new MemoryNotifier(), clock: { now: () => Date.now() }, log: silent };
    return () => runGuardTick(deps, { config, policy: DEFAULT_POLICY });
  };
  // As deployed (Lambda, `riskguard run`): the last written state stays in memory between ticks.
  const tick = guard('bench-tick', acc!, new LastWriteCachingStore(baseStore));
  // For comparison: a tick that re-reads its state from DynamoDB every time.
  const uncachedTick = guard('bench-tick-uncached', acc2!, baseStore);

  // The bare script: the three reads the adapter makes per warm tick, then one state write.
  const sign = (q: string) => createHmac('sha256', acc!.secret).update(q).digest('hex');
  const signed = (path: string) => {
    const q = `timestamp=${Date.now()}&recvWindow=10000`;
    return fetch(`${world.paperUrl}${path}?${q}&signature=${sign(q)}`, { headers: { 'X-MBX-APIKEY': acc!.apiKey } }).then((r) => r.json());
  };
  const stateItem = async () =>
    (await world.dynamo.send(new GetCommand({ TableName: world.tableName, Key: { [PK]: accountPk('bench-tick'), [SK]: STATE_SK } }))).Item!;
  // The guard's own write: the same item, conditional on the version like DynamoStateStore.put.
  let item: Record<string, unknown> = {};
  let version = 0;
  const bareWrite = () => {
    const expected = version++;
    return world.dynamo.send(
      new PutCommand({
        TableName: world.tableName,
        Item: { ...item, version: expected + 1, [PK]: accountPk('bench-bare'), [STATE_INDEX_PK]: accountPk('bench-bare') },
        ...(expected === 0
          ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }
          : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': expected } }),
      }),
    );
  };
  const premiumIndex = () => fetch(`${world.paperUrl}/fapi/v1/premiumIndex`).then((r) => r.json());
  // Back-to-back, as the goal states it: one request after the other, then the write.
  const bare = async () => {
    await signed('/fapi/v3/account');
    await signed('/fapi/v3/positionRisk');
    await premiumIndex();
    await bareWrite();
  };
  // Stricter: the reads concurrent, as the adapter issues them.
  const bareParallel = async () => {
    await Promise.all([signed('/fapi/v3/account'), signed('/fapi/v3/positionRisk'), premiumIndex()]);
    await bareWrite();
  };

  // Warm-up: markets, settings, brackets, history, JIT, keep-alive sockets.
  for (let i = 0; i < 30; i++) {
    await tick();
    await uncachedTick();
  }
  item = await stateItem();
  for (let i = 0; i < 30; i++) await bare();

  await world.reset();
  const r = await tick();
  if (r.status !== 'OK') throw new Error(`bench tick is ${r.status}: ${r.reasons.join('; ')}`);
  // The paper logs a request when its response has been flushed: let the last one land.
  await new Promise((done) => setTimeout(done, 100));
  const s = await world.stats();
  const requestsPerTick = Object.entries(s.byPath).flatMap(([k, v]) => Array<string>(v.n).fill(k));

  const runsOf = { tick, bare, bareParallel, uncachedTick };
  const times: Record<keyof typeof runsOf, number[]> = { tick: [], bare: [], bareParallel: [], uncachedTick: [] };
  for (let i = 0; i < runs; i++) {
    for (const [name, fn] of Object.entries(runsOf) as [keyof typeof runsOf, () => Promise<unknown>][]) {
      const t = performance.now();
      await fn();
      times[name].push(performance.now() - t);
    }
  }
  const tickMs = median(times.tick);
  const bareMs = median(times.bare);
  const bareParallelMs = median(times.bareParallel);
  const uncachedTickMs = median(times.uncachedTick);
  return {
    tickMs,
    bareMs,
    ratio: tickMs / bareMs,
    bareParallelMs,
    parallelRatio: tickMs / bareParallelMs,
    uncachedTickMs,
    uncachedRatio: uncachedTickMs / bareMs,
    requestsPerTick,
    weightPerTick: s.weight,
    runs,
  };
}
