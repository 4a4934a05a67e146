/**
 * One guard process, every venue with a module: one account per venue (Binance USDⓈ-M,
 * Hyperliquid, Bybit, OKX, Orderly — VENUE_HARNESSES), each on its own paper exchange speaking that
 * venue's API, the registry picking each account's module, state in one dynalite table. A crash on
 * all of them at once: each trips once and ends confirmed flat.
 */
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';
import { paperGuard, usePaperExchange } from '../helpers/paper-guard.ts';
import { btcEthLongs, VENUE_HARNESSES } from './harness.ts';

const dynamo = useLocalDynamo();
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });

describe(`a config with one account on each venue (${VENUE_HARNESSES.map((h) => h.venue).join(', ')})`, () => {
  const worlds = VENUE_HARNESSES.map((h) => ({ h, world: usePaperExchange({ [h.btc]: 50_000, [h.eth]: 3_000 }, undefined, { venue: h.venue }) }));

  it('trips each account once on a crash and confirms each flat on its own venue', async () => {
    expect(new Set(VENUE_HARNESSES.map((h) => h.venue)).size).toBeGreaterThanOrEqual(2);
    const store = dynamo.store();
    const guards = worlds.map(({ h, world }) => ({ h, world, g: paperGuard(world.paper, btcEthLongs(h), { policy, store, venue: h, idPrefix: h.venue }) }));
    for (const { g, h } of guards) expect((await g.tick()).status, h.venue).toBe('OK');
    for (const { g, world, h } of guards) {
      g.wait(60_000);
      world.paper.engine.setPrices({ [h.btc]: 48_000, [h.eth]: 2_850 });
    }
    const results = await Promise.all(guards.map(({ g }) => g.tick()));
    for (const [i, r] of results.entries()) {
      const { g, h } = guards[i]!;
      expect(r.status, h.venue).toBe('EMERGENCY');
      expect(r.tripKind, h.venue).toBe('close-all');
      expect(r.residuals, h.venue).toEqual([]);
      expect(g.acc.positions.size, h.venue).toBe(0);
    }
  });
});
