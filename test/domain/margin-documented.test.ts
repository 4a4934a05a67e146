import { describe, expect, it } from 'vitest';
import { curveRate, DEFAULT_STRESS, evaluateAccount } from '../../functions/domain/margin.ts';
import { AccountSnapshotSchema, type AccountSnapshot } from '../../functions/domain/snapshot.ts';
import { withLiquidationFee } from '../../functions/venues/okx/mapping.ts';
import { HYPERLIQUID_MAX_LEVERAGE, HYPERLIQUID_REPORTED_CASES } from './hyperliquid-documented-cases.ts';

/**
 * Liquidation prices published by venues (or reported by them), encoded as snapshots. Each
 * expected value is the source's figure; the tolerance is the source's own rounding.
 */

const snapshot = (input: unknown): AccountSnapshot => AccountSnapshotSchema.parse(input);
const liqOf = (s: AccountSnapshot, index: number): number | null =>
  evaluateAccount(s, DEFAULT_STRESS).positions[index]!.liquidationPrice;
const round2 = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);

// Binance, "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts", cross-margin example:
// https://www.binance.com/en/support/faq/how-to-calculate-liquidation-price-of-usd%E2%93%A2-m-futures-contracts-b3c689c1f50a44cabb3a84e663b81d93
// The same figures (wallet, positions, 1,153.26 / 26,316.89) are in freqtrade's
// tests/exchange/test_binance.py::test_liquidation_price_binance, labelled "From calc example".
const BINANCE_BTC = {
  symbol: 'BTCUSDT',
  side: 'long',
  contracts: 109.488,
  entryPrice: 32_481.98,
  markPrice: 31_967.27,
  maintenanceMarginRate: 0.025,
  maintenanceAmount: 16_300,
} as const;
const BINANCE_ETH = {
  symbol: 'ETHUSDT',
  side: 'long',
  contracts: 3_683.979,
  entryPrice: 1_456.84,
  markPrice: 1_335.18,
  maintenanceMarginRate: 0.1,
  maintenanceAmount: 135_365,
} as const;
const BINANCE_WALLET = 1_535_443.01;
const binanceCross = () => [
  { ...BINANCE_BTC, marginMode: 'cross' },
  { ...BINANCE_ETH, marginMode: 'cross' },
];

describe('liquidationPrice — Binance USDⓈ-M', () => {
  it('matches Binance cross example for ETH', () => {
    // Prepare
    const s = snapshot({ crossWalletBalance: BINANCE_WALLET, positions: binanceCross() });
    // Act
    const liq = liqOf(s, 1);
    // Assess
    expect(round2(liq)).toBe(1_153.26);
  });

  it('matches Binance cross example for BTC', () => {
    const s = snapshot({ crossWalletBalance: BINANCE_WALLET, positions: binanceCross() });
    expect(round2(liqOf(s, 0))).toBe(26_316.89);
  });

  it('reproduces the example’s other-contract terms (TMM1, UPNL1)', () => {
    // The FAQ's worked ETH figure uses BTC's MM and uPnL at its mark: 71,200.81144 and −56,354.57.
    const ev = evaluateAccount(snapshot({ crossWalletBalance: BINANCE_WALLET, positions: binanceCross() }), DEFAULT_STRESS);
    expect(ev.positions[0]!.maintenanceMargin).toBeCloseTo(71_200.81144, 5);
    expect(ev.positions[0]!.unrealizedPnl).toBeCloseTo(-56_354.57, 2);
  });

  // Isolated + cross side by side. The isolated figures are freqtrade's application of Binance's
  // formula to the same positions with WB = isolated wallet = 1,535,443.01 (TMM1 = UPNL1 = 0):
  // https://github.com/freqtrade/freqtrade/blob/develop/tests/exchange/test_binance.py
  // (test_liquidation_price_binance: 1114.78 and 18778.73).
  it.each([
    { label: 'cross BTC', index: 0, expected: 26_316.89 },
    { label: 'cross ETH', index: 1, expected: 1_153.26 },
    { label: 'isolated BTC', index: 2, expected: 18_778.73 },
    { label: 'isolated ETH', index: 3, expected: 1_114.78 },
  ])('keeps $label at $expected with isolated and cross positions side by side', ({ index, expected }) => {
    // Prepare
    const s = snapshot({
      crossWalletBalance: BINANCE_WALLET,
      positions: [
        ...binanceCross(),
        { ...BINANCE_BTC, marginMode: 'isolated', isolatedWallet: BINANCE_WALLET },
        { ...BINANCE_ETH, marginMode: 'isolated', isolatedWallet: BINANCE_WALLET },
      ],
    });
    // Act
    const liq = liqOf(s, index);
    // Assess
    expect(round2(liq)).toBe(expected);
  });
});

