import { describe, expect, it } from 'vitest';
import { baseAsset, DEFAULT_STRESS, evaluateAccount, maintenanceFor } from '../../functions/domain/margin.ts';
import { AccountSnapshotSchema, type AccountSnapshot, type Position } from '../../functions/domain/snapshot.ts';

const snapshot = (input: unknown): AccountSnapshot => AccountSnapshotSchema.parse(input);
const evaluate = (input: unknown) => evaluateAccount(snapshot(input), DEFAULT_STRESS);

// Binance BTCUSDT brackets of the 125x era (floor, rate, cum), as in its FAQ tables.
const BTC_TIERS = [
  { notionalFloor: 0, rate: 0.004, amount: 0 },
  { notionalFloor: 50_000, rate: 0.005, amount: 50 },
  { notionalFloor: 250_000, rate: 0.01, amount: 1_300 },
  { notionalFloor: 1_000_000, rate: 0.025, amount: 16_300 },
];

const btc = (over: Partial<Position> = {}) => ({
  symbol: 'BTCUSDT',
  side: 'long',
  contracts: 1,
  entryPrice: 50_000,
  markPrice: 50_000,
  marginMode: 'cross',
  maintenanceMarginRate: 0.01,
  ...over,
});

describe('maintenanceFor', () => {
  it.each([
    { label: 'flat rate', p: { maintenanceMarginRate: 0.01 }, notional: 10_000, expected: 100 },
    { label: 'rate minus amount', p: { maintenanceMarginRate: 0.01, maintenanceAmount: 50 }, notional: 10_000, expected: 50 },
    { label: 'never below 0', p: { maintenanceMarginRate: 0.01, maintenanceAmount: 500 }, notional: 10_000, expected: 0 },
    { label: 'first tier', p: { maintenanceTiers: BTC_TIERS }, notional: 40_000, expected: 160 },
    { label: 'tier starting exactly at the notional', p: { maintenanceTiers: BTC_TIERS }, notional: 50_000, expected: 200 },
    { label: 'third tier', p: { maintenanceTiers: BTC_TIERS }, notional: 300_000, expected: 1_700 },
    { label: 'top tier', p: { maintenanceTiers: BTC_TIERS }, notional: 2_000_000, expected: 33_700 },
  ])('computes $label', ({ p, notional, expected }) => {
    expect(maintenanceFor({ contracts: 1, entryPrice: notional, ...p }, notional)).toBeCloseTo(expected, 9);
  });

  it('fixes MM at the entry notional with basis "entry" (Bybit classic)', () => {
    const p = { contracts: 2, entryPrice: 20_000, maintenanceMarginRate: 0.005, maintenanceMarginBasis: 'entry' as const };
    expect(maintenanceFor(p, 10_000)).toBe(200);
    expect(maintenanceFor(p, 90_000)).toBe(200);
  });

  it('picks the tier of the entry notional with basis "entry"', () => {
    const p = { contracts: 6, entryPrice: 50_000, maintenanceTiers: BTC_TIERS, maintenanceMarginBasis: 'entry' as const };
    expect(maintenanceFor(p, 1)).toBeCloseTo(300_000 * 0.01 - 1_300, 9);
  });

  it('refuses a position without a maintenance rate rather than assume 0', () => {
    expect(() => maintenanceFor({ contracts: 1, entryPrice: 1 }, 1)).toThrow(RangeError);
  });
});

