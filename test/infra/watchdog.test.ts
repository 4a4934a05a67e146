import { describe, expect, it } from 'vitest';
import type { FormattableAlert } from '../../functions/domain/alert-format.ts';
import { initialState, type GuardState } from '../../functions/domain/state.ts';
import {
  assess,
  MEMORY_DEPTH,
  memoryOf,
  nextStep,
  runWatchdog,
  type WatchdogMemory,
  type WatchedAccount,
} from '../../functions/handlers/watchdog-check.ts';
import { uniqueAccountId, useLocalDynamo } from '../helpers/dynalite.ts';

const T0 = Date.UTC(2025, 9, 10, 12, 0, 0);
const MIN = 60_000;
const STALE = 150_000;

const state = (over: Partial<GuardState> = {}): GuardState => ({
  ...initialState('acct'),
  version: 7,
  lastTickAt: T0 - 30_000,
  lastOkAt: T0 - 30_000,
  ...over,
});

describe('assess', () => {
  it.each<[string, string, GuardState | null, WatchdogMemory | null]>([
    ['ticking with good data', 'ok', state(), null],
    ['no state and not watched yet', 'new', null, null],
    ['no state, watched for a minute', 'new', null, { what: 'watching', at: T0 - MIN }],
    ['no state, watched for 3 minutes', 'never', null, { what: 'watching', at: T0 - 3 * MIN }],
    ['no state, already reported', 'never', null, { what: 'never', at: T0 - MIN, since: T0 - 4 * MIN }],
    ['last tick 2.6 minutes ago', 'stale', state({ lastTickAt: T0 - 156_000, lastOkAt: T0 - 156_000 }), null],
    ['never ticked but has state', 'stale', state({ lastTickAt: null, lastOkAt: null }), null],
    ['ticking, no good data for 3 minutes', 'blind', state({ lastOkAt: T0 - 3 * MIN, unknownStreak: 3 }), null],
    ['ticking, never had good data', 'blind', state({ lastOkAt: null, unknownStreak: 2 }), null],
    ['one tick missed (2 minutes)', 'ok', state({ lastTickAt: T0 - 2 * MIN, lastOkAt: T0 - 2 * MIN }), null],
  ])('%s → %s', (_, kind, s, memory) => {
    expect(assess(s, memory, T0, STALE).kind).toBe(kind);
  });

  it('notes when the guard has alerted about its blindness itself', () => {
    const h = assess(state({ lastOkAt: T0 - 3 * MIN, lastAlertAt: T0 - MIN, unknownStreak: 3 }), null, T0, STALE);
    expect(h).toEqual({ kind: 'blind', lastOkAt: T0 - 3 * MIN, streak: 3, guardAlerted: true });
  });
});

describe('nextStep', () => {
  const open = (what: WatchdogMemory['what'], ago: number): WatchdogMemory => ({ what, at: T0 - ago });
  it.each([
    ['ok, nothing open', { kind: 'ok' } as const, null, { do: 'nothing' }],
    ['ok after an outage → recovery', { kind: 'ok' } as const, open('stale', 10 * MIN), { do: 'recover', downSince: T0 - 10 * MIN }],
    ['ok after a reminder → recovery since the first report', { kind: 'ok' } as const, { what: 'stale', at: T0 - MIN, since: T0 - 40 * MIN } as WatchdogMemory, { do: 'recover', downSince: T0 - 40 * MIN }],
    ['ok after a recovery', { kind: 'ok' } as const, open('recovered', MIN), { do: 'nothing' }],
    ['new, not watched', { kind: 'new' } as const, null, { do: 'record', what: 'watching' }],
    ['new, watched', { kind: 'new' } as const, open('watching', MIN), { do: 'nothing' }],
    ['stale, first seen', { kind: 'stale', lastTickAt: T0 - 3 * MIN } as const, null, { do: 'alert', what: 'stale', reminder: false }],
    ['stale, alerted 5 min ago', { kind: 'stale', lastTickAt: null } as const, open('stale', 5 * MIN), { do: 'nothing' }],
    ['stale, alerted 30 min ago', { kind: 'stale', lastTickAt: null } as const, open('stale', 30 * MIN), { do: 'alert', what: 'stale', reminder: true }],
    ['blind after stale', { kind: 'blind', lastOkAt: null, streak: 2, guardAlerted: false } as const, open('stale', MIN), { do: 'alert', what: 'blind', reminder: false }],
    ['blind, guard alerted itself', { kind: 'blind', lastOkAt: null, streak: 3, guardAlerted: true } as const, null, { do: 'nothing' }],
    ['never', { kind: 'never', since: T0 - 3 * MIN } as const, open('watching', 3 * MIN), { do: 'alert', what: 'never', reminder: false }],
  ])('%s', (_, health, memory, step) => {
    expect(nextStep(health, memory, T0, 30 * MIN)).toEqual(step);
  });

  it('sends no reminders when reminders are off', () => {
    expect(nextStep({ kind: 'stale', lastTickAt: null }, open('stale', 300 * MIN), T0, 0)).toEqual({ do: 'nothing' });
  });
});

describe('memoryOf', () => {
  it('finds the newest watchdog event among the guard\'s own', () => {
    expect(
      memoryOf([
        { accountId: 'a', at: 3, type: 'decision', message: 'OK → WARNING' },
        { accountId: 'a', at: 2, type: 'alert', by: 'watchdog', message: 'x', data: { watchdog: 'stale' } },
        { accountId: 'a', at: 1, type: 'unknown', by: 'watchdog', message: 'x', data: { watchdog: 'watching' } },
      ]),
    ).toEqual({ what: 'stale', at: 2 });
    expect(memoryOf([{ accountId: 'a', at: 1, type: 'alert', message: 'guard alert' }])).toBeNull();
  });
});