// dYdX Chain docs, "Liquidations" (isolated and cross liquidation price examples):
// https://docs.dydx.xyz/concepts/trading/liquidations
// "e is the current equity": the examples open at p, so mark = entry and e is the deposit.
describe('liquidationPrice — dYdX v4', () => {
  const DYDX_ETH_SHORT = {
    symbol: 'ETH-USD',
    side: 'short',
    contracts: 3,
    entryPrice: 3_000,
    markPrice: 3_000,
    maintenanceMarginRate: 0.05,
  } as const;

  it('matches the dYdX isolated example (short 3 ETH @ 3,000, $1,000, MMF 5 %) at 3,174.60', () => {
    const s = snapshot({
      crossWalletBalance: 0,
      positions: [{ ...DYDX_ETH_SHORT, marginMode: 'isolated', isolatedWallet: 1_000 }],
    });
    expect(round2(liqOf(s, 0))).toBe(3_174.6);
  });

  it('matches the dYdX cross example (short 1.5 ETH, long 1,000 STRK @ 1.75, MMF 10 %) at 3,380.95', () => {
    const s = snapshot({
      crossWalletBalance: 1_000,
      positions: [
        { ...DYDX_ETH_SHORT, contracts: 1.5, marginMode: 'cross' },
        {
          symbol: 'STRK-USD',
          side: 'long',
          contracts: 1_000,
          entryPrice: 1.75,
          markPrice: 1.75,
          marginMode: 'cross',
          maintenanceMarginRate: 0.1,
        },
      ],
    });
    expect(round2(liqOf(s, 0))).toBe(3_380.95);
  });

  // Same symbol, two pools: Binance's cross ETH long next to dYdX's isolated ETH short. Each
  // keeps its own documented liquidation price (a linear isolated pool's price does not depend on
  // the mark, so the short can sit at Binance's ETH mark).
  it.each([
    { label: 'cross ETH long', index: 1, expected: 1_153.26 },
    { label: 'isolated ETH short', index: 2, expected: 3_174.6 },
  ])('keeps $label at $expected with a same-symbol cross long and isolated short', ({ index, expected }) => {
    const s = snapshot({
      crossWalletBalance: BINANCE_WALLET,
      positions: [
        ...binanceCross(),
        {
          ...DYDX_ETH_SHORT,
          symbol: 'ETHUSDT',
          markPrice: BINANCE_ETH.markPrice,
          marginMode: 'isolated',
          isolatedWallet: 1_000,
        },
      ],
    });
    expect(round2(liqOf(s, index))).toBe(expected);
  });
});

// Bybit, "Liquidation Price (USDT Contract)", isolated margin, classic account: maintenance margin
// is on the entry position value, so it is fixed while the price moves (basis "entry").
// https://testnet.bybit.com/en-US/help-center/s/article/Liquidation-Price-USDT-Contract
// Example 1 read on that page; examples 2 and 3 from a verbatim copy of it (the stored page was cut
// after example 1). Position margin = IM + extra margin − funding taken from it.
describe('liquidationPrice — Bybit USDT classic (entry-based MM)', () => {
  const bybit = (side: 'long' | 'short', isolatedWallet: number, basis: 'entry' | 'mark' = 'entry') =>
    snapshot({
      crossWalletBalance: 0,
      positions: [
        {
          symbol: 'BTCUSDT',
          side,
          contracts: 1,
          entryPrice: 20_000,
          markPrice: 20_000,
          marginMode: 'isolated',
          leverage: 50,
          isolatedWallet,
          maintenanceMarginRate: 0.005,
          maintenanceMarginBasis: basis,
        },
      ],
    });

  it.each([
    { example: 'Example 1 (long, 50x, IM 400)', side: 'long', wallet: 400, expected: 19_700 },
    { example: 'Example 2 (short, 50x, 3,000 added)', side: 'short', wallet: 400 + 3_000, expected: 23_300 },
    { example: 'Example 3 (long, 200 funding taken from margin)', side: 'long', wallet: 400 - 200, expected: 19_900 },
  ] as const)('matches Bybit $example at $expected', ({ side, wallet, expected }) => {
    expect(liqOf(bybit(side, wallet), 0)).toBeCloseTo(expected, 8);
  });

  it('needs the entry basis: with mark-based MM example 1 would be 19,698.49', () => {
    // 400 + (P − 20,000) = 0.005 × P → P = 19,600 / 0.995.
    expect(liqOf(bybit('long', 400, 'mark'), 0)).toBeCloseTo(19_600 / 0.995, 8);
  });
});

