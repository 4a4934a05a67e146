import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type PaperAccount, type PaperExchange } from '../../paper/index.ts';
import { BinanceUsdmExchange } from '../../functions/venues/binanceusdm/adapter.ts';
import { redirectFetch } from '../../functions/venues/binanceusdm/transport.ts';
import { PaperEngineExchange } from '../../functions/adapters/paper-engine-exchange.ts';
import { execute } from '../../functions/use-cases/execute.ts';
import { positionKey } from '../../functions/domain/gate.ts';
import type { ExchangePort, Logger } from '../../functions/ports.ts';

/**
 * Close-all cancels every open order on every symbol (issue 9 §2): a resting limit buy on a symbol
 * without a position would otherwise survive the trip, fill, and open a position while halted.
 * Through the executor → the Binance adapter → real ccxt → the paper exchange.
 */

const log: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const sleep = async () => {};
let paper: PaperExchange;
let acc: PaperAccount;
let ex: BinanceUsdmExchange;

beforeEach(async () => {
  paper = await startPaperExchange({ startTime: Date.UTC(2025, 0, 1), speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000, SOLUSDT: 200, AVAXUSDT: 40 });
  acc = paper.engine.createAccount({
    walletBalance: 50_000,
    symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 }, ETHUSDT: { marginMode: 'cross', leverage: 10 } },
    positions: [
      { symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 },
      { symbol: 'ETHUSDT', side: 'short', size: 5, entryPrice: 3_000, marginMode: 'cross', leverage: 10 },
    ],
  });
  // Orders on symbols WITHOUT a position: a resting limit buy and a conditional entry.
  paper.engine.placeOrder(acc, { symbol: 'SOLUSDT', side: 'BUY', type: 'LIMIT', quantity: 50, price: 190, timeInForce: 'GTC' });
  paper.engine.placeAlgoOrder(acc, { symbol: 'AVAXUSDT', side: 'BUY', type: 'STOP_MARKET', quantity: 100, triggerPrice: 50 });
  // And one on a held symbol.
  paper.engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', quantity: 1, price: 60_000, timeInForce: 'GTC', reduceOnly: true });
  ex = new BinanceUsdmExchange({ apiKey: acc.apiKey, secret: acc.secret, fetchImplementation: redirectFetch(paper.url), timeoutMs: 2_000 });
});
afterEach(async () => {
  await paper.close();
});

const openOrders = () => paper.engine.listOpenOrders(acc).length + paper.engine.listOpenAlgoOrders(acc).length;

describe('close-all cancels every open order', () => {
  it('cancels orders on every symbol, not only the held ones; nothing opens afterwards', async () => {
    const initial = await ex.fetchSnapshot();
    const r = await execute({ exchange: ex, log, sleep }, { kind: 'close-all' }, initial);
    expect(r.done).toBe(true);
    expect(r.cancelled).toBe(3);
    expect(openOrders()).toBe(0);
    // The price the limit buy waited for comes: no position opens on the halted account.
    paper.engine.setPrices({ SOLUSDT: 180 });
    expect(acc.positions.size).toBe(0);
  });

  it('cancels resting orders even when no position is left to close', async () => {
    paper.engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: 1 });
    paper.engine.placeOrder(acc, { symbol: 'ETHUSDT', side: 'BUY', type: 'MARKET', quantity: 5 });
    const initial = await ex.fetchSnapshot();
    expect(initial.positions).toHaveLength(0);
    await execute({ exchange: ex, log, sleep }, { kind: 'close-all' }, initial);
    expect(openOrders()).toBe(0);
  });

  it('a single-position close cancels only that symbol’s orders', async () => {
    const initial = await ex.fetchSnapshot();
    const btc = initial.positions.find((p) => p.symbol === 'BTCUSDT')!;
    await execute({ exchange: ex, log, sleep }, { kind: 'close-position', keys: [positionKey(btc)] }, initial);
    expect(paper.engine.listOpenOrders(acc, 'BTCUSDT')).toHaveLength(0);
    expect(paper.engine.listOpenOrders(acc, 'SOLUSDT')).toHaveLength(1);
    expect(paper.engine.listOpenAlgoOrders(acc, 'AVAXUSDT')).toHaveLength(1);
  });

  it("cancelAllOrders('all') names the symbols from the venue's open-order lists (also in-process)", async () => {
    const inProcess: ExchangePort = new PaperEngineExchange({ engine: paper.engine, accountId: acc.id });
    expect(await inProcess.cancelAllOrders('all')).toBe(3);
    expect(openOrders()).toBe(0);
  });
});
