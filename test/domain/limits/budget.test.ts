import { describe, expect, it } from 'vitest';
import { limitRefsOf, type LimitRefs } from '../../../functions/domain/limits/index.ts';
import { resolvePolicy } from '../../../functions/domain/policy.ts';
import { drawdownBudgetLeft, maxOrderSize, type AgentContext, type MarketSpec } from '../../../functions/domain/pre-trade.ts';
import { AccountSnapshotSchema } from '../../../functions/domain/snapshot.ts';
import { DAY_START, NOW, stateAt } from './fixtures.ts';

const DAILY = { period: 'day', resetAt: '00:00', timeZone: 'UTC', EMERGENCY: 0.05 } as const;

describe('drawdownBudgetLeft with the limits', () => {
  it.each<[string, unknown, number | null, LimitRefs | undefined, number | null]>([
    ['drawdown only: 15 % below a 10,000 peak', undefined, 10_000, undefined, 1_500],
    ['a floor at 9,000 is nearer', { equityFloor: { EMERGENCY: 9_000 } }, 10_000, undefined, 1_000],
    ['a floor far below: the drawdown binds', { equityFloor: { EMERGENCY: 5_000 } }, 10_000, undefined, 1_500],
    ['the floor as deposits moved it', { equityFloor: { EMERGENCY: 9_000 } }, 10_000, { floorEquity: 9_500, periodStartEquity: null }, 500],
    ['a 5 % daily limit, no period yet: 5 % of this equity', { periodLoss: DAILY }, 10_000, undefined, 500],
    ['a 5 % daily limit from 10,400 this morning', { periodLoss: DAILY }, 10_400, { floorEquity: null, periodStartEquity: 10_400 }, 120],
    ['only a WARNING floor: not an EMERGENCY level', { equityFloor: { WARNING: 9_900 } }, 10_000, undefined, 1_500],
  ])('%s', (_name, limits, peak, refs, expected) => {
    const policy = resolvePolicy({ limits });
    const got = drawdownBudgetLeft(10_000, peak, policy, refs);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(expected, 9);
  });

  it('is null when no EMERGENCY level is set at all', () => {
    expect(drawdownBudgetLeft(10_000, 10_000, resolvePolicy({ thresholds: { EMERGENCY: { drawdown: null } } }))).toBeNull();
    expect(drawdownBudgetLeft(10_000, 10_000, resolvePolicy({ thresholds: { EMERGENCY: { drawdown: null } }, limits: { equityFloor: { EMERGENCY: 9_200 } } }))).toBe(800);
  });
});

describe('limitRefsOf', () => {
  const policy = resolvePolicy({ limits: { equityFloor: { EMERGENCY: 8_000 }, periodLoss: DAILY } });
  it('reads the moved floor and this period’s start equity from the state', () => {
    const state = stateAt({ floorRef: { configured: { EMERGENCY: 8_000 }, adjusted: { EMERGENCY: 9_000 } }, periodStart: DAY_START, periodStartEquity: 10_400 });
    expect(limitRefsOf(state, policy, NOW)).toEqual({ floorEquity: 9_000, periodStartEquity: 10_400 });
  });
  it('falls back to the configured floor and no period start when the state is old, changed or absent', () => {
    const stale = stateAt({ floorRef: { configured: { EMERGENCY: 7_000 }, adjusted: { EMERGENCY: 9_000 } }, periodStart: DAY_START - 86_400_000, periodStartEquity: 10_400 });
    expect(limitRefsOf(stale, policy, NOW)).toEqual({ floorEquity: 8_000, periodStartEquity: null });
    expect(limitRefsOf(null, policy, NOW)).toEqual({ floorEquity: 8_000, periodStartEquity: null });
    expect(limitRefsOf(stateAt(), resolvePolicy({}), NOW)).toEqual({ floorEquity: null, periodStartEquity: null });
  });
});

describe('an agent order under an equity floor', () => {
  const TIERS = [{ notionalFloor: 0, rate: 0.004, amount: 0 }];
  const book = AccountSnapshotSchema.parse({
    timestamp: NOW,
    crossWalletBalance: 10_000,
    positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 0.1, entryPrice: 50_000, markPrice: 50_000, marginMode: 'cross', leverage: 10, maintenanceTiers: TIERS }],
  });
  const btc: MarketSpec = { symbol: 'BTCUSDT', markPrice: 50_000, lotStep: 0.001, maintenanceTiers: TIERS, takerFee: null };
  const order = { symbol: 'BTCUSDT', side: 'buy', marginMode: 'cross' } as const;
  const noStress = { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } };

  it('may add less risk when a floor is nearer than the drawdown level', () => {
    const ctx: AgentContext = { restrictions: [], peakEquity: 10_000 };
    const free = maxOrderSize(book, ctx, resolvePolicy({ thresholds: noStress }), order, btc);
    const floored = maxOrderSize(book, ctx, resolvePolicy({ thresholds: noStress, limits: { equityFloor: { EMERGENCY: 9_700 } } }), order, btc);
    expect(floored.maxAllowed.size).toBeLessThan(free.maxAllowed.size);
    expect(floored.limitedBy.join(' ')).toMatch(/drawdown budget left 300\.00/);
  });
});
