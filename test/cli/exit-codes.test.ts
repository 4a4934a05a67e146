import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Bad input is exit 2 with one line saying what to fix, found before any work and any write. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'riskguard-exit-'));
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/riskguard.mjs'), ...args], { cwd: tmp, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const BTC = join(ROOT, 'data/binance-futures-BTCUSDT-1m-2020-03-11_13.csv');
const book = file('book.json', JSON.stringify({ crossWalletBalance: 10_000, positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 1, marginMode: 'cross', leverage: 10 }] }));
const config = file('config.json', JSON.stringify({ accounts: [{ id: 'main', exchange: 'binanceusdm', credentials: { apiKeyEnv: 'K', secretEnv: 'S' } }] }));

describe('exit codes: bad input is 2, before the work', { timeout: 120_000 }, () => {
  it.each([
    ['paper --replay with non-numeric prices', ['paper', '--port', '0', '--replay', `BTCUSDT=${file('nan.csv', '1583958960000,a,b,c,d\n')}`], /--replay BTCUSDT=.*: not a 1-minute candle CSV .*must be positive numbers/],
    ['paper --replay with a header only', ['paper', '--port', '0', '--replay', `BTCUSDT=${file('empty.csv', 'timestamp_ms,open,high,low,close\n')}`], /not a 1-minute candle CSV .*no candles/],
    ['replay --prices with a bad CSV', ['replay', '--portfolio', book, '--prices', `BTCUSDT=${file('cols.csv', '1583958960000,1,1,1\n')}`], /is not a 1-minute candle CSV/],
    ['demo --json-summary into a missing folder', ['demo', '--json-summary', join(tmp, 'nope', 'summary.json')], /--json-summary .*cannot write there \(no such folder/],
    ['replay --report onto a folder', ['replay', '--portfolio', book, '--prices', `BTCUSDT=${BTC}`, '--report', tmp], /--report .*cannot write there \(is a directory\)/],
    ['test-alert with a malformed --topic-arn', ['test-alert', '--config', config, '--topic-arn', 'arn:aws:sns:topic'], /--topic-arn must be an SNS topic ARN/],
  ])('%s', (_name, args, message) => {
    const r = run(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('no state folder is left by a tick that refuses its config', () => {
    const db = join(tmp, 'db');
    const r = run('tick', '--config', config, '--account', 'other', '--db-path', db);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no account "other"/);
    expect(existsSync(db)).toBe(false);
  });
});
