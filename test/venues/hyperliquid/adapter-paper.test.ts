/**
 * The Hyperliquid adapter through real ccxt over HTTP against the paper dialect: batched closes and
 * cancels, the key's standing (master key, named agent, expiry), the account modes it refuses, and
 * ccxt's side effects kept off. The guard-level behaviour is in test/venues/guard-venue-suite.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExchangeAuthError, ExchangeDataError } from '../../../functions/errors.ts';
import type { Logger } from '../../../functions/ports.ts';
import { HyperliquidExchange } from '../../../functions/venues/hyperliquid/adapter.ts';
import { redirectFetch } from '../../../functions/venues/hyperliquid/transport.ts';
import { hyperliquidState, walletsOf } from '../../../paper/dialects/hyperliquid/index.ts';
import { startPaperExchange, type PaperAccount, type PaperExchange, type RequestLogEntry } from '../../../paper/index.ts';
import { ccxtClient } from '../../paper/hyperliquid/helpers.ts';

let ex: PaperExchange;
const log: RequestLogEntry[] = [];
const day = 86_400_000;

beforeAll(async () => {
  ex = await startPaperExchange({ venue: 'hyperliquid', speed: 0, startTime: Date.UTC(2026, 0, 5), onRequest: (e) => log.push(e) });
  ex.engine.setPrices({ BTC: 50_000, ETH: 3_000 });
});
afterAll(async () => ex.close());
// A fresh per-IP minute per test: the first read of an account (key checks included) weighs ~240 of 1,200.
beforeEach(() => void ex.engine.advanceBy(60_000));

const book = (extra: Record<string, unknown> = {}) =>
  ex.engine.createAccount({
    walletBalance: 20_000,
    positions: [
      { symbol: 'BTC', side: 'long', size: 0.5, entryPrice: 50_000, marginMode: 'cross', leverage: 10 },
      { symbol: 'ETH', side: 'short', size: 4, entryPrice: 3_000, marginMode: 'cross', leverage: 10 },
    ],
    ...extra,
  } as never);

function port(acc: PaperAccount, o: { key?: 'agent' | 'master'; warnings?: string[] } = {}) {
  const w = walletsOf(acc);
  const logger: Logger = { debug() {}, info() {}, warn: (m, d) => o.warnings?.push(`${m} ${JSON.stringify(d)}`), error() {} };
  return new HyperliquidExchange({
    walletAddress: w.master.address,
    privateKey: o.key === 'master' ? w.master.privateKey : w.agent.privateKey,
    fetchImplementation: redirectFetch(ex.url),
    log: logger,
  });
}

const since = (n: number) => log.slice(n);

describe('hyperliquid adapter on the paper exchange', () => {
  it('closes every position in ONE reduce-only IOC order action, and no builder fee, referrer or builder reaches the venue', async () => {
    const acc = book();
    const p = port(acc);
    await p.fetchSnapshot();
    const n = log.length;
    const results = await p.reduceOnlyMarketBatch([
      { symbol: 'BTC', side: 'sell', amount: 0.5, positionSide: 'long', marginMode: 'cross' },
      { symbol: 'ETH', side: 'buy', amount: 4, positionSide: 'short', marginMode: 'cross' },
    ]);
    expect(results.map((r) => [r.symbol, r.filled, r.status])).toEqual([
      ['BTC', 0.5, 'closed'],
      ['ETH', 4, 'closed'],
    ]);
    expect(since(n).filter((e) => e.path.startsWith('/exchange')).map((e) => e.path)).toEqual(['/exchange/order']);
    expect(acc.positions.size).toBe(0);
    const received = hyperliquidState(ex.engine).received.filter((r) => r.accountId === acc.id);
    expect(received).toEqual([]);
  });

  it('clamps a close to the fresh size, rounded down to szDecimals, and leaves a remainder under $10 as a residual, not retried', async () => {
    const acc = ex.engine.createAccount({ walletBalance: 5_000, positions: [{ symbol: 'ETH', side: 'long', size: 0.003, entryPrice: 3_000, marginMode: 'cross', leverage: 5 }] } as never);
    const warnings: string[] = [];
    const p = port(acc, { warnings });
    await p.fetchSnapshot();
    const n = log.length;
    const [r] = await p.reduceOnlyMarketBatch([{ symbol: 'ETH', side: 'sell', amount: 1, positionSide: 'long', marginMode: 'cross' }]);
    expect(r!.filled).toBe(0);
    expect(since(n).filter((e) => e.path.startsWith('/exchange'))).toEqual([]);
    expect(warnings.join('\n')).toMatch(/close residual left open.*below the venue's minimum order value of 10/);
  });

  it('treats an IOC that did not fill as not done: re-reads and sends again at a wider slippage', async () => {
    const acc = ex.engine.createAccount({ walletBalance: 20_000, positions: [{ symbol: 'ETH', side: 'long', size: 2, entryPrice: 3_000, marginMode: 'cross', leverage: 10 }] } as never);
    const w = walletsOf(acc);
    let moved = false;
    // The mark falls 3 % between the guard's read and its first order: the 1 % IOC finds nothing.
    const wire = (async (url: string | URL | Request, init?: RequestInit) => {
      if (!moved && String(url).endsWith('/exchange') && String(init?.body).includes('"type":"order"')) {
        moved = true;
        ex.engine.setPrices({ ETH: 2_910 });
      }
      return fetch(url, init);
    }) as typeof fetch;
    const p = new HyperliquidExchange({ walletAddress: w.master.address, privateKey: w.agent.privateKey, fetchImplementation: redirectFetch(ex.url, wire) });
    await p.fetchSnapshot();
    const n = log.length;
    const [r] = await p.reduceOnlyMarketBatch([{ symbol: 'ETH', side: 'sell', amount: 2, positionSide: 'long', marginMode: 'cross' }]);
    expect(since(n).filter((e) => e.path.startsWith('/exchange')).map((e) => e.path)).toEqual(['/exchange/order', '/exchange/order']);
    expect(r!.status).toBe('closed');
    expect(r!.averagePrice!).toBeLessThan(2_910);
    expect(acc.positions.size).toBe(0);
    ex.engine.setPrices({ ETH: 3_000 });
  });

  it('cancels resting and trigger (TP/SL) orders by id in one batched cancel', async () => {
    const acc = book();
    const c = ccxtClient(ex, acc);
    await c.loadMarkets();
    await c.createOrder('BTC/USDC:USDC', 'limit', 'sell', 0.1, 60_000, { reduceOnly: true });
    await c.createOrder('ETH/USDC:USDC', 'limit', 'buy', 1, 2_000, { reduceOnly: true });
    await c.createOrder('BTC/USDC:USDC', 'market', 'sell', 0.5, 40_000, { stopLossPrice: 40_000, reduceOnly: true });
    const p = port(acc);
    const n = log.length;
    expect(await p.cancelAllOrders('all')).toBe(3);
    expect(since(n).filter((e) => e.path.startsWith('/exchange')).map((e) => e.path)).toEqual(['/exchange/cancel']);
    expect(await p.cancelAllOrders('all')).toBe(0);
  });

  it('says loudly when the key is the master key (it can withdraw), and reports it to the guard', async () => {
    const acc = book();
    const p = port(acc, { key: 'master' });
    const d = await p.diagnose();
    expect(d.canWithdraw).toBe(true);
    expect(d.notes.join('\n')).toMatch(/MASTER KEY: .*can WITHDRAW/);
    expect(p.keyCanWithdraw()).toBe(true);
  });

  it('names the named agent and its expiry; warns a week before it expires; an expired or removed agent is a credentials error', async () => {
    const acc = book();
    const agent = walletsOf(acc).agent.address;
    const state = hyperliquidState(ex.engine);
    const d = await port(acc).diagnose();
    expect(d.canWithdraw).toBe(false);
    expect(d.canTrade).toBe(true);
    expect(d.notes.join('\n')).toMatch(/named API wallet "riskguard" of 0x[0-9a-f]{40}, valid until/);

    state.setAgents(acc, [{ name: 'riskguard', address: agent, validUntil: Date.now() + 2 * day }]);
    const soon = port(acc);
    await soon.fetchSnapshot();
    expect(soon.keyWarning()).toMatch(/API wallet "riskguard" expires .* \(in [12]\.\d days\)/);
    expect(soon.keyCanWithdraw()).toBe(false);

    state.setAgents(acc, []);
    await expect(port(acc).fetchSnapshot()).rejects.toThrow(ExchangeAuthError);
    await expect(port(acc).fetchSnapshot()).rejects.toThrow(/neither the key of 0x[0-9a-f]{40} nor one of its API wallets/);
  });

  it('never reads an API wallet\'s own address as the account (it would look flat)', async () => {
    const acc = book();
    const w = walletsOf(acc);
    const p = new HyperliquidExchange({ walletAddress: w.agent.address, privateKey: w.agent.privateKey, fetchImplementation: redirectFetch(ex.url) });
    await expect(p.fetchSnapshot()).rejects.toThrow(/is an API wallet of 0x[0-9a-f]{40}: its own account is empty/);
  });

  it('refuses a portfolio-margin account loudly, and reads a unified account\'s collateral from the spot state', async () => {
    const pm = book({ portfolioMargin: true });
    await expect(port(pm).fetchSnapshot()).rejects.toThrow(ExchangeDataError);
    await expect(port(pm).fetchSnapshot()).rejects.toThrow(/portfolio margin/);
    const unified = book({ unifiedAccount: true });
    const s = await port(unified).fetchSnapshot();
    expect(s.crossWalletBalance).toBeCloseTo(20_000, 6);
    expect(s.positions.map((x) => x.symbol).sort()).toEqual(['BTC', 'ETH']);
  });

  it('a failed abstraction read fails the snapshot (UNKNOWN), never a default', async () => {
    const acc = book();
    ex.faults.add({ kind: 'http500', endpoint: '/info/userAbstraction', count: 1, accountId: acc.id });
    await expect(port(acc).fetchSnapshot()).rejects.toThrow(/userAbstraction/);
    ex.faults.clear();
  });
});
