import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../../functions/domain/policy.ts';
import type { AccountSpec } from '../../../paper/engine.ts';
import { useLocalDynamo } from '../../helpers/dynalite.ts';
import { paperOrderlyClient } from '../../helpers/orderly-client.ts';
import { paperGuard, usePaperExchange } from '../../helpers/paper-guard.ts';
import { ORDERLY_HARNESS as h } from '../harness.ts';

/**
 * Orderly's point, end to end (real ccxt → HTTP → the paper exchange speaking Orderly, dynalite):
 * one account holds an isolated ETH short and a cross ETH long at once. The guard reads both legs,
 * judges the isolated pool apart from the cross pool, closes the isolated leg alone with an order
 * carrying its margin mode, and a later cross-pool breach closes the rest.
 */
const dynamo = useLocalDynamo();
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });
const ETH = 'PERP_ETH_USDC';

// 10,000 cross; a cross long 5 @ 3,000 (10x) and an isolated short 2 @ 3,000 with 600 of its own.
const DUAL: AccountSpec = {
  walletBalance: 10_000,
  positions: [
    { symbol: ETH, side: 'long', size: 5, entryPrice: 3_000, marginMode: 'cross', leverage: 10 },
    { symbol: ETH, side: 'short', size: 2, entryPrice: 3_000, marginMode: 'isolated', leverage: 10, isolatedMargin: 600 },
  ],
};
const legs = (acc: { positions: Map<string, { marginType: string; amt: number }> }) => [...acc.positions.values()].map((p) => [p.marginType, p.amt]);

describe('Orderly: a cross and an isolated leg of one symbol, judged and closed apart', () => {
  const world = usePaperExchange({ [ETH]: 3_000, PERP_BTC_USDC: 50_000 }, undefined, { venue: 'orderly' });

  it('reads both legs; the isolated breach closes only the isolated leg; a cross breach closes the rest', async () => {
    const g = paperGuard(world.paper, DUAL, { policy, store: dynamo.store(), venue: h });
    const first = await g.tick();
    expect(first.status).toBe('OK');
    // Both legs were read, each with its own mode (identity = symbol, side, margin mode).
    expect(first.snapshot?.positions.map((p) => [p.symbol, p.side, p.marginMode, p.contracts])).toEqual([
      [ETH, 'long', 'cross', 5],
      [ETH, 'short', 'isolated', 2],
    ]);

    // A rally: neither pool is liquidated, nothing breaches yet.
    g.wait(60_000);
    world.paper.engine.setPrices({ [ETH]: 3_200 });
    expect((await g.tick()).status).toBe('OK');
    expect(legs(g.acc)).toEqual([['CROSSED', 5], ['ISOLATED', -2]]);

    // The isolated short's pool, at Orderly's ETH MMR (0.6 %; the size term is far below it at 6,566 USDC):
    // MM 2 × 3,279 × 0.006 = 39.3 on 600 − 558 = 42 → 0.94 ≥ EMERGENCY 0.85, short of its liquidation
    // (1.0); the cross pool (MM 98 on 11,395) is healthy.
    g.wait(60_000);
    world.paper.engine.setPrices({ [ETH]: 3_279 });
    expect(world.paper.engine.liquidations()).toHaveLength(0);
    const iso = await g.tick();
    expect(iso.halted).toBe(false);
    expect(iso.reasons.join(' ')).toMatch(/isolated PERP_ETH_USDC short margin ratio/);
    expect(legs(g.acc)).toEqual([['CROSSED', 5]]);
    const closes = [...g.acc.orders.values()].filter((o) => o.reduceOnly);
    expect(closes.map((o) => [o.side, o.origQty, o.marginType])).toEqual([['BUY', 2, 'ISOLATED']]);

    // Then the cross pool: ETH falls to 2,700; equity ≈ 10,024 − 1,500, ≥ 19 % below the peak → EMERGENCY drawdown → close-all.
    g.wait(60_000);
    world.paper.engine.setPrices({ [ETH]: 2_700 });
    const all = await g.tick();
    expect(all.reasons.join(' ')).toMatch(/drawdown/);
    expect(all.tripKind).toBe('close-all');
    expect(all.residuals).toEqual([]);
    expect(g.acc.positions.size).toBe(0);
    const last = [...g.acc.orders.values()].filter((o) => o.reduceOnly).at(-1)!;
    expect([last.side, last.origQty, last.marginType]).toEqual(['SELL', 5, 'CROSSED']);
  });

  it('a reader without margin_mode (ccxt woofipro fetchPositions) misses the isolated leg, as on the venue', async () => {
    const acc = world.paper.engine.createAccount(DUAL);
    const c = paperOrderlyClient(acc, world.paper.url);
    const seen = await c.fetchPositions();
    expect(seen.map((p) => [p.symbol, p.side, p.contracts])).toEqual([['ETH/USDC:USDC', 'long', 5]]);
    // The guard's adapter reads both (the suite's harness loads the same credentials).
    const g = paperGuard(world.paper, DUAL, { policy, store: dynamo.store(), venue: h });
    const snap = await g.deps.exchange.fetchSnapshot();
    expect(snap.positions.map((p) => [p.side, p.marginMode])).toEqual([['long', 'cross'], ['short', 'isolated']]);
  });
});
