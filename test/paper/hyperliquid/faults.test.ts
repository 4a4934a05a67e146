import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultSpec, PaperExchange } from '../../../paper/index.ts';
import { RateLimitExceeded } from '../../../node_modules/ccxt/js/src/base/errors.js';
import { hyperliquidState } from '../../../paper/dialects/hyperliquid/index.ts';
import { findPosition } from '../../../paper/core/account.ts';
import { control } from '../helpers.ts';
import { ccxtClient, info, post, startHyperliquidPaper } from './helpers.ts';

/**
 * The fault kinds of paper/faults.ts in Hyperliquid's shapes, the per-IP weight budget (1,200 a
 * minute with the venue's per-request weights), scheduleCancel, and bodies the venue cannot read.
 */

let ex: PaperExchange;
beforeAll(async () => {
  ex = await startHyperliquidPaper();
});
afterAll(async () => {
  await ex.close();
});
beforeEach(() => {
  ex.faults.clear();
  // A fresh market minute: a fresh weight budget.
  ex.engine.advanceBy(60_000);
});

const book = () =>
  ex.engine.createAccount({ walletBalance: 10_000, positions: [{ symbol: 'BTC', side: 'long', size: 0.5, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }] });

const fault = (spec: FaultSpec) => ex.faults.add(spec);

describe('hyperliquid paper: faults', () => {
  it.each([
    ['http500', 500],
    ['http503', 503],
  ] as const)('%s answers %d with a JSON body and does not process the request', async (kind, status) => {
    const acc = book();
    fault({ kind, endpoint: '/info/clearinghouseState', accountId: acc.id });
    const r = await info(ex, acc, 'clearinghouseState');
    expect(r.status).toBe(status);
    expect(r.json).toEqual({ error: expect.any(String) });
    expect((await info(ex, acc, 'clearinghouseState')).status).toBe(200);
  });

  it('http429 answers 429 for that account only', async () => {
    const acc = book();
    const other = book();
    fault({ kind: 'http429', accountId: acc.id, count: 5 });
    expect((await info(ex, other, 'clearinghouseState')).status).toBe(200);
    expect((await info(ex, acc, 'clearinghouseState')).status).toBe(429);
  });

  it('malformed-json truncates the typed endpoint it names and no other', async () => {
    const acc = book();
    fault({ kind: 'malformed-json', endpoint: '/info/clearinghouseState', count: 2 });
    expect((await info(ex, acc, 'metaAndAssetCtxs')).json).toBeDefined();
    const bad = await info(ex, acc, 'clearinghouseState');
    expect(bad.status).toBe(200);
    expect(bad.json).toBeUndefined();
    expect(() => JSON.parse(bad.text)).toThrow();
  });

  it('empty-positions, zero-balance and stale-mark change the clearinghouse state as a bad read would', async () => {
    const acc = book();
    const good = (await info(ex, acc, 'clearinghouseState')).json as { assetPositions: unknown[]; marginSummary: { accountValue: string }; time: number };
    expect(good.assetPositions).toHaveLength(1);
    expect(good.time).toBe(ex.engine.now());
    fault({ kind: 'empty-positions', accountId: acc.id });
    expect(((await info(ex, acc, 'clearinghouseState')).json as typeof good).assetPositions).toEqual([]);
    fault({ kind: 'zero-balance', accountId: acc.id });
    expect(((await info(ex, acc, 'clearinghouseState')).json as typeof good).marginSummary.accountValue).toBe('0.0');
    fault({ kind: 'stale-mark', staleMs: 3_600_000 });
    expect(((await info(ex, acc, 'clearinghouseState')).json as typeof good).time).toBe(ex.engine.now() - 3_600_000);
  });

  it('bad-mark multiplies the mark prices of metaAndAssetCtxs, not the oracle prices', async () => {
    fault({ kind: 'bad-mark', factor: 2 });
    const [, ctxs] = (await post(ex, '/info', { type: 'metaAndAssetCtxs' })).json as [unknown, { markPx: string; oraclePx: string }[]];
    expect(ctxs[0]).toMatchObject({ markPx: '100000.0', oraclePx: '50000.0' });
  });

  it('timeout hangs without an answer; with afterProcessing the order fills first', async () => {
    const acc = book();
    const c = ccxtClient(ex, acc);
    c.timeout = 1_000;
    await c.loadMarkets();
    fault({ kind: 'timeout', endpoint: '/exchange', hangMs: 3_000, afterProcessing: true, accountId: acc.id });
    await expect(c.createOrder('BTC/USDC:USDC', 'limit', 'sell', 0.5, 49_000, { timeInForce: 'Ioc', reduceOnly: true })).rejects.toThrow(/timed out/);
    expect(acc.positions.size).toBe(0);
  });

  it('partial-fill fills part of the next IOC; reduce-only-reject refuses the next reduce-only order', async () => {
    const acc = book();
    const c = ccxtClient(ex, acc);
    await c.loadMarkets();
    fault({ kind: 'partial-fill', fillRatio: 0.5, accountId: acc.id });
    const partial = await c.createOrder('BTC/USDC:USDC', 'limit', 'sell', 0.5, 49_000, { timeInForce: 'Ioc', reduceOnly: true });
    expect(partial.info).toMatchObject({ filled: { totalSz: '0.25' } });
    fault({ kind: 'reduce-only-reject', accountId: acc.id });
    await expect(c.createOrder('BTC/USDC:USDC', 'limit', 'sell', 0.25, 49_000, { timeInForce: 'Ioc', reduceOnly: true })).rejects.toThrow(/Reduce only order would increase position. asset=0/);
    expect(findPosition(acc, 'BTC', 'BOTH')?.amt).toBeCloseTo(0.25, 9);
  });

  it('echo-key answers 400 with the request signature quoted bare', async () => {
    const acc = book();
    const c = ccxtClient(ex, acc);
    await c.loadMarkets();
    const signed = c.createOrdersRequest([{ symbol: 'BTC/USDC:USDC', type: 'limit', side: 'sell', amount: 0.1, price: 49_000, params: { timeInForce: 'Ioc', reduceOnly: true } }]) as { signature: { r: string } };
    fault({ kind: 'echo-key' });
    const r = await post(ex, '/exchange', signed);
    expect(r.status).toBe(400);
    expect(r.text).toContain(signed.signature.r);
    expect(findPosition(acc, 'BTC', 'BOTH')?.amt).toBe(0.5);
  });
});

