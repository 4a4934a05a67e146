import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOrder } from '../../../node_modules/ccxt/js/src/base/errors.js';
import type { PaperExchange } from '../../../paper/index.ts';
import { hyperliquidState, walletsOf } from '../../../paper/dialects/hyperliquid/index.ts';
import { findPosition } from '../../../paper/core/account.ts';
import { addressOfKey } from '../../../paper/dialects/hyperliquid/keys.ts';
import { ccxtClient, info, post, startHyperliquidPaper } from './helpers.ts';

/**
 * ccxt 4.5.84's own `hyperliquid` class against the paper exchange speaking Hyperliquid: markets,
 * account reads, IOC reduce-only closes, batched orders and cancels, and the signature check.
 */

let ex: PaperExchange;
const requests: string[] = [];
beforeAll(async () => {
  // Many clients load markets in one stepped minute: the per-IP budget (1,200) is tested in faults.test.ts.
  ex = await startHyperliquidPaper({ weightLimit: 1_000_000, onRequest: (e) => requests.push(e.path) });
});
afterAll(async () => {
  await ex.close();
});

/** 10,000 USDC, a cross BTC long of 0.5 at 50,000 (10x) and an isolated ETH short of 2 at 3,000 (5x, 1,200 margin). */
const book = () =>
  ex.engine.createAccount({
    walletBalance: 10_000,
    symbols: { ETH: { marginMode: 'isolated', leverage: 5 } },
    positions: [
      { symbol: 'BTC', side: 'long', size: 0.5, entryPrice: 50_000, marginMode: 'cross', leverage: 10 },
      { symbol: 'ETH', side: 'short', size: 2, entryPrice: 3_000, marginMode: 'isolated', leverage: 5, isolatedMargin: 1_200 },
    ],
  });

const BTC = 'BTC/USDC:USDC';
const ETH = 'ETH/USDC:USDC';

describe('hyperliquid paper: markets and reads through ccxt', () => {
  it('loads the markets with szDecimals as the amount precision and the max leverage', async () => {
    const c = ccxtClient(ex, book());
    const markets = await c.loadMarkets();
    expect(markets[BTC]!.precision.amount).toBe(0.00001);
    expect(markets[ETH]!.precision.amount).toBe(0.0001);
    expect(markets[BTC]!.limits.leverage?.max).toBe(40);
    expect(String(markets[BTC]!.baseId)).toBe('0');
  });

  it('lists the margin tables in meta: BTC on table 56, 40x to 150M then 20x', async () => {
    const r = await post(ex, '/info', { type: 'metaAndAssetCtxs' });
    const [meta, ctxs] = r.json as [{ universe: { name: string; marginTableId: number }[]; marginTables: [number, { marginTiers: { lowerBound: string; maxLeverage: number }[] }][] }, { markPx: string }[]];
    expect(meta.universe[0]).toMatchObject({ name: 'BTC', marginTableId: 56 });
    expect(meta.marginTables.find(([id]) => id === 56)?.[1].marginTiers).toEqual([{ lowerBound: '0.0', maxLeverage: 40 }, { lowerBound: '150000000.0', maxLeverage: 20 }]);
    expect(ctxs[0]!.markPx).toBe('50000.0');
    expect((await post(ex, '/info', { type: 'perpDexs' })).json).toEqual([null]);
  });

  it('reads balance and positions: per-asset leverage type, maintenance margin half the initial at max leverage', async () => {
    const acc = book();
    const c = ccxtClient(ex, acc);
    const bal = await c.fetchBalance();
    // 10,000 cross + 1,200 isolated, no PnL at the entry prices.
    expect(bal['USDC']!.total).toBe(11_200);
    const positions = await c.fetchPositions();
    const btc = positions.find((p) => p.symbol === BTC)!;
    const eth = positions.find((p) => p.symbol === ETH)!;
    expect(btc.marginMode).toBe('cross');
    expect(btc.contracts).toBe(0.5);
    expect(eth.marginMode).toBe('isolated');
    expect(eth.side).toBe('short');
    const state = (await info(ex, acc, 'clearinghouseState')).json as { crossMaintenanceMarginUsed: string; assetPositions: { position: { coin: string; leverage: { type: string; rawUsd?: string } } }[] };
    // 25,000 notional × 1/(2 × 40) = 312.5
    expect(Number(state.crossMaintenanceMarginUsed)).toBeCloseTo(312.5, 6);
    expect(state.assetPositions.find((p) => p.position.coin === 'ETH')!.position.leverage).toEqual({ type: 'isolated', value: 5, rawUsd: '7200.0' });
    expect((await info(ex, acc, 'userAbstraction')).json).toBe('default');
  });

  it('reads an agent address (or an unknown one) as an empty account', async () => {
    const acc = book();
    const r = await post(ex, '/info', { type: 'clearinghouseState', user: walletsOf(acc).agent.address });
    expect((r.json as { assetPositions: unknown[]; marginSummary: { accountValue: string } }).assetPositions).toEqual([]);
    expect((await post(ex, '/info', { type: 'userRole', user: walletsOf(acc).agent.address })).json).toEqual({ role: 'agent', data: { user: walletsOf(acc).master.address } });
    expect((await info(ex, acc, 'extraAgents')).json).toEqual([{ name: 'riskguard', address: walletsOf(acc).agent.address, validUntil: expect.any(Number) }]);
  });
});

