/**
 * `riskguard demo --venue hyperliquid` and `riskguard replay --venue hyperliquid` as processes: the
 * real 2025-10-10 crash on a Hyperliquid-shaped book (cross BTC long and ETH short, an isolated 10x
 * WIF long), the guard through real ccxt against the Hyperliquid dialect (demo) or the engine with
 * Hyperliquid's margin rules (replay: its margin tables, 2/3 backstop, hourly funding, fees).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DemoSummary } from '../../functions/cli/demo.ts';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'riskguard-hl-cli-'));
const PRICES = [
  'BTC=data/binance-coinm-markprice-BTCUSD_PERP-1m-2025-10-09_10.csv',
  'ETH=data/gemini-spot-ETHUSD-1m-from-trades-2025-10-10.csv',
  'WIF=data/binance-coinm-WIFUSD_PERP-1m-from-trades-2025-10-10.csv',
];
const book = (btcLeverage = 10) => {
  const file = join(dir, `book-${btcLeverage}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      timestamp: Date.UTC(2025, 9, 10, 20, 30),
      crossWalletBalance: 9_850,
      positions: [
        { symbol: 'BTC', side: 'long', contracts: 0.75, marginMode: 'cross', leverage: btcLeverage },
        { symbol: 'ETH', side: 'short', contracts: 3, marginMode: 'cross', leverage: 10 },
        { symbol: 'WIF', side: 'long', contracts: 2_250, marginMode: 'isolated', leverage: 10, isolatedWallet: 150 },
      ],
    }),
  );
  return file;
};

describe('riskguard replay --venue hyperliquid (process)', { timeout: 180_000 }, () => {
  it('replays the crash on Hyperliquid names and rules: the guard trips and is flat, the unguarded book is liquidated', async () => {
    const r = await runCli(['replay', '--venue', 'hyperliquid', '--portfolio', book(), '--prices', ...PRICES, '--end', '2025-10-10T21:45:00Z', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { currency: string; runs: Record<'guard' | 'noGuard', { tripped: boolean; liquidations: { symbol: string; kind: string }[]; drawdownAtExitPct: number | null; finalEquity: number }> };
    expect(out.currency).toBe('USDC'); // Hyperliquid's settlement asset: every amount of the replay is in it
    expect(out.runs.guard.tripped).toBe(true);
    expect(out.runs.guard.liquidations).toEqual([]);
    expect(out.runs.noGuard.liquidations.map((l) => `${l.kind} ${l.symbol}`).sort()).toEqual(['cross BTC', 'cross ETH', 'isolated WIF']);
    expect(out.runs.guard.finalEquity).toBeGreaterThan(out.runs.noGuard.finalEquity);
  });

  it("holds a position to the venue's own margin table: BTC at 50x is refused (Hyperliquid's BTC maximum is 40x)", async () => {
    const r = await runCli(['replay', '--venue', 'hyperliquid', '--portfolio', book(50), '--prices', ...PRICES]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/positions\[0\]\.leverage: must be a whole number from 1 to 40 for BTC/);
  });
});

describe('riskguard demo --venue hyperliquid (process)', { timeout: 300_000 }, () => {
  it('writes the same --json-summary fields as on Binance, tripped and confirmed flat', async () => {
    const file = join(dir, 'summary.json');
    const r = await runCli(['demo', '--venue', 'hyperliquid', '--json-summary', file]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/book \(10,000\.00 USDC\) on hyperliquid: cross BTC long 0\.75 @ [\d.]+, cross ETH short 3/);
    // Hyperliquid margins in USDC: the tick lines and the alerts say so, never USDT.
    expect(r.stdout).toMatch(/equity [\d,]+\.\d\d USDC  peak [\d,]+\.\d\d USDC/);
    expect(r.stdout).toMatch(/ALERT .*equity [\d,]+\.\d\d USDC/);
    expect(r.stdout).not.toMatch(/\d USDT\b/);
    const s = JSON.parse(readFileSync(file, 'utf8')) as DemoSummary;
    expect(Object.keys(s).sort()).toEqual(
      ['alerts', 'dataset', 'drawdownAtExitPct', 'drawdownAtTripPct', 'finalEquity', 'flatConfirmed', 'noGuardFinalEquity', 'startEquity', 'thresholdPct', 'tripAt', 'tripped'],
    );
    expect(s.dataset).toBe('2025-10-10');
    expect(s.tripped).toBe(true);
    expect(s.flatConfirmed).toBe(true);
    expect(s.finalEquity).toBeGreaterThan(s.noGuardFinalEquity);
  });
});
