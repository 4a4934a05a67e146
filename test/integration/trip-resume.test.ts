import { describe, expect, it } from 'vitest';
import { createExchange } from '../../functions/venues/index.ts';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import { silentLogger } from '../../functions/adapters/console-logger.ts';
import type { AccountConfig } from '../../functions/config.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import type { ExchangePort } from '../../functions/ports.ts';
import { runGuardTick } from '../../functions/use-cases/run-guard-tick.ts';
import type { GuardDeps } from '../../functions/use-cases/types.ts';
import { uniqueAccountId, useLocalDynamo } from '../helpers/dynalite.ts';
import { usePaperExchange } from '../helpers/paper-guard.ts';

/**
 * A trip outlives the tick that started it. The first "process" dies inside its close-all (its
 * ccxt client hangs on an order answer and is abandoned, as SIGKILL would leave it); a second one
 * — a new ccxt client, the same dynalite — finds the pending trip with a quiet heartbeat and
 * finishes it: re-read, close what is left, audit and alert the trip once, saying it was resumed.
 */

const dynamo = useLocalDynamo();
// Backstops off: these tests pin the guard's own close-all (a crash would fire the exchange-side stop first).
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } }, backstop: false });

const world = usePaperExchange({ BTCUSDT: 50_000, ETHUSDT: 3_000 });

const never = new Promise<never>(() => {});

/** `hang`: the order is sent and filled by the venue, but its answer never comes (or: is never sent). */
function hanging(port: ExchangePort, hang: 'after-fill' | 'before-send'): ExchangePort {
  return new Proxy(port, {
    get(target, prop, receiver) {
      if (prop === 'reduceOnlyMarket') {
        return async (o: Parameters<ExchangePort['reduceOnlyMarket']>[0]) => {
          if (hang === 'after-fill') await target.reduceOnlyMarket(o);
          return never;
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

function setup() {
  const engine = world.paper.engine;
  const acc = engine.createAccount({
    walletBalance: 10_000,
    positions: [
      { symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 },
      { symbol: 'ETHUSDT', side: 'long', size: 5, entryPrice: 3_000, marginMode: 'cross', leverage: 10 },
    ],
  });
  const config = { id: uniqueAccountId('resume'), exchange: 'binanceusdm', baseUrl: world.paper.url, credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } satisfies AccountConfig;
  const store = dynamo.store();
  /** One guard process: its own ccxt client and notifier, the shared store. */
  const process = (wrap: (p: ExchangePort) => ExchangePort = (p) => p) => {
    const notifier = new MemoryNotifier();
    const deps: GuardDeps = {
      exchange: wrap(createExchange(config, { apiKey: acc.apiKey, secret: acc.secret }, { timeoutMs: 400 })),
      store,
      notifier,
      clock: { now: () => engine.now() },
      log: silentLogger,
      sleep: async (ms) => void engine.advanceBy(ms),
    };
    return { notifier, tick: () => runGuardTick(deps, { config, policy }, { budgetMs: 5_000 }) };
  };
  return { acc, config, store, process };
}

describe('a trip outlives the process that started it', () => {
  it.each(['after-fill', 'before-send'] as const)('killed %s: the next tick finishes the trip at once and alerts it once, as resumed', async (hang) => {
    const t = setup();
    const first = t.process((p) => hanging(p, hang));
    await first.tick();
    world.paper.engine.advanceBy(60_000);
    world.paper.engine.setPrices({ BTCUSDT: 48_000, ETHUSDT: 2_850 }); // 27.5 % drawdown
    void first.tick(); // dies inside the close-all: never settles
    for (let i = 0; i < 50 && (await t.store.get(t.config.id))?.trip?.status !== 'pending'; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200)); // the order (if any) reaches the venue
    const pending = (await t.store.get(t.config.id))!;
    expect(pending.trip).toMatchObject({ status: 'pending', kind: 'close-all' });
    expect(first.notifier.alerts).toEqual([]);

    // The restarted guard, 16 s later: the dead tick's heartbeat is quiet.
    world.paper.engine.advanceBy(16_000);
    const second = t.process();
    const r = await second.tick();
    expect(t.acc.positions.size).toBe(0);
    const state = (await t.store.get(t.config.id))!;
    expect(state.trip).toMatchObject({ id: pending.trip!.id, status: 'done' });
    expect(state.halted).toBe(true);
    expect(r.tripId).toBe(pending.trip!.id);
    expect(second.notifier.alerts).toHaveLength(1);
    expect(second.notifier.alerts[0]!.kind).toBe('trip');
    expect(second.notifier.alerts[0]!.summary).toMatch(/^RESUMED close-all after the guard stopped mid-trip: (CLOSED ALL|FLAT), confirmed by a fresh read/);
    expect(second.notifier.alerts[0]!.summary).toMatch(/drawdown .* ≥ EMERGENCY 15\.0 %/);
    const events = await t.store.events(t.config.id, 20);
    expect(events.filter((e) => e.type === 'close-all' && (e.data as { resumed?: boolean } | undefined)?.resumed === true)).toHaveLength(1);

    // Once: the next tick does not alert the trip again.
    world.paper.engine.advanceBy(60_000);
    await second.tick();
    expect(second.notifier.alerts.filter((a) => a.kind === 'trip')).toHaveLength(1);
  });

  it('leaves a trip with a live heartbeat to its tick: two live ticks never act twice', async () => {
    const t = setup();
    const first = t.process((p) => hanging(p, 'before-send'));
    await first.tick();
    world.paper.engine.advanceBy(60_000);
    world.paper.engine.setPrices({ BTCUSDT: 48_000, ETHUSDT: 2_850 });
    void first.tick();
    for (let i = 0; i < 50 && (await t.store.get(t.config.id))?.trip?.status !== 'pending'; i++) await new Promise((r) => setTimeout(r, 20));
    world.paper.engine.advanceBy(2_000); // heartbeat 2 s old: the tick is alive
    const second = t.process();
    const r = await second.tick();
    expect(r.tripId).toBeNull();
    expect(r.actions.join('\n')).toMatch(/still in progress in another tick: not acting twice|another tick wrote the state first/);
    expect(t.acc.trades).toHaveLength(0);
  });
});
