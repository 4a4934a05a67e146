import { describe, expect, it } from 'vitest';
import { DEFAULT_STRESS, evaluateAccount } from '../../functions/domain/margin.ts';
import type { StressConfig } from '../../functions/domain/risk-types.ts';
import { AccountSnapshotSchema, type AccountSnapshot } from '../../functions/domain/snapshot.ts';
import { betaOf, scenarioName } from '../../functions/domain/stress.ts';

const snapshot = (input: unknown): AccountSnapshot => AccountSnapshotSchema.parse(input);

/**
 * Small book for hand-checked figures:
 * cross wallet 10,000 + 1 BTC collateral @ 50,000 (haircut 10 %) + 1,000 USDT;
 * cross long 1 BTC @ 50,000 (MM 1 %); cross short 10 ETH @ 3,000 (MM 1 %);
 * isolated long 100 SOL @ 100 with 1,000 of margin (MM 2 %).
 */
const BOOK = snapshot({
  crossWalletBalance: 10_000,
  collateral: [
    { asset: 'BTC', amount: 1, price: 50_000, haircut: 0.1 },
    { asset: 'USDT', amount: 1_000, price: 1, haircut: 0 },
  ],
  positions: [
    { symbol: 'BTCUSDT', side: 'long', contracts: 1, entryPrice: 50_000, markPrice: 50_000, marginMode: 'cross', maintenanceMarginRate: 0.01 },
    { symbol: 'ETHUSDT', side: 'short', contracts: 10, entryPrice: 3_000, markPrice: 3_000, marginMode: 'cross', maintenanceMarginRate: 0.01 },
    {
      symbol: 'SOLUSDT',
      side: 'long',
      contracts: 100,
      entryPrice: 100,
      markPrice: 100,
      marginMode: 'isolated',
      isolatedWallet: 1_000,
      maintenanceMarginRate: 0.02,
    },
  ],
});

