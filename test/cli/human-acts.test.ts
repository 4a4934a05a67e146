import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, runCli, type CliResult } from '../helpers/cli-process.ts';
import { startPaperExchange, type PaperAccount, type PaperExchange } from '../../paper/index.ts';

/**
 * Human acts as a user runs them: `riskguard` as a child process (async, so the paper exchange in
 * this process keeps answering), real ccxt → paper exchange, the local dynalite state folder.
 */

const tmp = mkdtempSync(join(tmpdir(), 'riskguard-acts-'));
let n = 0;
const freshDb = () => join(tmp, `db-${++n}`);

/** The CLI as a process in the temporary folder (the shared runner: every child is ended after the suite). */
const riskguard = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, { cwd: tmp, env: { NO_COLOR: '1', ...env } });

let paper: PaperExchange;
let acc: PaperAccount;
let config: string;
let jsonl: string;
const env = (): Record<string, string> => ({ MAIN_KEY: acc.apiKey, MAIN_SECRET: acc.secret });
const human = ['--by', 'ana', '--reason', 'maintenance window'];

beforeAll(async () => {
  paper = await startPaperExchange({ speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000 });
  acc = paper.engine.createAccount({
    walletBalance: 10_000,
    symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 } },
    positions: [{ symbol: 'BTCUSDT', side: 'long', size: 0.2, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
  });
  jsonl = join(tmp, 'alerts.jsonl');
  config = join(tmp, 'riskguard.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      accounts: [{ id: 'main', exchange: 'binanceusdm', baseUrl: paper.url, credentials: { apiKeyEnv: 'MAIN_KEY', secretEnv: 'MAIN_SECRET' } }],
      alerts: { jsonlFile: jsonl },
    }),
  );
});
afterAll(async () => {
  await killAll();
  await paper?.close();
});

const alertsInFile = (): { kind: string; summary: string }[] =>
  existsSync(jsonl) ? readFileSync(jsonl, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; summary: string }) : [];

