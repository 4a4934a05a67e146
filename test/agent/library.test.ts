import { describe, expect, it } from 'vitest';
// Through the package's own `exports` map, as a TypeScript agent imports it.
import { AccountSnapshotSchema, checkOrder, evaluate, initialState, maxOrderSize, resolvePolicy } from 'riskguard/agent';
import { evaluateAccount } from '../../functions/domain/margin.ts';

const snapshot = AccountSnapshotSchema.parse({
  timestamp: 1_760_000_000_000,
  crossWalletBalance: 10_000,
  positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 0.1, entryPrice: 50_000, markPrice: 50_000, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.004 }],
});
const policy = resolvePolicy();
const T = snapshot.timestamp!;

describe("riskguard/agent (the package's library entry)", () => {
  it('evaluate is the margin engine', () => {
    expect(evaluate(snapshot, policy)).toEqual(evaluateAccount(snapshot, policy.stress));
  });

  it('checkOrder(snapshot, state, policy, order): maxAllowed allows, one lot more denies; a halted state is reduce-only', () => {
    const state = { ...initialState('a'), lastOkAt: T, lastTickAt: T, peakEquity: 10_000 };
    const max = maxOrderSize(snapshot, state, policy, { symbol: 'BTCUSDT', side: 'buy', marginMode: 'cross' });
    expect(checkOrder(snapshot, state, policy, { symbol: 'BTCUSDT', side: 'buy', size: max.maxAllowed.size, marginMode: 'cross' }).decision).toBe('allow');
    expect(checkOrder(snapshot, state, policy, { symbol: 'BTCUSDT', side: 'buy', size: Number((max.maxAllowed.size + 0.001).toFixed(3)), marginMode: 'cross' }).decision).toBe('deny');
    const halted = { ...state, halted: true, haltedAt: T, haltReason: 'drawdown 15.2 %' };
    expect(checkOrder(snapshot, halted, policy, { symbol: 'BTCUSDT', side: 'buy', size: 0.001, marginMode: 'cross' }).decision).toBe('reduce_only');
  });
});
