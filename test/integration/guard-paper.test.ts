import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';
import { paperGuard, usePaperExchange } from '../helpers/paper-guard.ts';

/**
 * Binance-only paths of the guard end to end (real ccxt → HTTP → the paper exchange, dynalite):
 * a close larger than the venue's market-order maximum. What every venue must do is in the shared
 * venue suite, test/venues/guard-venue-suite.test.ts.
 */

const dynamo = useLocalDynamo();
// Stress thresholds off: these tests are about drawdown trips and data quality.
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });
const world = usePaperExchange({ BTCUSDT: 50_000, ETHUSDT: 3_000 });

describe('guard on the paper exchange (ccxt over HTTP, dynalite)', () => {
  it('splits a close larger than the max market quantity into several reduce-only orders', async () => {
    const engine = world.paper.engine;
    const max = engine.market('BTCUSDT').marketMaxQty;
    const size = Math.round(max * 2.5);
    const g = paperGuard(
      world.paper,
      { walletBalance: size * 50_000, positions: [{ symbol: 'BTCUSDT', side: 'long', size, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }] },
      { policy, store: dynamo.store(), idPrefix: 'big', tick: { budgetMs: 20_000 } },
    );
    const acc = g.acc;
    await g.tick();
    engine.advanceBy(60_000);
    engine.setPrices({ BTCUSDT: 40_000 }); // 20 % on a 1x book
    const r = await g.tick();
    expect(r.tripKind).toBe('close-all');
    expect(acc.positions.size).toBe(0);
    expect(acc.trades.length).toBe(3);
    expect(Math.max(...acc.trades.map((t) => t.qty))).toBeLessThanOrEqual(max);
  });

});
