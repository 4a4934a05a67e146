import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type FaultKind, type PaperAccount, type PaperExchange } from '../../paper/index.ts';
import { createExchange } from '../../functions/adapters/exchange-factory.ts';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import { silentLogger } from '../../functions/adapters/console-logger.ts';
import type { AccountConfig } from '../../functions/config.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import { runGuardTick } from '../../functions/use-cases/run-guard-tick.ts';
import type { GuardDeps, TickResult } from '../../functions/use-cases/types.ts';
import { uniqueAccountId, useLocalDynamo } from '../helpers/dynalite.ts';

/**
 * The guard end to end: real ccxt → HTTP → the paper exchange, state in dynalite. Time is the
 * paper exchange's market clock; retries and waits advance it.
 */

const dynamo = useLocalDynamo();
const T0 = Date.UTC(2025, 9, 10, 20, 0);
// Stress thresholds off: these tests are about drawdown trips and data quality.
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });

let paper: PaperExchange;
beforeEach(async () => {
  paper = await startPaperExchange({ startTime: T0, speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000 });
});
afterEach(async () => {
  await paper.close();
});

interface Harness {
  acc: PaperAccount;
  notifier: MemoryNotifier;
  deps: GuardDeps;
  tick(): Promise<TickResult>;
  /** Advance the market clock (the next tick then reads history again after a minute). */
  wait(ms: number): void;
  orders(): number;
}

function guard(opts: { secret?: string; apiKey?: string } = {}): Harness {
  const engine = paper.engine;
  const acc = engine.createAccount({
    walletBalance: 10_000,
    symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 }, ETHUSDT: { marginMode: 'cross', leverage: 10 } },
    positions: [
      { symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 },
      { symbol: 'ETHUSDT', side: 'long', size: 5, entryPrice: 3_000, marginMode: 'cross', leverage: 10 },
    ],
  });
  const config = {
    id: uniqueAccountId('paper'),
    exchange: 'binanceusdm',
    baseUrl: paper.url,
    credentials: { apiKeyEnv: 'K', secretEnv: 'S' },
    scheduleMinutes: 1,
  } satisfies AccountConfig;
  const notifier = new MemoryNotifier();
  const deps: GuardDeps = {
    exchange: createExchange(config, { apiKey: opts.apiKey ?? acc.apiKey, secret: opts.secret ?? acc.secret }, { timeoutMs: 400 }),
    store: dynamo.store(),
    notifier,
    clock: { now: () => engine.now() },
    log: silentLogger,
    sleep: async (ms) => void engine.advanceBy(ms),
  };
  return {
    acc,
    notifier,
    deps,
    tick: () => runGuardTick(deps, { config, policy }, { budgetMs: 5_000 }),
    wait: (ms) => void engine.advanceBy(ms),
    orders: () => acc.trades.length,
  };
}

/** BTC −10 % and ETH −10 %: 5,000 + 1,500 lost on 10,000 → 65 % drawdown is far past 15 %. */
const crash = () => paper.engine.setPrices({ BTCUSDT: 48_000, ETHUSDT: 2_850 });