describe('hyperliquid paper: orders through ccxt', () => {
  it('closes with IOC reduce-only limits at mark ± slippage, both in one batched order action', async () => {
    const acc = book();
    const c = ccxtClient(ex, acc);
    await c.loadMarkets();
    const before = exchangeRequests();
    const r = await c.createOrders([
      { symbol: BTC, type: 'limit', side: 'sell', amount: 0.5, price: 49_000, params: { timeInForce: 'Ioc', reduceOnly: true } },
      { symbol: ETH, type: 'limit', side: 'buy', amount: 2, price: 3_100, params: { timeInForce: 'Ioc', reduceOnly: true } },
    ]);
    expect(exchangeRequests() - before).toBe(1);
    expect(r.map((o) => o.info)).toEqual([
      { filled: { totalSz: '0.5', avgPx: '49975', oid: expect.any(Number) } },
      { filled: { totalSz: '2', avgPx: '3001.5', oid: expect.any(Number) } },
    ]);
    expect(acc.positions.size).toBe(0);
    // As the venue may: the closed positions stay listed at size 0 until reopened.
    const state = (await info(ex, acc, 'clearinghouseState')).json as { assetPositions: { position: { coin: string; szi: string } }[] };
    expect(state.assetPositions.map((p) => [p.position.coin, p.position.szi])).toEqual([['BTC', '0.0'], ['ETH', '0.0']]);
    expect((await c.fetchPositions()).map((p) => p.contracts)).toEqual([0, 0]);
  });

  it('answers an IOC that cannot fill within its limit, a reduce-only that would increase and an order under $10 in the venue words', async () => {
    const acc = book();
    const c = ccxtClient(ex, acc);
    await c.loadMarkets();
    await expect(c.createOrder(BTC, 'limit', 'sell', 0.5, 51_000, { timeInForce: 'Ioc', reduceOnly: true })).rejects.toThrow(
      /"error":"Order could not immediately match against any resting orders. asset=0"/,
    );
    await expect(c.createOrder(BTC, 'limit', 'buy', 0.1, 51_000, { timeInForce: 'Ioc', reduceOnly: true })).rejects.toThrow(/Reduce only order would increase position. asset=0/);
    await expect(c.createOrder(BTC, 'limit', 'sell', 0.0001, 49_000, { timeInForce: 'Ioc', reduceOnly: true })).rejects.toThrow(/Order must have minimum value of \$10. asset=0/);
    expect(acc.positions.size).toBe(2);
  });

  it('cancels resting and trigger orders by id in one batched cancel', async () => {
    const acc = book();
    const c = ccxtClient(ex, acc);
    await c.loadMarkets();
    const a = await c.createOrder(BTC, 'limit', 'sell', 0.1, 60_000, { reduceOnly: true });
    const b = await c.createOrder(BTC, 'limit', 'sell', 0.1, 61_000, { reduceOnly: true });
    const sl = await c.createOrder(BTC, 'market', 'sell', 0.5, 40_000, { stopLossPrice: 40_000, reduceOnly: true });
    const open = (await info(ex, acc, 'frontendOpenOrders')).json as { oid: number; isTrigger: boolean }[];
    expect(open.map((o) => [o.oid, o.isTrigger])).toEqual([[Number(a.id), false], [Number(b.id), false], [Number(sl.id), true]]);
    const before = exchangeRequests();
    const statuses = await c.cancelOrders([String(a.id), String(b.id), String(sl.id)], BTC);
    expect(exchangeRequests() - before).toBe(1);
    expect(statuses.map((s) => s.info)).toEqual(['success', 'success', 'success']);
    expect((await info(ex, acc, 'frontendOpenOrders')).json).toEqual([]);
    await expect(c.cancelOrders([String(a.id)], BTC)).rejects.toThrow(/Order was never placed, already canceled, or filled. asset=0/);
  });
});

