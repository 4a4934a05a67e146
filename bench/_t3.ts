import { startWorld } from './world.ts';
import { BENCH_ACCOUNT } from './tick-overhead.ts';
import { DynamoStateStore } from '../functions/adapters/dynamo-store.ts';
import { createExchange } from '../functions/adapters/exchange-factory.ts';
import { MemoryNotifier } from '../functions/adapters/local-notifiers.ts';
import { runGuardTick } from '../functions/use-cases/run-guard-tick.ts';
import { DEFAULT_POLICY } from '../functions/domain/policy.ts';
import { LastWriteCachingStore } from './cached-store.ts';
import { median } from './stats.ts';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const w = await startWorld({ weightLimit: 1e9 });
const [acc] = await w.createAccounts(1, BENCH_ACCOUNT);
const config = { id: 'x', exchange: 'binanceusdm', baseUrl: w.paperUrl, credentials: {}, scheduleMinutes: 1 } as any;
const store = new LastWriteCachingStore(new DynamoStateStore({ tableName: w.tableName, client: w.dynamo }));
const deps = { exchange: createExchange(config, acc!), store, notifier: new MemoryNotifier(), clock: { now: () => Date.now() }, log: { debug() {}, info() {}, warn() {}, error() {} } };
const xs: number[] = [];
for (let i = 0; i < 1500; i++) { const t = performance.now(); await runGuardTick(deps, { config, policy: DEFAULT_POLICY }); xs.push(performance.now() - t); }
console.log('median', median(xs.slice(100)));
await w.close();
