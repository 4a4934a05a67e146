import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type PaperExchange } from '../../../paper/index.ts';
import { legMaxLeverage } from '../../../paper/dialects/orderly/leverage.ts';
import { orderlyImr } from '../../../paper/dialects/orderly/markets.ts';
import { paperOrderlyClient } from '../../helpers/orderly-client.ts';
import type { PaperAccount } from '../../../paper/core/index.ts';

/**
 * Orderly's leverage per symbol and margin mode, through ccxt woofipro's implicit methods over HTTP
 * (POST/GET /v1/client/leverages, GET /v1/client/leverage), with the venue's validation, its
 * 5-per-minute limit, and an initial margin that grows with the leg's size in order acceptance.
 */
let paper: PaperExchange;
beforeEach(async () => {
  paper = await startPaperExchange({ venue: 'orderly', startTime: Date.UTC(2025, 9, 10), speed: 0 });
  paper.engine.setPrices({ PERP_ETH_USDC: 3_000, PERP_BTC_USDC: 50_000 });
});
afterEach(() => paper.close());

const client = (acc: PaperAccount) => paperOrderlyClient(acc, paper.url);
type Lev = { data: { symbol: string; margin_mode: string; leverage: number } };
const ETH = 'PERP_ETH_USDC';

describe('paper Orderly: leverage per (symbol, margin mode)', () => {
  it('sets the isolated leg’s leverage apart from the cross leg’s, and each order margins at its own', async () => {
    const acc = paper.engine.createAccount({ walletBalance: 10_000 });
    const c = client(acc);
    await c.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 5, margin_mode: 'ISOLATED' });
    await c.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 25, margin_mode: 'CROSS' });
    // ccxt 4.5.84 has no implicit method for GET /v1/client/leverage: its generic signed request.
    const read = async (m?: string) => ((await c.request('client/leverage', ['v1', 'private'], 'GET', { symbol: ETH, ...(m ? { margin_mode: m } : {}) })) as Lev).data;
    expect(await read('ISOLATED')).toMatchObject({ margin_mode: 'ISOLATED', leverage: 5 });
    expect(await read()).toMatchObject({ margin_mode: 'CROSS', leverage: 25 }); // without margin_mode: the cross setting
    const all = ((await c.v1PrivateGetClientLeverages()) as { data: { symbol: string; margin_mode: string; leverage: number }[] }).data;
    expect(all.filter((r) => r.symbol === ETH).map((r) => [r.margin_mode, r.leverage])).toEqual([
      ['CROSS', 25],
      ['ISOLATED', 5],
    ]);
    // An isolated short of 1 ETH moves 3,000 / 5 into its pool (less the fee); the positions rows say each leg's leverage.
    await c.v1PrivatePostOrder({ symbol: ETH, order_type: 'MARKET', side: 'SELL', order_quantity: 1, margin_mode: 'ISOLATED' });
    await c.v1PrivatePostOrder({ symbol: ETH, order_type: 'MARKET', side: 'BUY', order_quantity: 1, margin_mode: 'CROSS' });
    const iso = [...acc.positions.values()].find((p) => p.marginType === 'ISOLATED')!;
    const fill = acc.trades.at(-2)!;
    expect(iso.isolatedWallet).toBeCloseTo((fill.qty * fill.price) / 5 - fill.commission, 6);
    const rows = async (m: string) => ((await c.v1PrivateGetPositions({ margin_mode: m })) as { data: { rows: { leverage: number }[] } }).data.rows.map((r) => r.leverage);
    expect([await rows('CROSS'), await rows('ISOLATED')]).toEqual([[25], [5]]);
  });

  it('validates as the venue does: range, the leg’s notional at the new leverage, busy isolated legs, free collateral', async () => {
    const acc = paper.engine.createAccount({
      walletBalance: 400_000,
      positions: [{ symbol: ETH, side: 'long', size: 1_000, entryPrice: 3_000, marginMode: 'cross', leverage: 10 }],
    });
    const c = client(acc);
    await expect(c.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 101, margin_mode: 'CROSS' })).rejects.toThrow(/-1005.*1\.\.100/);
    // 3,000,000 USDC of ETH: Orderly allows at most floor(1 / (imr_factor × notional^0.8)) = 17x.
    const cap = legMaxLeverage(ETH, 3_000_000);
    expect(cap).toBe(17);
    await expect(c.v1PrivatePostClientLeverages({ symbol: ETH, leverage: cap + 1, margin_mode: 'CROSS' })).rejects.toThrow(/-1101.*at most 17x/);
    await c.v1PrivatePostClientLeverages({ symbol: ETH, leverage: cap, margin_mode: 'CROSS' });
    expect(paper.engine.leverageOf(acc, ETH, 'CROSSED')).toBe(17);
    // Down to 2x the cross leg would need 1,500,000 of initial margin: free collateral cannot cover it; nothing changes.
    await expect(c.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 2, margin_mode: 'CROSS' })).rejects.toThrow(/-1101.*free collateral/);
    expect(paper.engine.leverageOf(acc, ETH, 'CROSSED')).toBe(17);
    // An isolated leg with a position keeps its leverage.
    await c.v1PrivatePostOrder({ symbol: ETH, order_type: 'MARKET', side: 'SELL', order_quantity: 1, margin_mode: 'ISOLATED' });
    await expect(c.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 3, margin_mode: 'ISOLATED' })).rejects.toThrow(/-1005.*isolated position/);
  });

  it('lets an account short of free collateral raise its leverage (it frees margin), not lower it', async () => {
    const acc = paper.engine.createAccount({
      walletBalance: 400_000,
      positions: [{ symbol: ETH, side: 'long', size: 1_000, entryPrice: 3_000, marginMode: 'cross', leverage: 10 }],
    });
    const c = client(acc);
    paper.engine.setPrices({ [ETH]: 2_850 }); // −150,000: free collateral 250,000 − 285,000 < 0 at 10x
    expect(paper.engine.accountRisk(acc).availableBalance).toBeLessThan(0);
    await expect(c.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 9, margin_mode: 'CROSS' })).rejects.toThrow(/-1101.*free collateral/);
    await c.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 15, margin_mode: 'CROSS' });
    expect(paper.engine.leverageOf(acc, ETH, 'CROSSED')).toBe(15);
    expect(paper.engine.accountRisk(acc).availableBalance).toBeGreaterThan(0);
  });

  it('without a symbol sets every market to min(leverage, its max); a read-only key cannot; the sixth update in a minute is 429', async () => {
    const acc = paper.engine.createAccount({ walletBalance: 10_000 });
    const c = client(acc);
    await c.v1PrivatePostClientLeverages({ leverage: 50, margin_mode: 'CROSS' });
    expect(paper.engine.leverageOf(acc, ETH, 'CROSSED')).toBe(50);
    expect(paper.engine.leverageOf(acc, 'PERP_AVAX_USDC', 'CROSSED')).toBe(10); // a 10x market (base IMR 10 %)
    expect(paper.engine.leverageOf(acc, ETH, 'ISOLATED')).toBe(20); // the other mode untouched (default)
    const reader = client(paper.engine.createAccount({ walletBalance: 1_000, canTrade: false }));
    await expect(reader.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 5 })).rejects.toThrow(/-1002.*trading scope/);
    for (let i = 0; i < 3; i++) await c.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 10 + i });
    await c.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 9 }); // the fifth in this minute
    await expect(c.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 8 })).rejects.toThrow(/-1003/);
    paper.engine.advanceTo(paper.engine.now() + 60_000);
    await c.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 8 });
    expect(paper.engine.leverageOf(acc, ETH, 'CROSSED')).toBe(8);
  });

  it('accepts an order by Orderly’s IMR with its size term, not by 1 / leverage alone', async () => {
    const n = 3_000_000; // 1,000 ETH: IMR factor × n^0.8 ≈ 0.058 > 1/20
    expect(orderlyImr(ETH, n, 20)).toBeGreaterThan(1 / 20 + 0.005);
    const order = { symbol: ETH, order_type: 'MARKET', side: 'BUY', order_quantity: 1_000, margin_mode: 'ISOLATED' };
    const poor = paper.engine.createAccount({ walletBalance: 165_000 }); // covers n / 20 + fee, not n × IMR
    const cp = client(poor);
    await cp.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 20, margin_mode: 'ISOLATED' });
    await expect(cp.v1PrivatePostOrder(order)).rejects.toThrow(/-1101/);
    expect(poor.positions.size).toBe(0);
    const rich = paper.engine.createAccount({ walletBalance: 200_000 });
    const cr = client(rich);
    await cr.v1PrivatePostClientLeverages({ symbol: ETH, leverage: 20, margin_mode: 'ISOLATED' });
    await cr.v1PrivatePostOrder(order);
    const row = ((await cr.v1PrivateGetPositions({ margin_mode: 'ISOLATED' })) as { data: { rows: { imr: number; mark_price: number; position_qty: number }[] } }).data.rows[0]!;
    expect(row.imr).toBeCloseTo(orderlyImr(ETH, row.mark_price * row.position_qty, 20), 12);
    expect(row.imr).toBeGreaterThan(0.05);
  });
});
