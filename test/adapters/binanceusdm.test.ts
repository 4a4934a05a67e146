import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type AccountSpec, type PaperExchange } from '../../paper/index.ts';
import { BinanceUsdmExchange } from '../../functions/venues/binanceusdm/adapter.ts';
import { redirectFetch } from '../../functions/venues/binanceusdm/transport.ts';
import { evaluateAccount } from '../../functions/domain/margin.ts';
import { DEFAULT_STRESS } from '../../functions/domain/stress.ts';
import { ExchangeAuthError, ExchangeDataError, ExchangeUnavailableError } from '../../functions/errors.ts';

/** The Binance USDⓈ-M adapter against the paper exchange, through ccxt over HTTP. */

let paper: PaperExchange;
beforeEach(async () => {
  paper = await startPaperExchange({ startTime: Date.UTC(2025, 0, 1), speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000, SOLUSDT: 200 });
});
afterEach(async () => {
  await paper.close();
});

function adapter(spec: AccountSpec, creds: { apiKey?: string; secret?: string } = {}) {
  const acc = paper.engine.createAccount(spec);
  const ex = new BinanceUsdmExchange({
    apiKey: creds.apiKey ?? acc.apiKey,
    secret: creds.secret ?? acc.secret,
    fetchImplementation: redirectFetch(paper.url),
    timeoutMs: 400,
  });
  return { acc, ex };
}

const mixedBook: AccountSpec = {
  walletBalance: 20_000,
  symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 }, ETHUSDT: { marginMode: 'cross', leverage: 5 }, SOLUSDT: { marginMode: 'isolated', leverage: 10 } },
  positions: [
    { symbol: 'BTCUSDT', side: 'long', size: 2, entryPrice: 52_000, marginMode: 'cross', leverage: 10 },
    { symbol: 'ETHUSDT', side: 'short', size: 10, entryPrice: 2_900, marginMode: 'cross', leverage: 5 },
    { symbol: 'SOLUSDT', side: 'long', size: 50, entryPrice: 210, marginMode: 'isolated', leverage: 10, isolatedMargin: 1_050 },
  ],
};

describe('BinanceUsdmExchange.fetchSnapshot', () => {
  it('maps cross and isolated positions with their brackets, leverage and isolated wallet', async () => {
    const { ex } = adapter(mixedBook);
    const s = await ex.fetchSnapshot();
    expect(s.crossWalletBalance).toBeCloseTo(20_000, 6);
    const bySymbol = Object.fromEntries(s.positions.map((p) => [p.symbol, p]));
    expect(bySymbol.BTCUSDT).toMatchObject({ side: 'long', contracts: 2, entryPrice: 52_000, markPrice: 50_000, marginMode: 'cross', leverage: 10 });
    expect(bySymbol.ETHUSDT).toMatchObject({ side: 'short', contracts: 10, marginMode: 'cross', leverage: 5 });
    expect(bySymbol.SOLUSDT).toMatchObject({ side: 'long', contracts: 50, marginMode: 'isolated', isolatedWallet: 1_050 });
    expect(bySymbol.BTCUSDT!.maintenanceTiers![0]).toMatchObject({ notionalFloor: 0 });
  });

  it("agrees with the venue's own totals (the engine's figures as a cross-check)", async () => {
    const { ex } = adapter(mixedBook);
    const s = await ex.fetchSnapshot();
    const ev = evaluateAccount(s, DEFAULT_STRESS);
    expect(ev.account.maintenanceMargin).toBeCloseTo(s.exchangeTotals!.maintenanceMargin, 4);
    expect(ev.account.equity).toBeCloseTo(s.exchangeTotals!.marginBalance, 4);
  });

  it('refuses a Multi-Assets mode account with a clear message', async () => {
    const { ex } = adapter({ ...mixedBook, multiAssetsMargin: true });
    await expect(ex.fetchSnapshot()).rejects.toThrow(/Multi-Assets mode.*cannot model/);
  });

  it('refuses a Portfolio Margin key with a clear message', async () => {
    const { ex } = adapter({ ...mixedBook, portfolioMargin: true });
    await expect(ex.fetchSnapshot()).rejects.toThrow(/Portfolio Margin/);
  });
});

