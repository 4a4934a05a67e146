import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExchange } from '../../functions/venues/index.ts';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import type { AccountConfig } from '../../functions/config.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import type { ExchangePort } from '../../functions/ports.ts';
import { groupStateId, runGroupTick } from '../../functions/use-cases/group.ts';
import { runGuardTick } from '../../functions/use-cases/run-guard-tick.ts';
import type { GuardDeps } from '../../functions/use-cases/types.ts';
import type { PaperExchange } from '../../paper/index.ts';
import { uniqueAccountId, useLocalDynamo } from '../helpers/dynalite.ts';
import { startStepped } from '../paper/helpers.ts';

const dynamo = useLocalDynamo();
let ex: PaperExchange;
beforeAll(async () => {
  ex = await startStepped();
});
afterAll(async () => {
  await ex.close();
});

const silent = { debug() {}, info() {}, warn() {}, error() {} };
// Each account alone: EMERGENCY (close all) at 15 % drawdown; DANGER only alerts here, and stress
// is left out so that the drawdown is the only thing that moves.
const policy = resolvePolicy({
  thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } },
  actions: { DANGER: { reduceFraction: 0 } },
});

/** A guarded paper account: real ccxt over HTTP, real DynamoDB store on dynalite. */
function guarded(size: number, clock: { now(): number }) {
  const acc = ex.engine.createAccount({ walletBalance: 10_000, positions: [{ symbol: 'BTCUSDT', side: 'long', size, entryPrice: 100_000 }] });
  const config = {
    id: uniqueAccountId('member'),
    exchange: 'binanceusdm',
    baseUrl: ex.url,
    credentials: { apiKeyEnv: 'K', secretEnv: 'S' },
    group: 'desk',
    scheduleMinutes: 1,
  } as AccountConfig;
  const exchange = createExchange(config, { apiKey: acc.apiKey, secret: acc.secret });
  const notifier = new MemoryNotifier();
  const deps: GuardDeps = { exchange, store: dynamo.store(), notifier, clock, log: silent, sleep: async () => {} };
  return { paperId: acc.id, config, exchange, notifier, tick: () => runGuardTick(deps, { config, policy }) };
}

describe('runGroupTick on the paper exchange', () => {
  it('trips both accounts when the combined drawdown passes the limit although neither account trips alone', async () => {
    // Prepare: A holds 0.7 BTC, B 0.4 BTC, 10,000 USDT each; the group's limit is 10 %.
    let now = Date.now();
    const clock = { now: () => now };
    const a = guarded(0.7, clock);
    const b = guarded(0.4, clock);
    const groupNotifier = new MemoryNotifier();
    const ports = new Map<string, ExchangePort>([[a.config.id, a.exchange], [b.config.id, b.exchange]]);
    const group = { id: uniqueAccountId('desk'), maxDrawdown: 0.1 };
    const groupDeps = { store: dynamo.store(), notifier: groupNotifier, clock, log: silent, sleep: async () => {}, exchange: (id: string) => ports.get(id)! };
    const round = async () => {
      const results = [await a.tick(), await b.tick()];
      return { results, group: await runGroupTick(groupDeps, group, results) };
    };

    // Act 1: the peak, then BTC −1 %: A −7 %, B −4 %, the group −5.5 %.
    const first = await round();
    now += 60_000;
    ex.engine.setPrices({ BTCUSDT: 99_000 });
    const second = await round();

    // Assess 1
    expect(first.group).toMatchObject({ kind: 'ok', equity: 20_000, peakEquity: 20_000 });
    expect(second.group.kind).toBe('ok');
    expect(second.group.drawdownPct).toBeCloseTo(5.5, 6);

    // Act 2: BTC −2 %: A −14 % (its own limit is 15 %), B −8 %, the group −11 %.
    now += 60_000;
    ex.engine.setPrices({ BTCUSDT: 98_000 });
    const third = await round();

    // Assess 2: neither member acted on its own...
    expect(third.results.map((r) => [r.status, r.tripId, r.halted])).toEqual([
      ['DANGER', null, false],
      ['WARNING', null, false],
    ]);
    expect(third.results[0]!.drawdownPct).toBeCloseTo(14, 6);
    expect(third.results[1]!.drawdownPct).toBeCloseTo(8, 6);
    // ...the group closed both, halted both, and alerted once.
    expect(third.group.kind).toBe('trip');
    expect(third.group.drawdownPct).toBeCloseTo(11, 6);
    expect(third.group.closed.map((c) => [c.accountId, c.done, c.orders])).toEqual([
      [a.config.id, true, 1],
      [b.config.id, true, 1],
    ]);
    expect(ex.engine.getAccount(a.paperId).positions.size).toBe(0);
    expect(ex.engine.getAccount(b.paperId).positions.size).toBe(0);
    const store = dynamo.store();
    for (const m of [a, b]) {
      expect(await store.get(m.config.id)).toMatchObject({ halted: true, level: 'EMERGENCY', trip: { by: groupStateId(group.id), status: 'done' } });
      expect((await store.events(m.config.id, 5)).some((e) => e.type === 'close-all' && e.by === groupStateId(group.id))).toBe(true);
    }
    expect(await store.get(groupStateId(group.id))).toMatchObject({ halted: true, peakEquity: 20_000, trip: { status: 'done' } });
    expect(groupNotifier.alerts).toHaveLength(1);
    expect(groupNotifier.alerts[0]).toMatchObject({ accountId: groupStateId(group.id), kind: 'trip', level: 'EMERGENCY' });
    expect(groupNotifier.alerts[0]!.summary).toMatch(/group drawdown 11\.0 % ≥ limit 10\.0 %.*closed all 2 account\(s\)/);

    // Act 3: the next round finds everything halted and flat: no order, no second alert.
    now += 60_000;
    const fourth = await round();
    expect(fourth.results.map((r) => r.halted)).toEqual([true, true]);
    expect(fourth.group).toMatchObject({ kind: 'halted', closed: [] });
    expect(groupNotifier.alerts).toHaveLength(1);
  });
});
