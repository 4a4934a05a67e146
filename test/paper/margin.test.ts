import { describe, expect, it } from 'vitest';
import { BINANCE_BRACKETS, bracketTable, GENERIC_ALT_BRACKETS, maintenanceMargin, PaperEngine, type Bracket } from '../../paper/index.ts';

// Binance's 2021 tables behind its cross-margin liquidation example (the example's rates and
// maintenance amounts: BTC 2.5 % / 16,300 and ETH 10 % / 135,365); each cum follows the cum rule.
const BTC_2021 = bracketTable([
  [0, 50_000, 125, 0.004, 0],
  [50_000, 250_000, 100, 0.005, 50],
  [250_000, 1_000_000, 50, 0.01, 1_300],
  [1_000_000, 10_000_000, 20, 0.025, 16_300],
  [10_000_000, 20_000_000, 10, 0.05, 266_300],
]);
const ETH_2021 = bracketTable([
  [0, 10_000, 100, 0.005, 0],
  [10_000, 100_000, 75, 0.0065, 15],
  [100_000, 500_000, 50, 0.01, 365],
  [500_000, 1_000_000, 25, 0.02, 5_365],
  [1_000_000, 2_000_000, 10, 0.05, 35_365],
  [2_000_000, 5_000_000, 5, 0.1, 135_365],
  [5_000_000, 10_000_000, 4, 0.125, 260_365],
]);

/** Binance's cross-margin example account (docs: "Liquidation price calculation", cross, one-way). */
function binanceCrossExample() {
  const e = new PaperEngine({ brackets: { BTCUSDT: BTC_2021, ETHUSDT: ETH_2021 }, clearanceFee: 0.0125 });
  const acc = e.createAccount({
    walletBalance: 1_535_443.01,
    positions: [
      { symbol: 'BTCUSDT', side: 'long', size: 109.488, entryPrice: 32_481.98, leverage: 20 },
      { symbol: 'ETHUSDT', side: 'long', size: 3_683.979, entryPrice: 1_456.84, leverage: 5 },
    ],
  });
  e.setPrices({ BTCUSDT: 31_967.27, ETHUSDT: 1_335.18 });
  return { e, acc };
}

describe('bracket tables', () => {
  const all: [string, Bracket[]][] = [...Object.entries(BINANCE_BRACKETS), ['GENERIC_ALT', GENERIC_ALT_BRACKETS]];

  it.each(all)('%s: contiguous from 0, cum(n) = cum(n−1) + floor(n) × Δrate', (_s, table) => {
    expect(table[0]!.notionalFloor).toBe(0);
    expect(table[0]!.cum).toBe(0);
    for (let i = 1; i < table.length; i++) {
      const [prev, b] = [table[i - 1]!, table[i]!];
      expect(b.notionalFloor).toBe(prev.notionalCap);
      expect(b.cum).toBeCloseTo(prev.cum + b.notionalFloor * (b.maintMarginRatio - prev.maintMarginRatio), 6);
      expect(b.initialLeverage).toBeLessThanOrEqual(prev.initialLeverage);
    }
  });

  it('lists every symbol of the 2025-10-10 data set and BTC/ETH/SOL', () => {
    for (const s of ['BTC', 'ETH', 'SOL', 'AAVE', 'ATOM', 'AVAX', 'BCH', 'DOT', 'ETC', 'FIL', 'TRX', 'UNI', 'WIF', 'WLD', 'XLM']) {
      expect(BINANCE_BRACKETS[`${s}USDT`], s).toBeDefined();
    }
  });

  it.each([
    ['BTCUSDT', 250_000, 1_000],
    ['BTCUSDT', 1_000_000, 5_000],
    ['ETHUSDT', 20_000_000, 268_000],
    ['SOLUSDT', 50_000, 250],
  ])('%s maintenance margin at notional %d is %d', (symbol, notional, mm) => {
    expect(maintenanceMargin(BINANCE_BRACKETS[symbol]!, notional).mm).toBeCloseTo(mm, 6);
  });
});

