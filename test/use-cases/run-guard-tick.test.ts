import { describe, expect, it } from 'vitest';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import type { AccountSnapshot } from '../../functions/domain/snapshot.ts';
import type { AccountConfig } from '../../functions/config.ts';
import { runGuardTick } from '../../functions/use-cases/run-guard-tick.ts';
import { LastWriteCachingStore } from '../../functions/adapters/cached-store.ts';
import { pause } from '../../functions/use-cases/admin.ts';
import type { GuardDeps } from '../../functions/use-cases/types.ts';
import { FakeExchange } from '../helpers/fake-exchange.ts';
import { uniqueAccountId, useLocalDynamo } from '../helpers/dynalite.ts';

const dynamo = useLocalDynamo();
const T0 = 1_760_054_400_000;
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function book(wallet: number, mark: number): AccountSnapshot {
  return {
    crossWalletBalance: wallet,
    positions: [
      { symbol: 'BTCUSDT', side: 'long', contracts: 1, entryPrice: 50_000, markPrice: mark, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.004 },
    ],
  };
}

function setup(snapshot: AccountSnapshot) {
  const id = uniqueAccountId('tick');
  const exchange = new FakeExchange(snapshot);
  const notifier = new MemoryNotifier();
  let now = T0;
  const deps: GuardDeps = { exchange, store: dynamo.store(), notifier, clock: { now: () => now }, log: silent, sleep: async () => {} };
  const config = { id, exchange: 'binanceusdm', credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } as AccountConfig;
  const tick = () => runGuardTick(deps, { config, policy });
  return { id, exchange, notifier, deps, tick, advance: (ms: number) => (now += ms) };
}

