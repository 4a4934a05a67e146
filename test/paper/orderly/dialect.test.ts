import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type PaperExchange } from '../../../paper/index.ts';
import { orderlyKeysOf } from '../../../paper/dialects/orderly/keys.ts';
import { paperOrderlyClient } from '../../helpers/orderly-client.ts';
import type { PaperAccount } from '../../../paper/core/index.ts';

/**
 * The Orderly dialect through real ccxt (woofipro, ed25519 signing) over HTTP: signatures are
 * verified, positions are per (symbol, margin mode), and a reader without margin_mode sees the
 * cross leg only — as the venue answers.
 */
let paper: PaperExchange;
beforeEach(async () => {
  paper = await startPaperExchange({ venue: 'orderly', startTime: Date.UTC(2025, 9, 10), speed: 0 });
  paper.engine.setPrices({ PERP_ETH_USDC: 3_000, PERP_BTC_USDC: 50_000 });
});
afterEach(() => paper.close());

const dual = {
  walletBalance: 10_000,
  positions: [
    { symbol: 'PERP_ETH_USDC', side: 'long' as const, size: 5, entryPrice: 3_000, marginMode: 'cross' as const, leverage: 10 },
    { symbol: 'PERP_ETH_USDC', side: 'short' as const, size: 2, entryPrice: 3_000, marginMode: 'isolated' as const, leverage: 10, isolatedMargin: 600 },
  ],
};
const client = (acc: PaperAccount, over: Partial<{ orderlyKey: string; orderlySecret: string; accountId: string }> = {}) => paperOrderlyClient(acc, paper.url, over);
type Rows = { data: { rows: { symbol: string; margin_mode: string; position_qty: number }[] } };

describe('paper exchange speaking Orderly (ccxt woofipro over HTTP)', () => {
  it('lists Orderly markets with their margin parameters', async () => {
    const c = client(paper.engine.createAccount({ walletBalance: 1 }));
    const markets = await c.fetchMarkets();
    const eth = markets.find((m) => m?.id === 'PERP_ETH_USDC');
    expect(eth?.symbol).toBe('ETH/USDC:USDC');
    expect(markets.every((m) => /^PERP_.+_USDC$/.test(m?.id ?? ''))).toBe(true);
    expect(Number(eth?.info.base_imr)).toBeLessThanOrEqual(0.05); // ≥ 20x
  });

  it('answers the cross leg without margin_mode and the isolated leg only when asked', async () => {
    const c = client(paper.engine.createAccount(dual));
    const plain = (await c.v1PrivateGetPositions()) as Rows;
    expect(plain.data.rows.map((r) => [r.margin_mode, r.position_qty])).toEqual([['CROSS', 5]]);
    const iso = (await c.v1PrivateGetPositions({ margin_mode: 'ISOLATED' })) as Rows;
    expect(iso.data.rows.map((r) => [r.margin_mode, r.position_qty])).toEqual([['ISOLATED', -2]]);
    // ccxt's own fetchPositions sends no margin_mode: it never sees the isolated short.
    const ccxtView = await c.fetchPositions();
    expect(ccxtView.map((p) => [p.marginMode, p.contracts, p.side])).toEqual([['cross', 5, 'long']]);
  });

  it('closes one leg with a reduce-only MARKET order carrying its margin mode', async () => {
    const acc = paper.engine.createAccount(dual);
    const c = client(acc);
    await c.v1PrivatePostOrder({ symbol: 'PERP_ETH_USDC', order_type: 'MARKET', side: 'BUY', order_quantity: 2, reduce_only: true, margin_mode: 'ISOLATED' });
    expect([...acc.positions.values()].map((p) => [p.marginType, p.amt])).toEqual([['CROSSED', 5]]);
    // The same order on the cross leg (a long) would increase it: the venue refuses it.
    await expect(c.v1PrivatePostOrder({ symbol: 'PERP_ETH_USDC', order_type: 'MARKET', side: 'BUY', order_quantity: 2, reduce_only: true, margin_mode: 'CROSS' })).rejects.toThrow(/-1005/);
  });

  it('verifies ed25519 signatures: a wrong secret, an unknown key and a foreign account id are refused', async () => {
    const acc = paper.engine.createAccount({ walletBalance: 1 });
    const other = paper.engine.createAccount({ walletBalance: 1 });
    const wrongSecret = client(acc, { orderlySecret: orderlyKeysOf(other).orderlySecret });
    await expect(wrongSecret.fetchBalance()).rejects.toThrow(/-1001.*signature verification failed/);
    const unknownKey = client(acc, { orderlyKey: 'ed25519:8ZqVL3aGyTLfKwWmPzCsR1jD7aJE5nB6Kf3r5mD9sQrT' });
    await expect(unknownKey.fetchBalance()).rejects.toThrow(/-100[12]/);
    const foreign = client(acc, { accountId: orderlyKeysOf(other).accountId });
    await expect(foreign.fetchBalance()).rejects.toThrow(/-1002/);
    const good = await client(acc).fetchBalance();
    expect((good.total as unknown as Record<string, number>).USDC).toBe(1);
  });

  it('refuses trading to a read-only key, and reports the key scopes', async () => {
    const acc = paper.engine.createAccount({ walletBalance: 1_000, canTrade: false });
    const c = client(acc);
    const info = (await c.v1PrivateGetClientKeyInfo()) as { data: { scope: string } };
    expect(info.data.scope).toBe('read');
    await expect(c.v1PrivatePostOrder({ symbol: 'PERP_ETH_USDC', order_type: 'MARKET', side: 'BUY', order_quantity: 0.1 })).rejects.toThrow(/-1002.*trading scope/);
  });

  it('answers faults in Orderly shapes: 5xx JSON bodies, empty positions, zero balance', async () => {
    const acc = paper.engine.createAccount(dual);
    const c = client(acc);
    paper.faults.add({ kind: 'http503', count: 1, accountId: acc.id });
    await expect(c.fetchBalance()).rejects.toThrow(/-1011/);
    paper.faults.add({ kind: 'empty-positions', count: 1, accountId: acc.id });
    expect(((await c.v1PrivateGetPositions()) as Rows).data.rows).toEqual([]);
    paper.faults.add({ kind: 'zero-balance', count: 1, accountId: acc.id });
    expect(((await c.fetchBalance()).total as unknown as Record<string, number>).USDC).toBe(0);
  });
});
