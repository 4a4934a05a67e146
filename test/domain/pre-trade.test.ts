import { describe, expect, it } from 'vitest';
import { evalReport } from '../../functions/cli/eval.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import { applyOrder, checkOrder, maxOrderSize, type AgentContext, type MarketSpec } from '../../functions/domain/pre-trade.ts';
import { AccountSnapshotSchema, type AccountSnapshot } from '../../functions/domain/snapshot.ts';

/** Binance's BTCUSDT brackets (first four). */
const BTC_TIERS = [
  { notionalFloor: 0, rate: 0.004, amount: 0 },
  { notionalFloor: 50_000, rate: 0.005, amount: 50 },
  { notionalFloor: 250_000, rate: 0.01, amount: 1_300 },
  { notionalFloor: 1_000_000, rate: 0.025, amount: 16_300 },
];
const ETH_TIERS = [
  { notionalFloor: 0, rate: 0.005, amount: 0 },
  { notionalFloor: 50_000, rate: 0.0065, amount: 75 },
];

const book = (): AccountSnapshot =>
  AccountSnapshotSchema.parse({
    timestamp: 1_760_000_000_000,
    crossWalletBalance: 10_000,
    positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 0.1, entryPrice: 50_000, markPrice: 50_000, marginMode: 'cross', leverage: 10, maintenanceTiers: BTC_TIERS }],
  });
const btc: MarketSpec = { symbol: 'BTCUSDT', markPrice: 50_000, lotStep: 0.001, maintenanceTiers: BTC_TIERS, takerFee: null };
const eth: MarketSpec = { symbol: 'ETHUSDT', markPrice: 2_500, lotStep: 0.001, maintenanceTiers: ETH_TIERS, takerFee: null };
// Stress thresholds off, so margin ratio, liquidation distance and the drawdown budget bind.
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });
const open: AgentContext = { restrictions: [], peakEquity: 10_000 };

describe('applyOrder', () => {
  it('fills a cross buy at mark + slippage, pays the taker fee from the cross wallet and averages the entry', () => {
    const { snapshot, position, fillPrice, fee } = applyOrder(book(), { symbol: 'BTCUSDT', side: 'buy', size: 0.5, marginMode: 'cross' }, btc, policy.agentLimits);
    expect(fillPrice).toBeCloseTo(50_025, 9);
    expect(fee).toBeCloseTo(0.5 * 50_025 * 0.0005, 9);
    expect(snapshot.crossWalletBalance).toBeCloseTo(10_000 - fee, 9);
    expect(snapshot.positions[position!]).toMatchObject({ contracts: 0.6, markPrice: 50_000, maintenanceTiers: BTC_TIERS });
    expect(snapshot.positions[position!]!.entryPrice).toBeCloseTo((0.1 * 50_000 + 0.5 * 50_025) / 0.6, 9);
  });

  it('reduce-only never goes past flat and puts the realized PnL in the cross wallet', () => {
    const { snapshot, position } = applyOrder(book(), { symbol: 'BTCUSDT', side: 'sell', size: 5, marginMode: 'cross', reduceOnly: true }, btc, policy.agentLimits);
    expect(snapshot.positions).toHaveLength(0);
    expect(position).toBeNull();
    const fill = 50_000 * (1 - 0.0005);
    expect(snapshot.crossWalletBalance).toBeCloseTo(10_000 + 0.1 * (fill - 50_000) - 0.1 * fill * 0.0005, 9);
  });
});

