import { afterAll, describe, expect, it } from 'vitest';
import { runPaperCli } from '../../paper/cli.ts';
import { control } from './helpers.ts';
import { venuesWithDialect } from '../../paper/index.ts';
import { killAll, runCli, startCli } from '../helpers/cli-process.ts';

/** `--venue` on `riskguard paper`, `demo` and `replay`: only venues with a paper dialect start. */

afterAll(async () => {
  await killAll();
});

describe('--venue refusals (process)', () => {
  it.each([
    [['paper', '--port', '0', '--venue', 'hyperliquid'], `the paper exchange has no hyperliquid dialect yet; venues with one: ${venuesWithDialect().join(', ')}`],
    [['paper', '--port', '0', '--venue', 'okx'], `the paper exchange has no okx dialect yet; venues with one: ${venuesWithDialect().join(', ')}`],
    [['paper', '--port', '0', '--venue', 'kraken'], `unknown venue "kraken" (known: binanceusdm, hyperliquid, orderly, bybit, okx); venues with a paper dialect: ${venuesWithDialect().join(', ')}`],
    [['demo', '--venue', 'bybit'], `the paper exchange has no bybit dialect yet; venues with one: ${venuesWithDialect().join(', ')}`],
    [['replay', '--venue', 'okx', '--portfolio', 'none.json', '--prices', 'BTCUSDT=none.csv'], `the paper exchange has no okx dialect yet; venues with one: ${venuesWithDialect().join(', ')}`],
  ])('riskguard %j exits 2 with one line naming the venues that have a dialect', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`riskguard: --venue: ${message}\n`);
  }, 30_000);
});

describe('--venue binanceusdm (process)', () => {
  it('starts the Binance dialect with the usual banner: admin token line and export lines', async () => {
    const paper = startCli(['paper', '--port', '0', '--venue', 'binanceusdm']);
    await paper.waitFor(/export PAPER_API_SECRET=\S+/);
    expect(paper.stdout).toMatch(/^paper exchange \(Binance USDⓈ-M REST subset\) listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(paper.stdout).toMatch(/^venue: binanceusdm$/m);
    expect(paper.stdout).toMatch(/^admin token \(X-Paper-Admin\): [0-9a-f]{16,}$/m);
    expect(paper.stdout).toMatch(/^ {2}export PAPER_API_KEY=\S+$/m);
    paper.child.kill('SIGTERM');
    expect((await paper.done).code).toBe(0);
  }, 60_000);
});

describe('banner (in process)', () => {
  it("exports exactly the variables the control API's env names, with the demo account's values", async () => {
    const lines: string[] = [];
    const ex = await runPaperCli({ speed: 0, log: (l) => lines.push(l) });
    try {
      const token = /^admin token \(X-Paper-Admin\): (\S+)$/.exec(lines.find((l) => l.startsWith('admin token')) ?? '')?.[1];
      expect(token).toBe(ex.adminToken);
      const exports = lines.map((l) => /^ {2}export (\w+)=(\S+)$/.exec(l)).filter((m) => m !== null);
      const exported = Object.fromEntries(exports.map((m) => [m[1], m[2]]));
      const demo = ex.engine.listAccounts()[0]!;
      expect(exported).toEqual(ex.dialect.credentialsFor(demo).env);
      expect(exported).toEqual({ PAPER_API_KEY: demo.apiKey, PAPER_API_SECRET: demo.secret });
      // The same names a POST /paper/accounts answer gives.
      const made = await control(ex, 'POST', '/paper/accounts', { walletBalance: 1 });
      expect(Object.keys(made.json.env)).toEqual(Object.keys(exported));
    } finally {
      await ex.close();
    }
  });
});
