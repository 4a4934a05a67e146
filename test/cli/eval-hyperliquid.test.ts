/**
 * `riskguard eval` on Hyperliquid's own answers (`{"venue":"hyperliquid", …}`): the raw
 * clearinghouseState and metaAndAssetCtxs go through the venue module's mapping and the engine, and
 * the engine's liquidation prices reproduce the ones Hyperliquid reported (the documented-case table,
 * test/domain/hyperliquid-documented-cases.ts, with its sources).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalReport } from '../../functions/cli/eval.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import { HyperliquidRawSnapshotSchema, snapshotFromRawHyperliquid } from '../../functions/venues/hyperliquid/raw-snapshot.ts';
import { HYPERLIQUID_MAX_LEVERAGE, HYPERLIQUID_REPORTED_CASES } from '../domain/hyperliquid-documented-cases.ts';
import { runCli } from '../helpers/cli.ts';

type Case = (typeof HYPERLIQUID_REPORTED_CASES)[number];

/** One isolated position as Hyperliquid's clearinghouseState shows it (mark at entry, as the source). */
function rawOf(c: Case) {
  const szi = c.side === 'long' ? c.contracts : -c.contracts;
  const zero = { accountValue: '0.0', totalNtlPos: '0.0', totalRawUsd: '0.0', totalMarginUsed: '0.0' };
  return {
    venue: 'hyperliquid',
    userAbstraction: 'default',
    clearinghouseState: {
      marginSummary: { accountValue: String(c.collateral), totalNtlPos: String(c.contracts * c.entry), totalRawUsd: String(c.collateral - szi * c.entry), totalMarginUsed: String(c.collateral) },
      crossMarginSummary: zero,
      crossMaintenanceMarginUsed: '0.0',
      withdrawable: '0.0',
      assetPositions: [
        {
          type: 'oneWay',
          position: {
            coin: c.coin,
            szi: String(szi),
            entryPx: String(c.entry),
            positionValue: String(c.contracts * c.entry),
            unrealizedPnl: '0.0',
            liquidationPx: String(c.liq),
            marginUsed: String(c.collateral),
            maxLeverage: HYPERLIQUID_MAX_LEVERAGE[c.coin],
            leverage: { type: 'isolated', value: c.leverage, rawUsd: String(c.collateral - szi * c.entry) },
          },
        },
      ],
      time: 1_718_000_000_000,
    },
    metaAndAssetCtxs: [
      { universe: [{ name: c.coin, szDecimals: 4, maxLeverage: HYPERLIQUID_MAX_LEVERAGE[c.coin] }], marginTables: [] },
      [{ markPx: String(c.entry), oraclePx: String(c.entry), funding: '0.0', openInterest: '0.0' }],
    ],
  };
}

describe('riskguard eval on Hyperliquid-shaped snapshots', () => {
  it.each(HYPERLIQUID_REPORTED_CASES)('reproduces the venue-reported liquidation of $coin $side $leverage x @ $entry: $liq', (c) => {
    const { snapshot, venueLiquidations } = snapshotFromRawHyperliquid(HyperliquidRawSnapshotSchema.parse(rawOf(c)));
    const r = evalReport(snapshot, resolvePolicy(), null, snapshot.timestamp!);
    const got = r.positions[0]!.liquidationPrice!;
    expect(venueLiquidations[0]!.price).toBe(c.liq);
    expect(Math.abs(got - c.liq) / c.liq).toBeLessThan(1e-4);
  });

  it('refuses a file without userAbstraction, or in portfolio margin, naming the problem', () => {
    const { userAbstraction: _, ...noMode } = rawOf(HYPERLIQUID_REPORTED_CASES[0]);
    expect(HyperliquidRawSnapshotSchema.safeParse(noMode).success).toBe(false);
    const pm = HyperliquidRawSnapshotSchema.parse({ ...rawOf(HYPERLIQUID_REPORTED_CASES[0]), userAbstraction: 'portfolioMargin' });
    expect(() => snapshotFromRawHyperliquid(pm)).toThrow(/portfolio margin/);
  });

  it('reads the file as a process and prints the venue and riskguard liquidation prices side by side', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riskguard-eval-hl-'));
    const c = HYPERLIQUID_REPORTED_CASES[4]!; // ETH long 2x @ 2459.5 → 1243.0411908
    const file = join(dir, 'hl.json');
    writeFileSync(file, JSON.stringify(rawOf(c)));
    const r = await runCli(['eval', '--snapshot', file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Liquidation prices (venue vs riskguard):');
    expect(r.stdout).toMatch(/ETH: venue 1243\.0411908, riskguard 1243\.0\d+/);
    const json = await runCli(['eval', '--snapshot', file, '--json']);
    const liq = (JSON.parse(json.stdout) as { positions: { liquidationPrice: number }[] }).positions[0]!.liquidationPrice;
    expect(Math.abs(liq - c.liq) / c.liq).toBeLessThan(1e-4);

    writeFileSync(file, JSON.stringify({ ...rawOf(c), userAbstraction: 'sometimes' }));
    const bad = await runCli(['eval', '--snapshot', file]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/snapshot file .* \(hyperliquid\) is invalid:\n.*userAbstraction/);
  });
});