describe('runWatchdog against DynamoDB (dynalite)', () => {
  const dynamo = useLocalDynamo();

  function harness(accountIds: string[], opts: { failNotify?: boolean } = {}) {
    const store = dynamo.store();
    const sent: FormattableAlert[] = [];
    let now = T0;
    const accounts: WatchedAccount[] = accountIds.map((id) => ({ id, staleAfterMs: STALE, reminderMs: 30 * MIN }));
    const deps = {
      store,
      clock: { now: () => now },
      log: { debug() {}, info() {}, warn() {}, error() {} },
      notifier: {
        notify: async (a: FormattableAlert) => {
          if (opts.failNotify) throw new Error('KMSAccessDeniedException: not authorized');
          sent.push(a);
        },
      },
    };
    return {
      store,
      sent,
      at: (t: number) => {
        now = t;
      },
      run: () => runWatchdog(deps, accounts),
      putState: async (id: string, s: Partial<GuardState>) => {
        const current = await store.get(id);
        expect(await store.put({ ...initialState(id), ...current, ...s, accountId: id }, current?.version ?? 0)).toBe(true);
      },
    };
  }

  it('watches a new account, alerts once when it never ticks, and reports the recovery', async () => {
    const id = uniqueAccountId('never');
    const h = harness([id]);

    expect(await h.run()).toMatchObject({ healthy: 1, alertsSent: 0, failures: [] });
    h.at(T0 + MIN);
    await h.run();
    expect(h.sent).toEqual([]);

    h.at(T0 + 3 * MIN);
    expect(await h.run()).toMatchObject({ down: [{ accountId: id, health: 'never' }], alertsSent: 1 });
    expect(h.sent[0]).toMatchObject({ accountId: id, kind: 'dead-man', level: 'UNKNOWN' });
    expect(h.sent[0]!.summary).toBe('guard has never ticked this account (watched 3.0 min); unprotected');

    h.at(T0 + 4 * MIN);
    await h.run();
    expect(h.sent).toHaveLength(1);

    h.at(T0 + 34 * MIN);
    await h.run();
    expect(h.sent[1]!.summary).toBe('STILL: guard has never ticked this account (watched 34 min); unprotected');

    await h.putState(id, { lastTickAt: T0 + 34.5 * MIN, lastOkAt: T0 + 34.5 * MIN });
    h.at(T0 + 35 * MIN);
    await h.run();
    expect(h.sent).toHaveLength(3);
    expect(h.sent[2]).toMatchObject({ kind: 'all-clear', summary: 'guard ticking again with good data (was unprotected for at least 35 min)' });
    const events = await h.store.events(id, MEMORY_DEPTH);
    expect(events.map((e) => e.data?.watchdog)).toEqual(['recovered', 'never', 'never', 'watching']);
    expect(events.every((e) => e.by === 'watchdog')).toBe(true);
  });

  it('alerts within 3 minutes of the last good tick when the guard stops, then reminds every 30 minutes', async () => {
    const id = uniqueAccountId('stale');
    const h = harness([id]);
    await h.putState(id, { lastTickAt: T0, lastOkAt: T0 });

    h.at(T0 + 2 * MIN);
    await h.run();
    expect(h.sent).toEqual([]);

    h.at(T0 + 3 * MIN);
    await h.run();
    expect(h.sent.map((a) => [a.kind, a.summary])).toEqual([['dead-man', 'no tick for 3.0 min; guard not running, account unprotected']]);

    h.at(T0 + 20 * MIN);
    await h.run();
    expect(h.sent).toHaveLength(1);

    h.at(T0 + 34 * MIN);
    await h.run();
    expect(h.sent.map((a) => a.summary)).toEqual([
      'no tick for 3.0 min; guard not running, account unprotected',
      'STILL: no tick for 34 min; guard not running, account unprotected',
    ]);
  });

  it('alerts about a blind guard unless the guard has said so itself', async () => {
    const quiet = uniqueAccountId('blind-alerted');
    const loud = uniqueAccountId('blind-silent');
    const h = harness([quiet, loud]);
    await h.putState(quiet, { lastTickAt: T0 + 3 * MIN, lastOkAt: T0, lastAlertAt: T0 + 2 * MIN, unknownStreak: 3 });
    await h.putState(loud, { lastTickAt: T0 + 3 * MIN, lastOkAt: T0, unknownStreak: 3 });

    h.at(T0 + 3 * MIN);
    const report = await h.run();

    expect(report.down).toEqual(
      expect.arrayContaining([
        { accountId: quiet, health: 'blind' },
        { accountId: loud, health: 'blind' },
      ]),
    );
    expect(h.sent.map((a) => [a.accountId, a.kind, a.summary])).toEqual([
      [loud, 'blind', 'no trustworthy data for 3.0 min; 3 UNKNOWN ticks; no orders placed'],
    ]);
  });

  it('reports an account it could not alert about, and still checks the others', async () => {
    const a = uniqueAccountId('fail-a');
    const b = uniqueAccountId('fail-b');
    const h = harness([a, b], { failNotify: true });
    await h.putState(a, { lastTickAt: T0 - 10 * MIN, lastOkAt: T0 - 10 * MIN });
    await h.putState(b, { lastTickAt: T0, lastOkAt: T0 });

    const report = await h.run();

    expect(report.failures).toEqual([{ accountId: a, error: 'Error: KMSAccessDeniedException: not authorized' }]);
    expect(report.healthy).toBe(1);
    // Nothing remembered: the next run tries again.
    expect(await h.store.events(a, MEMORY_DEPTH)).toEqual([]);
  });
});