describe('Binance cross example', () => {
  it('matches the documented maintenance margins (2.5 %/16,300 and 10 %/135,365)', () => {
    const { e, acc } = binanceCrossExample();
    const risk = e.accountRisk(acc);
    const btc = risk.positions.find((p) => p.position.symbol === 'BTCUSDT')!;
    const eth = risk.positions.find((p) => p.position.symbol === 'ETHUSDT')!;
    expect(btc.maintMarginRatio).toBe(0.025);
    expect(btc.maintAmount).toBe(16_300);
    expect(btc.maintMargin).toBeCloseTo(109.488 * 31_967.27 * 0.025 - 16_300, 6);
    expect(eth.maintMarginRatio).toBe(0.1);
    expect(eth.maintAmount).toBe(135_365);
  });

  it('puts the ETH liquidation price at 1,153.26 with BTC held', () => {
    const { e, acc } = binanceCrossExample();
    const eth = [...acc.positions.values()].find((p) => p.symbol === 'ETHUSDT')!;
    expect(e.liquidationPrice(acc, eth)).toBeCloseTo(1_153.26, 2);
  });

  it('does not liquidate just above 1,153.26', () => {
    const { e, acc } = binanceCrossExample();
    expect(e.setPrice('ETHUSDT', 1_153.3)).toEqual([]);
    expect(acc.positions.size).toBe(2);
    expect(e.accountRisk(acc).crossMarginRatio!).toBeLessThan(1);
  });

  it('liquidates the whole cross pool just below it and charges the clearance fee', () => {
    const { e, acc } = binanceCrossExample();
    const events = e.setPrice('ETHUSDT', 1_153.2);
    expect(events.map((x) => [x.kind, x.symbol]).sort()).toEqual([
      ['cross', 'BTCUSDT'],
      ['cross', 'ETHUSDT'],
    ]);
    expect(acc.positions.size).toBe(0);
    // Closing at the mark leaves the margin balance (≈ the maintenance margin, ~360k) in the pool;
    // the 1.25 % clearance fee (~97k) is below it, so it is charged in full and the rest stays.
    const notional = 109.488 * 31_967.27 + 3_683.979 * 1_153.2;
    const fees = events.reduce((s, x) => s + x.clearanceFee, 0);
    expect(fees).toBeCloseTo(0.0125 * notional, 6);
    const pool = 1_535_443.01 + 109.488 * (31_967.27 - 32_481.98) + 3_683.979 * (1_153.2 - 1_456.84);
    expect(acc.crossWallet).toBeCloseTo(pool - fees, 4);
    expect(acc.forceOrders).toHaveLength(2);
    expect(acc.income.filter((i) => i.incomeType === 'INSURANCE_CLEAR')).toHaveLength(2);
  });
});

describe('isolated liquidation', () => {
  it('liquidates only the isolated position; the cross pool keeps its wallet', () => {
    const e = new PaperEngine({ startTime: 1_700_000_000_000 });
    e.setPrices({ BTCUSDT: 100_000, ETHUSDT: 4_000 });
    const acc = e.createAccount({
      walletBalance: 10_000,
      positions: [
        { symbol: 'BTCUSDT', side: 'long', size: 0.5, entryPrice: 100_000, marginMode: 'isolated', leverage: 20, isolatedMargin: 2_500 },
        { symbol: 'ETHUSDT', side: 'short', size: 2, entryPrice: 4_000 },
      ],
    });
    const btc = [...acc.positions.values()].find((p) => p.symbol === 'BTCUSDT')!;
    const liq = e.liquidationPrice(acc, btc);
    expect(liq).toBeCloseTo((50_000 - 2_500) / (0.5 * (1 - 0.004)), 4);
    expect(e.setPrice('BTCUSDT', liq + 1)).toEqual([]);
    const events = e.setPrice('BTCUSDT', liq - 1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'isolated', symbol: 'BTCUSDT' });
    expect([...acc.positions.values()].map((p) => p.symbol)).toEqual(['ETHUSDT']);
    // Only the isolated margin was lost: what was left after the clearance fee returned to cross.
    const left = 2_500 + 0.5 * (liq - 1 - 100_000) - events[0]!.clearanceFee;
    expect(acc.crossWallet).toBeCloseTo(10_000 + left, 6);
    expect(events[0]!.clearanceFee).toBeCloseTo(Math.min(0.0125 * 0.5 * (liq - 1), 2_500 + 0.5 * (liq - 1 - 100_000)), 6);
  });
});

describe('accounts', () => {
  it('refuses a cross and an isolated position on one symbol (hedge mode)', () => {
    const e = new PaperEngine();
    expect(() =>
      e.createAccount({
        walletBalance: 1_000,
        hedgeMode: true,
        positions: [
          { symbol: 'ETHUSDT', side: 'long', size: 1, entryPrice: 4_000 },
          { symbol: 'ETHUSDT', side: 'short', size: 1, entryPrice: 4_000, marginMode: 'isolated', isolatedMargin: 200 },
        ],
      }),
    ).toThrow(/one margin type per symbol/);
  });

  it('books deposits and withdrawals as TRANSFER income', () => {
    const e = new PaperEngine();
    const acc = e.createAccount({ walletBalance: 1_000 });
    e.deposit(acc.id, 500);
    e.withdraw(acc.id, 200);
    expect(acc.income.map((i) => [i.incomeType, i.income])).toEqual([
      ['TRANSFER', 1_000],
      ['TRANSFER', 500],
      ['TRANSFER', -200],
    ]);
    expect(acc.crossWallet).toBe(1_300);
    expect(() => e.withdraw(acc.id, 5_000)).toThrow(/maxWithdrawAmount/);
  });
});