describe('hyperliquid paper: signatures', () => {
  it('answers a key that is neither the master nor an agent with "User or API Wallet 0x… does not exist."', async () => {
    const acc = book();
    const stranger = `0x${'11'.repeat(32)}`;
    const c = ccxtClient(ex, acc, { key: stranger });
    await c.loadMarkets();
    const err = await c.createOrder(BTC, 'limit', 'sell', 0.5, 49_000, { timeInForce: 'Ioc', reduceOnly: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOrder);
    expect((err as Error).message).toContain(`{"status":"err","response":"User or API Wallet ${addressOfKey(stranger)} does not exist."}`);
    expect(acc.positions.size).toBe(2);
  });

  it('takes the master key, and refuses an agent once it is removed or expired', async () => {
    const acc = book();
    const master = ccxtClient(ex, acc, { key: 'master' });
    await master.loadMarkets();
    await master.createOrder(BTC, 'limit', 'sell', 0.1, 49_000, { timeInForce: 'Ioc', reduceOnly: true });
    const agent = ccxtClient(ex, acc);
    await agent.loadMarkets();
    hyperliquidState(ex.engine).setAgents(acc, [{ name: 'riskguard', address: walletsOf(acc).agent.address, validUntil: Date.now() - 1 }]);
    await expect(agent.createOrder(BTC, 'limit', 'sell', 0.1, 49_000, { timeInForce: 'Ioc', reduceOnly: true })).rejects.toThrow(`User or API Wallet ${walletsOf(acc).agent.address} does not exist.`);
    expect(findPosition(acc, 'BTC', 'BOTH')?.amt).toBeCloseTo(0.4, 9);
  });

  it('verifies the signature over the body: the genuine request fills, the same one with a changed size is refused', async () => {
    const acc = book();
    const c = ccxtClient(ex, acc);
    await c.loadMarkets();
    const signed = c.createOrdersRequest([{ symbol: BTC, type: 'limit', side: 'sell', amount: 0.1, price: 49_000, params: { timeInForce: 'Ioc', reduceOnly: true } }]) as {
      action: { orders: { s: string }[] };
    };
    const tampered = structuredClone(signed);
    tampered.action.orders[0]!.s = '0.5';
    const refused = await post(ex, '/exchange', tampered);
    expect(refused.json).toEqual({ status: 'err', response: expect.stringMatching(/^User or API Wallet 0x[0-9a-f]{40} does not exist\.$/) });
    expect((refused.json as { response: string }).response).not.toContain(walletsOf(acc).agent.address);
    expect(findPosition(acc, 'BTC', 'BOTH')?.amt).toBe(0.5);
    const genuine = await post(ex, '/exchange', signed);
    expect(genuine.json).toMatchObject({ status: 'ok', response: { type: 'order', data: { statuses: [{ filled: { totalSz: '0.1' } }] } } });
    expect(findPosition(acc, 'BTC', 'BOTH')?.amt).toBeCloseTo(0.4, 9);
    // Replayed as is: the signer's nonce is spent.
    const replayed = await post(ex, '/exchange', signed);
    expect(replayed.json).toEqual({ status: 'err', response: `Invalid nonce: duplicate nonce ${(signed as unknown as { nonce: number }).nonce}` });
    expect(findPosition(acc, 'BTC', 'BOTH')?.amt).toBeCloseTo(0.4, 9);
  });

  it("records ccxt's default side effects (approveBuilderFee, setReferrer); a client with them off sends none", async () => {
    const state = hyperliquidState(ex.engine);
    const acc = book();
    const quiet = ccxtClient(ex, acc);
    await quiet.loadMarkets();
    await quiet.createOrder(BTC, 'limit', 'sell', 0.1, 49_000, { timeInForce: 'Ioc', reduceOnly: true });
    expect(state.received.filter((r) => r.accountId === acc.id)).toEqual([]);
    const loud = ccxtClient(ex, acc, { key: 'master', ccxtDefaults: true });
    await loud.loadMarkets();
    await loud.createOrder(BTC, 'limit', 'sell', 0.1, 49_000, { timeInForce: 'Ioc', reduceOnly: true });
    expect(state.received.filter((r) => r.accountId === acc.id).map((r) => r.type).sort()).toEqual(['approveBuilderFee', 'order+builder', 'setReferrer']);
  });
});

function exchangeRequests(): number {
  return requests.filter((p) => p.startsWith('/exchange')).length;
}
