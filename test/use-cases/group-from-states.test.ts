import { describe, expect, it } from 'vitest';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import { silentLogger } from '../../functions/adapters/console-logger.ts';
import { initialState, type GuardState } from '../../functions/domain/state.ts';
import type { AccountSnapshot } from '../../functions/domain/snapshot.ts';
import { runGroupTickFromStates } from '../../functions/use-cases/group-from-states.ts';
import { FakeExchange } from '../helpers/fake-exchange.ts';
import { uniqueAccountId, useLocalDynamo } from '../helpers/dynalite.ts';

/** The cloud's group tick: members tick apart, the group is judged from their stored states. */

const dynamo = useLocalDynamo();
const T0 = 1_760_054_400_000;

const book = (): AccountSnapshot => ({
  crossWalletBalance: 10_000,
  positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 0.1, entryPrice: 50_000, markPrice: 50_000, marginMode: 'cross', maintenanceMarginRate: 0.004 }],
});

function setup() {
  const store = dynamo.store();
  const ids = [uniqueAccountId('m'), uniqueAccountId('m')];
  const exchanges = new Map(ids.map((id) => [id, new FakeExchange(book())]));
  const notifier = new MemoryNotifier();
  let now = T0;
  const group = { id: uniqueAccountId('desk'), maxDrawdown: 0.1 };
  /** A member's own tick, as far as the group can see it: its stored state. */
  const memberTicked = async (id: string, s: Partial<GuardState>) => {
    const cur = (await store.get(id)) ?? initialState(id);
    expect(await store.put({ ...cur, lastOkAt: now, lastTickAt: now, unknownStreak: 0, ...s }, cur.version)).toBe(true);
  };
  const check = () =>
    runGroupTickFromStates(
      { store, notifier, clock: { now: () => now }, log: silentLogger, exchange: (id) => exchanges.get(id)!, sleep: async () => {} },
      group,
      ids,
      { staleMs: 150_000 },
    );
  return { ids, exchanges, notifier, memberTicked, check, advance: (ms: number) => (now += ms) };
}

describe('runGroupTickFromStates', () => {
  it('trips every member when the group is past its limit although neither member is', async () => {
    const t = setup();
    const [a, b] = t.ids as [string, string];
    await t.memberTicked(a, { lastEquity: 10_000 });
    await t.memberTicked(b, { lastEquity: 10_000 });
    expect((await t.check()).kind).toBe('ok');
    t.advance(60_000);
    // −9 % and −12 %: each under a 15 % limit, the group −10.5 % against 10 %.
    await t.memberTicked(a, { lastEquity: 9_100 });
    await t.memberTicked(b, { lastEquity: 8_800 });
    const r = await t.check();
    expect(r.kind).toBe('trip');
    expect(r.closed.map((c) => c.done)).toEqual([true, true]);
    for (const ex of t.exchanges.values()) expect(ex.snapshot.positions).toEqual([]);
    expect(t.notifier.alerts).toHaveLength(1);
  });

  it('does not count a withdrawal as a group loss', async () => {
    const t = setup();
    const [a, b] = t.ids as [string, string];
    await t.memberTicked(a, { lastEquity: 10_000 });
    await t.memberTicked(b, { lastEquity: 10_000 });
    await t.check();
    t.advance(60_000);
    // Member a withdrew 5,000 (its own tick applied it: transfersTotal −5,000).
    await t.memberTicked(a, { lastEquity: 5_000, transfersTotal: -5_000 });
    await t.memberTicked(b, { lastEquity: 10_000 });
    const r = await t.check();
    expect(r.kind).toBe('ok');
    expect(r.drawdownPct).toBeCloseTo(0, 9);
    t.advance(60_000);
    // The same withdrawal is not applied twice.
    await t.memberTicked(a, { lastEquity: 5_000 });
    const again = await t.check();
    expect(again.drawdownPct).toBeCloseTo(0, 9);
    expect(again.peakEquity).toBeCloseTo(15_000, 6);
  });

  it('never trips on a member whose data is stale or untrusted', async () => {
    const t = setup();
    const [a, b] = t.ids as [string, string];
    await t.memberTicked(a, { lastEquity: 10_000 });
    await t.memberTicked(b, { lastEquity: 10_000 });
    await t.check();
    t.advance(60_000);
    await t.memberTicked(a, { lastEquity: 5_000 });
    await t.memberTicked(b, { lastEquity: 5_000, unknownStreak: 2 });
    const r = await t.check();
    expect(r.kind).toBe('unknown');
    for (const ex of t.exchanges.values()) expect(ex.orders).toEqual([]);
  });
});
