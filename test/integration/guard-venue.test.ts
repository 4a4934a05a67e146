import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type PaperAccount, type PaperExchange } from '../../paper/index.ts';
import { createExchange } from '../../functions/adapters/exchange-factory.ts';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import { silentLogger } from '../../functions/adapters/console-logger.ts';
import type { AccountConfig } from '../../functions/config.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import { runGuardTick } from '../../functions/use-cases/run-guard-tick.ts';
import type { GuardDeps, TickResult } from '../../functions/use-cases/types.ts';
import { uniqueAccountId, useLocalDynamo } from '../helpers/dynalite.ts';

/**
 * The guard tick end to end (real ccxt → HTTP → paper exchange, state in dynalite) on the
 * venue-side paths of issue 8 / issue 9 §2: one Binance 5xx hiccup is retried within the tick,
 * and a trip's close-all leaves no resting order on any symbol.
 */

const dynamo = useLocalDynamo();
const T0 = Date.UTC(2025, 9, 10, 20, 0);
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });

let paper: PaperExchange;
beforeEach(async () => {
  paper = await startPaperExchange({ startTime: T0, speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000, SOLUSDT: 200 });
});
afterEach(async () => {
  await paper.close();
});

function guard(): { acc: PaperAccount; tick(): Promise<TickResult>; wait(ms: number): void } {
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
    id: uniqueAccountId('venue'),
    exchange: 'binanceusdm',
    baseUrl: paper.url,
    credentials: { apiKeyEnv: 'K', secretEnv: 'S' },
    scheduleMinutes: 1,
  } satisfies AccountConfig;
  const deps: GuardDeps = {
    exchange: createExchange(config, { apiKey: acc.apiKey, secret: acc.secret }, { timeoutMs: 1_000 }),
    store: dynamo.store(),
    notifier: new MemoryNotifier(),
    clock: { now: () => engine.now() },
    log: silentLogger,
    sleep: async (ms) => void engine.advanceBy(ms),
  };
  return { acc, tick: () => runGuardTick(deps, { config, policy }, { budgetMs: 5_000 }), wait: (ms) => void engine.advanceBy(ms) };
}

describe('guard tick on Binance-like venue behaviour', () => {
  it.each([
    ['http500', -1001],
    ['http503', -1008],
    ['http500', -1000],
  ] as const)('one %s (JSON %i) on a read is retried within the tick: not UNKNOWN', async (kind, code) => {
    const g = guard();
    expect((await g.tick()).status).not.toBe('UNKNOWN');
    g.wait(60_000);
    paper.faults.add({ kind, code, endpoint: '/fapi/v3/account', count: 1, accountId: g.acc.id });
    const r = await g.tick();
    expect(r.status).toBe('OK');
    expect(paper.faults.list()).toHaveLength(0);
  });

  it('a symbol listed after the guard started does not make the ticks UNKNOWN for good', async () => {
    const g = guard();
    expect((await g.tick()).status).toBe('OK');
    paper.engine.listMarket('NEWUSDT', 2);
    paper.engine.placeOrder(g.acc, { symbol: 'NEWUSDT', side: 'BUY', type: 'MARKET', quantity: 100 });
    const statuses: string[] = [];
    for (let i = 0; i < 2; i++) {
      g.wait(60_000);
      statuses.push((await g.tick()).status);
    }
    expect(statuses.at(-1)).not.toBe('UNKNOWN');
  });

  it("a guard host whose clock is 30 s off still reads (it signs with the venue's time)", async () => {
    await paper.close();
    paper = await startPaperExchange({ startTime: T0, speed: 0, wallClockOffsetMs: -30_000 });
    paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000, SOLUSDT: 200 });
    const g = guard();
    expect((await g.tick()).status).toBe('OK');
  });

  it('a trip cancels the resting order on a symbol without a position: it cannot open one while halted', async () => {
    const g = guard();
    paper.engine.placeOrder(g.acc, { symbol: 'SOLUSDT', side: 'BUY', type: 'LIMIT', quantity: 20, price: 150, timeInForce: 'GTC' });
    await g.tick();
    g.wait(60_000);
    paper.engine.setPrices({ BTCUSDT: 48_000, ETHUSDT: 2_850 }); // 2,750 lost on 10,000: past the drawdown limit, not liquidated
    let tripped: TickResult | undefined;
    for (let i = 0; i < 3 && !tripped; i++) {
      const r = await g.tick();
      if (r.tripKind === 'close-all') tripped = r;
      g.wait(10_000);
    }
    expect(tripped?.halted).toBe(true);
    expect(g.acc.positions.size).toBe(0);
    expect(paper.engine.listOpenOrders(g.acc)).toHaveLength(0);
    paper.engine.setPrices({ SOLUSDT: 140 }); // the price the buy waited for
    expect(g.acc.positions.size).toBe(0);
  });
});
