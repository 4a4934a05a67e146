import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo } from '../../functions/adapters/local-dynamo.ts';
import type { PaperExchange } from '../../paper/index.ts';
import { killAll, paperForCli, runCli, startCli } from '../helpers/cli-process.ts';

/**
 * Issue 9 §3, as processes: `riskguard run`/`tick` on one local state folder (dynalite on disk),
 * the paper exchange in this process, real ccxt over HTTP.
 */

let paper: PaperExchange;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), 'riskguard-state-'));

let configJson: (extra?: Record<string, unknown>) => string;

const writeConfig = (name: string, extra: Record<string, unknown> = {}): string => {
  const file = join(dir, name);
  writeFileSync(file, configJson(extra));
  return file;
};

/** No stack trace: no "    at fn (file:line)" lines. */
const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+\(?.*:\d+:\d+\)?$/m);

beforeAll(async () => {
  const world = await paperForCli(0.2);
  ({ paper, env } = world);
  configJson = world.config;
});
afterEach(async () => {
  await killAll();
});
afterAll(async () => {
  await killAll();
  await paper.close();
});

describe('a second run on a held folder', () => {
  it('is refused with one line naming the holder; once the holder is killed, the next run takes the folder over and guards', async () => {
    const config = writeConfig('second-run.json');
    const dbPath = join(dir, 'second-run-db');
    const first = startCli(['run', '--config', config, '--db-path', dbPath, '--interval', '1'], { env });
    await first.waitFor(/main\s+OK/);

    const second = await runCli(['run', '--config', config, '--db-path', dbPath, '--interval', '1'], { env });
    expect(second.code).toBe(2);
    expect(second.stdout).toBe('');
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(new RegExp(`held by riskguard run \\(pid ${first.child.pid}, since \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\): one guard per state folder`));
    expect(first.child.exitCode).toBeNull(); // the first guard goes on

    first.child.kill('SIGKILL');
    await first.done;
    const third = startCli(['run', '--config', config, '--db-path', dbPath, '--interval', '1'], { env });
    await third.waitFor(/main\s+OK/);
    expect(third.stderr).toMatch(new RegExp(`taking over the local state at .* from riskguard run \\(pid ${first.child.pid},.*which is gone`));
    third.child.kill('SIGTERM');
    const r = await third.done;
    expect(r.code).toBe(0);
    noStack(r.stderr);
  }, 180_000);
});

describe('parallel ticks on one folder', () => {
  it('all complete (one after another), none crashes or fails through a stale endpoint', async () => {
    const config = writeConfig('parallel.json');
    const dbPath = join(dir, 'parallel-db');
    // A stale holder record from a killed process, as a crash leaves it.
    writeFileSync(`${dbPath}.lock`, JSON.stringify({ pid: 2 ** 22 + 7, command: 'run', since: Date.now(), endpoint: 'http://127.0.0.1:9' }));
    const results = await Promise.all([1, 2, 3].map(() => runCli(['tick', '--config', config, '--db-path', dbPath], { env })));
    for (const r of results) {
      expect(r.stderr).not.toMatch(/Database is closed|ECONNREFUSED/);
      noStack(r.stderr);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/main\s+OK/);
    }
    const status = await runCli(['status', '--db-path', dbPath, '--json']);
    expect(status.code).toBe(0);
    expect((JSON.parse(status.stdout) as { version: number }[])[0]!.version).toBe(3);
  }, 180_000);
});

describe('run alerts ticks that fail', () => {
  it('sends the "blind" alert at the 3rd consecutive failed tick when its store goes away', async () => {
    // The deployed-table path (--table) against a dynalite this test owns, so the store can be stopped.
    const ddb = await startLocalDynamo({ dbPath: null });
    const alerts = join(dir, 'failing-alerts.jsonl');
    const config = writeConfig('failing.json', { alerts: { jsonlFile: alerts } });
    const run = startCli(['run', '--config', config, '--table', ddb.tableName, '--region', 'local', '--interval', '1'], {
      env: { ...env, AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_SESSION_TOKEN: '' },
    });
    await run.waitFor(/main\s+OK/);
    await ddb.close();
    await run.waitFor(/TICK FAILED \(3 in a row, alerted\)/);
    expect(run.stderr).toMatch(/ALERT \[main\] BLIND UNKNOWN: guard tick FAILING \(3 ticks\)/);
    expect(run.stderr).toMatch(/TICK FAILED \(1 in a row\)[\s\S]*TICK FAILED \(2 in a row\)/);
    run.child.kill('SIGTERM');
    const r = await run.done;
    noStack(r.stderr);
    const lines = readFileSync(alerts, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; summary: string; body: string });
    const blind = lines.filter((l) => l.kind === 'blind');
    expect(blind).toHaveLength(1);
    expect(blind[0]!.body).toMatch(/failed 3 times in a row/);
  }, 180_000);
});
