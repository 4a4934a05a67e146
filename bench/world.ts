/**
 * The guard's outside world for the benchmark, in its own process: the paper exchange and a
 * DynamoDB (dynalite) on loopback. The guard's process is then measured alone, as in production
 * where the venue and DynamoDB are elsewhere; on a 2-core machine each side gets a core.
 *
 * Run as a child (startWorld below). Protocol: one JSON line per message on stdio.
 *   → stdout at start  { paperUrl, dynamoEndpoint, tableName }
 *   ← stdin            { cmd: 'accounts', count, spec }  → { accounts: [{ id, apiKey, secret }] }
 *                      { cmd: 'stats' }                  → { requests, weight, cpuMs, byPath: { "GET /fapi/v3/account": { n, weight } } }
 *                      { cmd: 'reset' }                  → { ok: true }
 *                      { cmd: 'move', factor }           → every mark × factor (a market-wide move) → { ok: true }
 *   stdin closed       → both servers stop, the process exits.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClientOptions } from '../functions/adapters/dynamo-store.ts';
import type { AccountSpec } from '../paper/index.ts';

export interface WorldOptions {
  /** Paper request-weight limit per key / IP per minute (Binance: 2,400). */
  weightLimit: number;
}

export interface WorldStats {
  requests: number;
  weight: number;
  /** Requests the paper refused with 429 (weight limit) or 418. */
  limited: number;
  /** CPU time (user + system) the world process spent since the last reset, ms. */
  cpuMs: number;
  byPath: Record<string, { n: number; weight: number }>;
}

export interface World {
  paperUrl: string;
  tableName: string;
  /** A DocumentClient on the world's DynamoDB (the guard's own client, built once). */
  dynamo: DynamoDBDocumentClient;
  createAccounts(count: number, spec: AccountSpec): Promise<{ id: string; apiKey: string; secret: string }[]>;
  stats(): Promise<WorldStats>;
  reset(): Promise<void>;
  /** Moves every mark by `factor` at once (0.96 = a −4 % market-wide crash). */
  move(factor: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts the world in a child process (node + tsx, like the bench itself). */
export async function startWorld(opts: WorldOptions): Promise<World> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(opts)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () =>
    Promise.race([
      new Promise<unknown>((r) => waiting.push((l) => r(JSON.parse(l)))),
      exited.then((code) => {
        throw new Error(`bench world exited (${code}): ${stderr.slice(-2000)}`);
      }),
    ]);
  const ask = async <T>(msg: unknown): Promise<T> => {
    const reply = next();
    child.stdin.write(`${JSON.stringify(msg)}\n`);
    return (await reply) as T;
  };

  const hello = (await next()) as { paperUrl: string; dynamoEndpoint: string; tableName: string };
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: hello.dynamoEndpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    documentClientOptions,
  );
  return {
    paperUrl: hello.paperUrl,
    tableName: hello.tableName,
    dynamo,
    createAccounts: async (count, spec) => (await ask<{ accounts: { id: string; apiKey: string; secret: string }[] }>({ cmd: 'accounts', count, spec })).accounts,
    stats: () => ask<WorldStats>({ cmd: 'stats' }),
    reset: async () => void (await ask({ cmd: 'reset' })),
    move: async (factor) => void (await ask({ cmd: 'move', factor })),
    close: async () => {
      dynamo.destroy();
      child.stdin.end();
      await exited;
    },
  };
}

/** The child side. */
async function serve(opts: WorldOptions): Promise<void> {
  const { startPaperExchange } = await import('../paper/index.ts');
  const { startLocalDynamo } = await import('../functions/adapters/local-dynamo.ts');
  let stats: WorldStats = { requests: 0, weight: 0, limited: 0, cpuMs: 0, byPath: {} };
  let cpuAtReset = process.cpuUsage();
  const paper = await startPaperExchange({
    speed: 1,
    weightLimit: opts.weightLimit,
    onRequest: (e) => {
      stats.requests++;
      stats.weight += e.weight;
      if (e.status === 429 || e.status === 418) stats.limited++;
      const k = `${e.method} ${e.path}`;
      const s = (stats.byPath[k] ??= { n: 0, weight: 0 });
      s.n++;
      s.weight += e.weight;
    },
  });
  const prices = { BTCUSDT: 100_000, ETHUSDT: 4_000, SOLUSDT: 200 };
  paper.engine.setPrices(prices);
  const dynamo = await startLocalDynamo({ dbPath: null });
  const say = (msg: unknown) => process.stdout.write(`${JSON.stringify(msg)}\n`);
  say({ paperUrl: paper.url, dynamoEndpoint: dynamo.endpoint, tableName: dynamo.tableName });
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const msg = JSON.parse(line) as { cmd: string; count?: number; spec?: AccountSpec; factor?: number };
    if (msg.cmd === 'accounts') {
      const accounts = [];
      for (let i = 0; i < msg.count!; i++) {
        const a = paper.engine.createAccount(msg.spec!);
        accounts.push({ id: a.id, apiKey: a.apiKey, secret: a.secret });
      }
      say({ accounts });
    } else if (msg.cmd === 'stats') {
      const cpu = process.cpuUsage(cpuAtReset);
      say({ ...stats, cpuMs: (cpu.user + cpu.system) / 1000 });
    } else if (msg.cmd === 'reset') {
      stats = { requests: 0, weight: 0, limited: 0, cpuMs: 0, byPath: {} };
      cpuAtReset = process.cpuUsage();
      say({ ok: true });
    } else if (msg.cmd === 'move') {
      paper.engine.setPrices(Object.fromEntries(Object.keys(prices).map((k) => [k, paper.engine.markPrice(k) * msg.factor!])));
      say({ ok: true });
    }
  });
  input.on('close', () => {
    void Promise.all([paper.close(), dynamo.close()]).then(() => process.exit(0));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await serve(JSON.parse(process.argv[2] ?? '{}') as WorldOptions);
}