describe('hyperliquid paper: request weight', () => {
  it('allows 1,200 weight per IP per market minute: 60 metaAndAssetCtxs (20 each), then 429 until the next minute', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await post(ex, '/info', { type: 'metaAndAssetCtxs' })).status);
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    const res = await fetch(`${ex.url}/info`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'clearinghouseState', user: '0x' + '0'.repeat(40) }) });
    expect(statuses[60]).toBe(429);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    ex.engine.advanceBy(60_000);
    expect((await post(ex, '/info', { type: 'metaAndAssetCtxs' })).status).toBe(200);
  });

  it('weighs clearinghouseState 2: 600 fit in a minute', async () => {
    const acc = book();
    const statuses = await Promise.all(Array.from({ length: 601 }, () => info(ex, acc, 'clearinghouseState').then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(600);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
  });
});

describe('hyperliquid paper: address action limits', () => {
  it('lets an address past its budget act once per 10 s, refusing the rest in the venue words', async () => {
    const acc = book();
    const c = ccxtClient(ex, acc);
    await c.loadMarkets();
    // A busy trading agent's address: 20,000 actions used, no volume traded (limit 10,000).
    hyperliquidState(ex.engine).setActionsUsed(acc, 20_000);
    const close = () => c.createOrder('BTC/USDC:USDC', 'limit', 'sell', 0.1, 49_000, { timeInForce: 'Ioc', reduceOnly: true });
    await close();
    const refused = await close().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitExceeded);
    expect((refused as Error).message).toContain(
      // The first close traded 0.1 × 49,975: the limit is now 10,000 + 4,997.
      '{"status":"err","response":"Too many cumulative requests sent (20002 > 14997) for cumulative volume traded $4997.50. Place taker orders to free up 1 request per USDC traded."}',
    );
    expect(findPosition(acc, 'BTC', 'BOTH')?.amt).toBeCloseTo(0.4, 9);
    ex.engine.advanceBy(10_000);
    await close();
    expect(findPosition(acc, 'BTC', 'BOTH')?.amt).toBeCloseTo(0.3, 9);
  });
});

describe('hyperliquid paper: scheduleCancel and unreadable bodies', () => {
  it('cancels every open order when the scheduled time passes on the venue clock', async () => {
    const acc = book();
    const c = ccxtClient(ex, acc);
    await c.loadMarkets();
    await c.createOrder('BTC/USDC:USDC', 'limit', 'sell', 0.1, 60_000, { reduceOnly: true });
    await c.cancelAllOrdersAfter(10_000);
    expect(((await info(ex, acc, 'frontendOpenOrders')).json as unknown[]).length).toBe(1);
    await control(ex, 'POST', '/paper/wall-clock', { offsetMs: 20_000 });
    try {
      expect((await info(ex, acc, 'frontendOpenOrders')).json).toEqual([]);
    } finally {
      await control(ex, 'POST', '/paper/wall-clock', { offsetMs: 0 });
    }
  });

  it('answers 422 to a body it cannot deserialize, and to an unknown info type', async () => {
    const acc = book();
    const bad = await post(ex, '/exchange', { action: { type: 'order', orders: [{ a: 0, b: false }], grouping: 'na' }, nonce: 1, signature: { r: '0x1', s: '0x1', v: 27 } });
    expect(bad.status).toBe(422);
    expect(bad.text).toBe('Failed to deserialize the JSON body into the target type');
    expect((await info(ex, acc, 'noSuchInfo')).status).toBe(422);
  });
});
