import { describe, expect, it } from 'vitest';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import { MemoryStateStore } from '../../functions/adapters/memory-store.ts';
import type { AccountSnapshot } from '../../functions/domain/snapshot.ts';
import { groupStateId, runGroupTick, type GroupDeps, type GroupMember } from '../../functions/use-cases/group.ts';
import { FakeExchange } from '../helpers/fake-exchange.ts';

const T0 = 1_760_054_400_000;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const longBtc = (): AccountSnapshot => ({
  crossWalletBalance: 10_000,
  positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 0.5, entryPrice: 100_000, markPrice: 100_000, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.004 }],
});
const member = (accountId: string, equity: number | null, halted = false): GroupMember => ({ accountId, status: equity === null ? 'UNKNOWN' : 'OK', equity, halted });

function setup() {
  const store = new MemoryStateStore();
  const notifier = new MemoryNotifier();
  const exchanges = new Map([['a', new FakeExchange(longBtc())], ['b', new FakeExchange(longBtc())]]);
  let now = T0;
  const deps: GroupDeps = { store, notifier, clock: { now: () => now }, log: silent, sleep: async () => {}, exchange: (id) => exchanges.get(id)! };
  return { store, notifier, exchanges, deps, advance: (ms: number) => (now += ms) };
}

const group = { id: 'desk', maxDrawdown: 0.1 };

describe('runGroupTick', () => {
  it('lets only one of two overlapping group ticks close the members', async () => {
    // Prepare: the peak, then 11 % down.
    const t = setup();
    await runGroupTick(t.deps, group, [member('a', 10_000), member('b', 10_000)]);
    t.advance(60_000);
    // Act
    const [x, y] = await Promise.all([
      runGroupTick(t.deps, group, [member('a', 8_600), member('b', 9_200)]),
      runGroupTick(t.deps, group, [member('a', 8_600), member('b', 9_200)]),
    ]);
    // Assess
    expect([x.stateVersion, y.stateVersion].filter((v) => v === null)).toHaveLength(1);
    expect([...x.closed, ...y.closed].map((c) => c.accountId).sort()).toEqual(['a', 'b']);
    expect(t.exchanges.get('a')!.orders).toHaveLength(1);
    expect(t.exchanges.get('b')!.orders).toHaveLength(1);
    expect(t.notifier.alerts).toHaveLength(1);
  });

  it('places no order and keeps the peak when a member is blind', async () => {
    const t = setup();
    await runGroupTick(t.deps, group, [member('a', 10_000), member('b', 10_000)]);
    t.advance(60_000);
    const r = await runGroupTick(t.deps, group, [member('a', 5_000), member('b', null)]);
    expect(r).toMatchObject({ kind: 'unknown', closed: [], alertsSent: 0 });
    expect(t.exchanges.get('a')!.orders).toHaveLength(0);
    expect(await t.store.get(groupStateId('desk'))).toMatchObject({ peakEquity: 20_000, unknownStreak: 1, halted: false });
  });

  it('halts each member with the group named as the one who acted, and writes the audit', async () => {
    const t = setup();
    await runGroupTick(t.deps, group, [member('a', 10_000), member('b', 10_000)]);
    t.advance(60_000);
    const r = await runGroupTick(t.deps, group, [member('a', 8_000), member('b', 9_500)]);
    expect(r.kind).toBe('trip');
    for (const id of ['a', 'b']) {
      expect(await t.store.get(id)).toMatchObject({ halted: true, level: 'EMERGENCY', trip: { by: 'group:desk', status: 'done' }, lastBook: [] });
      expect((await t.store.events(id, 1))[0]).toMatchObject({ type: 'close-all', by: 'group:desk' });
    }
    expect((await t.store.events(groupStateId('desk'), 5)).map((e) => e.type).sort()).toEqual(['alert', 'close-all']);
  });
});
