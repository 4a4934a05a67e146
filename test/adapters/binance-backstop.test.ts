import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type PaperAccount, type PaperExchange } from '../../paper/index.ts';
import { BACKSTOP_PREFIX, BinanceUsdmExchange } from '../../functions/venues/binanceusdm/adapter.ts';
import { redirectFetch } from '../../functions/venues/binanceusdm/transport.ts';

/**
 * Backstop stops on Binance (issue 16): the adapter places a closePosition STOP_MARKET on the mark
 * through the algo service, lists only its own, cancels them; the paper exchange triggers them on
 * its mark. Real ccxt over HTTP to the paper exchange.
 */

let paper: PaperExchange;
let acc: PaperAccount;
let ex: BinanceUsdmExchange;

beforeEach(async () => {
  paper = await startPaperExchange({ startTime: Date.UTC(2025, 0, 1), speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000 });
  acc = paper.engine.createAccount({
    walletBalance: 50_000,
    symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 }, ETHUSDT: { marginMode: 'cross', leverage: 10 } },
    positions: [
      { symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 },
      { symbol: 'ETHUSDT', side: 'short', size: 5, entryPrice: 3_000, marginMode: 'cross', leverage: 10 },
    ],
  });
  ex = new BinanceUsdmExchange({ apiKey: acc.apiKey, secret: acc.secret, fetchImplementation: redirectFetch(paper.url), timeoutMs: 2_000 });
});
afterEach(async () => {
  await paper.close();
});

describe('Binance backstops', () => {
  it('places a closePosition STOP_MARKET on the mark, marked as the guard’s own, and lists only those', async () => {
    // Someone else's stop on the same symbol: not a backstop.
    paper.engine.placeAlgoOrder(acc, { symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_MARKET', quantity: 0.5, triggerPrice: 45_000 });
    const placed = await ex.placeBackstop({ symbol: 'BTCUSDT', side: 'long', stopPrice: 42_500.123456, reason: 'r' });
    const short = await ex.placeBackstop({ symbol: 'ETHUSDT', side: 'short', stopPrice: 3_600, reason: 'r' });
    expect(placed).toMatchObject({ symbol: 'BTCUSDT', side: 'long' });
    expect(placed.stopPrice).toBeCloseTo(42_500.1, 1);
    const raw = paper.engine.listOpenAlgoOrders(acc, 'BTCUSDT').find((a) => String(a.algoId) === placed.id)!;
    expect(raw).toMatchObject({ orderType: 'STOP_MARKET', side: 'SELL', closePosition: true, workingType: 'MARK_PRICE', quantity: 0 });
    expect(raw.clientAlgoId.startsWith(BACKSTOP_PREFIX)).toBe(true);
    const listed = await ex.listBackstops(['BTCUSDT', 'ETHUSDT']);
    expect(listed.map((b) => `${b.symbol}:${b.side}:${b.id}`).sort()).toEqual([`BTCUSDT:long:${placed.id}`, `ETHUSDT:short:${short.id}`]);
    expect((await ex.listBackstops('all')).length).toBe(2);
  });

  it('cancels one backstop and leaves the rest', async () => {
    const a = await ex.placeBackstop({ symbol: 'BTCUSDT', side: 'long', stopPrice: 42_500, reason: 'r' });
    await ex.placeBackstop({ symbol: 'ETHUSDT', side: 'short', stopPrice: 3_600, reason: 'r' });
    await ex.cancelBackstop(a);
    expect((await ex.listBackstops('all')).map((b) => b.symbol)).toEqual(['ETHUSDT']);
  });

  it('the paper exchange triggers it on the mark and the side goes flat', async () => {
    await ex.placeBackstop({ symbol: 'BTCUSDT', side: 'long', stopPrice: 42_500, reason: 'r' });
    paper.engine.setPrices({ BTCUSDT: 43_000 });
    expect((await ex.fetchSnapshot()).positions.some((p) => p.symbol === 'BTCUSDT')).toBe(true);
    paper.engine.setPrices({ BTCUSDT: 42_400 });
    const after = await ex.fetchSnapshot();
    expect(after.positions.map((p) => p.symbol)).toEqual(['ETHUSDT']);
    expect(await ex.listBackstops('all')).toEqual([]);
  });

  it('a stop that would trigger at once is refused by the venue (an error, not a silent no-op)', async () => {
    await expect(ex.placeBackstop({ symbol: 'BTCUSDT', side: 'long', stopPrice: 51_000, reason: 'r' })).rejects.toThrow();
  });
});
