import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, DDoSProtection, InvalidNonce } from '../../node_modules/ccxt/js/src/base/errors.js';
import { paperBinanceusdm } from '../../functions/venues/binanceusdm/transport.ts';
import type { PaperExchange, RequestLogEntry } from '../../paper/index.ts';
import { BTC, clientFor, ETH, startStepped } from './helpers.ts';

let ex: PaperExchange;
const requests: RequestLogEntry[] = [];

beforeAll(async () => {
  ex = await startStepped({ onRequest: (e) => requests.push(e) });
});
afterAll(async () => {
  await ex.close();
});

describe('markets', () => {
  it('loadMarkets is one exchangeInfo request and yields linear swaps with MARKET_LOT_SIZE limits', async () => {
    const { client } = clientFor(ex, { walletBalance: 0 });
    const before = requests.length;
    await client.loadMarkets();
    expect(requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /fapi/v1/exchangeInfo']);
    const m = client.market(BTC);
    expect(m).toMatchObject({ id: 'BTCUSDT', type: 'swap', linear: true, settle: 'USDT', contractSize: 1 });
    expect(m.limits.market).toEqual({ min: 0.001, max: 120 });
    expect(m.precision.amount).toBe(0.001);
  });
});

describe('fetchBalance / fetchPositions', () => {
  it('reports the USDT wallet, margin balance and free margin', async () => {
    const { client } = clientFor(ex, { walletBalance: 10_000, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 0.1, entryPrice: 95_000, leverage: 10 }] });
    const b = await client.fetchBalance();
    expect(b.USDT).toMatchObject({ total: 10_500, used: 1_000, free: 9_500 });
    expect((b.info as any).totalMaintMargin).toBe('40.00000000');
  });

  it('parses cross and isolated positions with marginMode, prices, size and liquidation price', async () => {
    const { client, accountId } = clientFor(ex, {
      walletBalance: 10_000,
      positions: [
        { symbol: 'BTCUSDT', side: 'long', size: 0.2, entryPrice: 98_000, leverage: 20 },
        { symbol: 'ETHUSDT', side: 'short', size: 5, entryPrice: 4_100, marginMode: 'isolated', isolatedMargin: 1_200, leverage: 20 },
      ],
    });
    const positions = await client.fetchPositions();
    const btc = positions.find((p) => p.symbol === BTC)!;
    const eth = positions.find((p) => p.symbol === ETH)!;
    expect(btc).toMatchObject({ side: 'long', contracts: 0.2, entryPrice: 98_000, markPrice: 100_000, marginMode: 'cross', hedged: false, notional: 20_000, unrealizedPnl: 400 });
    expect(eth).toMatchObject({ side: 'short', contracts: 5, entryPrice: 4_100, markPrice: 4_000, marginMode: 'isolated', unrealizedPnl: 500, collateral: 1_700 });
    const engine = ex.engine;
    const acc = engine.getAccount(accountId);
    for (const p of [btc, eth]) {
      const pos = [...acc.positions.values()].find((x) => `${x.symbol.replace('USDT', '')}/USDT:USDT` === p.symbol)!;
      expect(p.liquidationPrice).toBeCloseTo(engine.liquidationPrice(acc, pos), 4);
    }
    // Cross long: liquidated below, isolated short: liquidated above.
    expect(btc.liquidationPrice!).toBeLessThan(100_000);
    expect(eth.liquidationPrice!).toBeGreaterThan(4_000);
    // Binance's maintMargin includes the bracket's maintenance amount; ccxt's maintenanceMargin
    // field is rate × notional only, so adapters should read info.maintMargin.
    expect(Number((btc.info as any).maintMargin)).toBeCloseTo(20_000 * 0.004, 8);
  });

  it('reports both legs in hedge mode', async () => {
    const { client } = clientFor(ex, {
      walletBalance: 5_000,
      hedgeMode: true,
      positions: [
        { symbol: 'ETHUSDT', side: 'long', size: 1, entryPrice: 3_900 },
        { symbol: 'ETHUSDT', side: 'short', size: 2, entryPrice: 4_050 },
      ],
    });
    const positions = await client.fetchPositions([ETH]);
    expect(positions.map((p) => [p.side, p.contracts, p.hedged, (p.info as any).positionSide]).sort()).toEqual([
      ['long', 1, true, 'LONG'],
      ['short', 2, true, 'SHORT'],
    ]);
    expect((await client.fetchPositionMode()).hedged).toBe(true);
  });
});

describe('authentication', () => {
  it('a bad signature is AuthenticationError (-1022)', async () => {
    const acc = ex.engine.createAccount({ walletBalance: 1 });
    const client = paperBinanceusdm({ url: ex.url, apiKey: acc.apiKey, secret: 'not-the-secret-of-this-key' });
    await expect(client.fetchBalance()).rejects.toThrow(AuthenticationError);
    await expect(client.fetchBalance()).rejects.toThrow(/-1022/);
  });

  it('an unknown API key is AuthenticationError (-2015)', async () => {
    const client = paperBinanceusdm({ url: ex.url, apiKey: 'a'.repeat(64), secret: 'b'.repeat(64) });
    await expect(client.fetchPositions()).rejects.toThrow(AuthenticationError);
    await expect(client.fetchBalance()).rejects.toThrow(/-2015/);
  });

  it.each([
    ['behind the recvWindow', 20_000, /outside of the recvWindow/],
    ['ahead of the server', -5_000, /ahead of the server/],
  ])('a timestamp %s is InvalidNonce (-1021)', async (_name, timeDifference, msg) => {
    const { client } = clientFor(ex, { walletBalance: 1 });
    client.options['timeDifference'] = timeDifference;
    await expect(client.fetchBalance()).rejects.toThrow(InvalidNonce);
    await expect(client.fetchBalance()).rejects.toThrow(msg);
  });

  it('a read-only key reads but cannot trade (-2015)', async () => {
    const { client } = clientFor(ex, { walletBalance: 1_000, canTrade: false });
    await client.fetchBalance();
    await expect(client.createOrder(BTC, 'market', 'buy', 0.001)).rejects.toThrow(AuthenticationError);
    expect((await client.sapiGetAccountApiRestrictions()).enableFutures).toBe(false);
  });
});

describe('request weights', () => {
  it('reports X-MBX-USED-WEIGHT-1M and answers 429 / -1003 past the limit (ccxt: DDoSProtection)', async () => {
    const small = await startStepped({ weightLimit: 14 });
    try {
      const { client } = clientFor(small, { walletBalance: 1 });
      await client.loadMarkets(); // exchangeInfo: 1, on the same per-IP budget as the signed calls
      await client.fetchBalance(); // 6
      expect(client.last_response_headers?.['X-Mbx-Used-Weight-1m']).toBe('6');
      await client.fetchBalance(); // 11
      await expect(client.fetchBalance()).rejects.toThrow(DDoSProtection);
      await expect(client.fetchBalance()).rejects.toThrow(/-1003/);
    } finally {
      await small.close();
    }
  });
});
