import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATA_DIR, startPaperExchange, type PaperExchange } from '../../paper/index.ts';
import { createExchange } from '../../functions/venues/index.ts';
import { LastWriteCachingStore } from '../../functions/adapters/cached-store.ts';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import { silentLogger } from '../../functions/adapters/console-logger.ts';
import type { AccountConfig } from '../../functions/config.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import { pause, rearm } from '../../functions/use-cases/admin.ts';
import { closeAllByHand } from '../../functions/use-cases/close-all.ts';
import { runGuardTick } from '../../functions/use-cases/run-guard-tick.ts';
import type { GuardDeps, TickResult } from '../../functions/use-cases/types.ts';
import { uniqueAccountId, useLocalDynamo } from '../helpers/dynalite.ts';

/**
 * The reproduction: `rearm`, open 4 BTC long, `pause --until 30m` during `run` over the
 * 2020-03-12 replay, with the guard unable to read the account for longer than the re-base window.
 * Before: the first accepted tick set the peak at the equity after a ~45 % loss ("drawdown
 * 0.00 %"). Now the peak stays at the re-arm's fallback (the last accepted equity).
 */

const dynamo = useLocalDynamo();
const START = Date.UTC(2020, 2, 12, 10, 0);
const MIN = 60_000;
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });

let paper: PaperExchange;
beforeEach(async () => {
  paper = await startPaperExchange({ replay: [{ symbol: 'BTCUSDT', file: join(DATA_DIR, 'binance-futures-BTCUSDT-1m-2020-03-11_13.csv') }], startTime: START, speed: 0 });
});
afterEach(async () => {
  await paper.close();
});

describe('rearm re-bases the peak at a defined point (2020-03-12 replay, ccxt → paper, dynalite)', () => {
  it('never at the equity of a tick after an UNKNOWN streak longer than the window', async () => {
    const engine = paper.engine;
    const acc = engine.createAccount({ walletBalance: 10_000, symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 } }, positions: [] });
    const config = { id: uniqueAccountId('rebase'), exchange: 'binanceusdm', baseUrl: paper.url, credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } satisfies AccountConfig;
    const store = dynamo.store();
    const notifier = new MemoryNotifier();
    const clock = { now: () => engine.now() };
    const deps: GuardDeps = {
      exchange: createExchange(config, { apiKey: acc.apiKey, secret: acc.secret }, { timeoutMs: 400 }),
      store: new LastWriteCachingStore(store),
      notifier,
      clock,
      log: silentLogger,
      sleep: async () => {},
    };
    const tick = (): Promise<TickResult> => runGuardTick(deps, { config, policy }, { budgetMs: 2_000 });
    const human = { accountId: config.id, by: 'ana', reason: 'testing the re-arm' };

    // A halted, flat account at 10,000 (the panic button), then re-armed.
    expect((await tick()).status).toBe('OK');
    await closeAllByHand({ ...deps, store }, human);
    engine.advanceBy(MIN);
    expect((await tick()).halted).toBe(true);
    await rearm({ store, clock }, human);

    // The owner opens 4 BTC long; the guard cannot read the account for the next hour.
    engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 4 });
    paper.faults.add({ kind: 'http500', endpoint: '*', count: 100_000, accountId: acc.id });
    for (let t = 0; t < 60; t += 5) {
      engine.advanceBy(5 * MIN);
      if (t === 40) await pause({ store, clock }, { ...human, until: engine.now() + 30 * MIN });
      expect((await tick()).status).toBe('UNKNOWN');
    }
    paper.faults.clear();

    // The first accepted tick, well past the window, after the 11:00 crash.
    let r = await tick();
    for (let i = 0; i < 3 && r.status === 'UNKNOWN'; i++) r = await tick();
    expect(r.status).toBe('EMERGENCY');
    expect(r.peakEquity).toBeCloseTo(10_000, 0);
    expect(r.drawdownPct!).toBeGreaterThan(40);
    expect(r.paused).toBe(true);
    expect(acc.positions.size).toBe(1); // paused: orders withheld
    const last = notifier.alerts.at(-1)!;
    expect(last.summary).toMatch(/^PAUSED \(orders withheld\) \| OK → EMERGENCY: drawdown/);
    const stored = (await store.get(config.id))!;
    expect(stored).toMatchObject({ peakEquity: r.peakEquity, rebaseUntil: null });
  });

  it('at the equity of the first accepted tick inside the window', async () => {
    const engine = paper.engine;
    const acc = engine.createAccount({ walletBalance: 10_000, symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 } }, positions: [] });
    const config = { id: uniqueAccountId('rebase'), exchange: 'binanceusdm', baseUrl: paper.url, credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } satisfies AccountConfig;
    const store = dynamo.store();
    const clock = { now: () => engine.now() };
    const deps: GuardDeps = { exchange: createExchange(config, { apiKey: acc.apiKey, secret: acc.secret }, { timeoutMs: 400 }), store, notifier: new MemoryNotifier(), clock, log: silentLogger, sleep: async () => {} };
    const tick = (): Promise<TickResult> => runGuardTick(deps, { config, policy }, { budgetMs: 2_000 });
    const human = { accountId: config.id, by: 'ana', reason: 'testing the re-arm' };
    await tick();
    await closeAllByHand(deps, human);
    // While halted, the owner withdraws 2,000 (history explains it) and the guard keeps ticking.
    engine.advanceBy(MIN);
    engine.withdraw(acc.id, 2_000);
    engine.advanceBy(MIN);
    await tick();
    await rearm({ store, clock }, human);
    engine.advanceBy(MIN);
    const r = await tick();
    expect(r.status).toBe('OK');
    expect(r.peakEquity).toBeCloseTo(8_000, 0);
    expect((await store.get(config.id))!.rebaseUntil).toBeNull();
  });
});