describe('guard on the paper exchange (ccxt over HTTP, dynalite)', () => {
  it('trips once on a breach: one confirmed close-all, one alert, account flat and halted', async () => {
    const g = guard();
    expect((await g.tick()).status).toBe('OK');
    g.wait(60_000);
    crash(); // 2,000 + 750 on 10,000 = 27.5 % drawdown
    const r = await g.tick();
    expect(r.status).toBe('EMERGENCY');
    expect(r.tripKind).toBe('close-all');
    expect(r.residuals).toEqual([]);
    expect(g.acc.positions.size).toBe(0);
    expect(g.notifier.alerts.map((a) => a.kind)).toEqual(['trip']);
    g.wait(60_000);
    const again = await g.tick();
    expect(again.halted).toBe(true);
    expect(again.tripId).toBeNull();
    expect(g.notifier.alerts).toHaveLength(1);
  });

  // stale-mark hits the public mark-price endpoint, which carries no account key.
  const dataFaults: { kind: FaultKind; endpoint?: string; extra?: Record<string, unknown>; anyAccount?: boolean }[] = [
    { kind: 'http500' },
    { kind: 'http503' },
    { kind: 'http429' },
    { kind: 'timeout', extra: { hangMs: 1_000 } },
    { kind: 'malformed-json', endpoint: '/fapi/v3/positionRisk' },
    { kind: 'empty-positions' },
    { kind: 'zero-balance' },
    { kind: 'stale-mark', anyAccount: true },
  ];
  it.each(dataFaults)('never trades on bad data ($kind), and trips once the data is good again', async ({ kind, endpoint, extra, anyAccount }) => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    crash();
    paper.faults.add({ kind, endpoint: endpoint ?? '*', count: 50, ...(anyAccount ? {} : { accountId: g.acc.id }), ...extra });
    const bad = await g.tick();
    expect(bad.status).toBe('UNKNOWN');
    expect(g.orders()).toBe(0);
    paper.faults.clear();
    const results: TickResult[] = [];
    for (let i = 0; i < 3 && g.acc.positions.size > 0; i++) {
      g.wait(10_000);
      results.push(await g.tick());
    }
    expect(g.acc.positions.size).toBe(0);
    expect(results.filter((r) => r.tripKind === 'close-all')).toHaveLength(1);
  });

  it.each(['partial-fill', 'reduce-only-reject'] as const)('closes through an order fault (%s) within 3 ticks', async (kind) => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    crash();
    paper.faults.add({ kind, count: 2, accountId: g.acc.id });
    for (let i = 0; i < 3 && g.acc.positions.size > 0; i++) {
      await g.tick();
      g.wait(10_000);
    }
    expect(g.acc.positions.size).toBe(0);
  });

  it('lets one of two overlapping ticks act', async () => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    crash();
    const [a, b] = await Promise.all([g.tick(), g.tick()]);
    expect([a, b].filter((r) => r.tripId !== null)).toHaveLength(1);
    expect(g.acc.positions.size).toBe(0);
    // one reduce-only order per position, not two
    expect(g.acc.trades).toHaveLength(2);
  });

  it('does not trip the drawdown rule on a withdrawal', async () => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    paper.engine.withdraw(g.acc.id, 3_000);
    g.wait(60_000);
    const r = await g.tick();
    expect(r.status).toBe('OK');
    expect(r.drawdownPct).toBeCloseTo(0, 6);
    expect(g.orders()).toBe(0);
  });

  it.each([
    ['a bad signature (wrong secret)', { secret: 'not-the-secret' }],
    ['an unknown API key', { apiKey: 'no-such-key' }],
  ])('alerts at once, plainly, on %s', async (_what, creds) => {
    const g = guard(creds);
    const r = await g.tick();
    expect(r.status).toBe('UNKNOWN');
    expect(g.notifier.alerts.map((a) => a.kind)).toEqual(['auth']);
    expect(g.notifier.alerts[0]!.summary).toMatch(/REJECTED the API key/);
    expect(JSON.stringify(g.notifier.alerts)).not.toContain(g.acc.secret);
  });

  it('records a liquidation by the exchange as a real event, not as bad data', async () => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    // Past the cross pool's liquidation in one jump, before the guard can act.
    paper.engine.setPrices({ BTCUSDT: 42_000, ETHUSDT: 2_000 });
    expect(g.acc.positions.size).toBe(0);
    g.wait(60_000);
    const r = await g.tick();
    expect(r.status).not.toBe('UNKNOWN');
    expect(g.notifier.alerts.some((a) => a.kind === 'liquidation')).toBe(true);
  });

  it('splits a close larger than the max market quantity into several reduce-only orders', async () => {
    const engine = paper.engine;
    const max = engine.market('BTCUSDT').marketMaxQty;
    const size = Math.round(max * 2.5);
    const acc = engine.createAccount({
      walletBalance: size * 50_000,
      positions: [{ symbol: 'BTCUSDT', side: 'long', size, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
    });
    const config = { id: uniqueAccountId('big'), exchange: 'binanceusdm', baseUrl: paper.url, credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } satisfies AccountConfig;
    const deps: GuardDeps = {
      exchange: createExchange(config, { apiKey: acc.apiKey, secret: acc.secret }, { timeoutMs: 400 }),
      store: dynamo.store(),
      notifier: new MemoryNotifier(),
      clock: { now: () => engine.now() },
      log: silentLogger,
      sleep: async (ms) => void engine.advanceBy(ms),
    };
    await runGuardTick(deps, { config, policy });
    engine.advanceBy(60_000);
    engine.setPrices({ BTCUSDT: 40_000 }); // 20 % on a 1x book
    const r = await runGuardTick(deps, { config, policy });
    expect(r.tripKind).toBe('close-all');
    expect(acc.positions.size).toBe(0);
    expect(acc.trades.length).toBe(3);
    expect(Math.max(...acc.trades.map((t) => t.qty))).toBeLessThanOrEqual(max);
  });

  it('closes a position that reappears while the account is halted (enforce flat)', async () => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    crash();
    expect((await g.tick()).tripKind).toBe('close-all');
    // Someone (an agent that did not ask "may I trade?") opens a position on the halted account.
    paper.engine.placeOrder(g.acc, { symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: 1 });
    expect(g.acc.positions.size).toBe(1);
    g.wait(60_000);
    const r = await g.tick();
    expect(r.halted).toBe(true);
    expect(g.acc.positions.size).toBe(0);
    expect(r.reasons[0]).toMatch(/HALTED but 1 position\(s\) are open/);
    expect(g.notifier.alerts.at(-1)!.summary).toMatch(/CLOSED ALL/);
  });
});
