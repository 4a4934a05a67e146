import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type PaperExchange } from '../../paper/index.ts';
import { createExchange } from '../../functions/adapters/exchange-factory.ts';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import { silentLogger } from '../../functions/adapters/console-logger.ts';
import type { AccountConfig } from '../../functions/config.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import { runGuardTick } from '../../functions/use-cases/run-guard-tick.ts';
import type { GuardDeps } from '../../functions/use-cases/types.ts';
import { uniqueAccountId, useLocalDynamo } from '../helpers/dynalite.ts';

/** `actions.<LEVEL>.closeAll` and `.alert` as documented, through ccxt → paper exchange and dynalite. */

const dynamo = useLocalDynamo();
const T0 = Date.UTC(2025, 9, 10, 20, 0);
const noStress = { thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } };

let paper: PaperExchange;
beforeEach(async () => {
  paper = await startPaperExchange({ startTime: T0, speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000 });
});
afterEach(async () => {
  await paper.close();
});

function guard(policyOverride: object) {
  const acc = paper.engine.createAccount({
    walletBalance: 10_000,
    symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 } },
    positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
  });
  const config = { id: uniqueAccountId('knobs'), exchange: 'binanceusdm', baseUrl: paper.url, credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } satisfies AccountConfig;
  const notifier = new MemoryNotifier();
  const deps: GuardDeps = {
    exchange: createExchange(config, { apiKey: acc.apiKey, secret: acc.secret }, { timeoutMs: 400 }),
    store: dynamo.store(),
    notifier,
    clock: { now: () => paper.engine.now() },
    log: silentLogger,
    sleep: async (ms) => void paper.engine.advanceBy(ms),
  };
  const policy = resolvePolicy(noStress, policyOverride);
  return { acc, notifier, tick: () => runGuardTick(deps, { config, policy }, { budgetMs: 5_000 }) };
}

describe('policy knobs on the paper exchange', () => {
  it.each([
    // BTC −11 %: 1,100 on 10,000 = 11 % drawdown → DANGER.
    { name: 'DANGER closeAll: true closes all and halts at DANGER', over: { actions: { DANGER: { closeAll: true } } }, level: 'DANGER', trip: 'close-all', flat: true },
    { name: 'the default DANGER reduces by 20 %', over: {}, level: 'DANGER', trip: 'reduce', flat: false },
  ])('$name', async ({ over, level, trip, flat }) => {
    const g = guard(over);
    expect((await g.tick()).status).toBe('OK');
    paper.engine.advanceBy(60_000);
    paper.engine.setPrices({ BTCUSDT: 48_900 });
    const r = await g.tick();
    expect(r.status).toBe(level);
    expect(r.tripKind).toBe(trip);
    expect(r.halted).toBe(flat);
    expect(g.acc.positions.size === 0).toBe(flat);
  });

  it.each([
    { name: 'WARNING alert: false sends nothing on entering WARNING', over: { actions: { WARNING: { alert: false } } }, alerts: [] as string[] },
    { name: 'WARNING alert: true sends the escalation', over: {}, alerts: ['escalation'] },
  ])('$name', async ({ over, alerts }) => {
    const g = guard(over);
    await g.tick();
    paper.engine.advanceBy(60_000);
    paper.engine.setPrices({ BTCUSDT: 49_300 }); // 700 on 10,000 = 7 % drawdown → WARNING
    const r = await g.tick();
    expect(r.status).toBe('WARNING');
    expect(g.notifier.alerts.map((a) => a.kind)).toEqual(alerts);
  });
});