describe('stress', () => {
  it('computes the BTC −20 % scenario by hand', () => {
    // Prepare / Act
    const stress = evaluateAccount(BOOK, DEFAULT_STRESS).account.stress;
    const s = stress.scenarios.find((x) => x.name === 'BTC -20%')!;
    // Assess. BTC −20 % → 40,000; ETH −24 % (β 1.2) → 2,280; SOL −30 % (β 1.5) → 70.
    // Cross: 10,000 + 45,000 × 0.8 + 1,000 = 47,000; uPnL −10,000 + 7,200 → 44,200; MM 400 + 228 = 628.
    // Isolated SOL: 1,000 − 3,000 = −2,000 (counts 0 in the account); MM 140.
    expect(s.shocks).toEqual({ BTCUSDT: -20, ETHUSDT: -24, SOLUSDT: -30 });
    expect(s.equity).toBeCloseTo(44_200, 6);
    expect(s.poolSurvives).toEqual([true, false]);
    expect(s.survives).toBe(false);
    expect(s.survivalRatio).toBeCloseTo(-2_000 / 140, 9);
  });

  it('computes the BTC +20 % scenario by hand', () => {
    const s = evaluateAccount(BOOK, DEFAULT_STRESS).account.stress.scenarios.find((x) => x.name === 'BTC +20%')!;
    // BTC 60,000; ETH 3,720; SOL 130. Cross: 10,000 + 54,000 + 1,000 + 10,000 − 7,200 = 67,800, MM 972.
    // SOL: 1,000 + 3,000 = 4,000, MM 260.
    expect(s.shocks).toEqual({ BTCUSDT: 20, ETHUSDT: 24, SOLUSDT: 30 });
    expect(s.equity).toBeCloseTo(71_800, 6);
    expect(s.survives).toBe(true);
    expect(s.survivalRatio).toBeCloseTo(4_000 / 260, 9);
  });

  it('summarises the grid: worst scenario and minimum survival ratio', () => {
    const stress = evaluateAccount(BOOK, DEFAULT_STRESS).account.stress;
    expect(stress.scenarios.map((s) => s.name)).toEqual(['BTC -20%', 'BTC -10%', 'BTC -5%', 'BTC +5%', 'BTC +10%', 'BTC +20%']);
    expect(stress.worstScenario).toBe('BTC -20%');
    expect(stress.worstEquity).toBeCloseTo(44_200, 6);
    expect(stress.survivalRatio).toBeCloseTo(-2_000 / 140, 9);
  });

  it('keeps stablecoin collateral still and moves other collateral by its beta, haircut kept', () => {
    const config: StressConfig = { shocksPct: [-50], betas: { ETH: 1.2 }, defaultBeta: 1.5 };
    const s = evaluateAccount(
      snapshot({
        crossWalletBalance: 0,
        collateral: [
          { asset: 'USDC', amount: 1_000, price: 1, haircut: 0 },
          { asset: 'ETH', amount: 1, price: 3_000, haircut: 0.12 },
        ],
        positions: [],
      }),
      config,
    ).account.stress.scenarios[0]!;
    // ETH −60 %: 3,000 × 0.4 × 0.88 = 1,056.
    expect(s.equity).toBeCloseTo(1_000 + 1_056, 9);
    expect(s.shocks).toEqual({});
    expect(s.survivalRatio).toBeNull();
  });

  it('floors prices at 0: a −80 % BTC move with β 1.5 is −100 %, not −120 %', () => {
    const config: StressConfig = { shocksPct: [-80], betas: {}, defaultBeta: 1.5 };
    const s = evaluateAccount(
      snapshot({
        crossWalletBalance: 1_000,
        positions: [
          { symbol: 'SOL/USDT:USDT', side: 'short', contracts: 10, entryPrice: 100, markPrice: 100, marginMode: 'cross', maintenanceMarginRate: 0.02 },
        ],
      }),
      config,
    ).account.stress.scenarios[0]!;
    expect(s.shocks).toEqual({ 'SOL/USDT:USDT': -100 });
    expect(s.equity).toBeCloseTo(2_000, 9);
  });

  it('uses the configured beta by base asset whatever the symbol format, and 1 for BTC', () => {
    const config: StressConfig = { shocksPct: [-10], betas: { ETH: 2 }, defaultBeta: 3 };
    const s = evaluateAccount(
      snapshot({
        crossWalletBalance: 1_000_000,
        positions: ['ETH/USDT:USDT', 'ETH-PERP', 'BTCUSDT', 'DOGEUSDT'].map((symbol) => ({
          symbol,
          side: 'long',
          contracts: 1,
          entryPrice: 10,
          markPrice: 10,
          marginMode: 'cross',
          maintenanceMarginRate: 0.01,
        })),
      }),
      config,
    ).account.stress.scenarios[0]!;
    expect(s.shocks).toEqual({ 'ETH/USDT:USDT': -20, 'ETH-PERP': -20, BTCUSDT: -10, DOGEUSDT: -30 });
  });

  it('reports nothing for an empty grid', () => {
    const stress = evaluateAccount(BOOK, { ...DEFAULT_STRESS, shocksPct: [] }).account.stress;
    expect(stress).toEqual({ scenarios: [], worstEquity: null, worstScenario: null, survivalRatio: null, crossSurvivalRatio: null });
  });

  it('serialises the scenarios (built on first read) like plain data', () => {
    const stress = evaluateAccount(BOOK, DEFAULT_STRESS).account.stress;
    const copy = JSON.parse(JSON.stringify(stress)) as typeof stress;
    expect(copy.scenarios).toHaveLength(6);
    expect(copy).toEqual(stress);
  });

  it.each([
    [-20, 'BTC -20%'],
    [5, 'BTC +5%'],
    [0, 'BTC 0%'],
    [-7.5, 'BTC -7.5%'],
  ])('names the %s scenario %s', (pct, name) => {
    expect(scenarioName(pct)).toBe(name);
  });

  it.each([
    ['USDT', 0],
    ['DAI', 0],
    ['BTC', 1],
    ['ETH', 1.2],
    ['SOL', 1.5],
  ])('gives %s a default stress beta of %s', (asset, beta) => {
    expect(betaOf(asset, DEFAULT_STRESS)).toBe(beta);
  });
});

