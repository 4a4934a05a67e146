import { describe, expect, it } from 'vitest';
import { PaperEngine, PaperReject } from '../../../paper/core/index.ts';

/**
 * Per-order margin modes (Orderly): one account holds a cross and an isolated position on the
 * same symbol, two legs with two pools; an account without the flag keeps one mode per symbol.
 */
describe('paper core: a cross and an isolated leg on one symbol', () => {
  const engine = () => {
    const e = new PaperEngine({ startTime: Date.UTC(2025, 0, 1), slippage: 0, takerFee: 0 });
    e.setPrices({ ETHUSDT: 3_000 });
    return e;
  };
  const dual = {
    walletBalance: 10_000,
    mixedMarginModes: true,
    positions: [
      { symbol: 'ETHUSDT', side: 'long' as const, size: 5, entryPrice: 3_000, marginMode: 'cross' as const, leverage: 10 },
      { symbol: 'ETHUSDT', side: 'short' as const, size: 2, entryPrice: 3_000, marginMode: 'isolated' as const, leverage: 10, isolatedMargin: 600 },
    ],
  };

  it('seeds both legs, and refuses the same pair on an account with one mode per symbol', () => {
    const e = engine();
    const acc = e.createAccount(dual);
    const legs = [...acc.positions.values()].map((p) => [p.marginType, p.amt]);
    expect(legs).toEqual([
      ['CROSSED', 5],
      ['ISOLATED', -2],
    ]);
    expect(() => e.createAccount({ ...dual, mixedMarginModes: false })).toThrow(/one margin type per symbol/);
  });

  it('a reduce-only order closes only the leg of its own margin mode', () => {
    const e = engine();
    const acc = e.createAccount(dual);
    // A reduce-only BUY on the cross leg (a long) would increase it: refused, the isolated short untouched.
    expect(() => e.placeOrder(acc, { symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: 2, reduceOnly: true })).toThrow(PaperReject);
    const o = e.placeOrder(acc, { symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: 2, reduceOnly: true, marginType: 'ISOLATED' });
    expect(o.status).toBe('FILLED');
    expect(o.marginType).toBe('ISOLATED');
    expect([...acc.positions.values()].map((p) => [p.marginType, p.amt])).toEqual([['CROSSED', 5]]);
    expect(acc.crossWallet).toBeCloseTo(10_600, 6); // 10,000 + the isolated wallet (600, no PnL at an unchanged mark)
  });

  it('liquidates the isolated leg alone when its pool is spent, the cross leg stays', () => {
    const e = engine();
    const acc = e.createAccount(dual);
    const events = e.setPrices({ ETHUSDT: 3_300 }); // short 2 loses 600 = its whole wallet
    expect(events.map((x) => x.kind)).toEqual(['isolated']);
    expect([...acc.positions.values()].map((p) => [p.marginType, p.amt])).toEqual([['CROSSED', 5]]);
  });

  it('opens an isolated leg beside a cross one with an order that names its mode', () => {
    const e = engine();
    const acc = e.createAccount({ walletBalance: 10_000, mixedMarginModes: true });
    e.placeOrder(acc, { symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: 1 });
    e.placeOrder(acc, { symbol: 'ETHUSDT', side: 'SELL', type: 'MARKET', quantity: 1, marginType: 'ISOLATED' });
    const legs = [...acc.positions.values()].map((p) => [p.marginType, p.amt, p.isolatedWallet]);
    expect(legs).toEqual([
      ['CROSSED', 1, 0],
      ['ISOLATED', -1, 150], // 3,000 / 20x default leverage
    ]);
  });
});
