import { afterAll, describe, expect, it } from 'vitest';
import { parseReplayArg, runPaperCli } from '../../paper/cli.ts';
import { control } from './helpers.ts';
import { venuesWithDialect } from '../../paper/index.ts';

const HAVE = venuesWithDialect().join(', ');
import { killAll, runCli, startCli } from '../helpers/cli-process.ts';

/** `--venue` on `riskguard paper`, `demo` and `replay`: only venues with a paper dialect start. */

afterAll(async () => {
  await killAll();
});

describe('--venue refusals (process)', () => {
  it.each([
    [['paper', '--port', '0', '--venue', 'kraken'], `unknown venue "kraken" (known: binanceusdm, hyperliquid, orderly, bybit, okx); venues with a paper dialect: ${HAVE}`],
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
    // The last line, written once the process waits for its signal (a SIGTERM before it kills it).
    await paper.waitFor(/Ctrl-C stops/);
    expect(paper.stdout).toMatch(/^paper exchange \(Binance USDⓈ-M REST subset\) listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(paper.stdout).toMatch(/^venue: binanceusdm$/m);
    expect(paper.stdout).toMatch(/^admin token \(X-Paper-Admin\): [0-9a-f]{16,}$/m);
    expect(paper.stdout).toMatch(/^ {2}export PAPER_API_KEY=\S+$/m);
    paper.child.kill('SIGTERM');
    expect((await paper.done).code).toBe(0);
  }, 60_000);
});

describe('--venue hyperliquid (process)', () => {
  it('starts the Hyperliquid dialect: its banner exports the master address and the agent key', async () => {
    const paper = startCli(['paper', '--port', '0', '--venue', 'hyperliquid']);
    // The last line, written once the process waits for its signal.
    await paper.waitFor(/Ctrl-C stops/);
    expect(paper.stdout).toMatch(/^paper exchange \(Hyperliquid API subset \(POST \/info, \/exchange\)\) listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(paper.stdout).toMatch(/^venue: hyperliquid$/m);
    expect(paper.stdout).toMatch(/^demo account acct-1: 10000 USDC$/m);
    expect(paper.stdout).toMatch(/^ {2}export PAPER_HL_WALLET_ADDRESS=0x[0-9a-f]{40}$/m);
    expect(paper.stdout).toMatch(/^ {2}export PAPER_HL_PRIVATE_KEY=0x[0-9a-f]{64}$/m);
    expect(paper.stdout).not.toMatch(/apiKey:|secret:/);
    paper.child.kill('SIGTERM');
    expect((await paper.done).code).toBe(0);
  }, 60_000);
});

describe('--venue hyperliquid --replay (in process)', () => {
  it('replays a coin by its Hyperliquid name and refuses a Binance symbol', async () => {
    const file = 'data/binance-futures-BTCUSDT-1m-2020-03-11_13.csv';
    expect(() => parseReplayArg(`BTCUSDT=${file}`, 'binanceusdm')).not.toThrow();
    expect(parseReplayArg(`BTC=${file}`, 'hyperliquid')).toEqual({ symbol: 'BTC', file });
    expect(() => parseReplayArg(`BTC/USDC=${file}`, 'hyperliquid')).toThrow('--replay expects SYMBOL=FILE with a Hyperliquid coin name such as BTC');
    const ex = await runPaperCli({ venue: 'hyperliquid', replay: [`BTC=${file}`], speed: 0, log: () => undefined });
    try {
      expect(ex.engine.mark('BTC')?.price).toBeGreaterThan(0);
      expect(ex.engine.market('BTC').quoteAsset).toBe('USDC');
    } finally {
      await ex.close();
    }
  });
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