describe('applyOrder (one-way mode, isolated)', () => {
  it('an isolated sell against the isolated long reduces it, releasing its margin share to the cross wallet', () => {
    const withIso = AccountSnapshotSchema.parse({
      ...book(),
      positions: [...book().positions, { symbol: 'ETHUSDT', side: 'long', contracts: 2, entryPrice: 2_400, markPrice: 2_500, marginMode: 'isolated', leverage: 5, isolatedWallet: 960, maintenanceTiers: ETH_TIERS }],
    });
    const { snapshot, position, fillPrice, fee } = applyOrder(withIso, { symbol: 'ETHUSDT', side: 'sell', size: 0.5, marginMode: 'isolated' }, eth, policy.agentLimits);
    expect(snapshot.positions).toHaveLength(2);
    expect(snapshot.positions[position!]).toMatchObject({ side: 'long', contracts: 1.5, isolatedWallet: 720 });
    expect(snapshot.crossWalletBalance).toBeCloseTo(10_000 + 240 + 0.5 * (fillPrice - 2_400) - fee, 9);
  });
});

describe('checkOrder agrees with `riskguard eval` on the post-trade snapshot built by hand', () => {
  it('a cross order that crosses into the next maintenance tier', () => {
    // 0.1 + 1.0 BTC at 50,000 = 55,000 notional: tier 2 (0.5 %, amount 50) instead of tier 1.
    const r = checkOrder(book(), open, policy, { symbol: 'BTCUSDT', side: 'buy', size: 1, marginMode: 'cross' }, btc);
    const fill = 50_025;
    const fee = 1 * fill * 0.0005;
    const byHand = AccountSnapshotSchema.parse({
      crossWalletBalance: 10_000 - fee,
      positions: [
        { symbol: 'BTCUSDT', side: 'long', contracts: 1.1, entryPrice: (0.1 * 50_000 + fill) / 1.1, markPrice: 50_000, marginMode: 'cross', leverage: 10, maintenanceTiers: BTC_TIERS },
      ],
    });
    const ev = evalReport(byHand, policy, 10_000, 0);
    expect(ev.positions[0]!.maintenanceMargin).toBeCloseTo(55_000 * 0.005 - 50, 9);
    expect(r.postTrade!.accountMarginRatio).toBeCloseTo(ev.account.marginRatio!, 12);
    expect(r.postTrade!.crossMarginRatio).toBeCloseTo(ev.pools[0]!.marginRatio!, 12);
    expect(r.postTrade!.position!.liquidationPrice).toBeCloseTo(ev.positions[0]!.liquidationPrice!, 9);
    expect(r.postTrade!.position!.liquidationDistance).toBeCloseTo(ev.positions[0]!.liquidationDistance!, 12);
    expect(r.postTrade!.worstScenarioLoss).toBeCloseTo(10_000 - ev.account.stress.worstEquity!, 9);
  });

  it('an isolated order opens its own pool with notional / leverage taken from the cross wallet', () => {
    const r = checkOrder(book(), open, policy, { symbol: 'ETHUSDT', side: 'sell', size: 2, leverage: 5, marginMode: 'isolated' }, eth);
    const fill = 2_500 * (1 - 0.0005);
    const margin = (2 * fill) / 5;
    const byHand = AccountSnapshotSchema.parse({
      crossWalletBalance: 10_000 - margin - 2 * fill * 0.0005,
      positions: [
        book().positions[0],
        { symbol: 'ETHUSDT', side: 'short', contracts: 2, entryPrice: fill, markPrice: 2_500, marginMode: 'isolated', leverage: 5, isolatedWallet: margin, maintenanceTiers: ETH_TIERS },
      ],
    });
    const ev = evalReport(byHand, policy, 10_000, 0);
    expect(ev.pools).toHaveLength(2);
    expect(r.postTrade!.isolatedMarginRatios).toEqual([{ symbol: 'ETHUSDT', side: 'short', marginRatio: ev.pools[1]!.marginRatio }]);
    expect(r.postTrade!.crossMarginRatio).toBeCloseTo(ev.pools[0]!.marginRatio!, 12);
    expect(r.postTrade!.position!.liquidationPrice).toBeCloseTo(ev.positions[1]!.liquidationPrice!, 9);
    expect(r.postTrade!.equity).toBeCloseTo(ev.account.equity, 9);
    expect(r.decision).toBe('allow');
  });
});

