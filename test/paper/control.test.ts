import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paperBinanceusdm, redirectFetch } from '../../functions/venues/binanceusdm/transport.ts';
import { runPaperCli } from '../../paper/cli.ts';
import { DATA_DIR, datasetReplay, startPaperExchange, type PaperExchange } from '../../paper/index.ts';
import { BTC, control } from './helpers.ts';

let ex: PaperExchange;
beforeAll(async () => {
  ex = await startPaperExchange({ speed: 0, replay: datasetReplay('2022-11-08') });
});
afterAll(async () => {
  await ex.close();
});

describe('control API guard', () => {
  it('answers health without a token and refuses everything else without the right one', async () => {
    expect((await control(ex, 'GET', '/paper/health', undefined, '')).status).toBe(200);
    expect((await control(ex, 'GET', '/paper/state', undefined, '')).status).toBe(401);
    expect((await control(ex, 'GET', '/paper/state', undefined, 'wrong')).status).toBe(401);
    expect((await control(ex, 'GET', '/paper/state')).json).toMatchObject({ speed: 0, replay: { start: Date.UTC(2022, 10, 8, 14, 37) } });
  });

  it('reports every invalid field with its path', async () => {
    const res = await control(ex, 'POST', '/paper/accounts', {
      walletBalance: -1,
      positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 20_000, marginMode: 'isolated' }],
      colour: 'red',
    });
    expect(res.status).toBe(400);
    const paths = res.json.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(['(root)', 'positions.0.isolatedMargin', 'walletBalance']);
  });

  it('turns engine refusals into 400 with the reason', async () => {
    const res = await control(ex, 'POST', '/paper/accounts', {
      walletBalance: 100,
      positions: [{ symbol: 'AAVEUSDT', side: 'long', size: 1, entryPrice: 200, leverage: 100 }], // AAVE allows 75x
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/leverage/);
  });
});

describe('accounts, prices and clock', () => {
  it('creates an account whose keys work with ccxt, and shows its true state', async () => {
    const created = await control(ex, 'POST', '/paper/accounts', {
      label: 'rehearsal',
      walletBalance: 5_000,
      positions: [{ symbol: 'BTCUSDT', side: 'short', size: 0.1, entryPrice: 19_500, leverage: 10 }],
    });
    expect(created.status).toBe(201);
    const { accountId, apiKey, secret } = created.json;
    const client = paperBinanceusdm({ url: ex.url, apiKey, secret });
    expect((await client.fetchPositions())[0]).toMatchObject({ symbol: BTC, side: 'short', contracts: 0.1 });
    expect((await control(ex, 'POST', `/paper/accounts/${accountId}/deposit`, { amount: 1_000 })).json.wallet.cross).toBe(6_000);
    expect((await control(ex, 'POST', `/paper/accounts/${accountId}/withdraw`, { amount: 1e9 })).status).toBe(400);
    const state = (await control(ex, 'GET', `/paper/accounts/${accountId}`)).json;
    expect(state.positions[0]).toMatchObject({ symbol: 'BTCUSDT', side: 'short', size: 0.1, marginMode: 'cross', leverage: 10 });
    expect(state.income.map((i: { incomeType: string }) => i.incomeType)).toEqual(['TRANSFER', 'TRANSFER']);
    expect((await control(ex, 'GET', '/paper/accounts/nope')).status).toBe(404);
  });

  it('moves the replay clock and lets a price be set by hand, then follow the replay again', async () => {
    const t0 = (await control(ex, 'GET', '/paper/clock')).json.time;
    const moved = await control(ex, 'POST', '/paper/clock', { advanceMs: 2 * 3_600_000 });
    expect(moved.json.time).toBe(t0 + 2 * 3_600_000);
    const replayed = ex.engine.markPrice('BTCUSDT');
    await control(ex, 'POST', '/paper/prices', { prices: { BTCUSDT: 12_345 } });
    expect(ex.engine.markPrice('BTCUSDT')).toBe(12_345);
    await control(ex, 'POST', '/paper/clock', { advanceMs: 1_000 });
    expect(ex.engine.markPrice('BTCUSDT')).toBe(12_345);
    await control(ex, 'POST', '/paper/prices', { prices: { BTCUSDT: null } });
    await control(ex, 'POST', '/paper/clock', { advanceMs: 1_000 });
    expect(Math.abs(ex.engine.markPrice('BTCUSDT') - replayed)).toBeLessThan(500);
    expect((await control(ex, 'POST', '/paper/clock', { advanceMs: 1, to: 5 })).status).toBe(400);
  });
});

describe('real-time replay', () => {
  it('runs the market clock at `speed` replay-ms per wall-ms', async () => {
    const fast = await startPaperExchange({ replay: datasetReplay('2022-11-08'), speed: 600 });
    try {
      const t0 = fast.engine.now();
      await new Promise((r) => setTimeout(r, 300));
      const advanced = (await control(fast, 'GET', '/paper/clock')).json.time - t0;
      expect(advanced).toBeGreaterThan(100_000);
      expect(advanced).toBeLessThan(600_000);
    } finally {
      await fast.close();
    }
  });
});

describe('runPaperCli', () => {
  it('prints the URL, the admin token and a demo account with 10,000 USDT', async () => {
    const lines: string[] = [];
    const cli = await runPaperCli({ port: 0, replay: [`BTCUSDT=${DATA_DIR}binance-futures-BTCUSDT-1m-2022-11-08.csv`], speed: 1, log: (l) => lines.push(l) });
    try {
      const text = lines.join('\n');
      expect(text).toContain(cli.url);
      expect(text).toContain(cli.adminToken);
      const demo = cli.engine.listAccounts()[0]!;
      expect(text).toContain(demo.apiKey);
      expect(text).toContain(demo.secret);
      expect(demo.crossWallet).toBe(10_000);
    } finally {
      await cli.close();
    }
    await expect(runPaperCli({ replay: ['BTC-USDT'] })).rejects.toThrow(/SYMBOL=FILE/);
  });
});

describe('redirectFetch', () => {
  it('refuses any host that is not Binance', async () => {
    const f = redirectFetch(ex.url);
    await expect(f('https://example.com/fapi/v1/time')).rejects.toThrow(/refusing/);
    const res = await f('https://fapi.binance.com/fapi/v1/time');
    expect(((await res.json()) as { serverTime: number }).serverTime).toBeGreaterThan(0);
  });
});