describe('evaluateAccount — pools and positions', () => {
  it('reports an empty cross pool and a healthy account with no positions', () => {
    // Prepare / Act
    const ev = evaluate({ crossWalletBalance: 1_000, positions: [] });
    // Assess
    expect(ev.positions).toEqual([]);
    expect(ev.pools).toEqual([
      {
        kind: 'cross',
        positions: [],
        walletBalance: 1_000,
        unrealizedPnl: 0,
        equity: 1_000,
        maintenanceMargin: 0,
        initialMargin: 0,
        marginRatio: 0,
        liquidatable: false,
      },
    ]);
    expect(ev.account).toMatchObject({
      equity: 1_000,
      maintenanceMargin: 0,
      initialMargin: 0,
      marginRatio: 0,
      utilization: 0,
      liquidationBuffer: 1,
      netExposure: 0,
      grossExposure: 0,
      healthScore: 100,
    });
    expect(ev.account.stress.worstEquity).toBe(1_000);
    expect(ev.account.stress.survivalRatio).toBeNull();
    expect(ev.account.stress.scenarios.every((s) => s.survives && s.survivalRatio === null)).toBe(true);
  });

  it('lists the cross pool first, then one isolated pool per isolated position in input order', () => {
    const ev = evaluate({
      crossWalletBalance: 10_000,
      positions: [
        btc({ marginMode: 'isolated', isolatedWallet: 5_000 }),
        btc({ symbol: 'ETHUSDT', entryPrice: 3_000, markPrice: 3_000 }),
        btc({ symbol: 'SOLUSDT', entryPrice: 100, markPrice: 100, marginMode: 'isolated', isolatedWallet: 50 }),
      ],
    });
    expect(ev.pools.map((p) => [p.kind, p.positions])).toEqual([
      ['cross', [1]],
      ['isolated', [0]],
      ['isolated', [2]],
    ]);
    expect(ev.positions.map((p) => [p.index, p.pool])).toEqual([
      [0, 1],
      [1, 0],
      [2, 2],
    ]);
  });

  it('computes position figures: notional, mark-based uPnL both sides, MM and IM', () => {
    const ev = evaluate({
      crossWalletBalance: 10_000,
      positions: [
        btc({ contracts: 2, entryPrice: 50_000, markPrice: 51_000, leverage: 10 }),
        btc({ side: 'short', contracts: 2, entryPrice: 50_000, markPrice: 51_000, leverage: 5 }),
      ],
    });
    const [long, short] = ev.positions;
    expect(long).toMatchObject({ notional: 102_000, unrealizedPnl: 2_000, maintenanceMargin: 1_020, initialMargin: 10_200 });
    expect(short).toMatchObject({ notional: 102_000, unrealizedPnl: -2_000, maintenanceMargin: 1_020, initialMargin: 20_400 });
    expect(ev.pools[0]).toMatchObject({ unrealizedPnl: 0, equity: 10_000, maintenanceMargin: 2_040, initialMargin: 30_600 });
  });

  it.each([
    { label: 'isolated without leverage uses its isolated wallet', over: { marginMode: 'isolated', isolatedWallet: 700 }, expected: 700 },
    { label: 'cross without leverage is unknown', over: {}, expected: null },
  ] as const)('initial margin: $label', ({ over, expected }) => {
    const ev = evaluate({ crossWalletBalance: 10_000, positions: [btc(over)] });
    expect(ev.positions[0]!.initialMargin).toBe(expected);
  });

  it('makes pool and account initial margin unknown (and utilization null) when one position lacks it', () => {
    const ev = evaluate({ crossWalletBalance: 100_000, positions: [btc({ leverage: 10 }), btc({ symbol: 'ETHUSDT' })] });
    expect(ev.pools[0]!.initialMargin).toBeNull();
    expect(ev.account.initialMargin).toBeNull();
    expect(ev.account.utilization).toBeNull();
  });

  it('counts collateral at price × (1 − haircut) in the cross wallet', () => {
    const ev = evaluate({
      crossWalletBalance: 1_000,
      collateral: [
        { asset: 'BTC', amount: 0.5, price: 60_000, haircut: 0.1 },
        { asset: 'USDC', amount: 1_000, price: 1, haircut: 0 },
      ],
      positions: [],
    });
    expect(ev.pools[0]!.walletBalance).toBeCloseTo(1_000 + 27_000 + 1_000, 9);
    expect(ev.account.equity).toBeCloseTo(29_000, 9);
  });

  it('treats equity ≤ 0 as liquidatable with undefined ratios', () => {
    // Prepare: wallet 100, long 1 @ 1,000 now at 800 → equity 100 − 200 = −100.
    const ev = evaluate({
      crossWalletBalance: 100,
      positions: [btc({ entryPrice: 1_000, markPrice: 800, leverage: 5 })],
    });
    // Assess
    expect(ev.pools[0]).toMatchObject({ equity: -100, marginRatio: null, liquidatable: true });
    expect(ev.account).toMatchObject({
      equity: -100,
      marginRatio: null,
      utilization: null,
      liquidationBuffer: null,
      netExposure: null,
      grossExposure: null,
      healthScore: 0,
    });
    expect(ev.positions[0]!.liquidationDistance).toBeLessThan(0);
  });

  it('floors isolated pools at 0 in account equity but keeps their own negative equity', () => {
    const ev = evaluate({
      crossWalletBalance: 1_000,
      positions: [btc({ entryPrice: 1_000, markPrice: 500, marginMode: 'isolated', isolatedWallet: 100 })],
    });
    expect(ev.pools[1]!.equity).toBe(-400);
    expect(ev.pools[1]!.liquidatable).toBe(true);
    expect(ev.account.equity).toBe(1_000);
  });

  it('computes account ratios by hand on a two-position book', () => {
    // Cross wallet 20,000; long 1 BTC @ 50,000 (mark 52,000, 10x); short 10 ETH @ 3,000 (mark 3,100, 10x).
    // Equity = 20,000 + 2,000 − 1,000 = 21,000. MM = 520 + 310 = 830. IM = 5,200 + 3,100 = 8,300.
    const ev = evaluate({
      crossWalletBalance: 20_000,
      positions: [
        btc({ markPrice: 52_000, leverage: 10 }),
        btc({ symbol: 'ETHUSDT', side: 'short', contracts: 10, entryPrice: 3_000, markPrice: 3_100, leverage: 10 }),
      ],
    });
    const a = ev.account;
    expect(a.equity).toBeCloseTo(21_000, 9);
    expect(a.maintenanceMargin).toBeCloseTo(830, 9);
    expect(a.initialMargin).toBeCloseTo(8_300, 9);
    expect(a.marginRatio).toBeCloseTo(830 / 21_000, 12);
    expect(a.utilization).toBeCloseTo(8_300 / 21_000, 12);
    expect(a.liquidationBuffer).toBeCloseTo(20_170 / 21_000, 12);
    expect(a.netExposure).toBeCloseTo((52_000 - 31_000) / 21_000, 12);
    expect(a.grossExposure).toBeCloseTo(83_000 / 21_000, 12);
    expect(a.healthScore).toBeCloseTo(100 * (1 - 830 / 21_000), 9);
  });
});

