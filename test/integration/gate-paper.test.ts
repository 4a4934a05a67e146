import { describe, expect, it } from 'vitest';
import { resolvePolicy, type Policy } from '../../functions/domain/policy.ts';
import type { AccountSpec } from '../../paper/engine.ts';
import { useLocalDynamo } from '../helpers/dynalite.ts';
import { paperGuard, usePaperExchange } from '../helpers/paper-guard.ts';

/**
 * Ordinary account changes between two ticks, end to end (real ccxt → HTTP → the paper exchange,
 * state in dynalite): the owner trades, money moves in and out, one read is bad. The guard must
 * explain them from the account's own history — never "cannot see", never a trade on a guess.
 */

const dynamo = useLocalDynamo();
const world = usePaperExchange({ BTCUSDT: 7_003, ETHUSDT: 3_000 });

/** A guard on one paper account; `skewMs` puts the guard's clock that far behind the venue's. */
function guard(spec: AccountSpec, policy: Policy = resolvePolicy(), skewMs = 0) {
  return paperGuard(world.paper, spec, { policy, store: dynamo.store(), idPrefix: 'gate', skewMs });
}

const flat: AccountSpec = { walletBalance: 10_000, symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 } } };

describe('the data gate on ordinary account changes (paper exchange, dynalite)', () => {
  it('judges a position the owner opened between two ticks at once, from the new book, and acts on that tick', async () => {
    const g = guard(flat);
    expect((await g.tick()).status).toBe('OK');
    g.wait(30_000);
    // The owner buys 10 BTC at 7,003 (about 7x), then BTC falls 2 %.
    world.paper.engine.placeOrder(g.acc, { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 10 });
    world.paper.engine.setPrices({ BTCUSDT: 7_003 * 0.98 });
    g.wait(30_000);
    const r = await g.tick();
    expect(['DANGER', 'EMERGENCY']).toContain(r.status);
    expect(r.tripKind).not.toBeNull();
    expect(g.acc.trades.length).toBeGreaterThan(1); // the owner's buy and the guard's reduce-only sell
    expect(r.actions.join('\n')).toMatch(/BTCUSDT long \(cross\) opened by a trade: 0 → 10/);
  });

  it('re-reads in the same tick when one read is bad, and never trades on it', async () => {
    const g = guard({ ...flat, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 5, entryPrice: 7_003, marginMode: 'cross', leverage: 10 }] });
    await g.tick();
    g.wait(60_000);
    world.paper.faults.add({ kind: 'empty-positions', endpoint: '/fapi/v3/positionRisk', count: 1, accountId: g.acc.id });
    const r = await g.tick();
    expect(r.status).toBe('OK');
    expect(r.actions.join('\n')).toMatch(/a first read failed the data gate .*vanished.*a second read passed/);
    expect(g.acc.trades).toHaveLength(0);
  });

  it('never closes on a zero balance beside open positions that three reads agree on', async () => {
    const g = guard({ ...flat, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 5, entryPrice: 7_003, marginMode: 'cross', leverage: 10 }] });
    await g.tick();
    g.wait(60_000);
    world.paper.faults.add({ kind: 'zero-balance', endpoint: '*', count: 3, accountId: g.acc.id });
    const first = await g.tick();
    g.wait(10_000);
    const second = await g.tick();
    g.wait(10_000);
    const third = await g.tick();
    expect(first.status).toBe('UNKNOWN');
    expect(first.reasons[0]).toMatch(/wallet fell to 0\.00 USDT from 10,000\.00 USDT/);
    expect([second.status, third.status]).toEqual(['OK', 'OK']);
    expect(g.acc.trades).toHaveLength(0);
    expect((await g.state())!.peakEquity).toBeCloseTo(10_000, 6);
  });

  it.each([
    ['on the same clock', 0],
    ['with the venue’s clock two hours ahead of the guard’s', 2 * 3_600_000],
  ])('never takes a withdrawal for a loss while in DANGER (%s)', async (_what, skewMs) => {
    const noReduce = resolvePolicy({ actions: { DANGER: { reduceFraction: 0 } }, thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });
    const g = guard({ ...flat, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 2, entryPrice: 7_003, marginMode: 'cross', leverage: 10 }] }, noReduce, skewMs);
    await g.tick();
    g.wait(60_000);
    world.paper.engine.setPrices({ BTCUSDT: 7_003 - 600 }); // −1,200 on 10,000: 12 % drawdown
    expect((await g.tick()).level).toBe('DANGER');
    for (let i = 0; i < 2; i++) {
      g.wait(5_000);
      world.paper.engine.withdraw(g.acc.id, 440); // about 5 % of what is left, twice, no price move
      const r = await g.tick();
      expect(r.status).toBe('DANGER');
      expect(r.drawdownPct).toBeCloseTo(12, 0);
      expect(r.tripId).toBeNull();
    }
    expect(g.acc.trades).toHaveLength(0);
  });

  it('counts a deposit made at the peak once: no drawdown, no alert', async () => {
    const g = guard(flat);
    await g.tick();
    g.wait(10_000); // between two routine history reads
    world.paper.engine.deposit(g.acc.id, 900);
    const r = await g.tick();
    expect(r.peakEquity).toBeCloseTo(10_900, 6);
    g.wait(60_000);
    const later = await g.tick();
    expect(later.peakEquity).toBeCloseTo(10_900, 6);
    expect(later.drawdownPct).toBeCloseTo(0, 6);
    expect(g.notifier.alerts).toEqual([]);
  });

  it('explains the fills of its own orders on the very first tick at the next one', async () => {
    // 7x long already in DANGER by stress at the first read: the first tick reduces it.
    const g = guard({ ...flat, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 10, entryPrice: 7_003, marginMode: 'cross', leverage: 10 }] });
    const first = await g.tick();
    expect(first.tripKind).toBe('reduce');
    g.wait(1_000);
    const next = await g.tick();
    expect(next.status).not.toBe('UNKNOWN');
    expect(next.reasons.join('\n')).not.toMatch(/history explains/);
  });

  it.each([
    ['twice the real price', 2],
    ['three times the real price', 3],
    ['5 % above it (within the index check)', 1.05],
  ])('never lets one bad mark (%s) move the peak or cause a trip later', async (_what, factor) => {
    const g = guard({ ...flat, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 5, entryPrice: 7_003, marginMode: 'cross', leverage: 10 }] });
    await g.tick();
    const peak = (await g.state())!.peakEquity!;
    g.wait(60_000);
    world.paper.faults.add({ kind: 'bad-mark', factor, count: 1, accountId: g.acc.id, endpoint: '*' });
    const bad = await g.tick();
    expect(bad.peakEquity).toBeCloseTo(peak, 6);
    expect((await g.state())!.peakEquity).toBeCloseTo(peak, 6);
    g.wait(60_000);
    const next = await g.tick();
    expect(next.status).toBe('OK');
    expect(next.drawdownPct).toBeLessThan(1);
    expect(g.acc.trades).toHaveLength(0);
  });

  it('sets the first peak of an account only on a confirmed value', async () => {
    world.paper.faults.add({ kind: 'bad-mark', factor: 2, count: 1, endpoint: '*' });
    const g = guard({ ...flat, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 5, entryPrice: 7_003, marginMode: 'cross', leverage: 10 }] });
    const first = await g.tick();
    expect(first.peakEquity).toBeLessThanOrEqual(10_000 + 1e-6);
    g.wait(60_000);
    expect((await g.tick()).status).toBe('OK');
    expect(g.acc.trades).toHaveLength(0);
  });

  it('explains funding payments from the funding rows: no UNKNOWN at the 8-hour mark', async () => {
    world.paper.engine.setFundingRate('BTCUSDT', 0.003);
    const g = guard({ ...flat, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 5, entryPrice: 7_003, marginMode: 'cross', leverage: 10 }] });
    await g.tick();
    const before = (await g.state())!.lastWallet!;
    g.wait(8 * 3_600_000); // past a funding time of the market clock
    world.paper.engine.setPrices({ BTCUSDT: 7_003 }); // fresh marks after the jump
    const r = await g.tick();
    expect(r.status).toBe('OK');
    const after = (await g.state())!.lastWallet!;
    expect(after).toBeLessThan(before - 100); // 5 × 7,003 × 0.3 % ≈ 105 USDT paid
  });

  it('alerts a key that can withdraw itself: once, then daily', async () => {
    const g = guard({ ...flat, enableWithdrawals: true });
    await g.tick();
    g.wait(60_000);
    await g.tick();
    const keyAlerts = () => g.notifier.alerts.filter((a) => /API key can WITHDRAW/.test(a.summary));
    expect(keyAlerts()).toHaveLength(1);
    g.wait(24 * 3_600_000);
    world.paper.engine.setPrices({ BTCUSDT: 7_003 });
    await g.tick();
    expect(keyAlerts()).toHaveLength(2);
    expect(keyAlerts()[0]!.body).toMatch(/withdrawal permission/);
  });
});
