import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../../functions/domain/policy.ts';
import { useLocalDynamo } from '../../helpers/dynalite.ts';
import { paperGuard, usePaperExchange } from '../../helpers/paper-guard.ts';
import { BYBIT_HARNESS } from '../harness.ts';

/**
 * A close larger than one market order may carry (lotSizeFilter.maxMktOrderQty, 120 BTC on the
 * paper): ccxt maps Bybit's "exceeds maximum" refusal to BadRequest, so the guard splits it itself.
 */
const dynamo = useLocalDynamo();
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });

describe('bybit: a close above the max market quantity', () => {
  const world = usePaperExchange({ BTCUSDT: 50_000, ETHUSDT: 3_000 }, undefined, { venue: 'bybit' });

  it('is split into orders of at most maxMktOrderQty and confirmed flat', async () => {
    const g = paperGuard(
      world.paper,
      {
        walletBalance: 2_000_000,
        symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 } },
        positions: [{ symbol: 'BTCUSDT', side: 'long', size: 300, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
      },
      { policy, store: dynamo.store(), venue: BYBIT_HARNESS },
    );
    expect((await g.tick()).status).toBe('OK');
    g.wait(60_000);
    world.paper.engine.setPrices({ BTCUSDT: 48_500 }); // 450,000 lost on 2,000,000: 22.5 %
    const r = await g.tick();
    expect(r.tripKind).toBe('close-all');
    expect(r.residuals).toEqual([]);
    expect(g.acc.positions.size).toBe(0);
    const sizes = g.acc.trades.map((t) => t.qty);
    expect(sizes).toEqual([120, 120, 60]);
  });
});
