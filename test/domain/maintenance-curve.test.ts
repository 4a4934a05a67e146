import { describe, expect, it } from 'vitest';
import { curveRate, evaluateAccount, maintenanceFor } from '../../functions/domain/margin.ts';
import { applyOrder, marketFromSnapshot, type MarketSpec } from '../../functions/domain/pre-trade.ts';
import { AccountSnapshotSchema, type AccountSnapshot } from '../../functions/domain/snapshot.ts';

/**
 * A size-dependent maintenance rate (`maintenanceCurve`, Orderly's MMR): the engine re-chooses it
 * at every notional — in MM, in the stress grid, for the ordered position of a pre-trade check.
 * Factors: Orderly's ETH-PERP (base IMR 1 %, base MMR 0.6 %, IMR factor 0.0000003846).
 */
const ETH = { floorRate: 0.006, coefficient: 0.6 * 0.0000003846, exponent: 0.8 };
const mmAt = (n: number) => n * Math.max(0.006, ETH.coefficient * n ** 0.8);
const snap = (contracts: number, wallet: number): AccountSnapshot =>
  AccountSnapshotSchema.parse({
    crossWalletBalance: wallet,
    positions: [{ symbol: 'PERP_ETH_USDC', side: 'long', contracts, entryPrice: 3_000, markPrice: 3_000, marginMode: 'cross', maintenanceCurve: ETH }],
  });

describe('maintenanceCurve', () => {
  it('is one maintenance model: with tiers or a flat rate it is refused', () => {
    const base = { symbol: 'X', side: 'long', contracts: 1, entryPrice: 1, markPrice: 1, marginMode: 'cross', maintenanceCurve: ETH };
    expect(AccountSnapshotSchema.safeParse({ crossWalletBalance: 1, positions: [base] }).success).toBe(true);
    expect(AccountSnapshotSchema.safeParse({ crossWalletBalance: 1, positions: [{ ...base, maintenanceMarginRate: 0.01 }] }).success).toBe(false);
    expect(AccountSnapshotSchema.safeParse({ crossWalletBalance: 1, positions: [{ ...base, maintenanceTiers: [{ notionalFloor: 0, rate: 0.01 }] }] }).success).toBe(false);
  });

  it('gives MM = notional × max(floor, k × notional^e): the floor for small legs, the size term for big ones', () => {
    expect(maintenanceFor({ contracts: 1, entryPrice: 3_000, maintenanceCurve: ETH }, 3_000)).toBeCloseTo(18, 12);
    expect(curveRate(ETH, 3_000_000)).toBeGreaterThan(0.035);
    expect(maintenanceFor({ contracts: 1_000, entryPrice: 3_000, maintenanceCurve: ETH }, 3_000_000)).toBeCloseTo(mmAt(3_000_000), 6);
  });

  it('re-chooses the rate at each stress scenario’s notional', () => {
    // 1,000 ETH long, +20 % × beta 1.2 = +24 %: notional 3,720,000, rate 0.6 × 3.846e-7 × 3.72e6^0.8.
    const ev = evaluateAccount(snap(1_000, 400_000), { shocksPct: [20], betas: { ETH: 1.2 }, defaultBeta: 1 });
    const n = 3_720_000;
    const equity = 400_000 + 1_000 * (3_720 - 3_000);
    expect(ev.account.stress.crossSurvivalRatio!).toBeCloseTo(equity / mmAt(n), 9);
  });

  it('a pre-trade order carries the venue’s curve onto the ordered position: its MM follows the new notional', () => {
    const s = snap(100, 400_000);
    const market: MarketSpec = { ...marketFromSnapshot(s, 'PERP_ETH_USDC', 0.001)!, markPrice: 3_000 };
    expect(market.maintenanceCurve).toEqual(ETH);
    const { snapshot, position } = applyOrder(s, { symbol: 'PERP_ETH_USDC', side: 'buy', size: 900, marginMode: 'cross' }, market, { slippage: 0, takerFee: 0 });
    const p = snapshot.positions[position!]!;
    expect(p.maintenanceCurve).toEqual(ETH);
    expect(p).not.toHaveProperty('maintenanceTiers');
    // 1,000 ETH at 3,000: the size term (3.5 %), not the 0.6 % a flat base-rate tier would give.
    expect(evaluateAccount(snapshot, { shocksPct: [], betas: {}, defaultBeta: 1 }).positions[position!]!.maintenanceMargin).toBeCloseTo(mmAt(3_000_000), 6);
  });
});