describe('runGuardTick', () => {
  it('trips once on a 15 % drawdown, confirms flat, and halts', async () => {
    const t = setup(book(10_000, 50_000));
    expect((await t.tick()).status).toBe('OK');
    t.exchange.snapshot.positions[0]!.markPrice = 48_400; // −1,600 on 10,000
    t.advance(60_000);
    const r = await t.tick();
    expect(r.status).toBe('EMERGENCY');
    expect(r.tripId).not.toBeNull();
    expect(r.residuals).toEqual([]);
    expect(t.exchange.snapshot.positions).toEqual([]);
    expect(t.exchange.orders).toHaveLength(1);
    expect(t.exchange.orders[0]).toMatchObject({ symbol: 'BTCUSDT', side: 'sell', amount: 1, positionSide: 'long' });
    expect(t.notifier.alerts.map((a) => a.kind)).toEqual(['trip']);
    expect(t.notifier.alerts[0]!.summary).toMatch(/^CLOSED ALL, confirmed by a fresh read, equity [\d,.]+ USDT \| OK → EMERGENCY, close all: drawdown/);
    expect(r.tripKind).toBe('close-all');
    const state = await t.deps.store.get(t.id);
    expect(state).toMatchObject({ halted: true, trip: { status: 'done' } });
    t.advance(60_000);
    const after = await t.tick();
    expect(after.halted).toBe(true);
    expect(t.exchange.orders).toHaveLength(1);
  });

  it('makes the tick UNKNOWN on a failed read: no trade, no peak update, blind alert after 3', async () => {
    const t = setup(book(10_000, 50_000));
    await t.tick();
    t.exchange.snapshot.positions[0]!.markPrice = 48_000;
    for (let i = 1; i <= 3; i++) {
      t.exchange.failNext = 10;
      t.advance(60_000);
      const r = await t.tick();
      expect(r.status).toBe('UNKNOWN');
    }
    expect(t.exchange.orders).toHaveLength(0);
    expect(t.notifier.alerts.map((a) => a.kind)).toEqual(['blind']);
    expect((await t.deps.store.get(t.id))!.peakEquity).toBe(10_000);
    t.exchange.failNext = 0;
    t.advance(60_000);
    const r = await t.tick();
    expect(r.status).toBe('EMERGENCY');
    expect(t.exchange.snapshot.positions).toEqual([]);
  });

  it('does not trade on a position that vanished without history to explain it', async () => {
    const t = setup(book(10_000, 50_000));
    await t.tick();
    // Both reads of the tick see it (one bad read alone is re-read: see the next test).
    t.exchange.glitch = { snapshot: { crossWalletBalance: 10_000, positions: [] }, count: 2 };
    t.advance(60_000);
    const r = await t.tick();
    expect(r.status).toBe('UNKNOWN');
    expect(r.reasons[0]).toMatch(/vanished with no fill, liquidation or ADL/);
  });

  it('reads once more when one read fails the gate, and judges the second', async () => {
    const t = setup(book(10_000, 50_000));
    await t.tick();
    t.exchange.glitch = { snapshot: { crossWalletBalance: 10_000, positions: [] }, count: 1 };
    t.exchange.snapshot.positions[0]!.markPrice = 48_400; // a real 16 % drawdown behind the bad read
    t.advance(60_000);
    const r = await t.tick();
    expect(r.status).toBe('EMERGENCY');
    expect(r.actions.join('\n')).toMatch(/a first read failed the data gate \(BTCUSDT long \(cross\) vanished.*a second read passed/);
    expect(t.exchange.snapshot.positions).toEqual([]);
  });

  it('does not act when the breach does not hold on the confirming read', async () => {
    const t = setup(book(10_000, 50_000));
    await t.tick();
    // One read shows a crash; the confirming read shows the real price.
    t.exchange.glitch = { snapshot: book(10_000, 48_000), count: 1 };
    t.advance(60_000);
    const r = await t.tick();
    expect(t.exchange.orders).toHaveLength(0);
    expect(r.actions.join(' ')).toMatch(/did not hold/);
  });

  it('lets only one of two overlapping ticks act', async () => {
    const t = setup(book(10_000, 50_000));
    await t.tick();
    t.exchange.snapshot.positions[0]!.markPrice = 48_000;
    t.advance(60_000);
    const [a, b] = await Promise.all([t.tick(), t.tick()]);
    expect([a.tripId, b.tripId].filter((x) => x !== null)).toHaveLength(1);
    expect(t.exchange.orders).toHaveLength(1);
  });

  it('does not trip on a withdrawal', async () => {
    const t = setup(book(10_000, 50_000));
    await t.tick();
    t.exchange.snapshot.crossWalletBalance = 5_000;
    t.exchange.history = { events: [{ id: 'w1', at: T0 + 30_000, kind: 'transfer', amount: -5_000, type: 'TRANSFER' }], until: T0 + 60_000 };
    t.advance(60_000);
    const r = await t.tick();
    expect(r.status).toBe('OK');
    expect(r.drawdownPct).toBe(0);
  });

  it('decides again on fresh state when a human wrote between the cached read and the write', async () => {
    const t = setup(book(10_000, 50_000));
    const cached = new LastWriteCachingStore(t.deps.store);
    const tick = () => runGuardTick({ ...t.deps, store: cached }, { config: { id: t.id, exchange: 'binanceusdm', credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 }, policy });
    await tick();
    t.advance(60_000);
    // A human pauses the account from another process: the cache here does not know.
    await pause({ store: t.deps.store, clock: { now: () => T0 + 60_000 } }, { accountId: t.id, by: 'ana', reason: 'maintenance', until: T0 + 3_600_000 });
    t.exchange.snapshot.positions[0]!.markPrice = 48_000;
    const r = await tick();
    expect(r.stateVersion).not.toBeNull();
    expect(r.paused).toBe(true);
    expect(t.exchange.orders).toHaveLength(0);
    expect(r.reasons.join(' ')).toMatch(/paused by ana/);
  });

  it('alerts a close it cannot finish with the trip, then on a back-off, not every tick', async () => {
    const t = setup(book(10_000, 50_000));
    await t.tick();
    // The venue refuses every close (a delisted symbol, a 429 storm): residuals on every tick.
    t.exchange.reduceOnlyMarket = async () => {
      throw new Error('fake: -2022 ReduceOnly Order is rejected');
    };
    t.exchange.snapshot.positions[0]!.markPrice = 48_400;
    t.advance(60_000);
    const first = await t.tick();
    expect(first).toMatchObject({ tripKind: 'close-all', halted: true });
    // A tick every 5 s for 10 minutes.
    for (let s = 1; s <= 120; s++) {
      t.advance(5_000);
      await t.tick();
    }
    const residual = t.notifier.alerts.filter((a) => a.kind === 'residual' || a.kind === 'trip');
    // With the trip, then 1, 2 and 4 minutes later (at 60, 180 and 420 s).
    expect(residual.map((a) => (a.at - first.at) / 1_000)).toEqual([0, 60, 180, 420]);
    expect(residual[0]!.summary).toMatch(/INCOMPLETE, 1 position\(s\) still open/);
  });

  it('does not cry blind at a fast cadence after three UNKNOWN seconds: only once 20 s pass without trusted data', async () => {
    const t = setup(book(10_000, 50_000));
    await t.tick();
    const kinds = () => t.notifier.alerts.map((a) => a.kind);
    for (let i = 1; i <= 10; i++) {
      t.exchange.failNext = 10;
      t.advance(1_000);
      expect((await t.tick()).status).toBe('UNKNOWN');
    }
    expect(kinds()).toEqual([]);
    for (let i = 1; i <= 15; i++) {
      t.exchange.failNext = 10;
      t.advance(1_000);
      await t.tick();
    }
    expect(kinds()).toEqual(['blind']);
  });
});