// Phemex, "Liquidation price for USDT-M" (isolated long example):
// https://phemex.com/help-center/liq-price-for-USDTM
// Phemex reserves the taker fee to close: Liq = (OpenValue − assignedPosBalance − mmAmount) /
// (0.9994 − MMR) / size, i.e. equity = MM with MM rate = MMR 1 % + taker 0.06 %, and the position
// margin assignedPosBalance = 200/5 + (200 − 200/5) × 0.06 % = 40.096 (IM + fee to close).
describe('liquidationPrice — Phemex USDT-M', () => {
  it('matches the Phemex isolated long example (500 @ 0.4, 5x) at 0.3232…', () => {
    const s = snapshot({
      crossWalletBalance: 0,
      positions: [
        {
          symbol: 'XRPUSDT',
          side: 'long',
          contracts: 500,
          entryPrice: 0.4,
          markPrice: 0.4,
          marginMode: 'isolated',
          leverage: 5,
          isolatedWallet: 40.096,
          maintenanceMarginRate: 0.01 + 0.0006,
        },
      ],
    });
    const liq = liqOf(s, 0)!;
    // The page prints "0.3232..." (truncated).
    expect(liq).toBeGreaterThanOrEqual(0.3232);
    expect(liq).toBeLessThan(0.3233);
  });
});

// Hyperliquid: maintenance margin is half the initial margin at max leverage, i.e. rate
// 1 / (2 × maxLeverage) (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations).
// The liquidation prices below were reported by Hyperliquid for real positions (via ccxt) and are
// kept in freqtrade's tests/exchange/test_hyperliquid.py::test_hyperliquid_dry_run_liquidation_price
// (https://github.com/freqtrade/freqtrade/blob/develop/tests/exchange/test_hyperliquid.py), with
// max leverage BTC/ETH 50, SOL/DOGE 20. As there, collateral is the position's margin and the mark
// is taken at entry; the tolerance (relative 1e-4) is freqtrade's.
describe('liquidationPrice — Hyperliquid (venue-reported)', () => {
  const MAX_LEVERAGE = HYPERLIQUID_MAX_LEVERAGE;
  const cases = HYPERLIQUID_REPORTED_CASES;

  it.each(cases)(
    'matches Hyperliquid isolated $coin $side $leverage x @ $entry at $liq',
    ({ coin, entry, side, contracts, collateral, leverage, liq }) => {
      const s = snapshot({
        crossWalletBalance: 0,
        positions: [
          {
            symbol: coin,
            side,
            contracts,
            entryPrice: entry,
            markPrice: entry,
            marginMode: 'isolated',
            leverage,
            isolatedWallet: collateral,
            maintenanceMarginRate: 1 / (2 * MAX_LEVERAGE[coin]!),
          },
        ],
      });
      const got = liqOf(s, 0)!;
      expect(Math.abs(got - liq) / liq).toBeLessThan(1e-4);
    },
  );

  it.each(cases.slice(0, 6))(
    'matches Hyperliquid as a lone cross position too: $coin $side @ $entry at $liq',
    ({ coin, entry, side, contracts, collateral, liq }) => {
      const s = snapshot({
        crossWalletBalance: collateral,
        positions: [
          {
            symbol: coin,
            side,
            contracts,
            entryPrice: entry,
            markPrice: entry,
            marginMode: 'cross',
            maintenanceMarginRate: 1 / (2 * MAX_LEVERAGE[coin]!),
          },
        ],
      });
      const got = liqOf(s, 0)!;
      expect(Math.abs(got - liq) / liq).toBeLessThan(1e-4);
    },
  );
});

