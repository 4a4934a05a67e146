import { describe, expect, it } from 'vitest';
import { resolvePolicy, type Policy } from '../../functions/domain/policy.ts';
import { pause, rearm } from '../../functions/use-cases/admin.ts';
import type { AccountSpec } from '../../paper/engine.ts';
import type { ExchangePort, WantedBackstop } from '../../functions/ports.ts';
import { runGuardTick } from '../../functions/use-cases/run-guard-tick.ts';
import type { TickResult } from '../../functions/use-cases/types.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';
import { paperGuard, usePaperExchange } from '../helpers/paper-guard.ts';

/**
 * Backstop stops through the guard's own tick (issue 16): real ccxt → HTTP → the paper exchange
 * (Binance dialect: STOP_MARKET closePosition algo orders on the mark), dynalite for the state.
 */

const dynamo = useLocalDynamo();
// Stress thresholds off: the book would sit in DANGER on a 20 % shock and be cut; these tests are about the stops.
const base = { thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } } as const;
const policy = resolvePolicy(base);
const world = usePaperExchange({ BTCUSDT: 50_000, ETHUSDT: 3_000 });

/** 10,000 USDT, a cross 1 BTC long at 50,000: the drawdown stop (15 % of 10,000) sits at 48,500. */
const BTC_LONG: AccountSpec = {
  walletBalance: 10_000,
  symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 } },
  positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
};

/** A cross BTC long and a cross ETH long: one stop each, so one can fire while the other rests. */
const BTC_ETH_LONGS: AccountSpec = {
  walletBalance: 10_000,
  symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 }, ETHUSDT: { marginMode: 'cross', leverage: 10 } },
  positions: [
    { symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 },
    { symbol: 'ETHUSDT', side: 'long', size: 1, entryPrice: 3_000, marginMode: 'cross', leverage: 10 },
  ],
};

function guard(spec: AccountSpec = BTC_LONG, p: Policy = policy) {
  return paperGuard(world.paper, spec, { policy: p, store: dynamo.store(), idPrefix: 'bs' });
}
const open = (g: ReturnType<typeof guard>) => world.paper.engine.listOpenAlgoOrders(g.acc);

