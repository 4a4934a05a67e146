import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExchange } from '../../functions/venues/index.ts';
import { AccountConfigSchema, credentialsFromEnv } from '../../functions/config.ts';
import type { PaperExchange } from '../../paper/index.ts';
import { control, startStepped } from './helpers.ts';

/**
 * The venue-neutral control API (the same on every dialect): an account is created from a neutral
 * body (symbols in the venue's naming, sizes in base units) and the answer alone is enough to write
 * a riskguard config and its environment.
 */

let ex: PaperExchange;
beforeAll(async () => {
  ex = await startStepped(); // BTCUSDT 100,000, ETHUSDT 4,000
});
afterAll(async () => {
  await ex.close();
});

const BOOK = {
  walletBalance: 10_000,
  positions: [
    { symbol: 'BTCUSDT', side: 'long', size: 0.2, entryPrice: 95_000, marginMode: 'cross', leverage: 10 },
    { symbol: 'ETHUSDT', side: 'short', size: 3, entryPrice: 4_100, marginMode: 'isolated', isolatedMargin: 1_500, leverage: 10 },
  ],
};

describe('POST /paper/accounts (Binance dialect)', () => {
  it('answers accountId, credentials naming environment variables, and env with their values — and keeps apiKey/secret/account', async () => {
    const res = await control(ex, 'POST', '/paper/accounts', BOOK);
    expect(res.status).toBe(201);
    const { accountId, venue, credentials, env, apiKey, secret, account } = res.json;
    expect(accountId).toMatch(/^acct-\d+$/);
    expect(venue).toBe('binanceusdm');
    expect(credentials).toEqual({ apiKeyEnv: 'PAPER_API_KEY', secretEnv: 'PAPER_API_SECRET' });
    expect(env).toEqual({ PAPER_API_KEY: apiKey, PAPER_API_SECRET: secret });
    expect(account.id).toBe(accountId);
  });

  it('is enough to write a config from: riskguard reads the account through ccxt with it', async () => {
    const { credentials, env } = (await control(ex, 'POST', '/paper/accounts', BOOK)).json;
    // What a user would paste into riskguard.config.json: exchange, baseUrl and the answer's credentials.
    const config = AccountConfigSchema.parse({ id: 'paper', exchange: 'binanceusdm', baseUrl: ex.url, credentials });
    const port = createExchange(config, credentialsFromEnv(config, 0, env));
    const snap = await port.fetchSnapshot();
    expect(snap.crossWalletBalance).toBeCloseTo(10_000, 6);
    const bySymbol = Object.fromEntries(snap.positions.map((p) => [p.symbol, p]));
    expect(bySymbol.BTCUSDT).toMatchObject({ side: 'long', contracts: 0.2, marginMode: 'cross' });
    expect(bySymbol.ETHUSDT).toMatchObject({ side: 'short', contracts: 3, marginMode: 'isolated' });
  });

  it("checks symbols with the dialect's naming and reports the path", async () => {
    const res = await control(ex, 'POST', '/paper/accounts', {
      walletBalance: 100,
      positions: [{ symbol: 'BTC-USDT', side: 'long', size: 1, entryPrice: 1 }],
    });
    expect(res.status).toBe(400);
    expect(res.json.issues).toEqual([{ path: 'positions.0.symbol', message: 'a Binance USDⓈ-M symbol such as BTCUSDT' }]);
  });
});

describe('GET /paper/accounts/:id', () => {
  it('lists positions in base units with side, margin mode, liquidation price and maintenance margin, and the open orders of both kinds', async () => {
    const { accountId } = (await control(ex, 'POST', '/paper/accounts', BOOK)).json;
    const state = (await control(ex, 'GET', `/paper/accounts/${accountId}`)).json;
    const btc = state.positions.find((p: { symbol: string }) => p.symbol === 'BTCUSDT');
    const eth = state.positions.find((p: { symbol: string }) => p.symbol === 'ETHUSDT');
    expect(btc).toMatchObject({ symbol: 'BTCUSDT', side: 'long', size: 0.2, marginMode: 'cross', entryPrice: 95_000, markPrice: 100_000 });
    expect(eth).toMatchObject({ symbol: 'ETHUSDT', side: 'short', size: 3, marginMode: 'isolated', isolatedWallet: 1_500 });
    // Base units: notional = size × mark, whatever the venue counts in.
    expect(btc.notional).toBeCloseTo(0.2 * 100_000, 6);
    expect(btc.maintMargin).toBeGreaterThan(0);
    expect(btc.liquidationPrice).toBeGreaterThan(0);
    expect(btc.liquidationPrice).toBeLessThan(100_000);
    expect(eth.liquidationPrice).toBeGreaterThan(4_000);
    expect(state.openOrders).toEqual([]);
    expect(state.openAlgoOrders).toEqual([]);
  });
});

describe('control API refusals', () => {
  it('carries the engine’s neutral reason, not a venue code', async () => {
    const res = await control(ex, 'POST', '/paper/accounts', {
      walletBalance: 100,
      positions: [{ symbol: 'NOPEUSDT', side: 'long', size: 1, entryPrice: 1 }], // Binance naming, but not listed
    });
    expect(res.status).toBe(400);
    expect(res.json.reason).toBe('unknown-symbol');
    expect(res.json.error).toMatch(/unknown-symbol.*NOPEUSDT/);
  });
});
