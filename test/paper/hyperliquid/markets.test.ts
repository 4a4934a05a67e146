import { describe, expect, it } from 'vitest';
import { maintenanceMargin } from '../../../paper/brackets.ts';
import { validPrice } from '../../../paper/dialects/hyperliquid/exchange.ts';
import { bracketsOf, marginTable } from '../../../paper/dialects/hyperliquid/markets.ts';

/** Hyperliquid's margin tables as engine brackets, and its price rule ("Margin tiers", "Tick and lot size"). */

describe('bracketsOf', () => {
  it('makes BTC table 56 (40x, 20x above 150M): rate half the initial at max leverage, deduction keeps MM continuous', () => {
    const b = bracketsOf(marginTable(56));
    expect(b.map((x) => [x.notionalFloor, x.initialLeverage, x.maintMarginRatio, x.cum])).toEqual([
      [0, 40, 0.0125, 0],
      // 150M × (0.025 − 0.0125)
      [150_000_000, 20, 0.025, 1_875_000],
    ]);
    const just = (n: number) => maintenanceMargin(b, n).mm;
    expect(just(150_000_000 - 1)).toBeCloseTo(just(150_000_000), 0);
    expect(just(10_000)).toBeCloseTo(125, 9);
  });

  it.each([
    [3, 'flat 3x', 1 / 6],
    [10, 'flat 10x', 0.05],
  ])('reads table %d (%s) as one tier at that leverage', (id, _label, rate) => {
    expect(bracketsOf(marginTable(id)).map((x) => x.maintMarginRatio)).toEqual([rate]);
  });

  it('has no table 0 or an unlisted id of 50 and above', () => {
    expect(() => marginTable(0)).toThrow('no margin table 0');
    expect(() => marginTable(99)).toThrow('no margin table 99');
  });
});

describe('validPrice', () => {
  it.each([
    [50_000, 5, true],
    [49_975.5, 5, false], // 6 significant figures
    [49_975, 5, true],
    [3_001.5, 4, true],
    [0.12345, 0, true],
    [0.123456, 0, false], // 6 significant figures
    [1.2345, 4, false], // 4 decimals > 6 − 4
    [1.23, 4, true],
    [0, 2, false],
  ])('%d with szDecimals %d is %s', (px, sz, ok) => {
    expect(validPrice(px, sz)).toBe(ok);
  });
});