// OKX: liquidation when margin ratio ≤ 100 %, "meaning your account equity is equal to or less
// than the required maintenance margin plus any applicable liquidation fees"
// (https://www.okx.com/help/v-tiered-maintenance-margin-ratio-rules); margin ratio = (balance +
// PnL − …) / (Maintenance margin + Liquidation fee), the fee = position value × taker fee rate
// (https://www.okx.com/help/iii-single-currency-margin-cross-margin-trading). riskguard encodes the
// fee as a maintenance rate (functions/venues/okx/mapping.ts withLiquidationFee), as the adapter does.
// OKX publishes no worked liquidation price; the figures are freqtrade's (third party) application of
// that rule, which its dry_run_liquidation_price cites as OKX's
// (https://www.okx.com/support/hc/en-us/articles/360053909592-VI-Introduction-to-the-isolated-mode-of-Single-Multi-currency-Portfolio-margin):
// tests/freqtradebot/test_freqtradebot.py::test_execute_entry, exchange "okx", isolated, 5x, 1 unit at 10 with 2
// margin, MMR 1 %, taker 0.06 %: (10 ∓ 2/1) / (1 ∓ (0.01 + 0.0006)) = 8.085708510208207 (long),
// 11.87413417771621 (short) (https://github.com/freqtrade/freqtrade/blob/develop/tests/freqtradebot/test_freqtradebot.py).
describe('liquidationPrice — OKX USDT swaps (MM + liquidation fee)', () => {
  const okxTiers = withLiquidationFee([{ notionalFloor: 0, rate: 0.01, amount: 0 }], 0.0006);
  const okxPosition = (side: 'long' | 'short') => ({
    symbol: 'ETH-USDT-SWAP',
    side,
    contracts: 1,
    entryPrice: 10,
    markPrice: 10,
    leverage: 5,
    maintenanceTiers: okxTiers,
  });

  it.each([
    { side: 'long', expected: 8.085708510208207 },
    { side: 'short', expected: 11.87413417771621 },
  ] as const)('matches the isolated $side example (5x, 2 margin, MMR 1 %, taker 0.06 %) at $expected', ({ side, expected }) => {
    const s = snapshot({ crossWalletBalance: 0, positions: [{ ...okxPosition(side), marginMode: 'isolated', isolatedWallet: 2 }] });
    expect(liqOf(s, 0)).toBeCloseTo(expected, 12);
  });

  // OKX's cross margin ratio is the same rule on the currency's balance: a lone cross position
  // with balance 2 liquidates where the isolated one with margin 2 does.
  it.each([
    { side: 'long', expected: 8.085708510208207 },
    { side: 'short', expected: 11.87413417771621 },
  ] as const)('puts a lone cross $side with balance 2 at the same $expected', ({ side, expected }) => {
    const s = snapshot({ crossWalletBalance: 2, positions: [{ ...okxPosition(side), marginMode: 'cross' }] });
    expect(liqOf(s, 0)).toBeCloseTo(expected, 12);
  });

  it('needs the fee: with the tier rate alone the long would read 8.080808…', () => {
    const s = snapshot({
      crossWalletBalance: 0,
      positions: [{ ...okxPosition('long'), maintenanceTiers: [{ notionalFloor: 0, rate: 0.01, amount: 0 }], marginMode: 'isolated', isolatedWallet: 2 }],
    });
    expect(liqOf(s, 0)).toBeCloseTo(8 / 0.99, 12);
  });
});

