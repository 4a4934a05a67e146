import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import type { TickResult } from '../../functions/use-cases/types.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';
import { BTC_ETH_LONGS, paperGuard, usePaperExchange } from '../helpers/paper-guard.ts';

/**
 * The guard tick end to end (real ccxt → HTTP → paper exchange, state in dynalite) on the
 * venue-side paths of issue 8 / issue 9 §2: one Binance 5xx hiccup is retried within the tick,
 * and a trip's close-all leaves no resting order on any symbol.
 */

const dynamo = useLocalDynamo();
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });
const world = usePaperExchange({ BTCUSDT: 50_000, ETHUSDT: 3_000, SOLUSDT: 200 });

function guard() {
  return paperGuard(
    world.paper,
    BTC_ETH_LONGS,
    { policy, store: dynamo.store(), idPrefix: 'venue', timeoutMs: 1_000 },
  );
}

describe('guard tick on Binance-like venue behaviour', () => {
  it.each([
    ['http500', -1001],
    ['http503', -1008],
    ['http500', -1000],
  ] as const)('one %s (JSON %i) on a read is retried within the tick: not UNKNOWN', async (kind, code) => {
    const g = guard();
    expect((await g.tick()).status).not.toBe('UNKNOWN');
    g.wait(60_000);
    world.paper.faults.add({ kind, code, endpoint: '/fapi/v3/account', count: 1, accountId: g.acc.id });
    const r = await g.tick();
    expect(r.status).toBe('OK');
    expect(world.paper.faults.list()).toHaveLength(0);
  });

  it('a symbol listed after the guard started does not make the ticks UNKNOWN for good', async () => {
    const g = guard();
    expect((await g.tick()).status).toBe('OK');
    world.paper.engine.listMarket('NEWUSDT', 2);
    world.paper.engine.placeOrder(g.acc, { symbol: 'NEWUSDT', side: 'BUY', type: 'MARKET', quantity: 100 });
    const statuses: string[] = [];
    for (let i = 0; i < 2; i++) {
      g.wait(60_000);
      statuses.push((await g.tick()).status);
    }
    expect(statuses.at(-1)).not.toBe('UNKNOWN');
  });

  it("a guard host whose clock is 30 s off still reads (it signs with the venue's time)", async () => {
    await world.restart({ wallClockOffsetMs: -30_000 });
    const g = guard();
    expect((await g.tick()).status).toBe('OK');
  });

  it('a trip cancels the resting order on a symbol without a position: it cannot open one while halted', async () => {
    const g = guard();
    world.paper.engine.placeOrder(g.acc, { symbol: 'SOLUSDT', side: 'BUY', type: 'LIMIT', quantity: 20, price: 150, timeInForce: 'GTC' });
    await g.tick();
    g.wait(60_000);
    world.paper.engine.setPrices({ BTCUSDT: 48_000, ETHUSDT: 2_850 }); // 2,750 lost on 10,000: past the drawdown limit, not liquidated
    let tripped: TickResult | undefined;
    for (let i = 0; i < 3 && !tripped; i++) {
      const r = await g.tick();
      if (r.tripKind === 'close-all') tripped = r;
      g.wait(10_000);
    }
    expect(tripped?.halted).toBe(true);
    expect(g.acc.positions.size).toBe(0);
    expect(world.paper.engine.listOpenOrders(g.acc)).toHaveLength(0);
    world.paper.engine.setPrices({ SOLUSDT: 140 }); // the price the buy waited for
    expect(g.acc.positions.size).toBe(0);
  });
});
