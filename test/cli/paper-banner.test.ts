import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, startCli } from '../helpers/cli-process.ts';

/** `riskguard paper` as a user starts it: the banner must show the demo account's keys (not redacted). */

afterAll(async () => {
  await killAll();
});

describe('riskguard paper (process)', () => {
  it('prints the admin token and the demo account as export lines a shell can use', async () => {
    const paper = startCli(['paper', '--port', '0']);
    // "Ctrl-C stops" is printed once the signal is handled: a SIGTERM sent earlier would kill it (exit by signal).
    await paper.waitFor(/Ctrl-C stops/);
    const out = paper.stdout;
    expect(out).toMatch(/^admin token \(X-Paper-Admin\): [0-9a-f]{16,}$/m);
    const key = /^ {2}export PAPER_API_KEY=(\S+)$/m.exec(out)?.[1];
    const secret = /^ {2}export PAPER_API_SECRET=(\S+)$/m.exec(out)?.[1];
    expect(key).toBeDefined();
    expect(secret).toBeDefined();
    expect(key).not.toMatch(/redacted/);
    expect(secret).not.toMatch(/redacted/);
    expect(out).toContain(`apiKey: ${key}`);
    paper.child.kill('SIGTERM');
    expect((await paper.done).code).toBe(0);
  }, 60_000);

  it('shows the demo wallet in the asset the venue settles in (USDC on Orderly)', async () => {
    const paper = startCli(['paper', '--port', '0', '--venue', 'orderly']);
    await paper.waitFor(/Ctrl-C stops/);
    expect(paper.stdout).toMatch(/^demo account \S+: 10000 USDC$/m);
    paper.child.kill('SIGTERM');
    expect((await paper.done).code).toBe(0);
  }, 60_000);
});

describe('riskguard paper --keys-file / --portfolio (process)', () => {
  it('keeps the same demo keys across restarts, and seeds the demo account with a portfolio', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riskguard-paper-'));
    const keys = join(dir, 'paper-keys.json');
    const book = join(dir, 'book.json');
    writeFileSync(book, JSON.stringify({ crossWalletBalance: 5_000, positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 0.1, entryPrice: 60_000, marginMode: 'cross', leverage: 5 }] }));
    const keyOf = (out: string) => /^ {2}export PAPER_API_KEY=(\S+)$/m.exec(out)?.[1];

    const first = startCli(['paper', '--port', '0', '--keys-file', keys, '--portfolio', book]);
    await first.waitFor(/export PAPER_API_SECRET=\S+/);
    expect(first.stdout).toMatch(/demo account \S+: 5000 USDT/);
    expect(first.stdout).toMatch(/cross BTCUSDT long 0\.1 @ 60000 \(5x\)/);
    expect(statSync(keys).mode & 0o777).toBe(0o600);
    first.child.kill('SIGTERM');
    await first.done;

    const second = startCli(['paper', '--port', '0', '--keys-file', keys]);
    await second.waitFor(/export PAPER_API_SECRET=\S+/);
    expect(keyOf(second.stdout)).toBe(keyOf(first.stdout));
    second.child.kill('SIGTERM');
    await second.done;

    writeFileSync(book, '{"positions": 3}');
    const bad = startCli(['paper', '--port', '0', '--portfolio', book]);
    const r = await bad.done;
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  }, 90_000);
});

describe('riskguard paper --replay (process)', () => {
  it('shows the progress of the replay and says when it is finished', async () => {
    // 2020-03-11 → 13 (three days of 1-minute candles) at 200,000× replays in about 1.3 s.
    const paper = startCli(['paper', '--port', '0', '--replay', 'BTCUSDT=data/binance-futures-BTCUSDT-1m-2020-03-11_13.csv', '--speed', '200000']);
    await paper.waitFor(/replay finished at \S+Z: marks stay at the last prices/);
    expect(paper.stdout).toMatch(/replay \d0 % — market time 2020-03-1\dT/);
    paper.child.kill('SIGTERM');
    expect((await paper.done).code).toBe(0);
  }, 60_000);
});

