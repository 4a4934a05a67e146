import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STRESS, evaluateAccount, maintenanceFor } from '../../../functions/domain/margin.ts';
import type { AccountSnapshot } from '../../../functions/domain/snapshot.ts';
import { ExchangeDataError } from '../../../functions/errors.ts';
import {
  accountModel,
  liquidationDivergences,
  maintenanceAt,
  snapshotFromHyperliquid,
  tiersForAsset,
  tiersFromTable,
  type HyperliquidReads,
} from '../../../functions/venues/hyperliquid/margin.ts';
import {
  ClearinghouseStateSchema,
  MetaAndAssetCtxsSchema,
  SpotClearinghouseStateSchema,
} from '../../../functions/venues/hyperliquid/schemas.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const meta = MetaAndAssetCtxsSchema.parse(fixture('meta-and-asset-ctxs.json'));
const standard = ClearinghouseStateSchema.parse(fixture('clearinghouse-standard.json'));
const spot = SpotClearinghouseStateSchema.parse(fixture('spot-unified.json'));
const reads = (abstraction: unknown, extra: Partial<HyperliquidReads> = {}): HyperliquidReads => ({
  abstraction,
  dexes: [{ dex: '', state: standard, meta }],
  spot,
  ...extra,
});

/** Margin tables from Hyperliquid's "Margin tiers" page (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers). */
const TABLES: [string, [number, number][]][] = [
  ['BTC mainnet', [[0, 40], [150e6, 20]]],
  ['ETH mainnet', [[0, 25], [100e6, 15]]],
  ['SOL mainnet', [[0, 20], [70e6, 10]]],
  ['OP, ARB, … mainnet', [[0, 10], [3e6, 5]]],
  ['BTC testnet', [[0, 40], [10e3, 25], [50e3, 10], [100e3, 5], [300e3, 3]]],
  ['ETH testnet', [[0, 25], [20e3, 10], [50e3, 5], [200e3, 3]]],
  ['DOGE testnet', [[0, 10], [20e3, 5], [100e3, 3]]],
];
const table = (rows: [number, number][]) => ({ marginTiers: rows.map(([lowerBound, maxLeverage]) => ({ lowerBound, maxLeverage })) });

describe('tiersFromTable', () => {
  it.each(TABLES)('%s: rate 1 / (2 × max leverage), MM equal at each boundary from both sides', (_name, rows) => {
    const tiers = tiersFromTable(table(rows));
    expect(tiers.map((t) => t.rate)).toEqual(rows.map(([, lev]) => 1 / (2 * lev)));
    for (let k = 1; k < tiers.length; k++) {
      const floor = tiers[k]!.notionalFloor;
      const below = floor * tiers[k - 1]!.rate - tiers[k - 1]!.amount;
      const at = floor * tiers[k]!.rate - tiers[k]!.amount;
      expect(at).toBeCloseTo(below, 6);
      // and the engine agrees just below and at the floor
      expect(maintenanceFor({ contracts: 1, entryPrice: 1, maintenanceTiers: tiers }, floor)).toBeCloseTo(below, 6);
      expect(maintenanceFor({ contracts: 1, entryPrice: 1, maintenanceTiers: tiers }, floor - 1e-6)).toBeCloseTo(below, 3);
    }
  });

  it('gives 2.5 % at 20x, the docs example, and the BTC mainnet deduction 150M × (2.5 % − 1.25 %)', () => {
    expect(tiersFromTable(table([[0, 20]]))[0]!.rate).toBe(0.025);
    expect(tiersFromTable(table(TABLES[0]![1]))[1]).toEqual({ notionalFloor: 150e6, rate: 0.025, amount: 1_875_000 });
  });

  it('computes the BTC testnet deductions tier by tier', () => {
    // amount_k = amount_{k-1} + lowerBound_k × (rate_k − rate_{k-1})
    const t = tiersFromTable(table(TABLES[4]![1]));
    expect(t[1]!.amount).toBeCloseTo(10e3 * (0.02 - 0.0125), 9); // 75
    expect(t[2]!.amount).toBeCloseTo(75 + 50e3 * (0.05 - 0.02), 9); // 1,575
    expect(t[3]!.amount).toBeCloseTo(1_575 + 100e3 * (0.1 - 0.05), 9); // 6,575
    expect(t[4]!.amount).toBeCloseTo(6_575 + 300e3 * (1 / 6 - 0.1), 6); // 26,575
  });

  it.each([
    [{ marginTiers: [] }, 'no tiers'],
    [table([[10, 20]]), 'starts at 10'],
    [table([[0, 20], [0, 10]]), 'two tiers at 0'],
  ])('refuses a table that is not a schedule (%#)', (t, msg) => {
    expect(() => tiersFromTable(t)).toThrow(msg);
  });
});