describe('BinanceUsdmExchange error classes', () => {
  it.each([
    ['a wrong secret', { secret: 'wrong-secret-wrong-secret' }, ExchangeAuthError],
    ['an unknown key', { apiKey: 'unknownunknownunknown' }, ExchangeAuthError],
  ])('maps %s to ExchangeAuthError', async (_what, creds, cls) => {
    const { ex } = adapter(mixedBook, creds);
    await expect(ex.fetchSnapshot()).rejects.toBeInstanceOf(cls);
  });

  it.each([
    ['http429', ExchangeUnavailableError],
    ['http503', ExchangeUnavailableError],
    ['malformed-json', ExchangeDataError],
  ] as const)('maps %s to %o', async (kind, cls) => {
    const { acc, ex } = adapter(mixedBook);
    await ex.fetchSnapshot(); // settings cached; the fault then hits the snapshot reads
    paper.faults.add({ kind, endpoint: '/fapi/v3/account', accountId: acc.id });
    await expect(ex.fetchSnapshot()).rejects.toBeInstanceOf(cls);
  });

  it('redacts the signature that ccxt quotes in network errors', async () => {
    const { acc, ex } = adapter(mixedBook);
    await ex.fetchSnapshot();
    // A timeout: ccxt quotes the signed URL ("GET <url> request timed out"); Binance's 5xx are JSON now.
    paper.faults.add({ kind: 'timeout', hangMs: 1_000, endpoint: '/fapi/v3/account', accountId: acc.id });
    const err = (await ex.fetchSnapshot().catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(ExchangeUnavailableError);
    expect(err.message).toContain('signature=[redacted]');
    expect(err.message).not.toMatch(/signature=[0-9a-f]{16}/);
  });

  it('never puts the secret or a signature into an error message', async () => {
    const { acc, ex } = adapter(mixedBook, { secret: 'wrong-secret-wrong-secret' });
    const err = await ex.fetchSnapshot().catch((e: Error) => e);
    expect(String((err as Error).message)).not.toMatch(/signature=[0-9a-f]{16}/);
    expect(String((err as Error).message)).not.toContain(acc.secret);
  });
});

describe('BinanceUsdmExchange orders', () => {
  it('cancels plain and conditional (algo) orders', async () => {
    const { acc, ex } = adapter(mixedBook);
    paper.engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', quantity: 1, price: 60_000, timeInForce: 'GTC', reduceOnly: true });
    paper.engine.placeAlgoOrder(acc, { symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_MARKET', triggerPrice: 45_000, closePosition: true });
    expect(await ex.cancelAllOrders(['BTCUSDT'])).toBe(2);
    expect(paper.engine.listOpenOrders(acc, 'BTCUSDT')).toHaveLength(0);
    expect(paper.engine.listOpenAlgoOrders(acc, 'BTCUSDT')).toHaveLength(0);
  });

  it('closes both sides in hedge mode with positionSide, never reduceOnly', async () => {
    const { acc, ex } = adapter({
      walletBalance: 20_000,
      hedgeMode: true,
      positions: [
        { symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 },
        { symbol: 'BTCUSDT', side: 'short', size: 0.5, entryPrice: 50_000, marginMode: 'cross', leverage: 10 },
      ],
    });
    await ex.reduceOnlyMarket({ symbol: 'BTCUSDT', side: 'sell', amount: 1, positionSide: 'long', marginMode: 'cross' });
    await ex.reduceOnlyMarket({ symbol: 'BTCUSDT', side: 'buy', amount: 0.5, positionSide: 'short', marginMode: 'cross' });
    expect(acc.positions.size).toBe(0);
  });

  it('reports the market-order max quantity and lot step the executor splits by', async () => {
    const { ex } = adapter(mixedBook);
    expect(await ex.maxMarketQuantity('BTCUSDT')).toBeGreaterThan(0);
    expect(await ex.quantityStep('BTCUSDT')).toBe(0.001);
  });
});

describe('BinanceUsdmExchange.diagnose', () => {
  it('flags a key that can withdraw', async () => {
    const { ex } = adapter({ ...mixedBook, enableWithdrawals: true });
    const d = await ex.diagnose();
    expect(d).toMatchObject({ canRead: true, canTrade: true, canWithdraw: true });
  });
});
