import { summarizeHistory } from '../../functions/domain/history.ts';
import { describe, expect, it } from 'vitest';
import { PaperEngine } from '../../paper/index.ts';
import { PaperEngineExchange, type PaperOrderEvent } from '../../functions/adapters/paper-engine-exchange.ts';
import { evaluateAccount, DEFAULT_STRESS } from '../../functions/domain/margin.ts';
import { AccountSnapshotSchema } from '../../functions/domain/snapshot.ts';
import { ExchangeDataError } from '../../functions/errors.ts';

const T0 = Date.UTC(2025, 9, 10, 21, 0);

function world(opts: { latencyMs?: number; hedgeMode?: boolean } = {}) {
  const engine = new PaperEngine({ startTime: T0 });
  engine.setPrices({ BTCUSDT: 100_000, ETHUSDT: 4_000 });
  const acc = engine.createAccount({
    walletBalance: 10_000,
    hedgeMode: opts.hedgeMode ?? false,
    positions: [
      { symbol: 'BTCUSDT', side: 'long', size: 0.3, entryPrice: 100_000, marginMode: 'cross', leverage: 10 },
      { symbol: 'ETHUSDT', side: 'short', size: 2, entryPrice: 4_000, marginMode: 'isolated', leverage: 5, isolatedMargin: 1_600 },
    ],
  });
  const orders: PaperOrderEvent[] = [];
  const exchange = new PaperEngineExchange({ engine, accountId: acc.id, latencyMs: opts.latencyMs ?? 0, onOrder: (o) => orders.push(o) });
  return { engine, acc, exchange, orders };
}

describe('PaperEngineExchange', () => {
  it('maps the engine account to a valid snapshot the way the ccxt adapter does', async () => {
    const { engine, acc, exchange } = world();
    engine.setPrices({ BTCUSDT: 97_000, ETHUSDT: 4_100 });
    const s = await exchange.fetchSnapshot();
    expect(AccountSnapshotSchema.safeParse(s).success).toBe(true);
    expect(s.timestamp).toBe(engine.now());
    expect(s.crossWalletBalance).toBe(acc.crossWallet);
    const btc = s.positions.find((p) => p.symbol === 'BTCUSDT')!;
    const eth = s.positions.find((p) => p.symbol === 'ETHUSDT')!;
    expect(btc).toMatchObject({ side: 'long', contracts: 0.3, entryPrice: 100_000, markPrice: 97_000, marginMode: 'cross', leverage: 10, markTimestamp: engine.now() });
    expect(btc.isolatedWallet).toBeUndefined();
    expect(eth).toMatchObject({ side: 'short', contracts: 2, markPrice: 4_100, marginMode: 'isolated', isolatedWallet: 1_600, leverage: 5 });
    // Tiers are the engine's Binance brackets, sorted by floor.
    expect(btc.maintenanceTiers![0]).toEqual({ notionalFloor: 0, rate: 0.004, amount: 0 });
    expect(btc.maintenanceTiers!.map((t) => t.notionalFloor)).toEqual(engine.market('BTCUSDT').brackets.map((b) => b.notionalFloor));

    // The guard's margin engine and the paper exchange agree on the account.
    const risk = engine.accountRisk(acc);
    expect(s.exchangeTotals!.maintenanceMargin).toBeCloseTo(risk.totalMaintMargin, 6);
    expect(s.exchangeTotals!.marginBalance).toBeCloseTo(risk.marginBalance, 6);
    const ev = evaluateAccount(s, DEFAULT_STRESS);
    expect(ev.account.equity).toBeCloseTo(risk.marginBalance, 6);
    expect(ev.account.maintenanceMargin).toBeCloseTo(risk.totalMaintMargin, 6);
  });

  it('spends a venue round trip of market time per call, reading at its middle', async () => {
    const { engine, exchange } = world({ latencyMs: 200 });
    const s = await exchange.fetchSnapshot();
    expect(s.timestamp).toBe(T0 + 100);
    expect(engine.now()).toBe(T0 + 200);
    await exchange.fetchHistory(T0);
    expect(engine.now()).toBe(T0 + 400);
    // Cancel-all lists plain and conditional orders per symbol: two round trips each.
    await exchange.cancelAllOrders(['BTCUSDT', 'ETHUSDT']);
    expect(engine.now()).toBe(T0 + 1_200);
  });

  it('closes with reduce-only market orders at the venue’s lot size, never flipping', async () => {
    const { acc, exchange, orders } = world();
    const r = await exchange.reduceOnlyMarket({ symbol: 'BTCUSDT', side: 'sell', amount: 0.3 * 0.2, positionSide: 'long', marginMode: 'cross' });
    expect(r).toMatchObject({ symbol: 'BTCUSDT', side: 'sell', amount: 0.06, filled: 0.06, status: 'closed' });
    expect(r.averagePrice).toBeCloseTo(100_000 * (1 - 0.0005), 6);
    // A request larger than the position is shrunk to it.
    await exchange.reduceOnlyMarket({ symbol: 'BTCUSDT', side: 'sell', amount: 1, positionSide: 'long', marginMode: 'cross' });
    await exchange.reduceOnlyMarket({ symbol: 'ETHUSDT', side: 'buy', amount: 2, positionSide: 'short', marginMode: 'isolated' });
    expect(acc.positions.size).toBe(0);
    expect(orders.map((o) => o.flatAfter)).toEqual([false, false, true]);
    await expect(exchange.reduceOnlyMarket({ symbol: 'BTCUSDT', side: 'sell', amount: 0.1, positionSide: 'long', marginMode: 'cross' })).rejects.toThrow(ExchangeDataError);
    await expect(exchange.reduceOnlyMarket({ symbol: 'BTCUSDT', side: 'sell', amount: 0.0001, positionSide: 'long', marginMode: 'cross' })).rejects.toThrow(/rounds to zero/);
  });

  it('closes hedge-mode legs by position side', async () => {
    const { acc, exchange } = world({ hedgeMode: true });
    await exchange.reduceOnlyMarket({ symbol: 'BTCUSDT', side: 'sell', amount: 0.3, positionSide: 'long', marginMode: 'cross' });
    expect([...acc.positions.values()].map((p) => p.symbol)).toEqual(['ETHUSDT']);
  });

  it('reads transfers, fills and liquidations from the engine’s history, up to its now', async () => {
    const { engine, acc, exchange } = world();
    const first = await exchange.fetchHistory(T0 - 60_000);
    const firstSum = summarizeHistory(first.events);
    expect(firstSum.netTransfers).toBe(10_000);
    expect(first.until).toBe(engine.now());
    engine.advanceBy(5_000);
    engine.deposit(acc.id, 500);
    await exchange.reduceOnlyMarket({ symbol: 'BTCUSDT', side: 'sell', amount: 0.1, positionSide: 'long', marginMode: 'cross' });
    engine.setPrices({ ETHUSDT: 4_900 }); // the isolated short's 1,600 wallet is gone
    const read = await exchange.fetchHistory(first.until + 1);
    const h = summarizeHistory(read.events);
    expect(h.netTransfers).toBe(500);
    expect(h.fills.map((f) => f.symbol)).toContain('BTCUSDT');
    expect(h.liquidations.map((l) => l.symbol)).toContain('ETHUSDT');
    expect(h.liquidations.every((l) => l.kind === 'liquidation')).toBe(true);
  });
});
