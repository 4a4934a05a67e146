import { describe, expect, it } from 'vitest';
import {
  binanceError,
  DIALECTS,
  dialectFor,
  PAPER_VENUES,
  PaperApiError,
  PaperEngine,
  PaperReject,
  REJECT_REASONS,
  startPaperExchange,
  UnknownVenueError,
  venuesWithDialect,
} from '../../paper/index.ts';

describe('dialect registry', () => {
  it('has the Binance USDⓈ-M and Hyperliquid dialects under their config ids', () => {
    expect(dialectFor('binanceusdm')).toBe(DIALECTS.binanceusdm);
    expect(dialectFor('binanceusdm').venue).toBe('binanceusdm');
    expect(venuesWithDialect()).toEqual(expect.arrayContaining(['binanceusdm']));
  });

  it('has the Hyperliquid dialect under its config id', () => {
    expect(dialectFor('hyperliquid')).toBe(DIALECTS.hyperliquid);
    expect(dialectFor('hyperliquid').venue).toBe('hyperliquid');
  });

  it('has the Orderly dialect under its config id', () => {
    expect(dialectFor('orderly').venue).toBe('orderly');
  });

  it('has the OKX dialect under its config id', () => {
    expect(dialectFor('okx')).toBe(DIALECTS.okx);
    expect(venuesWithDialect()).toContain('okx');
  });

  const without = PAPER_VENUES.filter((v) => DIALECTS[v] === undefined);
  it.each(without.length ? without : ['none'])('refuses %s (no dialect yet) naming the venues that have one', (venue) => {
    if (venue === 'none') return;
    expect(() => dialectFor(venue)).toThrow(UnknownVenueError);
    expect(() => dialectFor(venue)).toThrow(`the paper exchange has no ${venue} dialect yet; venues with one: ${venuesWithDialect().join(', ')}`);
  });

  it('refuses an unknown venue id', () => {
    expect(() => dialectFor('kraken')).toThrow(`venues with a paper dialect: ${venuesWithDialect().join(', ')}`);
    expect(() => dialectFor('kraken')).toThrow(/unknown venue "kraken"/);
  });

  it('refuses to start a paper exchange for a venue without a dialect', async () => {
    await expect(startPaperExchange({ venue: 'kraken' as never, speed: 0 })).rejects.toThrow(UnknownVenueError);
  });

  it('names Binance credentials as riskguard config does, filled from the banner variables', () => {
    const acc = new PaperEngine().createAccount({ walletBalance: 1, apiKey: 'k'.repeat(16), secret: 's'.repeat(16) });
    expect(dialectFor('binanceusdm').credentialsFor(acc)).toEqual({
      credentials: { apiKeyEnv: 'PAPER_API_KEY', secretEnv: 'PAPER_API_SECRET' },
      env: { PAPER_API_KEY: 'k'.repeat(16), PAPER_API_SECRET: 's'.repeat(16) },
    });
  });
});

describe('neutral rejects → Binance errors', () => {
  it('the engine rejects in neutral words, with no Binance code', () => {
    const e = new PaperEngine();
    e.setPrices({ BTCUSDT: 100_000 });
    const acc = e.createAccount({ walletBalance: 100 });
    const err = (() => {
      try {
        e.placeOrder(acc, { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 1 });
      } catch (x) {
        return x;
      }
    })();
    expect(err).toBeInstanceOf(PaperReject);
    expect(err).not.toBeInstanceOf(PaperApiError);
    expect((err as PaperReject).reason).toBe('insufficient-margin');
  });

  it.each([
    ['insufficient-margin', {}, -2019, 'Margin is insufficient.'],
    ['reduce-only-increases', {}, -2022, 'ReduceOnly Order is rejected.'],
    ['reduce-only-covered', {}, -4118, 'ReduceOnly Order Failed. Please check your existing position and open orders'],
    ['unknown-symbol', { symbol: 'NOPEUSDT' }, -1121, 'Invalid symbol.'],
    ['unknown-order', {}, -2011, 'Unknown order sent.'],
    ['order-not-found', {}, -2013, 'Order does not exist.'],
    ['missing-parameter', { param: 'quantity' }, -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."],
    ['below-min-notional', { minNotional: 100 }, -4164, "Order's notional must be no smaller than 100 (unless you choose reduce only)."],
    ['no-mark-price', { symbol: 'XUSDT' }, -1000, 'No mark price for XUSDT yet (set one with POST /paper/prices or replay a file).'],
  ] as const)('%s → %i', (reason, details, code, msg) => {
    const api = binanceError(new PaperReject(reason, details));
    expect(api.toJSON()).toEqual({ code, msg });
    expect(api.httpStatus).toBe(400);
  });

  it.each(REJECT_REASONS)('%s has Binance words (a negative code, HTTP 400)', (reason) => {
    const api = binanceError(new PaperReject(reason, { param: 'x', minNotional: 5, symbol: 'BTCUSDT' }));
    expect(api.code).toBeLessThan(0);
    expect(api.httpStatus).toBe(400);
    expect(api.message.length).toBeGreaterThan(0);
  });
});