describe('tiersForAsset', () => {
  it.each([
    ['BTC', 2, 0.0125],
    ['ETH', 2, 0.02],
    // SOL names table 20, which meta does not list: a single tier at 20x.
    ['SOL', 1, 0.025],
  ])('%s → %i tier(s), first rate %f', (coin, n, rate) => {
    const asset = meta[0].universe.find((u) => u.name === coin)!;
    const tiers = tiersForAsset(asset, meta[0]);
    expect(tiers).toHaveLength(n);
    expect(tiers[0]!.rate).toBe(rate);
  });

  it('refuses a table id ≥ 50 that meta does not list', () => {
    expect(() => tiersForAsset({ name: 'X', szDecimals: 0, maxLeverage: 3, marginTableId: 77 }, meta[0])).toThrow('names margin table 77');
  });
});

describe('the liquidation price formula page', () => {
  /**
   * "liq_price = price − side × margin_available / position_size / (1 − l × side), l = 1 /
   * MAINTENANCE_LEVERAGE" (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations),
   * on the isolated ETH position ccxt 4.5.84 quotes from the API (hyperliquid.js fetchPositions):
   * szi 0.2259, entryPx 2213.9, rawUsd −475.23904, marginUsed 24.88097, positionValue 500.12001,
   * maxLeverage 50, liquidationPx 2125.00856238.
   */
  const venueLiq = 2125.00856238;
  const size = 0.2259;
  const mark = 500.12001 / size;
  const l = 1 / (2 * 50);
  const marginAvailable = 24.88097 - l * 500.12001;

  it('reproduces the venue liquidationPx by the docs formula', () => {
    expect(mark - (1 * marginAvailable) / size / (1 - l * 1)).toBeCloseTo(venueLiq, 6);
  });

  it('and the margin engine agrees on the mapped position', () => {
    const tiers = tiersFromTable(table([[0, 50]]));
    const snapshot: AccountSnapshot = {
      crossWalletBalance: 100,
      positions: [
        { symbol: 'ETH', side: 'long', contracts: size, entryPrice: 2213.9, markPrice: mark, marginMode: 'isolated', maintenanceTiers: tiers, isolatedWallet: 24.88097 - 0 },
      ],
    };
    const p = evaluateAccount(snapshot, DEFAULT_STRESS).positions[0]!;
    expect(p.liquidationPrice).toBeCloseTo(venueLiq, 6);
  });
});

