import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';
import { paperGuard, usePaperExchange } from '../helpers/paper-guard.ts';

/** `actions.<LEVEL>.closeAll` and `.alert` as documented, through ccxt → paper exchange and dynalite. */

const dynamo = useLocalDynamo();
const noStress = { thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } };
const world = usePaperExchange({ BTCUSDT: 50_000 });

function guard(policyOverride: object) {
  return paperGuard(
    world.paper,
    {
      walletBalance: 10_000,
      symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 } },
      positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
    },
    { policy: resolvePolicy(noStress, policyOverride), store: dynamo.store(), idPrefix: 'knobs' },
  );
}

describe('policy knobs on the paper exchange', () => {
  it.each([
    // BTC −11 %: 1,100 on 10,000 = 11 % drawdown → DANGER.
    { name: 'DANGER closeAll: true closes all and halts at DANGER', over: { actions: { DANGER: { closeAll: true } } }, level: 'DANGER', trip: 'close-all', flat: true },
    { name: 'the default DANGER reduces by 20 %', over: {}, level: 'DANGER', trip: 'reduce', flat: false },
  ])('$name', async ({ over, level, trip, flat }) => {
    const g = guard(over);
    expect((await g.tick()).status).toBe('OK');
    world.paper.engine.advanceBy(60_000);
    world.paper.engine.setPrices({ BTCUSDT: 48_900 });
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
    world.paper.engine.advanceBy(60_000);
    world.paper.engine.setPrices({ BTCUSDT: 49_300 }); // 700 on 10,000 = 7 % drawdown → WARNING
    const r = await g.tick();
    expect(r.status).toBe('WARNING');
    expect(g.notifier.alerts.map((a) => a.kind)).toEqual(alerts);
  });
});
