import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaperExchange } from '../../../paper/index.ts';
import { ccxtClient, startHyperliquidPaper } from './helpers.ts';

/** ccxt's other account reads parse the paper's Hyperliquid answers: open orders, fills, ledger, funding, one order, time. */

let ex: PaperExchange;
beforeAll(async () => {
  ex = await startHyperliquidPaper({ weightLimit: 1_000_000 });
});
afterAll(async () => {
  await ex.close();
});

const BTC = 'BTC/USDC:USDC';

describe('hyperliquid paper: ccxt reads', () => {
  it('fetchOpenOrders, fetchOrder, fetchMyTrades, fetchLedger, fetchFundingHistory and fetchTime', async () => {
    ex.engine.setTime(Math.floor(ex.engine.now() / 3_600_000) * 3_600_000 + 1);
    const acc = ex.engine.createAccount({ walletBalance: 10_000, positions: [{ symbol: 'BTC', side: 'long', size: 0.5, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }] });
    const c = ccxtClient(ex, acc);
    await c.loadMarkets();
    const resting = await c.createOrder(BTC, 'limit', 'sell', 0.1, 60_000, { reduceOnly: true });
    await c.createOrder(BTC, 'limit', 'sell', 0.1, 49_000, { timeInForce: 'Ioc', reduceOnly: true });
    ex.engine.advanceBy(3_600_000);

    const open = await c.fetchOpenOrders(BTC);
    expect(open.map((o) => [o.id, o.side, o.amount, o.price])).toEqual([[String(resting.id), 'sell', 0.1, 60_000]]);
    const one = await c.fetchOrder(String(resting.id), BTC);
    expect(one.status).toBe('open');
    const trades = await c.fetchMyTrades(BTC, 0);
    expect(trades.map((t) => [t.side, t.amount, t.price])).toEqual([['sell', 0.1, 49_975]]);
    const ledger = await c.fetchLedger('USDC', 0);
    expect(ledger.map((l) => [l.type, l.amount])).toEqual([['deposit', 10_000]]);
    const funding = await c.fetchFundingHistory(BTC, 0);
    // 0.4 BTC long × 50,000 × 0.00125 %
    expect(funding.map((f) => f.amount)).toEqual([-0.25]);
    expect(await c.fetchTime()).toBeGreaterThan(0);
  });
});
