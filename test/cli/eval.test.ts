import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** `riskguard eval` as a user runs it: a real process, exit codes and streams. */
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/riskguard.mjs', 'eval', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const tmp = mkdtempSync(join(tmpdir(), 'riskguard-eval-'));
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe('riskguard eval --json', () => {
  it("prints the exact document, with Binance's documented liquidation prices", () => {
    const r = run('--snapshot', 'examples/binance-cross-example.json', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      account: Record<string, unknown> & { stress: { scenarios: unknown[]; worstEquity: unknown; worstScenario: unknown } };
      pools: { kind: string; positions: number[] }[];
      positions: { symbol: string; liquidationPrice: number }[];
      decision: { level: string; reasons: string[]; actions: unknown[] };
    };
    for (const k of ['equity', 'maintenanceMargin', 'initialMargin', 'marginRatio', 'utilization', 'liquidationBuffer', 'netExposure', 'grossExposure', 'healthScore', 'drawdownPct', 'stress']) {
      expect(doc.account).toHaveProperty(k);
    }
    expect(doc.account.drawdownPct).toBe(0);
    expect(doc.pools[0]).toMatchObject({ kind: 'cross', positions: [0, 1] });
    expect(doc.positions.map((p) => p.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(doc.positions[0]!.liquidationPrice).toBeCloseTo(26_316.89, 2);
    expect(doc.positions[1]!.liquidationPrice).toBeCloseTo(1_153.26, 2);
    expect(typeof doc.decision.level).toBe('string');
  });

  it('measures drawdown from --peak, in percent', () => {
    const r = run('--snapshot', 'examples/agent-book.json', '--json', '--peak', '9000');
    const doc = JSON.parse(r.stdout) as { account: { equity: number; drawdownPct: number } };
    // equity 7,398 below a 9,000 peak
    expect(doc.account.drawdownPct).toBeCloseTo(((9_000 - doc.account.equity) / 9_000) * 100, 9);
  });

  it.each([
    ['a missing file', () => join(tmp, 'nope.json'), /cannot read snapshot file .*nope\.json: no such file/],
    ['invalid JSON', () => file('bad.json', '{ "crossWalletBalance": '), /snapshot file .*bad\.json is not valid JSON/],
    [
      'a schema violation',
      () => file('iso.json', JSON.stringify({ crossWalletBalance: 1, positions: [{ symbol: 'X', side: 'long', contracts: 1, entryPrice: 1, markPrice: 1, marginMode: 'isolated', maintenanceMarginRate: 0.01 }] })),
      /iso\.json is invalid:\n\s+positions\[0\]\.isolatedWallet: required when marginMode is "isolated"/,
    ],
  ])('rejects %s: exit 2, the file and field named, nothing on stdout', (_what, make, message) => {
    const r = run('--snapshot', make(), '--json');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('rejects an invalid policy with its path', () => {
    const p = file('policy.json', JSON.stringify({ thresholds: { EMERGENCY: { drawdown: 15 } } }));
    const r = run('--snapshot', 'examples/agent-book.json', '--policy', p);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/thresholds\.EMERGENCY\.drawdown/);
  });
});
