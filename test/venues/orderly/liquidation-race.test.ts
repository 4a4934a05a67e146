import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../../functions/domain/policy.ts';
import type { ExchangePort } from '../../../functions/ports.ts';
import type { AccountSpec } from '../../../paper/engine.ts';
import { useLocalDynamo } from '../../helpers/dynalite.ts';
import { paperGuard, usePaperExchange } from '../../helpers/paper-guard.ts';
import { ORDERLY_HARNESS as h } from '../harness.ts';

/**
 * A close-all that races Orderly's decentralised liquidation (real ccxt → HTTP → the paper
 * speaking Orderly, dynalite): the guard read the cross leg and decided to close it, but the venue
 * liquidates the account before the guard's order lands — its orders are cancelled, its balance
 * frozen, its position transferred to a liquidator. The guard's order meets the frozen account;
 * the tick must classify what happened as a venue liquidation (from the liquidation records) and
 * alert it, never as bad data.
 */
const dynamo = useLocalDynamo();
const ETH = 'PERP_ETH_USDC';
const BOOK: AccountSpec = { walletBalance: 10_000, positions: [{ symbol: ETH, side: 'long', size: 5, entryPrice: 3_000, marginMode: 'cross', leverage: 10 }] };

describe('Orderly: a close-all racing a venue liquidation', () => {
  const world = usePaperExchange({ [ETH]: 3_000, PERP_BTC_USDC: 50_000 }, undefined, { venue: 'orderly' });

  it('meets the frozen account, then judges the vanished leg a venue liquidation and alerts it', async () => {
    let raced = 0;
    // The market moves between the guard's read and its order: the venue liquidates first.
    const wrap = (port: ExchangePort): ExchangePort =>
      Object.assign(Object.create(port) as ExchangePort, {
        reduceOnlyMarket: async (o: Parameters<ExchangePort['reduceOnlyMarket']>[0]) => {
          if (raced++ === 0) world.paper.engine.setPrices({ [ETH]: 1_005 });
          return port.reduceOnlyMarket(o);
        },
      });
    const g = paperGuard(world.paper, BOOK, { policy: resolvePolicy({}), store: dynamo.store(), venue: h, wrap });
    expect((await g.tick()).status).toBe('OK');
    g.wait(60_000);
    // −17.5 % from the peak: EMERGENCY drawdown → close-all.
    world.paper.engine.setPrices({ [ETH]: 2_650 });
    const r = await g.tick();
    expect(raced).toBeGreaterThan(0);
    // The venue liquidated the cross pool: the position went to a liquidator (a transfer, no trade on the book).
    expect(world.paper.engine.liquidations().map((e) => [e.kind, e.symbol])).toEqual([['cross', ETH]]);
    // The guard's reduce-only order met the frozen account (-1012) and never reached the engine.
    expect([...g.acc.orders.values()].filter((o) => o.reduceOnly)).toEqual([]);
    // Not bad data: the tick acted and ended flat, and says the venue liquidated the leg.
    expect(r.status).not.toBe('UNKNOWN');
    expect(r.residuals).toEqual([]);
    expect(r.actions.join('\n')).toMatch(/PERP_ETH_USDC long \(cross\) was LIQUIDATED by the exchange while the guard was closing it \(its orders were refused: .*-1012|PERP_ETH_USDC long \(cross\) was LIQUIDATED by the exchange while the guard was closing it/);
    expect(g.notifier.alerts.filter((a) => a.kind === 'liquidation').map((a) => a.summary)).toEqual(['PERP_ETH_USDC long LIQUIDATED by the exchange (raced the close)']);
    // The next tick accepts the account as it is (the liquidation rows explain the wallet): no UNKNOWN.
    g.wait(60_000);
    const next = await g.tick();
    expect(next.status).not.toBe('UNKNOWN');
  });
});
