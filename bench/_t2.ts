import { startWorld } from './world.ts';
import { BENCH_ACCOUNT } from './tick-overhead.ts';
import { DynamoStateStore } from '../functions/adapters/dynamo-store.ts';
import { createExchange } from '../functions/adapters/exchange-factory.ts';
import { median } from './stats.ts';
import { createHmac } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { initialState } from '../functions/domain/state.ts';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const w = await startWorld({ weightLimit: 1e9 });
const [acc] = await w.createAccounts(1, BENCH_ACCOUNT);
const ex = createExchange({ id: 'x', exchange: 'binanceusdm', baseUrl: w.paperUrl } as any, acc!);
const store = new DynamoStateStore({ tableName: w.tableName, client: w.dynamo });
const sign = (q: string) => createHmac('sha256', acc!.secret).update(q).digest('hex');
const signed = (path: string) => { const q = `timestamp=${Date.now()}&recvWindow=10000`; return fetch(`${w.paperUrl}${path}?${q}&signature=${sign(q)}`, { headers: { 'X-MBX-APIKEY': acc!.apiKey } }).then((r) => r.json()); };
const bareReads = () => Promise.all([signed('/fapi/v3/account'), signed('/fapi/v3/positionRisk'), fetch(`${w.paperUrl}/fapi/v1/premiumIndex`).then((r) => r.json())]);
let st = { ...initialState('p'), lastBook: [] };
await store.put(st, 0); let v = 1;
const m: Record<string, number[]> = { snap: [], bareReads: [], put: [], barePut: [], get: [], seqBare: [] };
for (let i = 0; i < 250; i++) {
  let t = performance.now(); await ex.fetchSnapshot(); m.snap!.push(performance.now() - t);
  t = performance.now(); await bareReads(); m.bareReads!.push(performance.now() - t);
  t = performance.now(); await store.put({ ...st, lastTickAt: Date.now() }, v++); m.put!.push(performance.now() - t);
  t = performance.now(); await w.dynamo.send(new PutCommand({ TableName: w.tableName, Item: { ...st, version: i, pk: 'ACCOUNT#b', sk: 'STATE' } })); m.barePut!.push(performance.now() - t);
  t = performance.now(); await store.get('p'); m.get!.push(performance.now() - t);
  t = performance.now(); await signed('/fapi/v3/account'); await signed('/fapi/v3/positionRisk'); await fetch(`${w.paperUrl}/fapi/v1/premiumIndex`).then((r) => r.json()); m.seqBare!.push(performance.now() - t);
}
for (const [k, xs] of Object.entries(m)) console.log(k, median(xs.slice(50)).toFixed(2));
await w.close();
