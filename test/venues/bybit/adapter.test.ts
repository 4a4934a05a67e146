import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExchangeAuthError, ExchangeDataError, ExchangeRateLimitError, ExchangeUnavailableError } from '../../../functions/errors.ts';
import { BybitExchange } from '../../../functions/venues/bybit/adapter.ts';
import { redirectFetch } from '../../../functions/venues/bybit/transport.ts';
import { paperBybit } from '../../../functions/venues/bybit/transport.ts';
import { startPaperExchange, type AccountSpec, type PaperExchange } from '../../../paper/index.ts';

/**
 * The Bybit adapter through real ccxt over HTTP to the paper dialect: the ccxt quirks the module
 * works around (margin mode, maintenance margin), portfolio margin refused, one cancel-all per
 * settle coin, 403/10006 backing off for minutes, 110017 re-read and clamped, the key's withdraw
 * permission for doctor.
 */

let ex: PaperExchange;
beforeEach(async () => {
  ex = await startPaperExchange({ venue: 'bybit', speed: 0, startTime: Date.UTC(2025, 9, 10, 20) });
  ex.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000 });
});
afterEach(async () => {
  await ex.close();
});

const LONGS: AccountSpec = {
  walletBalance: 10_000,
  positions: [
    { symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, leverage: 10 },
    { symbol: 'ETHUSDT', side: 'long', size: 5, entryPrice: 3_000, leverage: 10 },
  ],
};

/** A port for a new account, and the paths it requested. */
function portFor(spec: AccountSpec) {
  const acc = ex.engine.createAccount(spec);
  const seen: string[] = [];
  const f = redirectFetch(ex.url, (async (url: string | URL | Request, init?: RequestInit) => {
    seen.push(`${init?.method ?? 'GET'} ${new URL(String(url)).pathname}`);
    return fetch(url, init);
  }) as typeof fetch);
  const port = new BybitExchange({ apiKey: acc.apiKey, secret: acc.secret, fetchImplementation: f, timeoutMs: 2_000 });
  return { acc, port, seen, calls: (path: string) => seen.filter((s) => s === path).length };
}

describe('bybit adapter: the snapshot, around ccxt quirks', () => {
  it("takes maintenance margin from the positions' positionMM (ccxt's parse leaves it undefined) and tiers from risk limits", async () => {
    const { acc, port } = portFor(LONGS);
    const ccxtView = await paperBybit({ url: ex.url, apiKey: acc.apiKey, secret: acc.secret }).fetchPositions();
    expect(ccxtView.every((p) => p.maintenanceMargin === undefined && p.marginMode === undefined)).toBe(true);
    const s = await port.fetchSnapshot();
    const risk = ex.engine.accountRisk(acc);
    expect(s.exchangeTotals!.maintenanceMargin).toBeCloseTo(risk.totalMaintMargin, 6);
    expect(s.exchangeTotals!.marginBalance).toBeCloseTo(risk.marginBalance, 6);
    expect(s.crossWalletBalance).toBeCloseTo(10_000, 6);
    const btc = s.positions.find((p) => p.symbol === 'BTCUSDT')!;
    expect(btc).toMatchObject({ side: 'long', contracts: 1, marginMode: 'cross', entryPrice: 50_000, markPrice: 50_000 });
    expect(btc.maintenanceTiers![0]).toEqual({ notionalFloor: 0, rate: ex.engine.market('BTCUSDT').brackets[0]!.maintMarginRatio, amount: 0 });
    expect(btc.markTimestamp).toBe(ex.engine.now());
  });

  it("reads the margin mode from the account (/v5/account/info): an ISOLATED_MARGIN account's positions are isolated with their position balance", async () => {
    const { port } = portFor({
      walletBalance: 10_000,
      positions: [{ symbol: 'BTCUSDT', side: 'short', size: 0.5, entryPrice: 50_000, marginMode: 'isolated', leverage: 10, isolatedMargin: 3_000 }],
    });
    const s = await port.fetchSnapshot();
    expect(s.positions).toHaveLength(1);
    expect(s.positions[0]).toMatchObject({ side: 'short', marginMode: 'isolated', isolatedWallet: 3_000 });
    // The wallet holds the isolated margin too; the cross pool is the rest.
    expect(s.crossWalletBalance).toBeCloseTo(10_000, 6);
  });

  it('refuses a portfolio-margin account loudly, without a snapshot', async () => {
    const { port } = portFor({ ...LONGS, portfolioMargin: true });
    await expect(port.fetchSnapshot()).rejects.toThrow(ExchangeDataError);
    await expect(port.fetchSnapshot()).rejects.toThrow(/PORTFOLIO MARGIN.*refuses to guard it/);
  });
});