// Each spawn starts tsx, the AWS SDK and ccxt: seconds each on a busy machine.
describe('unknown targets are refused: exit 2, one line, no state folder created', { timeout: 120_000 }, () => {
  it.each([
    ['pause', ['pause', '--account', 'nope', ...human]],
    ['resume', ['resume', '--account', 'nope', ...human]],
    ['rearm', ['rearm', '--account', 'nope', ...human]],
    ['events', ['events', '--account', 'nope']],
    ['status', ['status', '--account', 'nope']],
  ])('%s of an account that is not stored', async (_name, args) => {
    const db = freshDb();
    const r = await riskguard([...args, '--db-path', db]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no guard state for account "nope"/);
    expect(existsSync(db)).toBe(false);
  });

  it.each([
    ['pause', ['pause', '--account', 'nope', ...human]],
    ['rearm', ['rearm', '--account', 'nope', ...human]],
    ['resume', ['resume', '--account', 'nope', ...human]],
    ['close-all', ['close-all', '--account', 'nope', ...human]],
  ])('%s of an account that is not configured (--config)', async (_name, args) => {
    const db = freshDb();
    const r = await riskguard([...args, '--config', config, '--db-path', db], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no account "nope" in .*riskguard\.config\.json \(accounts: main\)/);
    expect(existsSync(db)).toBe(false);
  });

  it('a pause --until in the past is refused before any folder is created', async () => {
    const db = freshDb();
    const r = await riskguard(['pause', '--account', 'main', ...human, '--until', '2020-01-01T00:00:00Z', '--config', config, '--db-path', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--until 2020-01-01T00:00:00Z .* is not in the future/);
    expect(existsSync(db)).toBe(false);
  });

  it('a malformed --topic-arn is bad input, before anything runs', async () => {
    const db = freshDb();
    const r = await riskguard(['tick', '--config', config, '--db-path', db, '--topic-arn', 'arn:aws:sns:nowhere'], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--topic-arn must be an SNS topic ARN/);
    expect(existsSync(db)).toBe(false);
  });

  it('events of a stored account works; of another stored folder\'s unknown account is exit 2', async () => {
    const db = freshDb();
    expect((await riskguard(['tick', '--config', config, '--db-path', db], env())).code).toBe(0);
    expect((await riskguard(['events', '--account', 'main', '--db-path', db])).code).toBe(0);
    const r = await riskguard(['events', '--account', 'other', '--db-path', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no guard state for account "other"/);
  });
});

describe('human acts on a guarded account (CLI → dynalite folder, ccxt → paper exchange)', { timeout: 120_000 }, () => {
  it('rearm of an account that is not halted is refused unless --force; every act is audited and alerted', async () => {
    const db = freshDb();
    expect((await riskguard(['tick', '--config', config, '--db-path', db], env())).code).toBe(0);
    const before = alertsInFile().length;

    const refused = await riskguard(['rearm', '--account', 'main', ...human, '--config', config, '--db-path', db]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is not halted .* add --force/);

    const paused = await riskguard(['pause', '--account', 'main', ...human, '--until', '30m', '--config', config, '--db-path', db]);
    expect(paused.code).toBe(0);
    expect(paused.stderr).toMatch(/ALERT \[main\] INFO OK: PAUSED by ana until .* \(orders withheld\)/);
    const resumed = await riskguard(['resume', '--account', 'main', ...human, '--config', config, '--db-path', db]);
    expect(resumed.code).toBe(0);
    const forced = await riskguard(['rearm', '--account', 'main', ...human, '--force', '--config', config, '--db-path', db]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/Re-armed main .* the first accepted tick within 5 min sets the new peak \(else it stays at 10,000.00 USDT\)/);

    const events = JSON.parse((await riskguard(['events', '--account', 'main', '--json', '--db-path', db])).stdout) as { type: string; by?: string }[];
    const acts = events.filter((e) => e.by === 'ana').map((e) => e.type);
    expect(acts).toEqual(['rearm', 'resume', 'pause']);
    expect(alertsInFile().slice(before).map((a) => a.summary.split(' by ')[0])).toEqual(['PAUSED', 'RESUMED', 'RE-ARMED']);
  });

  it('a failed manual close-all (exchange unreachable) is audited and alerted with what is left, exit 1', async () => {
    const db = freshDb();
    expect((await riskguard(['tick', '--config', config, '--db-path', db], env())).code).toBe(0);
    const before = alertsInFile().length;
    paper.faults.add({ kind: 'http503', endpoint: '*', count: 1_000, accountId: acc.id });
    try {
      const r = await riskguard(['close-all', '--account', 'main', ...human, '--config', config, '--db-path', db], env());
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/close-all FAILED, no order placed: .* Last known positions: BTCUSDT long 0\.2\. Audited and alerted\./);
    } finally {
      paper.faults.clear();
    }
    const sent = alertsInFile().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: 'residual' });
    expect(sent[0]!.summary).toMatch(/close-all by hand FAILED \(ana\): exchange unreachable, 1 position\(s\) may be open/);
    const events = JSON.parse((await riskguard(['events', '--account', 'main', '--json', '--db-path', db])).stdout) as { type: string; data?: { lastKnown?: unknown[] } }[];
    expect(events.find((e) => e.type === 'close-all')?.data?.lastKnown).toHaveLength(1);
    const state = JSON.parse((await riskguard(['status', '--account', 'main', '--json', '--db-path', db])).stdout) as { halted: boolean; trip: { status: string } }[];
    expect(state[0]).toMatchObject({ halted: true, trip: { status: 'incomplete' } });
    // The exchange answers again: the next tick keeps the halted account flat.
    const next = await riskguard(['tick', '--config', config, '--db-path', db], env());
    expect(next.stdout).toMatch(/close-all: .* confirmed by a fresh read/);
    expect(acc.positions.size).toBe(0);
    paper.engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.2 });
  });

  it('after a manual close-all the next tick sends no ALL-CLEAR: the summary says HALTED first', async () => {
    const db = freshDb();
    expect((await riskguard(['tick', '--config', config, '--db-path', db], env())).code).toBe(0);
    const closed = await riskguard(['close-all', '--account', 'main', ...human, '--config', config, '--db-path', db], env());
    expect(closed.code).toBe(0);
    expect(closed.stdout).toMatch(/FLAT .* equity [\d,]+\.\d\d USDT/);
    const before = alertsInFile().length;
    const r = await riskguard(['tick', '--config', config, '--db-path', db], env());
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/ALL.CLEAR/);
    const sent = alertsInFile().slice(before);
    expect(sent.map((a) => a.kind)).toEqual(['de-escalation']);
    expect(sent[0]!.summary).toMatch(/^HALTED \| EMERGENCY → OK: /);
    // Reopen the position for the tests after this one.
    paper.engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.2 });
  });

  it('status flags a last tick that is stale (exit 1)', async () => {
    const db = freshDb();
    expect((await riskguard(['pause', '--account', 'main', ...human, '--config', config, '--db-path', db])).code).toBe(0);
    const never = await riskguard(['status', '--db-path', db]);
    expect(never.code).toBe(1);
    expect(never.stdout).toMatch(/main: STALE — never ticked/);
    expect((await riskguard(['tick', '--config', config, '--db-path', db], env())).code).toBe(0);
    const fresh = await riskguard(['status', '--db-path', db]);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).not.toMatch(/STALE/);
    const stale = await riskguard(['status', '--db-path', db, '--stale-after', '0.001']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/main: STALE — last tick \d+ s ago \(limit 0\.001 s\)/);
  });
});
