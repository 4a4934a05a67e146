import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetReplay, DATASETS, startPaperExchange, type PaperExchange } from '../../paper/index.ts';
import { BTC, clientFor, control, ETH } from './helpers.ts';

describe('an unguarded cross account in a replayed crash', () => {
  let ex: PaperExchange;
  beforeAll(async () => {
    ex = await startPaperExchange({ replay: datasetReplay('2020-03-12'), startTime: DATASETS['2020-03-12']!.startTime });
  });
  afterAll(async () => {
    await ex.close();
  });

  it('is liquidated and the liquidation shows in forceOrders and income', async () => {
    const entry = ex.engine.markPrice('BTCUSDT');
    const { client, accountId } = clientFor(ex, { walletBalance: 1_000, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: entry, leverage: 20 }] });
    const [before] = await client.fetchPositions();
    const liqPrice = before!.liquidationPrice!;
    expect(liqPrice).toBeLessThan(entry);

    // Step Black Thursday (12 March 2020, BTC 7,900 → 4,400) through the control API.
    const step = await control(ex, 'POST', '/paper/clock', { advanceMs: 24 * 3_600_000 });
    expect(step.status).toBe(200);
    const mine = step.json.liquidations.filter((l: any) => l.accountId === accountId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'cross', symbol: 'BTCUSDT' });
    expect(mine[0].price).toBeLessThanOrEqual(liqPrice);
    expect(mine[0].price).toBeGreaterThan(liqPrice * 0.99);

    expect(await client.fetchPositions()).toEqual([]);
    const liqs = await client.fetchMyLiquidations(BTC);
    expect(liqs).toHaveLength(1);
    expect(liqs[0]).toMatchObject({ symbol: BTC, side: 'sell', contracts: 1 });
    expect((liqs[0]!.info as any).clientOrderId).toMatch(/^autoclose-/);

    const ledger = await client.fetchLedger('USDT');
    const types = ledger.map((l) => l.type);
    expect(types).toContain('INSURANCE_CLEAR'); // ccxt passes Binance's incomeType through
    const pnl = ledger.filter((l) => l.type === 'trade' && l.direction === 'out');
    expect(pnl).toHaveLength(1);
    expect(pnl[0]!.amount).toBeCloseTo(entry - mine[0].price, 6);
  });
});

describe('an isolated position', () => {
  let ex: PaperExchange;
  beforeAll(async () => {
    ex = await startPaperExchange({ speed: 0 });
    ex.engine.setPrices({ BTCUSDT: 100_000, ETHUSDT: 4_000 });
  });
  afterAll(async () => {
    await ex.close();
  });

  it('is liquidated on its own; the cross position and wallet are untouched', async () => {
    const { client, accountId } = clientFor(ex, {
      walletBalance: 20_000,
      positions: [
        { symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 100_000, marginMode: 'isolated', isolatedMargin: 5_000, leverage: 20 },
        { symbol: 'ETHUSDT', side: 'long', size: 10, entryPrice: 4_000 },
      ],
    });
    const btc = (await client.fetchPositions([BTC]))[0]!;
    const res = await control(ex, 'POST', '/paper/prices', { prices: { BTCUSDT: btc.liquidationPrice! - 10 } });
    expect(res.json.liquidations).toEqual([expect.objectContaining({ kind: 'isolated', symbol: 'BTCUSDT', accountId })]);

    const positions = await client.fetchPositions();
    expect(positions.map((p) => p.symbol)).toEqual([ETH]);
    expect(positions[0]).toMatchObject({ contracts: 10, marginMode: 'cross', unrealizedPnl: 0 });
    const liqs = await client.fetchMyLiquidations();
    expect(liqs.map((l) => l.symbol)).toEqual([BTC]);
    // The cross wallet keeps its 20,000 plus what the isolated margin had left after the fee.
    const state = (await control(ex, 'GET', `/paper/accounts/${accountId}`)).json;
    expect(state.wallet.cross).toBeGreaterThanOrEqual(20_000);
    expect(state.wallet.cross).toBeLessThan(20_000 + 5_000 * 0.1);
  });
});

describe('transfers', () => {
  it('a withdrawal appears in income as TRANSFER', async () => {
    const ex = await startPaperExchange({ speed: 0 });
    try {
      const { client, accountId } = clientFor(ex, { walletBalance: 1_000 });
      expect((await control(ex, 'POST', `/paper/accounts/${accountId}/withdraw`, { amount: 250 })).status).toBe(200);
      const ledger = await client.fetchLedger('USDT');
      expect(ledger.map((l) => [l.type, l.direction, l.amount])).toEqual([
        ['transfer', 'in', 1_000],
        ['transfer', 'out', 250],
      ]);
      expect((ledger[1]!.info as any).incomeType).toBe('TRANSFER');
      expect((await client.fetchBalance()).USDT!.total).toBe(750);
    } finally {
      await ex.close();
    }
  });
});
