import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summarizeHistory } from '../../../functions/domain/history.ts';
import { BybitExchange } from '../../../functions/venues/bybit/adapter.ts';
import { BYBIT_LOG_KINDS, readTransactionLog, transactionEvent, WINDOW_MS, type TransactionRecord } from '../../../functions/venues/bybit/history.ts';
import { redirectFetch } from '../../../functions/venues/bybit/transport.ts';
import { startPaperExchange, type PaperExchange } from '../../../paper/index.ts';

const row = (type: string, over: Partial<TransactionRecord> = {}): TransactionRecord => ({
  id: `id-${type}`,
  symbol: 'BTCUSDT',
  type,
  transactionTime: 1_000,
  currency: 'USDT',
  change: -12.5,
  ...over,
});

describe('transactionEvent: the UTA transaction-log types, classified', () => {
  it.each([
    ['TRANSFER_IN', { symbol: '', change: 500 }, { kind: 'transfer', amount: 500 }],
    ['TRANSFER_OUT', { symbol: '', change: -300 }, { kind: 'transfer', amount: -300 }],
    ['CURRENCY_SELL', { symbol: '' }, { kind: 'transfer' }],
    ['TRADE', { cashFlow: -10 }, { kind: 'realized-pnl', symbol: 'BTCUSDT', amount: -12.5 }],
    ['TRADE', { cashFlow: 0 }, { kind: 'fee', symbol: 'BTCUSDT', amount: -12.5 }],
    ['SETTLEMENT', {}, { kind: 'funding', symbol: 'BTCUSDT', amount: -12.5 }],
    ['LIQUIDATION', {}, { kind: 'liquidation', symbol: 'BTCUSDT' }],
    ['ADL', { change: 40 }, { kind: 'adl', symbol: 'BTCUSDT', amount: 40 }],
    ['BONUS', { symbol: '', change: 5 }, { kind: 'income', type: 'BONUS', amount: 5 }],
    ['FEE_REFUND', { change: 1 }, { kind: 'income', type: 'FEE_REFUND' }],
    ['INTEREST', { symbol: '', change: -0.2 }, { kind: 'income', type: 'INTEREST' }],
    ['DELIVERY', {}, { kind: 'income', type: 'DELIVERY' }],
    ['SOMETHING_NEW', {}, { kind: 'unclassified', type: 'SOMETHING_NEW' }],
    // A liquidation without a symbol cannot be placed: not guessed.
    ['LIQUIDATION', { symbol: '' }, { kind: 'unclassified', type: 'LIQUIDATION' }],
    // The unified log's spot and options rows are not perpetual fills: not guessed.
    ['TRADE', { category: 'spot', cashFlow: -10 }, { kind: 'unclassified', type: 'spot:TRADE' }],
    ['TRADE', { category: 'linear', cashFlow: -10 }, { kind: 'realized-pnl', symbol: 'BTCUSDT' }],
    // A row in another coin does not move the USDT wallet.
    ['TRANSFER_IN', { symbol: '', currency: 'BTC', change: 0.5 }, { kind: 'transfer', amount: 0 }],
  ] as const)('%s %j → %j', (type, over, expected) => {
    expect(transactionEvent(row(type, over), 'USDT')).toMatchObject({ id: `log:id-${type}`, at: 1_000, ...expected });
  });

  it('knows every type it lists', () => {
    for (const t of Object.keys(BYBIT_LOG_KINDS)) expect(transactionEvent(row(t, { cashFlow: 1 }), 'USDT').kind).not.toBe('unclassified');
  });
});

describe('readTransactionLog', () => {
  it('reads windows of at most 7 days, every cursor page, rows once', async () => {
    const asked: [number, number, string | undefined][] = [];
    const rows = await readTransactionLog(
      'log',
      async (from, to, cursor) => {
        asked.push([from, to, cursor]);
        if (cursor === undefined) return { list: [{ id: `a${from}` }, { id: 'dup' }], nextPageCursor: 'next' };
        return { list: [{ id: `b${from}` }, { id: 'dup' }], nextPageCursor: '' };
      },
      0,
      WINDOW_MS + 10,
    );
    expect(asked.map(([f, t, c]) => [f, t - f, c])).toEqual([
      [0, WINDOW_MS - 1, undefined],
      [0, WINDOW_MS - 1, 'next'],
      [WINDOW_MS, 10, undefined],
      [WINDOW_MS, 10, 'next'],
    ]);
    expect(rows.map((r) => r.id).sort()).toEqual(['a0', `a${WINDOW_MS}`, 'b0', `b${WINDOW_MS}`, 'dup']);
  });

  it('refuses a venue that repeats its cursor', async () => {
    await expect(readTransactionLog('log', async () => ({ list: [{ id: 'x' }], nextPageCursor: 'same' }), 0, 10)).rejects.toThrow(/repeated a page cursor/);
  });
});

describe('fetchHistory on the paper dialect', () => {
  let ex: PaperExchange;
  beforeEach(async () => {
    ex = await startPaperExchange({ venue: 'bybit', speed: 0, startTime: Date.UTC(2025, 9, 10, 20) });
    ex.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000 });
  });
  afterEach(async () => ex.close());

  it('classifies a withdrawal, a closing trade, funding and a liquidation from the transaction log', async () => {
    const acc = ex.engine.createAccount({
      walletBalance: 10_000,
      positions: [
        { symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, leverage: 10 },
        { symbol: 'ETHUSDT', side: 'long', size: 1, entryPrice: 3_000, marginMode: 'isolated', leverage: 20, isolatedMargin: 150 },
      ],
    });
    ex.engine.advanceBy(1_000);
    // The opening deposit is before `since`: not in the read.
    const since = ex.engine.now();
    ex.engine.withdraw(acc.id, 1_000);
    ex.engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: 0.5, reduceOnly: true });
    ex.engine.advanceTo(ex.engine.nextFundingTime() + 1);
    ex.engine.setPrices({ ETHUSDT: 2_800 });
    const port = new BybitExchange({ apiKey: acc.apiKey, secret: acc.secret, fetchImplementation: redirectFetch(ex.url) });
    const h = await port.fetchHistory(since);
    const kinds = h.events.map((e) => e.kind).sort();
    expect(kinds).toEqual(expect.arrayContaining(['transfer', 'realized-pnl', 'funding', 'liquidation']));
    const s = summarizeHistory(h.events);
    expect(s.netTransfers).toBe(-1_000);
    expect(s.liquidations.map((l) => l.symbol)).toContain('ETHUSDT');
    expect(s.unclassified).toEqual([]);
    expect(h.until).toBe(ex.engine.now());
  });
});
