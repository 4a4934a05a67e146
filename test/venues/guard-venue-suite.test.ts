import { describe, expect, it } from 'vitest';
import type { FaultKind } from '../../paper/index.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import { settlementOf } from '../../functions/venues/catalog.ts';
import type { TickResult } from '../../functions/use-cases/types.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';
import { paperGuard, usePaperExchange } from '../helpers/paper-guard.ts';
import { btcEthLongs, VENUE_HARNESSES, type VenueHarness } from './harness.ts';

/**
 * The shared venue suite: the guard end to end on every venue with a module and a paper dialect —
 * real ccxt → HTTP → the paper exchange speaking that venue's API, state in dynalite. One suite,
 * parameterised by venue (test/venues/harness.ts), never a copy per venue. Time is the paper's
 * market clock; retries and waits advance it.
 */

const dynamo = useLocalDynamo();
// Stress thresholds off: these tests are about drawdown trips and data quality. Backstops off: they
// pin the guard's own trips and orders, which a crash would otherwise leave to the exchange-side
// stop on venues that rest them (test/integration/backstop-tick.test.ts pins those).
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } }, backstop: false });

describe.each(VENUE_HARNESSES.map((h) => [h.venue, h] as const))('guard on the paper exchange speaking %s (ccxt over HTTP, dynalite)', (_venue, h: VenueHarness) => {
  const world = usePaperExchange({ [h.btc]: 50_000, [h.eth]: 3_000 }, undefined, { venue: h.venue });

  function guard(opts: { rawCredentials?: Record<string, string> } = {}) {
    return paperGuard(world.paper, btcEthLongs(h), { policy, store: dynamo.store(), venue: h, ...opts });
  }

  /** BTC −4 % and ETH −5 %: 2,000 + 750 lost on 10,000 → 27.5 % drawdown is far past 15 %. */
  const crash = () => world.paper.engine.setPrices({ [h.btc]: 48_000, [h.eth]: 2_850 });

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
    // Amounts carry the venue's settlement asset (USDC on Hyperliquid and Orderly), never a guess.
    const currency = settlementOf(h.venue);
    expect(r.currency).toBe(currency);
    expect(g.notifier.alerts[0]!.summary).toMatch(new RegExp(`equity [\\d,]+\\.\\d\\d ${currency}`));
    expect(g.notifier.alerts[0]!.body).toMatch(new RegExp(`Equity: [\\d,]+\\.\\d\\d ${currency}  Maintenance margin: [\\d,]+\\.\\d\\d ${currency}`));
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
    { kind: 'malformed-json', endpoint: h.positionsEndpoint },
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

  it('alerts at once, plainly, on credentials the venue rejects', async () => {
    const probe = world.paper.engine.createAccount({ walletBalance: 1 });
    for (const { label, credentials } of h.rejected(probe)) {
      const g = guard({ rawCredentials: credentials });
      const r = await g.tick();
      expect(r.status, label).toBe('UNKNOWN');
      expect(g.notifier.alerts.map((a) => a.kind), label).toEqual(['auth']);
      expect(g.notifier.alerts[0]!.summary, label).toMatch(h.authAlert);
      expect(JSON.stringify(g.notifier.alerts)).not.toContain(g.acc.secret);
    }
  });

  it('records a liquidation by the exchange as a real event, not as bad data', async () => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    // Past the cross pool's liquidation in one jump, before the guard can act.
    world.paper.engine.setPrices({ [h.btc]: 42_000, [h.eth]: 2_000 });
    expect(g.acc.positions.size).toBe(0);
    g.wait(60_000);
    const r = await g.tick();
    expect(r.status).not.toBe('UNKNOWN');
    expect(g.notifier.alerts.some((a) => a.kind === 'liquidation')).toBe(true);
  });

  it('closes a position that reappears while the account is halted (enforce flat)', async () => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    crash();
    expect((await g.tick()).tripKind).toBe('close-all');
    // Someone (an agent that did not ask "may I trade?") opens a position on the halted account.
    world.paper.engine.placeOrder(g.acc, { symbol: h.eth, side: 'BUY', type: 'MARKET', quantity: 1 });
    expect(g.acc.positions.size).toBe(1);
    g.wait(60_000);
    const r = await g.tick();
    expect(r.halted).toBe(true);
    expect(g.acc.positions.size).toBe(0);
    expect(r.reasons[0]).toMatch(/HALTED but 1 position\(s\) are open/);
    expect(g.notifier.alerts.at(-1)!.summary).toMatch(/CLOSED ALL/);
  });
});
