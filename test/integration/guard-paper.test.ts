import { describe, expect, it } from 'vitest';
import type { FaultKind } from '../../paper/index.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import type { TickResult } from '../../functions/use-cases/types.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';
import { BTC_ETH_LONGS, paperGuard, usePaperExchange } from '../helpers/paper-guard.ts';

/**
 * The guard end to end: real ccxt → HTTP → the paper exchange, state in dynalite. Time is the
 * paper exchange's market clock; retries and waits advance it.
 */

const dynamo = useLocalDynamo();
// Stress thresholds off: these tests are about drawdown trips and data quality.
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });
const world = usePaperExchange({ BTCUSDT: 50_000, ETHUSDT: 3_000 });

function guard(opts: { secret?: string; apiKey?: string } = {}) {
  return paperGuard(
    world.paper,
    BTC_ETH_LONGS,
    { policy, store: dynamo.store(), credentials: opts },
  );
}

/** BTC −10 % and ETH −10 %: 5,000 + 1,500 lost on 10,000 → 65 % drawdown is far past 15 %. */
const crash = () => world.paper.engine.setPrices({ BTCUSDT: 48_000, ETHUSDT: 2_850 });

describe('guard on the paper exchange (ccxt over HTTP, dynalite)', () => {
  it('trips once on a breach: one confirmed close-all, one alert, account flat and halted', async () => {
    const g = guard();
    expect((await g.tick()).status).toBe('OK');
    g.wait(60_000);
    crash(); // 2,000 + 750 on 10,000 = 27.5 % drawdown
    const r = await g.tick();
    expect(r.status).toBe('EMERGENCY');
    expect(r.tripKind).toBe('close-all');
    expect(r.residuals).toEqual([]);
    expect(g.acc.positions.size).toBe(0);
    expect(g.notifier.alerts.map((a) => a.kind)).toEqual(['trip']);
    g.wait(60_000);
    const again = await g.tick();
    expect(again.halted).toBe(true);
    expect(again.tripId).toBeNull();
    expect(g.notifier.alerts).toHaveLength(1);
  });

  // stale-mark hits the public mark-price endpoint, which carries no account key.
  const dataFaults: { kind: FaultKind; endpoint?: string; extra?: Record<string, unknown>; anyAccount?: boolean }[] = [
    { kind: 'http500' },
    { kind: 'http503' },
    { kind: 'http429' },
    { kind: 'timeout', extra: { hangMs: 1_000 } },
    { kind: 'malformed-json', endpoint: '/fapi/v3/positionRisk' },
    { kind: 'empty-positions' },
    { kind: 'zero-balance' },
    { kind: 'stale-mark', anyAccount: true },
  ];
  it.each(dataFaults)('never trades on bad data ($kind), and trips once the data is good again', async ({ kind, endpoint, extra, anyAccount }) => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    crash();
    world.paper.faults.add({ kind, endpoint: endpoint ?? '*', count: 50, ...(anyAccount ? {} : { accountId: g.acc.id }), ...extra });
    const bad = await g.tick();
    expect(bad.status).toBe('UNKNOWN');
    expect(g.orders()).toBe(0);
    world.paper.faults.clear();
    const results: TickResult[] = [];
    for (let i = 0; i < 3 && g.acc.positions.size > 0; i++) {
      g.wait(10_000);
      results.push(await g.tick());
    }
    expect(g.acc.positions.size).toBe(0);
    expect(results.filter((r) => r.tripKind === 'close-all')).toHaveLength(1);
  });

  it.each(['partial-fill', 'reduce-only-reject'] as const)('closes through an order fault (%s) within 3 ticks', async (kind) => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    crash();
    world.paper.faults.add({ kind, count: 2, accountId: g.acc.id });
    for (let i = 0; i < 3 && g.acc.positions.size > 0; i++) {
      await g.tick();
      g.wait(10_000);
    }
    expect(g.acc.positions.size).toBe(0);
  });

  it('lets one of two overlapping ticks act', async () => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    crash();
    const [a, b] = await Promise.all([g.tick(), g.tick()]);
    expect([a, b].filter((r) => r.tripId !== null)).toHaveLength(1);
    expect(g.acc.positions.size).toBe(0);
    // one reduce-only order per position, not two
    expect(g.acc.trades).toHaveLength(2);
  });

  it('does not trip the drawdown rule on a withdrawal', async () => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    world.paper.engine.withdraw(g.acc.id, 3_000);
    g.wait(60_000);
    const r = await g.tick();
    expect(r.status).toBe('OK');
    expect(r.drawdownPct).toBeCloseTo(0, 6);
    expect(g.orders()).toBe(0);
  });

  it.each([
    ['a bad signature (wrong secret)', { secret: 'not-the-secret' }],
    ['an unknown API key', { apiKey: 'no-such-key' }],
  ])('alerts at once, plainly, on %s', async (_what, creds) => {
    const g = guard(creds);
    const r = await g.tick();
    expect(r.status).toBe('UNKNOWN');
    expect(g.notifier.alerts.map((a) => a.kind)).toEqual(['auth']);
    expect(g.notifier.alerts[0]!.summary).toMatch(/REJECTED the API key/);
    expect(JSON.stringify(g.notifier.alerts)).not.toContain(g.acc.secret);
  });

  it('records a liquidation by the exchange as a real event, not as bad data', async () => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    // Past the cross pool's liquidation in one jump, before the guard can act.
    world.paper.engine.setPrices({ BTCUSDT: 42_000, ETHUSDT: 2_000 });
    expect(g.acc.positions.size).toBe(0);
    g.wait(60_000);
    const r = await g.tick();
    expect(r.status).not.toBe('UNKNOWN');
    expect(g.notifier.alerts.some((a) => a.kind === 'liquidation')).toBe(true);
  });

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

  it('closes a position that reappears while the account is halted (enforce flat)', async () => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    crash();
    expect((await g.tick()).tripKind).toBe('close-all');
    // Someone (an agent that did not ask "may I trade?") opens a position on the halted account.
    world.paper.engine.placeOrder(g.acc, { symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: 1 });
    expect(g.acc.positions.size).toBe(1);
    g.wait(60_000);
    const r = await g.tick();
    expect(r.halted).toBe(true);
    expect(g.acc.positions.size).toBe(0);
    expect(r.reasons[0]).toMatch(/HALTED but 1 position\(s\) are open/);
    expect(g.notifier.alerts.at(-1)!.summary).toMatch(/CLOSED ALL/);
  });
});