describe('liquidationPrice', () => {
  it('solves a lone isolated long in closed form', () => {
    // 1,000 + 2 × (P − 10,000) = 0.01 × 2P → P = 19,000 / 1.98.
    const ev = evaluate({
      crossWalletBalance: 0,
      positions: [btc({ contracts: 2, entryPrice: 10_000, markPrice: 10_500, marginMode: 'isolated', isolatedWallet: 1_000 })],
    });
    const p = ev.positions[0]!;
    expect(p.liquidationPrice).toBeCloseTo(19_000 / 1.98, 9);
    expect(p.liquidationDistance).toBeCloseTo((10_500 - 19_000 / 1.98) / 10_500, 12);
  });

  it('re-solves in the lower tier when a long’s liquidation notional falls below its current tier', () => {
    // Prepare: 10 BTC @ 30,000 = 300,000 notional (tier 1 %, cum 1,300); isolated wallet 100,000.
    const ev = evaluate({
      crossWalletBalance: 0,
      positions: [
        btc({ contracts: 10, entryPrice: 30_000, markPrice: 30_000, marginMode: 'isolated', isolatedWallet: 100_000, maintenanceMarginRate: undefined, maintenanceTiers: BTC_TIERS }),
      ],
    });
    // Assess: in the 1 % tier the answer would be 198,700 / 9.9 = 20,070.71 (notional 200,707: not
    // that tier); in the 0.5 % tier 100,000 + 10(P − 30,000) = 0.05P − 50 → P = 199,950 / 9.95.
    const liq = ev.positions[0]!.liquidationPrice!;
    expect(liq).toBeCloseTo(199_950 / 9.95, 9);
    expect(liq * 10).toBeGreaterThanOrEqual(50_000);
    expect(liq * 10).toBeLessThan(250_000);
  });

  it('re-solves in the upper tier when a short’s liquidation notional crosses a floor', () => {
    // Short 10 @ 20,000 (200,000: 0.5 % tier), wallet 60,000. In that tier P = 260,050 / 10.05 =
    // 25,875.62 (258,756 ≥ 250,000); in the 1 % tier 260,000 + 1,300 = 10.1P.
    const ev = evaluate({
      crossWalletBalance: 0,
      positions: [
        btc({ side: 'short', contracts: 10, entryPrice: 20_000, markPrice: 20_000, marginMode: 'isolated', isolatedWallet: 60_000, maintenanceMarginRate: undefined, maintenanceTiers: BTC_TIERS }),
      ],
    });
    expect(ev.positions[0]!.liquidationPrice).toBeCloseTo(261_300 / 10.1, 9);
  });

  it('stops at the floor where a tier table without matching amounts makes MM jump', () => {
    // Short 1 @ 100, wallet 60; MM 1 % below notional 150, 50 % (amount 0) from 150: equity − MM
    // is 160 − 1.01P (8.5 at 150⁻) and jumps to −65 at 150.
    const ev = evaluate({
      crossWalletBalance: 0,
      positions: [
        btc({
          side: 'short',
          entryPrice: 100,
          markPrice: 100,
          marginMode: 'isolated',
          isolatedWallet: 60,
          maintenanceMarginRate: undefined,
          maintenanceTiers: [
            { notionalFloor: 0, rate: 0.01, amount: 0 },
            { notionalFloor: 150, rate: 0.5, amount: 0 }, // a matching cum would be 73.5
          ],
        }),
      ],
    });
    expect(ev.positions[0]!.liquidationPrice).toBe(150);
  });

  it('gives a cross long and short of one symbol the same price (Binance hedge mode)', () => {
    // Binance FAQ hedge-mode formula, no other contracts:
    // LP = (WB + cumL + cumS − L·EPL + S·EPS) / (L·MMRL + S·MMRS − L + S)
    //    = (500 − 2 × 2,000 + 1 × 2,100) / (0.02 + 0.01 − 2 + 1) = −1,400 / −0.97.
    const ev = evaluate({
      crossWalletBalance: 500,
      positions: [
        btc({ symbol: 'ETHUSDT', contracts: 2, entryPrice: 2_000, markPrice: 2_000 }),
        btc({ symbol: 'ETHUSDT', side: 'short', contracts: 1, entryPrice: 2_100, markPrice: 2_000 }),
      ],
    });
    const [long, short] = ev.positions;
    expect(long!.liquidationPrice).toBeCloseTo(1_400 / 0.97, 9);
    expect(short!.liquidationPrice).toBe(long!.liquidationPrice);
    // The pool is safe, so both distances are positive, including the hedging short's.
    expect(long!.liquidationDistance).toBeCloseTo((2_000 - 1_400 / 0.97) / 2_000, 12);
    expect(short!.liquidationDistance).toBe(long!.liquidationDistance);
  });

  it('reports the nearer crossing when a hedged book can fail on either side', () => {
    // Cross long 2 and short 1.9 ETH at 1,000, wallet 95; MM 2 % below 2,500 notional, then 10 %
    // (cum 200). Equity − MM = −5 + 0.022P below 1,250 (crossing at 227.27), 195 − 0.138P up to
    // 1,315.79, then 395 − 0.29P (crossing at 1,362.07): the rise is nearer.
    const tiers = [
      { notionalFloor: 0, rate: 0.02, amount: 0 },
      { notionalFloor: 2_500, rate: 0.1, amount: 200 },
    ];
    const leg = { symbol: 'ETHUSDT', entryPrice: 1_000, markPrice: 1_000, maintenanceMarginRate: undefined, maintenanceTiers: tiers };
    const ev = evaluate({
      crossWalletBalance: 95,
      positions: [btc({ ...leg, contracts: 2 }), btc({ ...leg, side: 'short', contracts: 1.9 })],
    });
    expect(ev.positions[0]!.liquidationPrice).toBeCloseTo(395 / 0.29, 9);
    expect(ev.positions[1]!.liquidationPrice).toBe(ev.positions[0]!.liquidationPrice);
    expect(ev.positions[0]!.liquidationDistance).toBeGreaterThan(0);
  });

  it('returns null for a fully hedged symbol', () => {
    const ev = evaluate({
      crossWalletBalance: 100,
      positions: [
        btc({ symbol: 'ETHUSDT', contracts: 3, entryPrice: 2_000, markPrice: 2_000 }),
        btc({ symbol: 'ETHUSDT', side: 'short', contracts: 3, entryPrice: 2_050, markPrice: 2_000 }),
        btc({ contracts: 0.1 }),
      ],
    });
    expect(ev.positions[0]!.liquidationPrice).toBeNull();
    expect(ev.positions[1]!.liquidationPrice).toBeNull();
    expect(ev.positions[1]!.liquidationDistance).toBeNull();
    expect(ev.positions[2]!.liquidationPrice).not.toBeNull();
  });

  it('returns null when no positive price liquidates (1x long fully margined)', () => {
    const ev = evaluate({
      crossWalletBalance: 0,
      positions: [btc({ entryPrice: 100, markPrice: 100, marginMode: 'isolated', isolatedWallet: 100 })],
    });
    expect(ev.positions[0]!.liquidationPrice).toBeNull();
  });

  it('puts an already liquidatable long’s price above its mark, with a negative distance', () => {
    // 100 + (P − 1,000) = 0.01P → P = 900 / 0.99 > mark 850.
    const ev = evaluate({
      crossWalletBalance: 0,
      positions: [btc({ entryPrice: 1_000, markPrice: 850, marginMode: 'isolated', isolatedWallet: 100 })],
    });
    const p = ev.positions[0]!;
    expect(ev.pools[1]!.liquidatable).toBe(true);
    expect(p.liquidationPrice).toBeCloseTo(900 / 0.99, 9);
    expect(p.liquidationDistance).toBeCloseTo((850 - 900 / 0.99) / 850, 12);
  });

  it('moves only its own symbol: a cross short’s price holds the other symbols at their marks', () => {
    // Wallet 5,000; short 1 BTC @ 50,000 (1 %); long 10 ETH @ 3,000 mark 2,900 (1 %, MM 290).
    // 5,000 − 1,000 − 290 + (50,000 − P) = 0.01P → P = 53,710 / 1.01.
    const ev = evaluate({
      crossWalletBalance: 5_000,
      positions: [
        btc({ side: 'short' }),
        btc({ symbol: 'ETHUSDT', contracts: 10, entryPrice: 3_000, markPrice: 2_900 }),
      ],
    });
    expect(ev.positions[0]!.liquidationPrice).toBeCloseTo(53_710 / 1.01, 9);
  });
});

describe('baseAsset', () => {
  it.each([
    ['BTCUSDT', 'BTC'],
    ['ethusdt', 'ETH'],
    ['BTC/USDT:USDT', 'BTC'],
    ['ETH/USDC:USDC', 'ETH'],
    ['SOL-PERP', 'SOL'],
    ['BTCUSD_PERP', 'BTC'],
    ['ETH_PERP', 'ETH'],
    ['BTC-USDT-SWAP', 'BTC'],
    ['PERP_ETH_USDC', 'ETH'],
    ['PERP_BTC_USDC', 'BTC'],
    ['DOGEBUSD', 'DOGE'],
    ['BNBFDUSD', 'BNB'],
    ['XBTUSD', 'BTC'],
    ['1000PEPEUSDT', '1000PEPE'],
    ['BTC', 'BTC'],
    ['USDCUSDT', 'USDC'],
  ])('maps %s to %s', (symbol, expected) => {
    expect(baseAsset(symbol)).toBe(expected);
  });
});
