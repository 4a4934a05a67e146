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

describe('paper core: leverage per (symbol, margin mode) and a size-dependent initial margin', () => {
  const mixed = (opts: ConstructorParameters<typeof PaperEngine>[0] = {}) => {
    const e = new PaperEngine({ startTime: Date.UTC(2025, 0, 1), slippage: 0, takerFee: 0, mixedMarginModes: true, ...opts });
    e.setPrices({ ETHUSDT: 3_000 });
    return e;
  };

  it('keeps each leg its own leverage: seeded, read, and set for one mode without touching the other', () => {
    const e = mixed();
    const acc = e.createAccount({
      walletBalance: 10_000,
      positions: [
        { symbol: 'ETHUSDT', side: 'long', size: 5, entryPrice: 3_000, marginMode: 'cross', leverage: 10 },
        { symbol: 'ETHUSDT', side: 'short', size: 2, entryPrice: 3_000, marginMode: 'isolated', leverage: 4, isolatedMargin: 1_500 },
      ],
    });
    const lev = () => e.accountRisk(acc).positions.map((r) => [r.position.marginType, r.leverage, r.initialMargin]);
    expect(lev()).toEqual([
      ['CROSSED', 10, 1_500],
      ['ISOLATED', 4, 1_500],
    ]);
    e.setLeverage(acc, 'ETHUSDT', 25, 'CROSSED');
    expect(lev()).toEqual([
      ['CROSSED', 25, 600],
      ['ISOLATED', 4, 1_500],
    ]);
    // A new isolated order takes the isolated leg's leverage: 3,000 / 4 into its wallet.
    e.placeOrder(acc, { symbol: 'ETHUSDT', side: 'SELL', type: 'MARKET', quantity: 1, marginType: 'ISOLATED' });
    expect([...acc.positions.values()].find((p) => p.marginType === 'ISOLATED')?.isolatedWallet).toBeCloseTo(2_250, 9);
    // An account with one mode per symbol has one leverage per symbol, whatever mode is named.
    const single = new PaperEngine({ startTime: Date.UTC(2025, 0, 1) });
    const one = single.createAccount({ walletBalance: 1_000 });
    single.setLeverage(one, 'ETHUSDT', 7, 'ISOLATED');
    expect([single.leverageOf(one, 'ETHUSDT', 'CROSSED'), single.leverageOf(one, 'ETHUSDT', 'ISOLATED')]).toEqual([7, 7]);
  });

  it('charges the rise of the leg’s initial margin when the rate grows with size, and refuses what free collateral cannot cover', () => {
    // Orderly's form: max(1 / leverage, base IMR, factor × notional^0.8).
    const rate = (_s: string, n: number, lev: number) => Math.max(1 / lev, 0.01, 0.0000003846 * n ** 0.8);
    const e = mixed({ initialRate: rate });
    const acc = e.createAccount({ walletBalance: 200_000 });
    e.setLeverage(acc, 'ETHUSDT', 20, 'ISOLATED');
    // 1,000 ETH = 3,000,000 USDC: the size term (≈ 0.0584) is above 1 / 20.
    e.placeOrder(acc, { symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: 1_000, marginType: 'ISOLATED' });
    const leg = [...acc.positions.values()][0]!;
    expect(leg.isolatedWallet).toBeCloseTo(3_000_000 * rate('', 3_000_000, 20), 6);
    expect(leg.isolatedWallet).toBeGreaterThan(3_000_000 / 20 + 20_000);
    // 160,000 covers 1/leverage (150,000) but not the size term: refused, nothing changed.
    const poor = e.createAccount({ walletBalance: 160_000 });
    e.setLeverage(poor, 'ETHUSDT', 20, 'ISOLATED');
    expect(() => e.placeOrder(poor, { symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: 1_000, marginType: 'ISOLATED' })).toThrow(/insufficient|margin/i);
    expect([poor.positions.size, poor.crossWallet]).toEqual([0, 160_000]);
    // A second order on the same leg pays the leg's rise, not its own notional at the rate.
    const before = leg.isolatedWallet;
    e.deposit(acc.id, 100_000);
    e.placeOrder(acc, { symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: 100, marginType: 'ISOLATED' });
    expect(leg.isolatedWallet - before).toBeCloseTo(3_300_000 * rate('', 3_300_000, 20) - 3_000_000 * rate('', 3_000_000, 20), 6);
  });
});
