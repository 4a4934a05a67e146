import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { registerReplayCommand } from '../../functions/cli/replay-command.ts';
import { ConfigError } from '../../functions/errors.ts';
import { DATA_DIR } from '../../paper/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BTC = join(DATA_DIR, 'binance-futures-BTCUSDT-1m-2020-03-11_13.csv');
const dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};
const btcBook = file('btc.json', { crossWalletBalance: 10_000, positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 5.039, marginMode: 'cross', leverage: 10 }] });

/** Whether the lead has wired `replay` into the CLI's main yet. */
const wired = readFileSync(join(ROOT, 'functions/cli/main.ts'), 'utf8').includes('registerReplayCommand');

/**
 * Runs `riskguard …`: as a child process through bin/riskguard.mjs once the command is wired,
 * otherwise in process on a fresh program, mapping errors to exit codes as main() does.
 */
async function riskguard(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  if (wired) {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/riskguard.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }
  const out: string[] = [];
  const err: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  const program = new Command('riskguard').exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerReplayCommand(program);
  let code = 0;
  try {
    await program.parseAsync(['node', 'riskguard', ...args]);
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else if (e instanceof ConfigError) {
      code = 2;
      err.push(`riskguard: ${e.message}\n`);
    } else {
      code = 1;
      err.push(String(e));
    }
  } finally {
    spy.mockRestore();
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe(`riskguard replay (${wired ? 'bin/riskguard.mjs' : 'registerReplayCommand'})`, () => {
  it('--json prints one object with the summary fields and their meanings', async () => {
    const r = await riskguard([
      'replay', '--portfolio', btcBook, '--prices', `BTCUSDT=${BTC}`,
      '--start', '2020-03-12T00:00:00Z', '--end', '2020-03-12T03:00:00Z', '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const k of ['tripped', 'thresholdPct', 'tripAt', 'drawdownAtTripPct', 'drawdownAtExitPct', 'overshootPct', 'finalEquity', 'noGuardFinalEquity', 'guard60sFinalEquity', 'cadence', 'orders', 'liquidations', 'window',
      'maxDrawdownPct', 'guard60sMaxDrawdownPct', 'noGuardMaxDrawdownPct', 'oracleFinalEquity', 'oracleDrawdownAtExitPct', 'overshootVsOracle']) {
      expect(j).toHaveProperty(k);
    }
    expect(j).not.toHaveProperty('chart');
    expect(j.cadence).toBe('adaptive');
    expect(j.tripped).toBe(true);
    expect(j.thresholdPct).toBe(15);
    const [trip, exit, over] = [j.drawdownAtTripPct, j.drawdownAtExitPct, j.overshootPct] as number[];
    // Percent, not fractions: a 15 % threshold is 15.
    expect(trip).toBeGreaterThanOrEqual(15);
    expect(trip).toBeLessThan(25);
    expect(exit).toBeGreaterThanOrEqual(trip!);
    expect(over).toBeCloseTo(exit! - 15, 10);
    expect(j.tripAt).toBeGreaterThanOrEqual(Date.UTC(2020, 2, 12));
    expect(j.window).toMatchObject({ start: Date.UTC(2020, 2, 12), end: Date.UTC(2020, 2, 12, 3), startIso: '2020-03-12T00:00:00.000Z' });
    expect(typeof j.finalEquity).toBe('number');
    expect(typeof j.noGuardFinalEquity).toBe('number');
    expect((j.orders as unknown[]).length).toBeGreaterThan(0);
    // Per-step figures and the oracle: the guard's deepest drawdown against the oracle's, in pp.
    const runs = j.runs as Record<string, { maxDrawdownPct: number }>;
    expect(Object.keys(runs)).toEqual(['guard', 'guard60s', 'noGuard', 'oracle']);
    expect(j.maxDrawdownPct as number).toBeGreaterThanOrEqual(15);
    expect(j.oracleDrawdownAtExitPct as number).toBeGreaterThanOrEqual(15);
    expect(j.overshootVsOracle as number).toBeCloseTo((j.maxDrawdownPct as number) - runs['oracle']!.maxDrawdownPct, 10);
  });

  it('prints the three runs side by side and writes the HTML report', async () => {
    const report = join(dir, 'report.html');
    const r = await riskguard([
      'replay', '--portfolio', btcBook, '--prices', `BTCUSDT=${BTC}`,
      '--start', '2020-03-12T00:00:00Z', '--end', '2020-03-12T03:00:00Z', '--cadence', '10s', '--report', report,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/guard \(10 s\)\s+guard \(60 s\)\s+no guard\s+oracle/);
    expect(r.stdout).toMatch(/… vs oracle\s+[+-]\d+\.\d\d pp/);
    expect(r.stdout).toMatch(/overshoot/);
    expect(readFileSync(report, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it.each([
    ['a position whose symbol has no price file', ['--portfolio', file('eth.json', { crossWalletBalance: 1_000, positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 0.1, marginMode: 'cross' }, { symbol: 'ETHUSDT', side: 'long', contracts: 1, marginMode: 'cross' }] }), '--prices', `BTCUSDT=${BTC}`], /eth\.json: positions\[1\]\.symbol: no price file for ETHUSDT/],
    ['a missing portfolio file', ['--portfolio', join(dir, 'nope.json'), '--prices', `BTCUSDT=${BTC}`], /cannot read portfolio file .*nope\.json: no such file/],
    ['a portfolio that is not JSON', ['--portfolio', file('bad.json', '{ "crossWalletBalance": '), '--prices', `BTCUSDT=${BTC}`], /portfolio file .*bad\.json is not valid JSON/],
    ['a schema violation', ['--portfolio', file('side.json', { crossWalletBalance: 1_000, positions: [{ symbol: 'BTCUSDT', side: 'up', contracts: 0.1, marginMode: 'cross' }] }), '--prices', `BTCUSDT=${BTC}`], /side\.json is invalid:\n\s+positions\[0\]\.side:/],
    ['a missing price file', ['--portfolio', btcBook, '--prices', `BTCUSDT=${join(dir, 'none.csv')}`], /cannot read price file .*none\.csv \(BTCUSDT\): no such file/],
    ['a malformed --prices pair', ['--portfolio', btcBook, '--prices', BTC], /--prices ".*": expected SYMBOL=FILE/],
    ['an unknown cadence', ['--portfolio', btcBook, '--prices', `BTCUSDT=${BTC}`, '--cadence', '5s'], /./],
  ])('exits 2 on %s, naming it, with nothing on stdout', async (_name, args, message) => {
    const r = await riskguard(['replay', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});
