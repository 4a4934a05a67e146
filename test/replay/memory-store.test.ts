import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../functions/adapters/memory-store.ts';
import { initialState } from '../../functions/domain/state.ts';

const T0 = 1_760_054_400_000;

describe('MemoryStateStore', () => {
  it('writes a new account only with expected version 0, and stores version 1', async () => {
    const store = new MemoryStateStore();
    expect(await store.get('a')).toBeNull();
    expect(await store.put(initialState('a'), 1)).toBe(false);
    expect(await store.put(initialState('a'), 0)).toBe(true);
    expect((await store.get('a'))?.version).toBe(1);
    // Absent means 0, so a second "create" loses.
    expect(await store.put(initialState('a'), 0)).toBe(false);
  });

  it('lets exactly one of two writers holding the same version win', async () => {
    const store = new MemoryStateStore();
    await store.put(initialState('a'), 0);
    const s = (await store.get('a'))!;
    const [first, second] = await Promise.all([
      store.put({ ...s, level: 'WARNING' }, s.version),
      store.put({ ...s, level: 'EMERGENCY' }, s.version),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    const after = (await store.get('a'))!;
    expect(after.version).toBe(2);
    expect(after.level).toBe(first ? 'WARNING' : 'EMERGENCY');
    // The loser retries from what it reads now and succeeds.
    expect(await store.put({ ...after, level: 'DANGER' }, after.version)).toBe(true);
    expect((await store.get('a'))!.version).toBe(3);
  });

  it('hands out copies: mutating what was read or written changes nothing stored', async () => {
    const store = new MemoryStateStore();
    const s = { ...initialState('a'), lastBook: [{ symbol: 'BTCUSDT', side: 'long' as const, marginMode: 'cross' as const, contracts: 1, markPrice: 1 }] };
    await store.put(s, 0);
    s.lastBook[0]!.contracts = 99;
    const read = (await store.get('a'))!;
    read.lastBook[0]!.contracts = 42;
    read.level = 'EMERGENCY';
    const again = (await store.get('a'))!;
    expect(again.lastBook[0]!.contracts).toBe(1);
    expect(again.level).toBe('OK');
  });

  it('refuses what the DynamoDB store would refuse', async () => {
    const store = new MemoryStateStore();
    await expect(store.put(initialState('a'), -1)).rejects.toThrow(RangeError);
    await expect(store.put({ ...initialState('a'), level: 'PANIC' as never }, 0)).rejects.toThrow(/invalid guard state/);
    await expect(store.append({ accountId: 'a', at: -5, type: 'decision', message: 'x' })).rejects.toThrow(/invalid audit event/);
  });

  it('reads events newest first, same millisecond in reverse order of appending', async () => {
    const store = new MemoryStateStore();
    await store.append({ accountId: 'a', at: T0, type: 'decision', message: 'one' });
    await store.append({ accountId: 'a', at: T0 + 5, type: 'decision', message: 'two' });
    await store.append({ accountId: 'a', at: T0 + 5, type: 'alert', message: 'three' });
    await store.append({ accountId: 'b', at: T0 + 9, type: 'alert', message: 'other account' });
    expect((await store.events('a', 10)).map((e) => e.message)).toEqual(['three', 'two', 'one']);
    expect((await store.events('a', 2)).map((e) => e.message)).toEqual(['three', 'two']);
  });

  it('lists every stored account, sorted', async () => {
    const store = new MemoryStateStore();
    await store.put(initialState('zeta'), 0);
    await store.put(initialState('alpha'), 0);
    expect((await store.listAccounts()).map((s) => s.accountId)).toEqual(['alpha', 'zeta']);
  });
});