// Orderly: a leg's maintenance rate grows with its size, MMR_i = max(Base MMR_i, Base MMR_i /
// Base IMR_i × IMR Factor_i × |notional_i|^(4/5)); the account is liquidated when its margin ratio
// (total collateral / Σ|notional_i|) falls below Σ(|notional_i| × MMR_i) / Σ|notional_i|, i.e. when
// collateral ≤ Σ MM_i — riskguard's MM / equity = 1
// (https://orderly.network/docs/introduction/trade-on-orderly/perpetual-futures/margin-leverage-and-pnl).
// Worked figures from Orderly's SDK docs (@orderly.network/perp, js-sdk packages/perp/src:
// positions/positionMMR.ts, account/mmr.ts, positions/liquidationPriceIsolated.ts).
describe('liquidationPrice — Orderly', () => {
  const curve = (baseMmr: number, baseImr: number, imrFactor: number) => ({ floorRate: baseMmr, coefficient: (baseMmr / baseImr) * imrFactor, exponent: 0.8 });
  const BTC_SDK = curve(0.05, 0.1, 0.0000002512);

  it('matches Orderly SDK MMR example: BTC 0.2 @ 25,986.2 → MMR 0.05 (size term 0.000117924809)', () => {
    expect(curveRate(BTC_SDK, 5_197.2)).toBe(0.05);
    expect(BTC_SDK.coefficient * 5_197.2 ** 0.8).toBeCloseTo(0.000117924809, 12);
    const s = snapshot({ crossWalletBalance: 1_000, positions: [{ symbol: 'PERP_BTC_USDC', side: 'long', contracts: 0.2, entryPrice: 25_986.2, markPrice: 25_986.2, marginMode: 'cross', maintenanceCurve: BTC_SDK }] });
    expect(evaluateAccount(s, DEFAULT_STRESS).positions[0]!.maintenanceMargin).toBeCloseTo(259.862, 9);
  });

  it('matches Orderly SDK total maintenance margin ratio example: 505.61 / 10,112.43 = 4.99988628 % (to its 2-decimal MMs)', () => {
    const s = snapshot({
      crossWalletBalance: 1_000,
      positions: [
        { symbol: 'PERP_BTC_USDC', side: 'long', contracts: 0.2, entryPrice: 25_986, markPrice: 5_197.2 / 0.2, marginMode: 'cross', maintenanceCurve: BTC_SDK },
        { symbol: 'PERP_ETH_USDC', side: 'long', contracts: 3, entryPrice: 1_638, markPrice: 4_915.23 / 3, marginMode: 'cross', maintenanceCurve: curve(0.05, 0.1, 0.0000003754) },
      ],
    });
    const ev = evaluateAccount(s, DEFAULT_STRESS);
    const notional = ev.positions.reduce((a, p) => a + p.notional, 0);
    expect(notional).toBeCloseTo(10_112.43, 9);
    // The source writes each MM to 2 decimals (259.86, 245.75; 245.7615 exactly): within a cent each.
    expect(Math.abs(ev.pools[0]!.maintenanceMargin - 505.61)).toBeLessThan(0.02);
    expect(Math.abs(ev.pools[0]!.maintenanceMargin / notional - 0.0499988628)).toBeLessThan(0.02 / notional);
  });

  it('matches Orderly SDK isolated liquidation price example: long 2 @ 50,000 with 2,000 margin → 50,256.41', () => {
    // Base MMR 0.025, base IMR 0.04, IMR factor 1e-7; the example's funding adjustment (0.0004 USDC) is below its rounding.
    const s = snapshot({
      crossWalletBalance: 0,
      positions: [{ symbol: 'PERP_BTC_USDC', side: 'long', contracts: 2, entryPrice: 50_000, markPrice: 50_000, marginMode: 'isolated', isolatedWallet: 2_000, maintenanceCurve: curve(0.025, 0.04, 0.0000001) }],
    });
    expect(round2(liqOf(s, 0))).toBe(50_256.41);
  });

  it('computed from the published formula and factors (no worked figure): a cross ETH long big enough that the size term binds', () => {
    // ETH-PERP: base IMR 1 %, base MMR 0.6 %, IMR factor 0.0000003846 (the docs' market table).
    const eth = curve(0.006, 0.01, 0.0000003846);
    const s = snapshot({ crossWalletBalance: 400_000, positions: [{ symbol: 'PERP_ETH_USDC', side: 'long', contracts: 1_000, entryPrice: 3_000, markPrice: 3_000, marginMode: 'cross', maintenanceCurve: eth }] });
    const ev = evaluateAccount(s, DEFAULT_STRESS);
    // At 3,000,000 USDC the size term is 0.6 × 3.846e-7 × 3e6^0.8 = 0.03518… > 0.6 %: MM = notional × that.
    const rate = 0.6 * 0.0000003846 * 3_000_000 ** 0.8;
    expect(rate).toBeGreaterThan(0.006);
    expect(ev.positions[0]!.maintenanceMargin).toBeCloseTo(3_000_000 * rate, 6);
    // The liquidation price: equity = MM there, by the formula re-chosen at that price's notional.
    const liq = liqOf(s, 0)!;
    const n = 1_000 * liq;
    const equity = 400_000 + 1_000 * (liq - 3_000);
    expect(Math.abs(equity - n * Math.max(0.006, 0.6 * 0.0000003846 * n ** 0.8)) / n).toBeLessThan(1e-9);
    expect(liq).toBeLessThan(3_000);
    // Orderly's account margin ratio (collateral / notional) against its MMR is riskguard's ratio inverted.
    const venueMarginRatio = 400_000 / 3_000_000;
    expect(ev.pools[0]!.marginRatio).toBeCloseTo(rate / venueMarginRatio, 12);
  });
});
