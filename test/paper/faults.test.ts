import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DDoSProtection, InvalidOrder, NetworkError, OperationFailed, RequestTimeout } from '../../node_modules/ccxt/js/src/base/errors.js';
import type { PaperExchange } from '../../paper/index.ts';
import { BTC, clientFor, control, startStepped } from './helpers.ts';

let ex: PaperExchange;
beforeAll(async () => {
  ex = await startStepped();
});
afterAll(async () => {
  await ex.close();
});

const account = { walletBalance: 10_000, positions: [{ symbol: 'BTCUSDT', side: 'long' as const, size: 0.2, entryPrice: 95_000 }] };

async function setup(timeout?: number) {
  const { client, accountId } = clientFor(ex, account, timeout !== undefined ? { timeout } : {});
  await client.loadMarkets();
  return { client, accountId };
}

describe('transport faults', () => {
  it.each([
    // Binance's 5xx carry JSON codes, which ccxt maps by code, not as a network error.
    ['http500', 'OperationFailed', OperationFailed],
    ['http503', 'OperationFailed', OperationFailed],
    ['http429', 'DDoSProtection', DDoSProtection],
  ] as const)('%s is seen by ccxt as %s, then the endpoint recovers', async (kind, _name, errorClass) => {
    const { client, accountId } = await setup();
    ex.faults.add({ kind, endpoint: '/fapi/v3/positionRisk', accountId });
    await expect(client.fetchPositions()).rejects.toThrow(errorClass);
    expect(await client.fetchPositions()).toHaveLength(1);
  });

  it.each([
    ['http500', undefined, 500, -1001, 'Internal error; unable to process your request. Please try again.'],
    ['http503', undefined, 503, -1008, 'Server is currently overloaded with other requests. Please try again in a few minutes.'],
    ['http500', -1000, 500, -1000, 'An unknown error occured while processing the request.'],
  ] as const)('%s (code %s) answers HTTP %i with Binance\'s JSON body {code: %i}', async (kind, code, status, bodyCode, msg) => {
    ex.faults.add({ kind, endpoint: '/fapi/v1/ping', ...(code !== undefined ? { code } : {}) });
    const res = await fetch(`${ex.url}/fapi/v1/ping`);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ code: bodyCode, msg });
  });

  it('a 5xx JSON body is not a ccxt NetworkError (the guard must classify it itself)', async () => {
    const { client, accountId } = await setup();
    ex.faults.add({ kind: 'http503', endpoint: '/fapi/v3/positionRisk', accountId });
    const err = await client.fetchPositions().catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(NetworkError);
  });

  it('timeout hangs past the client timeout: RequestTimeout, nothing executed', async () => {
    const { client, accountId } = await setup(300);
    ex.faults.add({ kind: 'timeout', endpoint: 'POST /fapi/v1/order', hangMs: 1_000, accountId });
    await expect(client.createOrder(BTC, 'market', 'sell', 0.2, undefined, { reduceOnly: true })).rejects.toThrow(RequestTimeout);
    expect(ex.engine.getAccount(accountId).positions.size).toBe(1);
  });

  it('timeout after processing: RequestTimeout although the order did fill', async () => {
    const { client, accountId } = await setup(300);
    ex.faults.add({ kind: 'timeout', endpoint: 'POST /fapi/v1/order', hangMs: 1_000, afterProcessing: true, accountId });
    await expect(client.createOrder(BTC, 'market', 'sell', 0.2, undefined, { reduceOnly: true })).rejects.toThrow(RequestTimeout);
    expect(await client.fetchPositions()).toEqual([]);
  });

  it('malformed JSON passes through ccxt silently — only last_json_response tells', async () => {
    const { client, accountId } = await setup();
    client.enableLastJsonResponse = true;
    ex.faults.add({ kind: 'malformed-json', endpoint: '/fapi/v3/positionRisk', accountId });
    // ccxt 4.5.84 returns [] for an unparsable positionRisk body: indistinguishable from "flat".
    expect(await client.fetchPositions()).toEqual([]);
    expect(client.last_json_response).toBeUndefined();
    expect(() => JSON.parse(client.last_http_response as string)).toThrow();
    expect(await client.fetchPositions()).toHaveLength(1);
    expect(client.last_json_response).toBeDefined();
  });
});

describe('data faults', () => {
  it('empty-positions: the position list is [] once, the position is still there', async () => {
    const { client, accountId } = await setup();
    ex.faults.add({ kind: 'empty-positions', accountId });
    expect(await client.fetchPositions()).toEqual([]);
    expect(await client.fetchPositions()).toHaveLength(1);
  });

  it('zero-balance: the wallet reads 0', async () => {
    const { client, accountId } = await setup();
    ex.faults.add({ kind: 'zero-balance', accountId });
    expect((await client.fetchBalance()).USDT).toMatchObject({ total: 0, free: 0 });
    expect((await client.fetchBalance()).USDT!.total).toBeGreaterThan(0);
  });

  it('stale-mark: mark time and position update time are an hour old', async () => {
    const { client } = await setup();
    // premiumIndex is unsigned, so this fault is not tied to an account.
    ex.faults.add({ kind: 'stale-mark', count: 2 });
    const mark = await client.fetchMarkPrice(BTC);
    expect(ex.engine.now() - mark.timestamp!).toBe(3_600_000);
    const [pos] = await client.fetchPositions();
    expect(ex.engine.now() - pos!.timestamp!).toBeGreaterThanOrEqual(3_600_000);
    expect(ex.engine.now() - (await client.fetchMarkPrice(BTC)).timestamp!).toBe(0);
  });
});

describe('order faults', () => {
  it('partial-fill: the close fills half and the rest expires', async () => {
    const { client, accountId } = await setup();
    ex.faults.add({ kind: 'partial-fill', fillRatio: 0.5, accountId });
    const o = await client.createOrder(BTC, 'market', 'sell', 0.2, undefined, { reduceOnly: true });
    expect(o).toMatchObject({ status: 'expired', amount: 0.2, filled: 0.1 });
    expect((await client.fetchPositions())[0]!.contracts).toBe(0.1);
  });

  it('reduce-only-reject: -2022 on the next reduce-only order only', async () => {
    const { client, accountId } = await setup();
    ex.faults.add({ kind: 'reduce-only-reject', accountId });
    await client.createOrder(BTC, 'market', 'buy', 0.001); // not reduce-only: fault not used up
    await expect(client.createOrder(BTC, 'market', 'sell', 0.1, undefined, { reduceOnly: true })).rejects.toThrow(InvalidOrder);
    await client.createOrder(BTC, 'market', 'sell', 0.201, undefined, { reduceOnly: true });
    expect(await client.fetchPositions()).toEqual([]);
  });

  it('faults can be listed and cleared through the control API', async () => {
    ex.faults.clear();
    const added = await control(ex, 'POST', '/paper/faults', { kind: 'http503', endpoint: '*', count: 3 });
    expect(added.status).toBe(201);
    expect((await control(ex, 'GET', '/paper/faults')).json).toEqual([expect.objectContaining({ kind: 'http503', remaining: 3 })]);
    expect((await control(ex, 'DELETE', '/paper/faults')).json).toEqual({ cleared: true });
    expect((await control(ex, 'GET', '/paper/faults')).json).toEqual([]);
  });
});
