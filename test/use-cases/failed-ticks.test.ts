import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../functions/adapters/console-logger.ts';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import { MemoryStateStore } from '../../functions/adapters/memory-store.ts';
import type { AccountConfig } from '../../functions/config.ts';
import { DEFAULT_POLICY } from '../../functions/domain/policy.ts';
import { FailedTickWatch } from '../../functions/use-cases/failed-ticks.ts';
import type { GuardedAccount, TickResult } from '../../functions/use-cases/types.ts';

const account: GuardedAccount = {
  config: { id: 'main', exchange: 'binanceusdm', credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } satisfies AccountConfig,
  policy: { ...DEFAULT_POLICY, reminderMinutes: 30 },
};
const ok = { accountId: 'main', status: 'OK' } as TickResult;
const unknown = { accountId: 'main', status: 'UNKNOWN' } as TickResult;

function harness() {
  let now = 1_000_000;
  const notifier = new MemoryNotifier();
  const store = new MemoryStateStore();
  const watch = new FailedTickWatch({ notifier, store, clock: { now: () => now }, log: silentLogger });
  const fail = (msg = 'connect ECONNREFUSED 127.0.0.1:4567') => watch.tick(account, () => Promise.reject(new Error(msg)));
  return { notifier, store, watch, fail, advance: (ms: number) => (now += ms) };
}

describe('FailedTickWatch', () => {
  it('alerts "blind" at the 3rd consecutive failed tick, not before, with the last error', async () => {
    const h = harness();
    expect(await h.fail()).toMatchObject({ ok: false, streak: 1, alerted: false });
    expect(await h.fail()).toMatchObject({ ok: false, streak: 2, alerted: false });
    expect(h.notifier.alerts).toEqual([]);
    expect(await h.fail()).toMatchObject({ ok: false, streak: 3, alerted: true });
    expect(h.notifier.alerts).toHaveLength(1);
    expect(h.notifier.alerts[0]).toMatchObject({ accountId: 'main', kind: 'blind', level: 'UNKNOWN', summary: 'guard tick FAILING (3 ticks): account not guarded' });
    expect(h.notifier.alerts[0]!.body).toContain('Last error: connect ECONNREFUSED 127.0.0.1:4567');
    expect((await h.store.events('main', 10)).map((e) => e.type)).toEqual(['alert']);
  });

  it('reminds every reminderMinutes while the failures last, and starts over after a good tick', async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) await h.fail();
    h.advance(29 * 60_000);
    expect(await h.fail()).toMatchObject({ streak: 4, alerted: false });
    h.advance(60_000);
    expect(await h.fail()).toMatchObject({ streak: 5, alerted: true });
    expect(h.notifier.alerts).toHaveLength(2);

    expect(await h.watch.tick(account, async () => ok)).toEqual({ ok: true, result: ok });
    expect(await h.fail()).toMatchObject({ streak: 1, alerted: false });
  });

  it('does not end the streak on an UNKNOWN tick (its data was not trusted either)', async () => {
    const h = harness();
    await h.fail();
    await h.fail();
    await h.watch.tick(account, async () => unknown);
    expect(await h.fail()).toMatchObject({ streak: 3, alerted: true });
  });

  it('still alerts when the store is what fails, and never shows a key in the alert', async () => {
    const h = harness();
    const { registerSecret, clearSecrets } = await import('../../functions/redact.ts');
    registerSecret('the-api-key-123456');
    const broken = new FailedTickWatch(
      {
        notifier: h.notifier,
        store: { ...h.store, append: () => Promise.reject(new Error('store down')) } as unknown as MemoryStateStore,
        clock: { now: () => 0 },
        log: silentLogger,
      },
      1,
    );
    const r = await broken.tick(account, () => Promise.reject(new Error('venue said key the-api-key-123456 is bad')));
    clearSecrets();
    expect(r).toMatchObject({ ok: false, streak: 1, alerted: true, error: 'venue said key [redacted] is bad' });
    expect(h.notifier.alerts[0]!.body).not.toContain('the-api-key-123456');
  });
});
