import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../functions/cli/store.ts';
import type { PaperAccount, PaperExchange } from '../../paper/index.ts';
import { killAll, paperForCli, runCli, startCli, type CliResult } from '../helpers/cli-process.ts';

/**
 * Issue 9 §4: an exchange error body that quotes the API key bare (paper fault `echo-key`) must
 * not reach any output — stdout and stderr of every command, `--json`, the alerts JSONL file and
 * the audit events written to the store. The CLI runs as a process against the paper exchange
 * (real ccxt over HTTP) with its state in dynalite on disk.
 */

let paper: PaperExchange;
let acc: PaperAccount;
const dir = mkdtempSync(join(tmpdir(), 'riskguard-nokey-'));
const dbPath = join(dir, 'db');
const alertsFile = join(dir, 'alerts.jsonl');
const configFile = join(dir, 'riskguard.config.json');
let env: NodeJS.ProcessEnv;
const seen: CliResult[] = [];

beforeAll(async () => {
  const world = await paperForCli(0.5);
  ({ paper, acc, env } = world);
  writeFileSync(configFile, world.config({ alerts: { jsonlFile: alertsFile } }));
});

afterAll(async () => {
  await killAll();
  await paper.close();
});

/** Every request of the account answers 400 with its key quoted in the message, until cleared. */
const echoKey = () => {
  paper.faults.clear();
  paper.faults.add({ kind: 'echo-key', count: 1_000, accountId: acc.id });
};

const expectNoKey = (r: CliResult) => {
  seen.push(r);
  expect(r.stdout + r.stderr).not.toContain(acc.apiKey);
  expect(r.stdout + r.stderr).not.toContain(acc.secret);
};

describe('echo-key fault: the key never appears in any output', { timeout: 120_000 }, () => {
  it('the paper fault really quotes the key (a client sees it in the raw body)', async () => {
    echoKey();
    const res = await fetch(`${paper.url}/fapi/v3/account?timestamp=1&signature=x`, { headers: { 'X-MBX-APIKEY': acc.apiKey } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: number; msg: string };
    expect(body.code).toBe(-2015);
    expect(body.msg).toContain(acc.apiKey);
  });

  it('tick: status lines, alerts and errors', async () => {
    echoKey();
    const r = await runCli(['tick', '--config', configFile, '--db-path', dbPath], { env });
    expect(r.code).toBe(1); // UNKNOWN: the venue refused the read
    expect(r.stdout).toMatch(/main\s+UNKNOWN/);
    expect(r.stdout + r.stderr).toContain('[redacted]');
    expectNoKey(r);
  });

  it('tick --json', async () => {
    echoKey();
    const r = await runCli(['tick', '--config', configFile, '--db-path', dbPath, '--json'], { env });
    expect(r.code).toBe(1);
    const results = JSON.parse(r.stdout) as { status: string; reasons: string[] }[];
    expect(results[0]!.status).toBe('UNKNOWN');
    expect(results[0]!.reasons.join(' ')).toContain('[redacted]');
    expectNoKey(r);
  });

  it('run, briefly', async () => {
    echoKey();
    const p = startCli(['run', '--config', configFile, '--db-path', dbPath, '--interval', '1'], { env });
    await p.waitFor(/main\s+UNKNOWN[\s\S]*main\s+UNKNOWN/); // two ticks
    p.child.kill('SIGTERM');
    const r = await p.done;
    expect(r.code).toBe(0);
    expectNoKey(r);
  });

  it('close-all', async () => {
    echoKey();
    const r = await runCli(['close-all', '--config', configFile, '--db-path', dbPath, '--account', 'main', '--by', 'test', '--reason', 'echo-key test'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/Invalid API-key|\[redacted\]/);
    expectNoKey(r);
  });

  it('doctor', async () => {
    echoKey();
    const r = await runCli(['doctor', '--config', configFile], { env, cwd: dir }); // its store: dir/.riskguard
    expect(r.stdout).toContain('[redacted]');
    expectNoKey(r);
  });

  it('the alerts JSONL file and the audit events written to the store', async () => {
    paper.faults.clear();
    expect(existsSync(alertsFile)).toBe(true);
    const alerts = readFileSync(alertsFile, 'utf8');
    expect(alerts).toMatch(/"kind":"auth"/);
    expect(alerts).not.toContain(acc.apiKey);
    // Read the audit log straight from the store, not through the (redacting) CLI output.
    const s = await openStore({ dbPath });
    try {
      const events = await s.store.events('main', 200);
      expect(events.length).toBeGreaterThan(0);
      expect(JSON.stringify(events)).toContain('[redacted]');
      expect(JSON.stringify(events)).not.toContain(acc.apiKey);
    } finally {
      await s.close();
    }
    expect(seen.length).toBe(5);
  });
});
