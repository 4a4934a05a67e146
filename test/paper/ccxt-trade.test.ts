import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequest, InsufficientFunds, InvalidOrder, OperationRejected } from '../../node_modules/ccxt/js/src/base/errors.js';
import type { PaperExchange } from '../../paper/index.ts';
import { BTC, clientFor, ETH, startStepped } from './helpers.ts';

let ex: PaperExchange;
beforeAll(async () => {
  ex = await startStepped();
});
afterAll(async () => {
  await ex.close();
});

const oneWayLong = { walletBalance: 10_000, positions: [{ symbol: 'BTCUSDT', side: 'long' as const, size: 0.5, entryPrice: 99_000 }] };

describe('reduce-only close, one-way mode', () => {
  it('a reduce-only market sell flattens the long at mark − slippage with the taker fee', async () => {
    const { client, accountId } = clientFor(ex, oneWayLong);
    const order = await client.createOrder(BTC, 'market', 'sell', 0.5, undefined, { reduceOnly: true });
    expect(order).toMatchObject({ status: 'closed', filled: 0.5, reduceOnly: true, side: 'sell' });
    expect(order.average).toBeCloseTo(100_000 * (1 - 0.0005), 6);
    expect(await client.fetchPositions()).toEqual([]);
    const acc = ex.engine.getAccount(accountId);
    const fill = 100_000 * 0.9995;
    expect(acc.crossWallet).toBeCloseTo(10_000 + 0.5 * (fill - 99_000) - 0.5 * fill * 0.0005, 6);
  });

  it('an oversized reduce-only order is shrunk to the position, never flips it', async () => {
    const { client } = clientFor(ex, oneWayLong);
    const order = await client.createOrder(BTC, 'market', 'sell', 2, undefined, { reduceOnly: true });
    expect(order.filled).toBe(0.5);
    expect(await client.fetchPositions()).toEqual([]);
  });

  it('a reduce-only order that would increase the position is -2022 (InvalidOrder)', async () => {
    const { client } = clientFor(ex, oneWayLong);
    await expect(client.createOrder(BTC, 'market', 'buy', 0.1, undefined, { reduceOnly: true })).rejects.toThrow(InvalidOrder);
    await expect(client.createOrder(ETH, 'market', 'sell', 1, undefined, { reduceOnly: true })).rejects.toThrow(/-2022/);
  });

  it('a close blocked by resting reduce-only orders is -4118 (OperationRejected) until they are cancelled', async () => {
    const { client } = clientFor(ex, oneWayLong);
    await client.createOrder(BTC, 'limit', 'sell', 0.5, 150_000, { reduceOnly: true });
    await expect(client.createOrder(BTC, 'market', 'sell', 0.5, undefined, { reduceOnly: true })).rejects.toThrow(OperationRejected);
    await client.cancelAllOrders(BTC);
    await client.createOrder(BTC, 'market', 'sell', 0.5, undefined, { reduceOnly: true });
    expect(await client.fetchPositions()).toEqual([]);
  });
});

describe('hedge mode', () => {
  const hedged = {
    walletBalance: 10_000,
    hedgeMode: true,
    positions: [
      { symbol: 'ETHUSDT', side: 'long' as const, size: 2, entryPrice: 3_900 },
      { symbol: 'ETHUSDT', side: 'short' as const, size: 3, entryPrice: 4_100 },
    ],
  };

  it('closing orders carry positionSide and flatten each leg', async () => {
    const { client } = clientFor(ex, hedged);
    await client.createOrder(ETH, 'market', 'sell', 2, undefined, { positionSide: 'LONG' });
    // ccxt's own spelling: a buy with hedged + reduceOnly is sent as BUY positionSide=SHORT
    // without reduceOnly (binance.js createOrderRequest), i.e. it closes the short.
    await client.createOrder(ETH, 'market', 'buy', 3, undefined, { hedged: true, reduceOnly: true });
    expect(await client.fetchPositions()).toEqual([]);
  });

  it('reduceOnly with positionSide is -1106 "sent when not required" (BadRequest)', async () => {
    const { client } = clientFor(ex, hedged);
    const p = client.createOrder(ETH, 'market', 'sell', 2, undefined, { positionSide: 'LONG', reduceOnly: true });
    await expect(p).rejects.toThrow(BadRequest);
    await expect(client.createOrder(ETH, 'market', 'sell', 2, undefined, { positionSide: 'LONG', reduceOnly: true })).rejects.toThrow(/-1106/);
  });

  it('closing more than the leg is -2022, never a flip into the other side', async () => {
    const { client } = clientFor(ex, hedged);
    await expect(client.createOrder(ETH, 'market', 'sell', 2.5, undefined, { positionSide: 'LONG' })).rejects.toThrow(/-2022/);
  });

  it('an order without positionSide is -4061', async () => {
    const { client } = clientFor(ex, hedged);
    await expect(client.createOrder(ETH, 'market', 'sell', 1)).rejects.toThrow(/-4061/);
  });
});

