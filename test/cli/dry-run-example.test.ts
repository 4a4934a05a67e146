import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, runCli, type CliResult } from '../helpers/cli-process.ts';
import { startPaperExchange, type PaperAccount, type PaperExchange } from '../../paper/index.ts';

/**
 * The shipped example config's dry-run account (`bot-eth`), pointed at the paper exchange and
 * ticked by `riskguard tick` as a process: at EMERGENCY it alerts once ("DRY RUN: would close
 * all"), not once per tick, and places no order.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'riskguard-dry-'));

/** The CLI as a process in the temporary folder (the shared runner: every child is ended after the suite). */
const riskguard = (args: string[], env: Record<string, string>): Promise<CliResult> => runCli(args, { cwd: tmp, env: { NO_COLOR: '1', ...env } });

let paper: PaperExchange;
let acc: PaperAccount;
let config: string;
const jsonl = join(tmp, 'alerts.jsonl');

beforeAll(async () => {
  paper = await startPaperExchange({ speed: 0 });
  paper.engine.setPrices({ ETHUSDT: 3_000 });
  acc = paper.engine.createAccount({
    walletBalance: 10_000,
    symbols: { ETHUSDT: { marginMode: 'cross', leverage: 10 } },
    positions: [{ symbol: 'ETHUSDT', side: 'long', size: 5, entryPrice: 3_000, marginMode: 'cross', leverage: 10 }],
  });
  const example = JSON.parse(readFileSync(join(ROOT, 'riskguard.config.example.json'), 'utf8')) as {
    accounts: { id: string; baseUrl?: string; policy?: { dryRun?: boolean } }[];
    alerts: Record<string, unknown>;
  };
  for (const a of example.accounts) a.baseUrl = paper.url;
  example.alerts.jsonlFile = jsonl;
  config = join(tmp, 'riskguard.config.json');
  writeFileSync(config, JSON.stringify(example));
});
afterAll(async () => {
  await killAll();
  await paper?.close();
});

const alerts = (): { kind: string; summary: string }[] =>
  existsSync(jsonl) ? readFileSync(jsonl, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; summary: string }) : [];

describe('riskguard.config.example.json: the dry-run account', { timeout: 120_000 }, () => {
  it('is a dry-run account', () => {
    const example = JSON.parse(readFileSync(join(ROOT, 'riskguard.config.example.json'), 'utf8')) as { accounts: { id: string; policy?: { dryRun?: boolean } }[] };
    expect(example.accounts.find((a) => a.id === 'bot-eth')?.policy?.dryRun).toBe(true);
  });

  it('alerts EMERGENCY once with "DRY RUN: would close all" first, then stays quiet tick after tick', async () => {
    const env = { RISKGUARD_BOT_ETH_API_KEY: acc.apiKey, RISKGUARD_BOT_ETH_SECRET: acc.secret };
    const db = join(tmp, 'db');
    const tick = () => riskguard(['tick', '--config', config, '--account', 'bot-eth', '--db-path', db], env);
    expect((await tick()).stdout).toMatch(/bot-eth\s+OK/);
    // ETH −9 %: 1,350 on 10,000 = 13.5 % drawdown ≥ the account's EMERGENCY 12 %.
    paper.engine.setPrices({ ETHUSDT: 2_730 });
    const first = await tick();
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/bot-eth\s+EMERGENCY/);
    expect(first.stdout).toMatch(/\[dry run\] would closeAll/);
    const afterFirst = alerts();
    expect(afterFirst).toHaveLength(1);
    expect(afterFirst[0]!.summary).toMatch(/^DRY RUN: would close all \| OK → EMERGENCY: drawdown 13\.5 %/);
    for (let i = 0; i < 2; i++) expect((await tick()).stdout).toMatch(/bot-eth\s+EMERGENCY/);
    expect(alerts()).toHaveLength(1);
    expect(acc.trades).toHaveLength(0);
    expect(acc.positions.size).toBe(1);
  });
});
