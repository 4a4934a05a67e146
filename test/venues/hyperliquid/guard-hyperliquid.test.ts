/**
 * Hyperliquid-only guard behaviour end to end (real ccxt → HTTP → the Hyperliquid paper dialect,
 * state in dynalite), beside the shared venue suite: the key's standing alerted by the guard, the
 * ledger's unknown rows, internal transfers, portfolio margin refused, and a busy agent's address.
 */
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../../functions/domain/policy.ts';
import { hyperliquidState, walletsOf } from '../../../paper/dialects/hyperliquid/index.ts';
import { useLocalDynamo } from '../../helpers/dynalite.ts';
import { paperGuard, usePaperExchange } from '../../helpers/paper-guard.ts';
import { btcEthLongs, HYPERLIQUID_HARNESS as h } from '../harness.ts';

const dynamo = useLocalDynamo();
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });
const day = 86_400_000;

describe('the guard on the Hyperliquid paper exchange', () => {
  const world = usePaperExchange({ [h.btc]: 50_000, [h.eth]: 3_000 }, undefined, { venue: h.venue });
  const guard = () => paperGuard(world.paper, btcEthLongs(h), { policy, store: dynamo.store(), venue: h });

  it('alerts once a day when its named API wallet expires within a week, and keeps guarding', async () => {
    const g = guard();
    hyperliquidState(world.paper.engine).setAgents(g.acc, [{ name: 'riskguard', address: walletsOf(g.acc).agent.address, validUntil: Date.now() + 3 * day }]);
    const r = await g.tick();
    expect(r.status).toBe('OK');
    expect(g.notifier.alerts.map((a) => [a.kind, a.summary])).toEqual([['auth', expect.stringMatching(/guard key: the API wallet "riskguard" expires/)]]);
    g.wait(60_000);
    await g.tick();
    expect(g.notifier.alerts).toHaveLength(1);
  });

  it('says the key is the master key (it can withdraw) in an alert', async () => {
    const probe = world.paper.engine.createAccount(btcEthLongs(h));
    const { master } = walletsOf(probe);
    const g = paperGuard(world.paper, btcEthLongs(h), { policy, store: dynamo.store(), venue: h, rawCredentials: { walletAddress: master.address, privateKey: master.privateKey } });
    // paperGuard made a second account; the credentials point at the probe's master: guard that one.
    const r = await g.tick();
    expect(r.status).toBe('OK');
    expect(g.notifier.alerts.map((a) => a.summary)).toContain('API key can WITHDRAW: replace it with a read + trade key');
  });

  it('does not judge the drawdown on a ledger row of an unknown type, and an internal transfer is no drawdown', async () => {
    const g = guard();
    await g.tick();
    g.wait(60_000);
    const state = hyperliquidState(world.paper.engine);
    state.writeLedger(world.paper.engine, g.acc, { type: 'internalTransfer', usdc: '3000.0', user: walletsOf(g.acc).master.address, destination: `0x${'77'.repeat(20)}`, fee: '0.0' }, -3_000);
    g.wait(60_000);
    const moved = await g.tick();
    expect(moved.status).toBe('OK');
    expect(moved.drawdownPct).toBeCloseTo(0, 6);
    state.writeLedger(world.paper.engine, g.acc, { type: 'somethingNew', usdc: '-400.0' }, -400);
    g.wait(60_000);
    const r = await g.tick();
    // The peak update is UNKNOWN: the drawdown is not judged while the row is unexplained.
    expect(JSON.stringify(r)).toMatch(/history rows of unknown type \(somethingNew/);
    expect(g.orders()).toBe(0);
  });

  it('refuses a portfolio-margin account loudly and never trades it', async () => {
    const g = guard();
    hyperliquidState(world.paper.engine).setAbstraction(g.acc, 'portfolioMargin');
    const r = await g.tick();
    expect(r.status).toBe('UNKNOWN');
    expect(JSON.stringify(r)).toMatch(/portfolio margin/);
    expect(g.orders()).toBe(0);
  });

  it("closes a busy agent's address (its action budget spent: one action per 10 s) within the round budget", async () => {
    const g = guard();
    await g.tick();
    hyperliquidState(world.paper.engine).setActionsUsed(g.acc, 1_000_000);
    g.wait(60_000);
    world.paper.engine.setPrices({ [h.btc]: 48_000, [h.eth]: 2_850 });
    for (let i = 0; i < 4 && g.acc.positions.size > 0; i++) {
      await g.tick();
      g.wait(10_000);
    }
    expect(g.acc.positions.size).toBe(0);
  });
});