/** The same book with every mark and collateral price moved as a scenario moves it. */
function shocked(s: AccountSnapshot, shocks: Record<string, number>, collateralPct: Record<string, number>): AccountSnapshot {
  return {
    ...s,
    positions: s.positions.map((p) => ({ ...p, markPrice: p.markPrice * (1 + shocks[p.symbol]! / 100) })),
    collateral: s.collateral?.map((c) => ({ ...c, price: c.price * (1 + (collateralPct[c.asset] ?? 0) / 100) })),
  };
}

describe('stress agrees with a fresh evaluation at the shocked prices', () => {
  const RICH = snapshot({
    crossWalletBalance: 30_000,
    collateral: [
      { asset: 'BTC', amount: 0.5, price: 60_000, haircut: 0.1 },
      { asset: 'USDC', amount: 5_000, price: 1, haircut: 0 },
    ],
    positions: [
      {
        symbol: 'BTCUSDT',
        side: 'long',
        contracts: 8,
        entryPrice: 58_000,
        markPrice: 60_000,
        marginMode: 'cross',
        maintenanceTiers: [
          { notionalFloor: 0, rate: 0.004, amount: 0 },
          { notionalFloor: 50_000, rate: 0.005, amount: 50 },
          { notionalFloor: 250_000, rate: 0.01, amount: 1_300 },
          { notionalFloor: 1_000_000, rate: 0.025, amount: 16_300 },
        ],
      },
      { symbol: 'ETHUSDT', side: 'short', contracts: 40, entryPrice: 3_100, markPrice: 3_000, marginMode: 'cross', maintenanceMarginRate: 0.005, maintenanceAmount: 50 },
      { symbol: 'ETHUSDT', side: 'long', contracts: 15, entryPrice: 2_900, markPrice: 3_000, marginMode: 'isolated', isolatedWallet: 6_000, maintenanceMarginRate: 0.01 },
      { symbol: 'SOLUSDT', side: 'long', contracts: 300, entryPrice: 150, markPrice: 140, marginMode: 'isolated', isolatedWallet: 9_000, maintenanceMarginRate: 0.02, maintenanceMarginBasis: 'entry' },
      { symbol: 'DOGEUSDT', side: 'short', contracts: 100_000, entryPrice: 0.1, markPrice: 0.12, marginMode: 'cross', maintenanceMarginRate: 0.02 },
    ],
  });
  const config: StressConfig = { shocksPct: [-60, -20, -10, -5, 0, 5, 10, 20, 45], betas: { BTC: 1, ETH: 1.2 }, defaultBeta: 1.5 };
  const stress = evaluateAccount(RICH, config).account.stress;

  it.each(stress.scenarios.map((s) => [s.name, s] as const))('matches re-evaluation for %s', (_name, scenario) => {
    // Prepare
    const btcPct = Number(scenario.name.replace(/[^0-9.+-]/g, ''));
    const collateralPct = { BTC: btcPct * betaOf('BTC', config), USDC: 0 };
    // Act
    const ev = evaluateAccount(shocked(RICH, scenario.shocks, collateralPct), { ...config, shocksPct: [] });
    // Assess
    expect(scenario.equity).toBeCloseTo(ev.account.equity, 6);
    expect(scenario.poolSurvives).toEqual(ev.pools.map((p) => p.positions.length === 0 || p.equity > p.maintenanceMargin));
    const ratios = ev.pools.filter((p) => p.positions.length > 0 && p.maintenanceMargin > 0).map((p) => p.equity / p.maintenanceMargin);
    expect(scenario.survivalRatio).toBeCloseTo(Math.min(...ratios), 9);
  });
});