describe('backstop stops kept by the tick (ccxt → paper exchange, dynalite)', () => {
  it('places one stop at the breach price on the first armed tick and never a second over several ticks', async () => {
    const g = guard();
    const first = await g.tick();
    expect(first.status).toBe('OK');
    expect(open(g)).toHaveLength(1);
    const stop = open(g)[0]!;
    expect(stop).toMatchObject({ symbol: 'BTCUSDT', side: 'SELL', orderType: 'STOP_MARKET', closePosition: true, workingType: 'MARK_PRICE' });
    expect(stop.clientAlgoId.startsWith('rg-bs-')).toBe(true);
    expect(stop.triggerPrice).toBeCloseTo(48_500, -1);
    expect((await g.state())!.backstops).toEqual([{ id: String(stop.algoId), symbol: 'BTCUSDT', side: 'long', stopPrice: stop.triggerPrice }]);
    for (let i = 0; i < 3; i++) {
      g.wait(60_000);
      world.paper.engine.setPrices({ BTCUSDT: 50_000 - (i + 1) * 30 });
      await g.tick();
    }
    expect(open(g).map((a) => a.algoId)).toEqual([stop.algoId]);
    expect(g.notifier.alerts).toEqual([]);
  });

  it('two overlapping first ticks place one stop, not two', async () => {
    const g = guard();
    await Promise.all([g.tick(), g.tick()]);
    g.wait(60_000);
    await g.tick();
    expect(open(g)).toHaveLength(1);
  });

  it('a tick that commits while another is placing stops leaves them to it (the lease): one stop per side', async () => {
    let inner: ExchangePort | null = null;
    let during: (() => Promise<void>) | null = null;
    const store = dynamo.store();
    const g = paperGuard(world.paper, BTC_LONG, {
      policy,
      store,
      idPrefix: 'bs',
      wrap: (port) => {
        inner = port;
        return new Proxy(port, {
          get(target, prop, receiver) {
            if (prop === 'placeBackstop') {
              return async (w: WantedBackstop) => {
                const d = during;
                during = null;
                if (d) await d();
                return target.placeBackstop!(w);
              };
            }
            const v = Reflect.get(target, prop, receiver);
            return typeof v === 'function' ? v.bind(target) : v;
          },
        });
      },
    });
    let other: TickResult | null = null;
    // Between the first tick's listing and its order, a second tick (another process) runs whole.
    during = async () => {
      other = await runGuardTick({ ...g.deps, exchange: inner! }, { config: g.config, policy }, { budgetMs: 5_000 });
    };
    await g.tick();
    expect(other).not.toBeNull();
    expect(other!.stateVersion).not.toBeNull();
    expect(other!.actions.join('\n')).toMatch(/another tick is changing the backstop stops: left to it/);
    expect(open(g)).toHaveLength(1);
    g.wait(60_000);
    await g.tick();
    expect(open(g)).toHaveLength(1);
  });

  it('re-places a stop only when its solved price drifts past the band', async () => {
    const g = guard();
    await g.tick();
    const id = open(g)[0]!.algoId;
    // A new peak 0.1 % higher moves the stop by ~0.2 %: within the 0.5 % band, kept.
    for (let i = 0; i < 2; i++) {
      g.wait(60_000);
      world.paper.engine.setPrices({ BTCUSDT: 50_100 });
      await g.tick();
    }
    expect((await g.state())!.peakEquity).toBeCloseTo(10_100, 0);
    expect(open(g).map((a) => a.algoId)).toEqual([id]);
    // A peak 6 % higher (10,600): the stop moves to 49,010, ~1 % away: cancelled and placed again.
    for (let i = 0; i < 3; i++) {
      g.wait(60_000);
      world.paper.engine.setPrices({ BTCUSDT: 50_600 });
      await g.tick();
    }
    expect((await g.state())!.peakEquity).toBeCloseTo(10_600, 0);
    const now = open(g);
    expect(now).toHaveLength(1);
    expect(now[0]!.algoId).not.toBe(id);
    expect(now[0]!.triggerPrice).toBeCloseTo(49_010, -1);
  });

  it('a stop cancelled on the exchange by someone else is alerted once and placed again', async () => {
    const g = guard();
    await g.tick();
    const id = open(g)[0]!.algoId;
    world.paper.engine.cancelAlgoOrder(g.acc, { algoId: id });
    g.wait(60_000);
    const r = await g.tick();
    expect(r.tripKind).toBeNull();
    expect(g.notifier.alerts).toHaveLength(1);
    expect(g.notifier.alerts[0]!.summary).toMatch(/^backstop stop\(s\) gone from the exchange while the position is open: BTCUSDT long at 48,500 — placing them again/);
    expect(open(g)).toHaveLength(1);
    expect(open(g)[0]!.algoId).not.toBe(id);
    for (let i = 0; i < 2; i++) {
      g.wait(60_000);
      await g.tick();
    }
    expect(g.notifier.alerts).toHaveLength(1);
    expect(open(g)).toHaveLength(1);
  });

  it('a stop that fired while the guard was not ticking is the next tick’s trip: close-all of the rest, HALTED, one alert', async () => {
    const g = guard(BTC_ETH_LONGS);
    await g.tick();
    expect(open(g).map((a) => a.symbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    const btcStop = open(g).find((a) => a.symbol === 'BTCUSDT')!.triggerPrice;
    // BTC alone crashes through its stop between ticks: the exchange closes BTC, ETH stays open.
    g.wait(30_000);
    world.paper.engine.setPrices({ BTCUSDT: btcStop - 200 });
    expect([...g.acc.positions.values()].filter((p) => p.amt !== 0).map((p) => p.symbol)).toEqual(['ETHUSDT']);
    g.wait(30_000);
    const r = await g.tick();
    expect(r.tripKind).toBe('close-all');
    expect(r.backstop).toBe(true);
    expect(r.halted).toBe(true);
    expect(r.level).toBe('EMERGENCY');
    expect([...g.acc.positions.values()].filter((p) => p.amt !== 0)).toHaveLength(0);
    expect(open(g)).toHaveLength(0);
    expect(g.notifier.alerts).toHaveLength(1);
    expect(g.notifier.alerts[0]!.kind).toBe('trip');
    expect(g.notifier.alerts[0]!.summary).toMatch(/^CLOSED ALL, confirmed by a fresh read, equity .* \| TRIPPED: the exchange-side backstop stop fired between ticks: BTCUSDT long at/);
    // The gate read the stop's fill as the guard's own, not as the owner trading nor a liquidation.
    expect(r.actions.join('\n')).toMatch(/BTCUSDT long \(cross\) was closed by the guard's own backstop stop on the exchange/);
    expect(g.notifier.alerts.some((a) => a.kind === 'liquidation')).toBe(false);
    const s = (await g.state())!;
    expect(s).toMatchObject({ halted: true, level: 'EMERGENCY', trip: { kind: 'close-all', status: 'done' }, backstops: [] });
    // Once: the next tick is halted and flat, and places nothing.
    g.wait(60_000);
    const next = await g.tick();
    expect(next.tripKind).toBeNull();
    expect(g.notifier.alerts.filter((a) => a.kind === 'trip')).toHaveLength(1);
    expect(open(g)).toHaveLength(0);
  });

  it('a stop that fires in a pause, before the pause’s first tick cancelled it, is alerted once: no close-all of the rest, no halt', async () => {
    const g = guard(BTC_ETH_LONGS);
    await g.tick();
    const btcStop = open(g).find((a) => a.symbol === 'BTCUSDT')!.triggerPrice;
    const admin = { store: g.deps.store, clock: g.deps.clock };
    await pause(admin, { accountId: g.config.id, by: 'ana', reason: 'maintenance', until: world.paper.engine.now() + 30 * 60_000 });
    g.wait(30_000);
    world.paper.engine.setPrices({ BTCUSDT: btcStop - 200 }); // the exchange closes BTC; ETH stays
    g.wait(30_000);
    const trades = g.acc.trades.length;
    const r = await g.tick();
    expect(r.paused).toBe(true);
    expect(r.halted).toBe(false);
    expect(r.tripKind).toBeNull();
    expect(g.acc.trades.length).toBe(trades); // no order of the guard's own
    expect([...g.acc.positions.values()].filter((p) => p.amt !== 0).map((p) => p.symbol)).toEqual(['ETHUSDT']);
    expect(open(g)).toHaveLength(0); // the ETH stop is cancelled: the account is not armed in a pause
    expect(g.notifier.alerts).toHaveLength(1);
    expect(g.notifier.alerts[0]!.summary).toMatch(/exchange-side backstop stop fired between ticks while paused by ana until \S+: BTCUSDT long at .*no close-all during a pause/);
    expect((await g.state())!).toMatchObject({ halted: false, backstops: [] });
    // Said once: the next paused tick says nothing more of it.
    g.wait(60_000);
    await g.tick();
    expect(g.notifier.alerts.filter((a) => /backstop stop fired/.test(a.summary))).toHaveLength(1);
  });

  it('a pause cancels the stops at the next tick; a re-arm renews them', async () => {
    const g = guard();
    await g.tick();
    const id = open(g)[0]!.algoId;
    const admin = { store: g.deps.store, clock: g.deps.clock };
    await pause(admin, { accountId: g.config.id, by: 'ana', reason: 'maintenance', until: world.paper.engine.now() + 10 * 60_000 });
    g.wait(60_000);
    const paused = await g.tick();
    expect(paused.paused).toBe(true);
    expect(open(g)).toHaveLength(0);
    expect((await g.state())!.backstops).toEqual([]);
    // The pause ends: placed again.
    g.wait(10 * 60_000);
    await g.tick();
    expect(open(g)).toHaveLength(1);
    const second = open(g)[0]!.algoId;
    expect(second).not.toBe(id);
    // A forced re-arm: the next tick cancels the stop and places a fresh one.
    g.wait(1_000);
    await rearm(admin, { accountId: g.config.id, by: 'ana', reason: 'new peak', force: true });
    g.wait(60_000);
    const r = await g.tick();
    expect(open(g)).toHaveLength(1);
    expect(open(g)[0]!.algoId).not.toBe(second);
    expect(r.actions.join('\n')).toMatch(/re-armed: 1 backstop stop\(s\) cancelled to be placed afresh/);
  });

  it.each([
    ['dry run', resolvePolicy({ ...base, dryRun: true })],
    ['backstop: false', resolvePolicy({ ...base, backstop: false })],
  ])('%s places no stop', async (_name, p) => {
    const g = guard(BTC_LONG, p);
    for (let i = 0; i < 2; i++) {
      await g.tick();
      g.wait(60_000);
    }
    expect(open(g)).toHaveLength(0);
    expect((await g.state())!.backstops ?? []).toEqual([]);
  });

  it('backstop: false cancels the stops the guard placed before', async () => {
    const store = dynamo.store();
    const g = paperGuard(world.paper, BTC_LONG, { policy, store, idPrefix: 'bs' });
    await g.tick();
    expect(open(g)).toHaveLength(1);
    g.wait(60_000);
    await runGuardTick(g.deps, { config: g.config, policy: resolvePolicy({ ...base, backstop: false }) }, { budgetMs: 5_000 });
    expect(open(g)).toHaveLength(0);
    expect((await g.state())!.backstops).toEqual([]);
  });
});