describe('bybit adapter: closing', () => {
  it('cancels plain and conditional orders on every symbol with ONE cancel-all by settle coin', async () => {
    const { acc, port, calls } = portFor(LONGS);
    ex.engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.1, price: 40_000 });
    ex.engine.placeOrder(acc, { symbol: 'ETHUSDT', side: 'BUY', type: 'LIMIT', quantity: 1, price: 2_000 });
    ex.engine.placeAlgoOrder(acc, { symbol: 'ETHUSDT', side: 'SELL', type: 'STOP_MARKET', quantity: 1, triggerPrice: 2_500 });
    expect(await port.cancelAllOrders('all')).toBe(3);
    expect(calls('POST /v5/order/cancel-all')).toBe(1);
    expect(acc.openOrders.size + acc.openAlgoOrders.size).toBe(0);
    // Nothing open: no cancel-all at all.
    expect(await port.cancelAllOrders('all')).toBe(0);
    expect(calls('POST /v5/order/cancel-all')).toBe(1);
  });

  it('gives the max market quantity of the instrument, by which the executor splits a close', async () => {
    const { port } = portFor(LONGS);
    expect(await port.maxMarketQuantity('BTCUSDT')).toBe(120);
    expect(await port.quantityStep('BTCUSDT')).toBe(0.001);
  });

  it('on 110017 re-reads the position and sends once more, clamped; a position already gone is a done close', async () => {
    const { acc, port } = portFor(LONGS);
    await port.fetchSnapshot();
    ex.faults.add({ kind: 'reduce-only-reject', count: 1, accountId: acc.id });
    const r = await port.reduceOnlyMarket({ symbol: 'BTCUSDT', side: 'sell', amount: 2, positionSide: 'long', marginMode: 'cross' });
    // The engine clips a reduce-only order to the position: 1 BTC sold, flat.
    expect(r.amount).toBe(1);
    expect([...acc.positions.keys()]).toEqual(['ETHUSDT:BOTH:CROSSED']);
    const gone = await port.reduceOnlyMarket({ symbol: 'BTCUSDT', side: 'sell', amount: 1, positionSide: 'long', marginMode: 'cross' });
    expect(gone).toMatchObject({ amount: 0, filled: 0, status: 'closed' });
  });

  it('closes a hedge-mode position with its positionIdx', async () => {
    const { acc, port } = portFor({ ...LONGS, hedgeMode: true });
    await port.fetchSnapshot();
    const r = await port.reduceOnlyMarket({ symbol: 'ETHUSDT', side: 'sell', amount: 5, positionSide: 'long', marginMode: 'cross' });
    expect(r).toMatchObject({ filled: 5, status: 'Filled' });
    expect([...acc.positions.keys()]).toEqual(['BTCUSDT:LONG:CROSSED']);
  });
});

describe('bybit adapter: errors', () => {
  it('backs off 10 minutes on HTTP 403 "access too frequent", held as an IP ban', async () => {
    const { acc, port } = portFor(LONGS);
    ex.faults.add({ kind: 'http429', count: 5, accountId: acc.id });
    const err = await port.fetchSnapshot().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeRateLimitError);
    expect((err as ExchangeRateLimitError).retryAfterMs).toBe(600_000);
    expect((err as ExchangeRateLimitError).status).toBe(418);
  });

  it('backs off minutes, not seconds, on 10006 (per-UID limit)', async () => {
    const { acc, port } = portFor(LONGS);
    ex.engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.1, price: 40_000 });
    await port.cancelAllOrders('all');
    ex.engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.1, price: 40_000 });
    const err = await port.cancelAllOrders('all').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeRateLimitError);
    expect((err as ExchangeRateLimitError).retryAfterMs).toBeGreaterThanOrEqual(120_000);
  });

  it.each([
    ['a wrong secret (10004)', { secret: 'nope' }],
    ['an unknown key (10003)', { apiKey: 'no-such-key' }],
  ])('says the key is wrong on %s', async (_label, creds) => {
    const acc = ex.engine.createAccount(LONGS);
    const port = new BybitExchange({ apiKey: acc.apiKey, secret: acc.secret, ...creds, fetchImplementation: redirectFetch(ex.url) });
    await expect(port.fetchSnapshot()).rejects.toBeInstanceOf(ExchangeAuthError);
  });

  it('retries a JSON 5xx (10016) as the venue failing, and a truncated body is "cannot see"', async () => {
    const { acc, port } = portFor(LONGS);
    ex.faults.add({ kind: 'http500', count: 1, accountId: acc.id });
    await expect(port.fetchSnapshot()).rejects.toBeInstanceOf(ExchangeUnavailableError);
    ex.faults.add({ kind: 'malformed-json', endpoint: '/v5/position/list', count: 1, accountId: acc.id });
    const err = await port.fetchSnapshot().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ExchangeAuthError);
  });
});

describe('bybit adapter: doctor', () => {
  it('flags a withdraw-capable key (Wallet permission "Withdraw" in /v5/user/query-api)', async () => {
    const { port } = portFor({ ...LONGS, enableWithdrawals: true });
    const d = await port.diagnose();
    expect(d).toMatchObject({ canRead: true, canTrade: true, canWithdraw: true });
    expect(d.notes.join('\n')).toMatch(/not restricted to an IP allow-list/);
    expect(port.keyCanWithdraw()).toBe(true);
  });

  it('says a read-only key cannot close, and a trade-only key cannot withdraw', async () => {
    const ro = await portFor({ ...LONGS, canTrade: false }).port.diagnose();
    expect(ro).toMatchObject({ canTrade: false, canWithdraw: false });
    expect(ro.notes.join('\n')).toMatch(/read-only/);
  });
});
