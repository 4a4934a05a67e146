/**
 * Issue 9 §4 in the cloud path: the guard Lambda handler (against dynalite and the paper exchange,
 * SSM and SNS at the wire) meets an exchange error body that quotes its key (paper fault
 * `echo-key`). The key, loaded from SSM, must not reach the SNS alert, the audit events in the
 * table, the Powertools log lines, or the error the handler rethrows.
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
const published: URLSearchParams[] = [];
const logged: string[] = [];
let handler: (event: unknown, ctx: Context) => Promise<TickResult>;
const realWrite = process.stdout.write.bind(process.stdout);
const realErrWrite = process.stderr.write.bind(process.stderr);

beforeAll(async () => {
  paper = await startPaperExchange({ startTime: Date.now(), speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000 });
  acc = paper.engine.createAccount({
    walletBalance: 10_000,
    positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
  });
  ssm = await ssmEndpoint(() => JSON.stringify({ apiKey: acc.apiKey, secret: acc.secret }));
  sns = await snsEndpoint(published);
  const config = ConfigSchema.parse({
    accounts: [{ id: 'echo', exchange: 'binanceusdm', baseUrl: paper.url, credentials: { parameterName: '/riskguard/echo' } }],
  });
  stubGuardEnvironment({ config, dynamoEndpoint: dynamo.local.endpoint, tableName: dynamo.tableName, sns, ssm });
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO'); // the log lines are under test here
  // Capture what the Powertools logger prints (JSON lines on stdout and stderr).
  const capture = ((chunk: string | Uint8Array) => {
    logged.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  handler = (await import('../../functions/handlers/guard.ts')).handler as typeof handler;
});

afterAll(async () => {
  process.stdout.write = realWrite;
  process.stderr.write = realErrWrite;
  vi.unstubAllEnvs();
  await paper.close();
  await closeServer(ssm);
  await closeServer(sns);
});

describe('guard handler with an exchange that echoes the key', () => {
  it('alerts and audits the rejected key without ever showing it', async () => {
    paper.faults.add({ kind: 'echo-key', count: 1_000, accountId: acc.id });
    const r = await handler({ accountId: 'echo' }, context);
    paper.faults.clear();

    expect(r.status).toBe('UNKNOWN');
    expect(JSON.stringify(r)).not.toContain(acc.apiKey);
    // The SNS alert (auth: at once).
    expect(published).toHaveLength(1);
    const message = published[0]!.get('Message')!;
    expect(message).toContain('[redacted]');
    expect(message + published[0]!.get('Subject')).not.toContain(acc.apiKey);
    // The audit events written to the table.
    const events = await dynamo.store().events('echo', 50);
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toContain(acc.apiKey);
    // The Powertools log lines.
    expect(logged.join('')).toMatch(/"message":"tick".*"status":"UNKNOWN".*key \[redacted\]/);
    expect(logged.join('')).not.toContain(acc.apiKey);
    expect(logged.join('')).not.toContain(acc.secret);
  });
});