describe('maxOrderSize', () => {
  it.each([
    ['cross buy', { symbol: 'BTCUSDT', side: 'buy', marginMode: 'cross' }, btc],
    ['cross sell (through flat into a short)', { symbol: 'BTCUSDT', side: 'sell', marginMode: 'cross' }, btc],
    ['isolated sell at 5x', { symbol: 'ETHUSDT', side: 'sell', marginMode: 'isolated', leverage: 5 }, eth],
  ] as const)('%s: check_order at maxAllowed is allow, one lot more is deny', (_name, order, market) => {
    const max = maxOrderSize(book(), open, policy, order, market);
    expect(max.maxAllowed.size).toBeGreaterThan(0);
    expect(max.limitedBy.length).toBeGreaterThan(0);
    const at = checkOrder(book(), open, policy, { ...order, size: max.maxAllowed.size }, market);
    expect(at.decision).toBe('allow');
    expect(at.maxAllowed).toEqual(max.maxAllowed);
    const above = checkOrder(book(), open, policy, { ...order, size: Number((max.maxAllowed.size + market.lotStep).toFixed(3)) }, market);
    expect(above.decision).toBe('deny');
    expect(above.reasons.length).toBeGreaterThan(0);
  });

  it('is limited by the drawdown budget when the peak is far above equity', () => {
    // Peak 11,500: the EMERGENCY level (15 % below) is 9,775, so 225 of budget is left.
    const ctx: AgentContext = { restrictions: [], peakEquity: 11_500 };
    const max = maxOrderSize(book(), ctx, policy, { symbol: 'BTCUSDT', side: 'buy', marginMode: 'cross' }, btc);
    expect(max.limitedBy.join(' ')).toMatch(/drawdown budget left 225\.00 USDT/);
    // The book's own settlement asset when it names one (a Hyperliquid or Orderly account: USDC).
    const usdc = maxOrderSize({ ...book(), currency: 'USDC' }, ctx, policy, { symbol: 'BTCUSDT', side: 'buy', marginMode: 'cross' }, btc);
    expect(usdc.limitedBy.join(' ')).toMatch(/worst-scenario loss [\d.]+ USDC .* drawdown budget left 225\.00 USDC/);
  });

  it('is 0 for a restricted account, and every non-reduce-only order is reduce_only', () => {
    const ctx: AgentContext = { restrictions: ['halted since …: drawdown 15.6 %'], peakEquity: 10_000 };
    expect(maxOrderSize(book(), ctx, policy, { symbol: 'BTCUSDT', side: 'buy', marginMode: 'cross' }, btc)).toEqual({ maxAllowed: { size: 0, notional: 0 }, limitedBy: ctx.restrictions });
    const buy = checkOrder(book(), ctx, policy, { symbol: 'BTCUSDT', side: 'buy', size: 0.001, marginMode: 'cross' }, btc);
    expect(buy.decision).toBe('reduce_only');
    expect(buy.reasons).toContain('only reduce-only orders may be placed');
    const close = checkOrder(book(), ctx, policy, { symbol: 'BTCUSDT', side: 'sell', size: 0.1, marginMode: 'cross', reduceOnly: true }, btc);
    expect(close.decision).toBe('reduce_only');
    expect(close.reasons).toContain('this order is reduce-only: it may be placed');
    expect(close.postTrade!.position).toBeNull();
  });

  it('converts a notional to whole lots at the mark and refuses sizes off the lot step', () => {
    expect(checkOrder(book(), open, policy, { symbol: 'BTCUSDT', side: 'buy', notional: 1_234, marginMode: 'cross' }, btc).size).toBe(0.024);
    expect(checkOrder(book(), open, policy, { symbol: 'BTCUSDT', side: 'buy', size: 0.0015, marginMode: 'cross' }, btc).decision).toBe('deny');
  });
});
