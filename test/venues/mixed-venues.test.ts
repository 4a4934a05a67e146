/**
 * One guard process, two venues: a Binance USDⓈ-M account and a Hyperliquid account, each on its
 * own paper exchange speaking that venue's API, the registry picking each account's module, state
 * in one dynalite table. A crash on both: each trips once and ends confirmed flat.
 */
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';
import { paperGuard, usePaperExchange } from '../helpers/paper-guard.ts';
import { BINANCE_HARNESS, btcEthLongs, HYPERLIQUID_HARNESS } from './harness.ts';

const dynamo = useLocalDynamo();
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });

describe('a mixed Binance + Hyperliquid config', () => {
  const binance = usePaperExchange({ BTCUSDT: 50_000, ETHUSDT: 3_000 }, undefined, { venue: 'binanceusdm' });
  const hyperliquid = usePaperExchange({ BTC: 50_000, ETH: 3_000 }, undefined, { venue: 'hyperliquid' });

  it('trips each account once on a crash and confirms each flat on its own venue', async () => {
    const store = dynamo.store();
    const guards = [
      { g: paperGuard(binance.paper, btcEthLongs(BINANCE_HARNESS), { policy, store, venue: BINANCE_HARNESS, idPrefix: 'bn' }), world: binance, h: BINANCE_HARNESS },
      { g: paperGuard(hyperliquid.paper, btcEthLongs(HYPERLIQUID_HARNESS), { policy, store, venue: HYPERLIQUID_HARNESS, idPrefix: 'hl' }), world: hyperliquid, h: HYPERLIQUID_HARNESS },
    ];
    for (const { g } of guards) expect((await g.tick()).status).toBe('OK');
    for (const { g, world, h } of guards) {
      g.wait(60_000);
      world.paper.engine.setPrices({ [h.btc]: 48_000, [h.eth]: 2_850 });
    }
    const results = await Promise.all(guards.map(({ g }) => g.tick()));
    for (const [i, r] of results.entries()) {
      expect(r.status, guards[i]!.h.venue).toBe('EMERGENCY');
      expect(r.tripKind, guards[i]!.h.venue).toBe('close-all');
      expect(r.residuals, guards[i]!.h.venue).toEqual([]);
      expect(guards[i]!.g.acc.positions.size, guards[i]!.h.venue).toBe(0);
    }
  });
});
