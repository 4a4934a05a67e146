/**
 * `riskguard init` as a process: flags (`--yes`) and questions fed through stdin; the config it
 * writes is accepted by `tick` against the paper exchange, and `doctor` runs on it when the keys
 * are in the environment.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type PaperExchange } from '../../paper/index.ts';
import { ConfigSchema, resolveAccounts } from '../../functions/config.ts';
import { runCli } from '../helpers/cli.ts';

let paper: PaperExchange;
let keys: { RISKGUARD_DESK_1_API_KEY: string; RISKGUARD_DESK_1_SECRET: string };
let dir: string;

beforeAll(async () => {
  paper = await startPaperExchange({ startTime: Date.now(), speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000 });
  const acc = paper.engine.createAccount({
    walletBalance: 10_000,
    positions: [{ symbol: 'BTCUSDT', side: 'long', size: 0.1, entryPrice: 50_000, marginMode: 'cross', leverage: 5 }],
  });
  keys = { RISKGUARD_DESK_1_API_KEY: acc.apiKey, RISKGUARD_DESK_1_SECRET: acc.secret };
});
afterAll(async () => paper.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'riskguard-init-'));
});

const unsetKeys = { RISKGUARD_DESK_1_API_KEY: '', RISKGUARD_DESK_1_SECRET: '' };
const readConfig = (file: string) => ConfigSchema.parse(JSON.parse(readFileSync(file, 'utf8')));

describe('riskguard init --yes (process)', () => {
  it('writes a config tick accepts, with EMERGENCY drawdown = PCT/100, and an .env template without secrets', async () => {
    const out = join(dir, 'cfg.json');
    const r = await runCli(['init', '--yes', '--venue', 'binanceusdm', '--account', 'desk-1', '--close-at', '7.5', '--dry-run', '--out', out, '--base-url', paper.url], {
      env: unsetKeys,
    });
    expect(r.status).toBe(0);
    const config = readConfig(out);
    const [account] = resolveAccounts(config);
    expect(account!.policy.thresholds.EMERGENCY.drawdown).toBe(7.5 / 100);
    expect(account!.policy.thresholds.DANGER.drawdown).toBe(0.05);
    expect(account!.policy.thresholds.WARNING.drawdown).toBe(0.025);
    expect(account!.policy.dryRun).toBe(true);
    expect(account!.config.credentials).toEqual({ apiKeyEnv: 'RISKGUARD_DESK_1_API_KEY', secretEnv: 'RISKGUARD_DESK_1_SECRET' });
    const env = readFileSync(join(dir, '.env'), 'utf8');
    expect(env).toMatch(/^RISKGUARD_DESK_1_API_KEY=$/m);
    expect(env).toMatch(/^RISKGUARD_DESK_1_SECRET=$/m);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    // Keys not in the environment: no doctor, but what to set.
    expect(r.stdout).toContain('Next: set RISKGUARD_DESK_1_API_KEY, RISKGUARD_DESK_1_SECRET');

    const tick = await runCli(['tick', '--config', out, '--db-path', join(dir, 'db')], { env: keys });
    expect(tick.stderr).toBe('');
    expect(tick.status).toBe(0);
    expect(tick.stdout).toMatch(/desk-1 {2}OK/);
  });

  it('offers Hyperliquid: the master wallet address and a named API wallet key, in the config and the .env template', async () => {
    const out = join(dir, 'hl.json');
    const r = await runCli(['init', '--yes', '--venue', 'hyperliquid', '--account', 'agent-1', '--close-at', '20', '--dry-run', '--out', out], { env: {} });
    expect(r.status).toBe(0);
    const [account] = resolveAccounts(readConfig(out));
    expect(account!.config.exchange).toBe('hyperliquid');
    expect(account!.config.credentials).toEqual({ walletAddressEnv: 'RISKGUARD_AGENT_1_WALLET_ADDRESS', privateKeyEnv: 'RISKGUARD_AGENT_1_PRIVATE_KEY' });
    const env = readFileSync(join(dir, '.env'), 'utf8');
    expect(env).toMatch(/^RISKGUARD_AGENT_1_WALLET_ADDRESS=$/m);
    expect(env).toMatch(/^RISKGUARD_AGENT_1_PRIVATE_KEY=$/m);
    expect(env).toContain('NAMED API wallet');
    expect(env).not.toMatch(/API_KEY=|SECRET=/);
  });

  it('runs doctor on the result when the keys are in the environment, and writes no secret', async () => {
    const out = join(dir, 'riskguard.config.json');
    const r = await runCli(['init', '--yes', '--venue', 'binanceusdm', '--account', 'desk-1', '--close-at', '15', '--out', out, '--base-url', paper.url], { env: keys });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Keys found in the environment: running doctor on ${out}`);
    expect(r.stdout).toMatch(/desk-1 \(binanceusdm\)\n {2}can read: {5}yes/);
    // Issue 16: the venue module can rest the guard's exchange-side stops.
    expect(r.stdout).toMatch(/\n {2}backstops: {4}yes — one reduce-only stop per position side at its EMERGENCY price, while armed\n/);
    for (const secret of Object.values(keys)) {
      expect(readFileSync(out, 'utf8')).not.toContain(secret);
      expect(readFileSync(join(dir, '.env'), 'utf8')).not.toContain(secret);
    }
    expect(readConfig(out).policy).toEqual({ thresholds: { WARNING: { drawdown: 0.05 }, DANGER: { drawdown: 0.1 }, EMERGENCY: { drawdown: 0.15 } } });
  });

  it.each([
    [['--venue', 'kraken', '--account', 'a', '--close-at', '15'], /^riskguard: --venue kraken: riskguard supports binanceusdm \(Binance USDⓈ-M futures\), .*today; other venues are not available yet$/],
    [['--venue', 'binanceusdm', '--account', 'a'], 'riskguard: init --yes needs --close-at (e.g. riskguard init --yes --venue binanceusdm --account main --close-at 15 --dry-run)'],
    [['--venue', 'binanceusdm', '--account', 'a', '--close-at', '150'], 'riskguard: --close-at "150": a percentage below the peak, more than 0 and less than 100 (e.g. 15)'],
    [['--venue', 'binanceusdm', '--account', 'a b', '--close-at', '15'], 'riskguard: --account "a b": letters, digits, _ and - only (1–64)'],
  ])('refuses %j with one line, exit 2, nothing written', async (args, line) => {
    const out = join(dir, 'cfg.json');
    const r = await runCli(['init', '--yes', ...args, '--out', out]);
    expect(r.status).toBe(2);
    if (line instanceof RegExp) expect(r.stderr.trim()).toMatch(line);
    else expect(r.stderr.trim()).toBe(line);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(dir, '.env'))).toBe(false);
  });

  it('does not overwrite a config or an existing .env', async () => {
    const out = join(dir, 'cfg.json');
    writeFileSync(out, '{}');
    const r = await runCli(['init', '--yes', '--venue', 'binanceusdm', '--account', 'a', '--close-at', '15', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`riskguard: ${out} already exists: give --force to overwrite it, or --out another file`);
    writeFileSync(join(dir, '.env'), 'MY_SECRET=keep\n');
    const forced = await runCli(['init', '--yes', '--venue', 'binanceusdm', '--account', 'a', '--close-at', '15', '--out', out, '--force'], { env: { RISKGUARD_A_API_KEY: '' } });
    expect(forced.status).toBe(0);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('MY_SECRET=keep\n');
    expect(forced.stdout).toContain('.env exists: left as it is');
  });
});

describe('riskguard init, interactive (answers through stdin)', () => {
  it('asks, re-asks a bad answer, and writes the config with the chosen chats', async () => {
    const out = join(dir, 'cfg.json');
    const answers = ['', 'desk-1', '150', '20', 'y', paper.url, 'telegram, ntfy', '-1001234567890', ''].join('\n');
    const r = await runCli(['init', '--out', out], { input: `${answers}\n`, env: unsetKeys });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Close everything when equity falls how many % below its peak? [15]: ');
    expect(r.stdout).toContain('a percentage below the peak, more than 0 and less than 100');
    const config = readConfig(out);
    const [account] = resolveAccounts(config);
    expect(account!.config).toMatchObject({ id: 'desk-1', exchange: 'binanceusdm', baseUrl: paper.url });
    expect(account!.policy.thresholds.EMERGENCY.drawdown).toBe(0.2);
    expect(account!.policy.dryRun).toBe(true);
    expect(config.alerts.telegram).toEqual({ botTokenEnv: 'RISKGUARD_TELEGRAM_BOT_TOKEN', chatId: '-1001234567890' });
    expect(config.alerts.ntfy!.topicUrl).toMatch(/^https:\/\/ntfy\.sh\/riskguard-[0-9a-f]{12}$/);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toMatch(/^RISKGUARD_TELEGRAM_BOT_TOKEN=$/m);
    expect(r.stdout).toContain('Next: set RISKGUARD_DESK_1_API_KEY, RISKGUARD_DESK_1_SECRET, RISKGUARD_TELEGRAM_BOT_TOKEN');
  });

  it('input that ends early is bad input: exit 2, nothing written', async () => {
    const out = join(dir, 'cfg.json');
    const r = await runCli(['init', '--out', out], { input: 'binanceusdm\nmain\n' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('riskguard: init: the input ended before every question was answered; nothing was written');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses another venue', async () => {
    const out = join(dir, 'cfg.json');
    const r = await runCli(['init', '--out', out, '--venue', 'kraken'], { input: '\n' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--venue kraken: riskguard supports binanceusdm');
    expect(existsSync(out)).toBe(false);
  });
});