describe('order limits', () => {
  it('a market order above MARKET_LOT_SIZE maxQty is -4005 (ccxt 4.5.84: BadRequest)', async () => {
    const { client } = clientFor(ex, { walletBalance: 100_000_000, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 500, entryPrice: 100_000, leverage: 1 }] });
    const p = client.createOrder(BTC, 'market', 'sell', 121, undefined, { reduceOnly: true });
    await expect(p).rejects.toThrow(BadRequest);
    await expect(client.createOrder(BTC, 'market', 'sell', 121, undefined, { reduceOnly: true })).rejects.toThrow(/-4005/);
    // Splitting into chunks at the limit works.
    for (let i = 0; i < 5; i++) await client.createOrder(BTC, 'market', 'sell', i < 4 ? 120 : 20, undefined, { reduceOnly: true });
    expect(await client.fetchPositions()).toEqual([]);
  });

  it('a ticker is the mark (the paper exchange has no trade tape)', async () => {
    const { client } = clientFor(ex, { walletBalance: 0 });
    expect((await client.fetchTicker(BTC)).last).toBe(100_000);
    expect((await client.fetchMarkPrice(BTC)).markPrice).toBe(100_000);
  });

  it('an order the margin cannot carry is -2019 (InsufficientFunds)', async () => {
    const { client } = clientFor(ex, { walletBalance: 100 });
    await expect(client.createOrder(BTC, 'market', 'buy', 0.1)).rejects.toThrow(InsufficientFunds);
  });
});

describe('conditional (algo) orders', () => {
  it('live in the algo service: listed and cancelled only with { trigger: true }', async () => {
    const { client } = clientFor(ex, oneWayLong);
    const stop = await client.createOrder(BTC, 'market', 'sell', 0.5, undefined, { stopLossPrice: 90_000, reduceOnly: true });
    expect(stop).toMatchObject({ status: 'open', triggerPrice: 90_000 });
    expect((stop.info as any).orderType).toBe('STOP_MARKET'); // sent to POST /fapi/v1/algoOrder
    await client.createOrder(BTC, 'limit', 'sell', 0.2, 120_000, { reduceOnly: true });
    expect(await client.fetchOpenOrders(BTC)).toHaveLength(1);
    expect(await client.fetchOpenOrders(BTC, undefined, undefined, { trigger: true })).toHaveLength(1);
    // cancelAllOrders without trigger cancels regular orders only (DELETE /fapi/v1/allOpenOrders) …
    await client.cancelAllOrders(BTC);
    expect(await client.fetchOpenOrders(BTC)).toHaveLength(0);
    expect(await client.fetchOpenOrders(BTC, undefined, undefined, { trigger: true })).toHaveLength(1);
    // … so a guard cancels conditional orders too with a second call (DELETE /fapi/v1/algoOpenOrders).
    await client.cancelAllOrders(BTC, { trigger: true });
    expect(await client.fetchOpenOrders(BTC, undefined, undefined, { trigger: true })).toHaveLength(0);
  });

  it('a stop-market fires when the mark crosses its trigger', async () => {
    const { client } = clientFor(ex, { walletBalance: 10_000, positions: [{ symbol: 'ETHUSDT', side: 'long', size: 1, entryPrice: 4_000 }] });
    const stop = await client.createOrder(ETH, 'market', 'sell', 1, undefined, { stopLossPrice: 3_800, reduceOnly: true });
    ex.engine.setPrice('ETHUSDT', 3_790);
    try {
      expect(await client.fetchPositions([ETH])).toEqual([]);
      const fired = await client.fetchOrder(stop.id!, ETH, { trigger: true });
      expect((fired.info as any).algoStatus).toBe('FINISHED');
    } finally {
      ex.engine.setPrice('ETHUSDT', 4_000);
    }
  });
});