describe('snapshotFromHyperliquid', () => {
  it('maps a standard account: cross and isolated, size-0 dropped, base units, marks and oracle prices', () => {
    const { snapshot, venueLiquidations, model } = snapshotFromHyperliquid(reads('disabled'));
    expect(model).toBe('standard');
    expect(snapshot.crossWalletBalance).toBe(5_000); // 6,000 cross account value − 1,000 cross uPnL
    expect(snapshot.exchangeTotals).toEqual({ maintenanceMargin: 387.5 + 6_200 * 0.02, marginBalance: 7_000 });
    expect(snapshot.timestamp).toBe(1764806400000);
    expect(snapshot.positions.map((p) => [p.symbol, p.side, p.contracts, p.marginMode, p.markPrice, p.indexPrice, p.leverage])).toEqual([
      ['BTC', 'long', 0.5, 'cross', 62_000, 61_990, 10],
      ['ETH', 'short', 2, 'isolated', 3_100, 3_099.5, 5],
    ]);
    // marginUsed 1,000 includes the −200 uPnL: the wallet is 1,200 (= rawUsd 7,200 + szi −2 × entry 3,000).
    expect(snapshot.positions[1]!.isolatedWallet).toBe(1_200);
    expect(snapshot.positions[0]!.maintenanceTiers?.[0]).toEqual({ notionalFloor: 0, rate: 0.0125, amount: 0 });
    expect(venueLiquidations).toEqual([
      { symbol: 'BTC', marginMode: 'cross', price: 50632.9113924 },
      { symbol: 'ETH', marginMode: 'isolated', price: 3529.41176471 },
    ]);
  });

  it("agrees with the margin engine: the venue's liquidation prices, no divergence, the venue's totals", () => {
    const { snapshot, venueLiquidations } = snapshotFromHyperliquid(reads('default'));
    const ev = evaluateAccount(snapshot, DEFAULT_STRESS);
    expect(ev.positions[0]!.liquidationPrice).toBeCloseTo(50632.9113924, 4);
    expect(ev.positions[1]!.liquidationPrice).toBeCloseTo(3529.41176471, 4);
    expect(ev.pools[0]!.equity).toBeCloseTo(6_000, 9);
    expect(ev.pools[0]!.maintenanceMargin).toBeCloseTo(387.5, 9);
    expect(ev.account.equity).toBeCloseTo(snapshot.exchangeTotals!.marginBalance, 9);
    expect(liquidationDivergences(ev, venueLiquidations)).toEqual([]);
  });

  it('reports a liquidation price that diverges beyond the tolerance, and a one-sided null near the mark', () => {
    const { snapshot } = snapshotFromHyperliquid(reads('disabled'));
    const ev = evaluateAccount(snapshot, DEFAULT_STRESS);
    const out = liquidationDivergences(ev, [
      { symbol: 'BTC', marginMode: 'cross', price: 52_000 },
      { symbol: 'ETH', marginMode: 'isolated', price: null },
    ]);
    expect(out.map((d) => [d.symbol, d.relative === null ? null : Number(d.relative.toFixed(4))])).toEqual([
      ['BTC', Number(((52_000 - 50632.9113924) / 62_000).toFixed(4))],
      ['ETH', null],
    ]);
    expect(out[0]!.reason).toMatch(/^BTC cross: engine liquidation 50,632\.91\d* vs venue 52,000 \(2\.2\d % of mark 62,000 > 0\.50 %\)$/);
    expect(out[1]!.reason).toContain('engine liquidation 3,529.41');
    expect(out[1]!.reason).toContain('but the venue reports none');
  });

  it('maps a unified account: the USDC balance less isolated margin is the cross wallet; no venue totals', () => {
    const { snapshot, model } = snapshotFromHyperliquid(reads('unifiedAccount'));
    expect(model).toBe('unified');
    expect(snapshot.crossWalletBalance).toBe(5_000);
    expect(snapshot.exchangeTotals).toBeUndefined();
    expect(snapshot.positions.map((p) => p.symbol)).toEqual(['BTC', 'ETH']);
    const ev = evaluateAccount(snapshot, DEFAULT_STRESS);
    expect(ev.positions[0]!.liquidationPrice).toBeCloseTo(50632.9113924, 4);
  });

  it('needs the spot state of a unified account', () => {
    expect(() => snapshotFromHyperliquid(reads('unifiedAccount', { spot: undefined }))).toThrow("a unified account's spotClearinghouseState was not read");
  });

  it.each([
    ['portfolioMargin', /portfolio margin .* Switch the account to standard \("disabled"\) or unified \("unifiedAccount"\)/],
    ['dexAbstraction', /DEX abstraction .* Switch the account to unified/],
    ['someNewMode', /userAbstraction answered "someNewMode", which riskguard does not know/],
    [undefined, /userAbstraction was not read, so its margin model is unknown/],
    [null, /userAbstraction was not read/],
    [42, /userAbstraction answered 42/],
  ])('refuses abstraction %o loudly', (abstraction, msg) => {
    expect(() => snapshotFromHyperliquid(reads(abstraction))).toThrow(ExchangeDataError);
    expect(() => accountModel(abstraction)).toThrow(msg);
  });

  it('refuses positions on a HIP-3 dex of a standard account (each dex is its own pool)', () => {
    const xyzMeta = MetaAndAssetCtxsSchema.parse([
      { universe: [{ szDecimals: 3, name: 'xyz:TSLA', maxLeverage: 10, marginTableId: 10 }], marginTables: [], collateralToken: 0 },
      [{ funding: '0', openInterest: '1', oraclePx: '400', markPx: '401', midPx: '401' }],
    ]);
    const xyz = ClearinghouseStateSchema.parse({
      ...(fixture('clearinghouse-standard.json') as object),
      assetPositions: [{ type: 'oneWay', position: { coin: 'xyz:TSLA', szi: '1', leverage: { type: 'cross', value: 2 }, entryPx: '400', positionValue: '401', unrealizedPnl: '1', liquidationPx: null, marginUsed: '200', maxLeverage: 10 } }],
    });
    const r = reads('disabled', { dexes: [{ dex: '', state: standard, meta }, { dex: 'xyz', state: xyz, meta: xyzMeta }] });
    expect(() => snapshotFromHyperliquid(r)).toThrow('positions on HIP-3 dex "xyz" (xyz:TSLA) in a standard account');
    // In a unified account the same positions share the USDC pool.
    const u = snapshotFromHyperliquid({ ...r, abstraction: 'unifiedAccount' });
    expect(u.snapshot.positions.map((p) => p.symbol)).toEqual(['BTC', 'ETH', 'xyz:TSLA']);
  });

  it('refuses a held coin missing from meta', () => {
    const [m, ctxs] = meta;
    const noEth = MetaAndAssetCtxsSchema.parse([{ ...m, universe: m.universe.filter((u) => u.name !== 'ETH') }, ctxs.slice(0, 2)]);
    expect(() => snapshotFromHyperliquid(reads('disabled', { dexes: [{ dex: '', state: standard, meta: noEth }] }))).toThrow("ETH is held but not in dex \"\"'s meta");
  });

  it('maintenanceAt agrees with the domain engine', () => {
    const tiers = tiersFromTable(table(TABLES[4]![1]));
    for (const n of [0, 5e3, 10e3, 49_999, 120e3, 1e6]) {
      expect(maintenanceAt(tiers, n)).toBeCloseTo(maintenanceFor({ contracts: 1, entryPrice: 1, maintenanceTiers: tiers }, n), 9);
    }
  });
});

describe('schemas', () => {
  it.each([['"abc"'], ['""'], ['"NaN"'], ['"Infinity"']])('reject a decimal string %s', (bad) => {
    const raw = fixture('clearinghouse-standard.json') as { crossMaintenanceMarginUsed: unknown };
    expect(ClearinghouseStateSchema.safeParse({ ...raw, crossMaintenanceMarginUsed: JSON.parse(bad) }).success).toBe(false);
  });

  it('accept the older answers ccxt quotes (numbers as strings, time as a string)', () => {
    const raw = fixture('clearinghouse-standard.json') as Record<string, unknown>;
    expect(ClearinghouseStateSchema.parse({ ...raw, time: '1704261007014' }).time).toBe(1704261007014);
  });
});
