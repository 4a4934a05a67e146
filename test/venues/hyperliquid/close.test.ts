import { describe, expect, it } from 'vitest';
import {
  isValidPerpPrice,
  planCloses,
  roundPrice,
  roundSizeDown,
  slippageForRound,
  SLIPPAGE_STEPS,
} from '../../../functions/venues/hyperliquid/close.ts';

describe('roundSizeDown', () => {
  it.each([
    [0.12345, 3, '0.123'],
    [0.3, 1, '0.3'], // 0.3 × 10 is 2.9999999999999996 in floats
    [1.0009999, 3, '1'],
    [2.675, 2, '2.67'],
    [5, 0, '5'],
    [0.7, 0, '0'],
    [123.456789, 5, '123.45678'],
  ])('%f at %i decimals → %s', (size, d, text) => {
    expect(roundSizeDown(size, d)).toEqual({ value: Number(text), text });
  });
});

describe('roundPrice (tick and lot size docs)', () => {
  it.each([
    // 5 significant figures
    [1234.56, 0, 'down', '1234.5'],
    [1234.56, 0, 'up', '1234.6'],
    [62_000 * 0.99, 5, 'down', '61380'],
    [64_123.456, 5, 'up', '64124'],
    // integer prices are always allowed, whatever their figures
    [123_456.7, 0, 'down', '123456'],
    [123_456.2, 0, 'up', '123457'],
    // at most 6 − szDecimals decimals
    [0.0012345, 0, 'down', '0.001234'],
    [0.0123456, 1, 'up', '0.01235'],
    [0.0123456, 1, 'down', '0.01234'],
    [0.00012345, 2, 'down', '0.0001'],
    // crossing a power of ten upward
    [9_999.96, 2, 'up', '10000'],
    [0.99999, 0, 'up', '0.99999'], // already valid
    [0.999995, 0, 'up', '1'],
  ] as const)('%f (szDecimals %i) rounded %s → %s', (price, sz, dir, text) => {
    const r = roundPrice(price, sz, dir);
    expect(r.text).toBe(text);
    expect(isValidPerpPrice(r.text, sz)).toBe(true);
  });

  it.each([
    ['1234.5', 0, true],
    ['1234.56', 0, false],
    ['0.001234', 0, true],
    ['0.0012345', 0, false],
    ['0.01234', 1, true],
    ['0.012345', 1, false],
    ['123456', 0, true],
    ['12345.6', 0, false],
  ] as const)('the docs examples: %s with szDecimals %i is valid: %s', (text, sz, ok) => {
    expect(isValidPerpPrice(text, sz)).toBe(ok);
  });

  it('never rounds a price to zero', () => {
    expect(roundPrice(0.0000001, 3, 'down').text).toBe('0.001');
  });
});

describe('slippage escalation', () => {
  it('widens 1 %, 2 %, 5 %, 10 %, then stops', () => {
    expect([0, 1, 2, 3, 4].map(slippageForRound)).toEqual([0.01, 0.02, 0.05, 0.1, null]);
    expect(SLIPPAGE_STEPS).toEqual([0.01, 0.02, 0.05, 0.1]);
    expect(slippageForRound(-1)).toBeNull();
  });
});

describe('planCloses', () => {
  const sz: Record<string, number> = { BTC: 5, ETH: 4, DOGE: 0, kPEPE: 0 };
  const fresh = [
    { symbol: 'BTC', side: 'long' as const, contracts: 0.5, markPrice: 62_000 },
    { symbol: 'ETH', side: 'short' as const, contracts: 2.34567, markPrice: 3_100 },
    { symbol: 'DOGE', side: 'long' as const, contracts: 40, markPrice: 0.2 },
    { symbol: 'kPEPE', side: 'short' as const, contracts: 0.6, markPrice: 0.012 },
  ];

  it('closes reduce-only IOC at mark ∓ slippage, rounded outward, sizes clamped and rounded down, in one batch', () => {
    const plan = planCloses(
      [
        { symbol: 'BTC', side: 'long', amount: 0.7 }, // more than held: clamped to 0.5
        { symbol: 'ETH', side: 'short', amount: 2.34567 },
      ],
      fresh,
      (s) => sz[s],
      0.02,
    );
    expect(plan.orders.map((o) => [o.symbol, o.side, o.size.text, o.price.text, o.reduceOnly, o.timeInForce])).toEqual([
      ['BTC', 'sell', '0.5', '60760', true, 'Ioc'],
      ['ETH', 'buy', '2.3456', '3162', true, 'Ioc'],
    ]);
    expect(plan.residuals).toEqual([]);
    expect(plan.weight).toBe(1);
  });

  it('reports a remainder below $10 as a residual, not an order', () => {
    const plan = planCloses([{ symbol: 'DOGE', side: 'long', amount: 40 }], fresh, (s) => sz[s], 0.05);
    expect(plan.orders).toEqual([]);
    expect(plan.residuals).toHaveLength(1);
    expect(plan.residuals[0]!.reason).toBe("40 DOGE at 0.19 is worth 7.60 USDC, below the venue's minimum order value of 10: left open, not retried");
  });

  it('reports a remainder below the lot size, and skips a position that is gone or flipped', () => {
    const plan = planCloses(
      [
        { symbol: 'kPEPE', side: 'short', amount: 0.6 },
        { symbol: 'BTC', side: 'short', amount: 1 },
        { symbol: 'SOL', side: 'long', amount: 1 },
      ],
      fresh,
      (s) => sz[s],
      0.01,
    );
    expect(plan.residuals.map((r) => r.reason)).toEqual(['0.6 kPEPE is below the lot size (0 decimals)']);
    expect(plan.skipped.map((s) => s.reason)).toEqual(['no short BTC position on the fresh read', 'no long SOL position on the fresh read']);
    expect(plan.weight).toBe(0);
  });

  it('weighs a batch of 40 closes 2, and refuses a slippage that is not a fraction', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ symbol: `C${i}`, side: 'long' as const, contracts: 1, markPrice: 100 }));
    const plan = planCloses(
      many.map((p) => ({ symbol: p.symbol, side: p.side, amount: 1 })),
      many,
      () => 2,
      0.01,
    );
    expect(plan.orders).toHaveLength(40);
    expect(plan.weight).toBe(2);
    expect(() => planCloses([], [], () => 0, 1)).toThrow(RangeError);
  });
});
