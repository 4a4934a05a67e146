import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError, InvalidNonce, InvalidOrder, PermissionDenied, RateLimitExceeded } from '../../../node_modules/ccxt/js/src/base/errors.js';
import { bybit, BYBIT_HOSTS, paperBybit } from '../../../functions/venues/bybit/transport.ts';
import { redirectFetchTo } from '../../../functions/venues/transport.ts';
import { startPaperExchange, type AccountSpec, type PaperAccount, type PaperExchange } from '../../../paper/index.ts';

/**
 * The Bybit v5 paper dialect through real ccxt (bybit.js 4.5.84) over HTTP: ccxt's own requests
 * (loadMarkets with its default market types, signed reads, orders) and hand-made ones where the
 * point is what ccxt would never send (a tampered query, a re-ordered one, a stale timestamp).
 */

let ex: PaperExchange;
beforeEach(async () => {
  ex = await startPaperExchange({ venue: 'bybit', speed: 0, startTime: Date.UTC(2025, 9, 10, 20) });
  ex.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000 });
});
afterEach(async () => {
  await ex.close();
});

const LONG: AccountSpec = { walletBalance: 10_000, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, leverage: 10 }] };
type RawClient = Record<string, (p?: Record<string, unknown>) => Promise<any>>;
const raw = (c: bybit) => c as unknown as RawClient;

/** A signed v5 request by hand: `sign` is over `signed`, `sent` is what goes on the wire. */
async function signedGet(acc: PaperAccount, path: string, signed: string, sent = signed, opts: { ts?: number; recv?: string } = {}) {
  const ts = String(opts.ts ?? Date.now());
  const recv = opts.recv ?? '5000';
  const sign = createHmac('sha256', acc.secret).update(ts + acc.apiKey + recv + signed).digest('hex');
  const res = await fetch(`${ex.url}${path}?${sent}`, {
    headers: { 'X-BAPI-API-KEY': acc.apiKey, 'X-BAPI-TIMESTAMP': ts, 'X-BAPI-RECV-WINDOW': recv, 'X-BAPI-SIGN': sign },
  });
  return { status: res.status, body: (await res.json()) as { retCode: number; retMsg: string; result: any } };
}

describe('bybit paper dialect: ccxt loadMarkets and reads', () => {
  it("answers every market type ccxt's loadMarkets asks for by default, listing USDT perpetuals", async () => {
    const acc = ex.engine.createAccount(LONG);
    // ccxt's defaults: spot, linear, inverse, six option chains, PreLaunch lists.
    const c = new bybit({ apiKey: acc.apiKey, secret: acc.secret, enableRateLimit: false, fetchImplementation: redirectFetchTo(ex.url, BYBIT_HOSTS), options: { fetchCurrencies: false } });
    await c.loadMarkets();
    const m = c.market('BTC/USDT:USDT');
    expect(m.linear && m.swap && m.settle === 'USDT').toBe(true);
    expect(m.precision.amount).toBe(0.001);
    expect((m.info as { lotSizeFilter: { maxMktOrderQty: string } }).lotSizeFilter.maxMktOrderQty).toBe('120.000');
  });

  it("reads the position with positionMM, while ccxt's parsed maintenanceMargin and marginMode are undefined (the quirks)", async () => {
    const acc = ex.engine.createAccount(LONG);
    const c = paperBybit({ url: ex.url, apiKey: acc.apiKey, secret: acc.secret });
    const [p] = await c.fetchPositions();
    expect(p!.contracts).toBe(1);
    expect(p!.marginMode).toBeUndefined();
    expect(p!.maintenanceMargin).toBeUndefined();
    expect(Number((p!.info as { positionMM: string }).positionMM)).toBeGreaterThan(0);
    expect((p!.info as { bustPrice: string }).bustPrice).toBe('');
  });

  it('answers the UTA wallet with accountMMRate = maintenance / margin balance, and the account margin mode', async () => {
    const acc = ex.engine.createAccount(LONG);
    const c = raw(paperBybit({ url: ex.url, apiKey: acc.apiKey, secret: acc.secret }));
    const w = (await c.privateGetV5AccountWalletBalance!({ accountType: 'UNIFIED' })).result.list[0];
    expect(Number(w.accountMMRate)).toBeCloseTo(Number(w.totalMaintenanceMargin) / Number(w.totalMarginBalance), 4);
    expect((await c.privateGetV5AccountInfo!()).result.marginMode).toBe('REGULAR_MARGIN');
    await expect(c.privateGetV5AccountWalletBalance!({ accountType: 'CONTRACT' })).rejects.toThrow(/10001/);
  });
});

describe('bybit paper dialect: authentication as Bybit checks it', () => {
  it('verifies the signature over the query string exactly as sent', async () => {
    const acc = ex.engine.createAccount(LONG);
    const q = 'category=linear&settleCoin=USDT';
    expect((await signedGet(acc, '/v5/position/list', q)).body.retCode).toBe(0);
    // The same parameters re-ordered on the wire: the venue signs the raw string, not a sorted one.
    expect((await signedGet(acc, '/v5/position/list', q, 'settleCoin=USDT&category=linear')).body.retCode).toBe(10004);
    // A tampered value.
    expect((await signedGet(acc, '/v5/position/list', q, 'category=linear&settleCoin=USDC')).body.retCode).toBe(10004);
  });

  it('rejects a query tampered after ccxt signed it (AuthenticationError)', async () => {
    const acc = ex.engine.createAccount(LONG);
    const base = redirectFetchTo(ex.url, BYBIT_HOSTS);
    const tamper = Object.assign((url: string, init?: Parameters<typeof base>[1]) => base(url.replace('settleCoin=USDT', 'settleCoin=USDT&limit=1'), init), { baseUrl: base.baseUrl });
    const c = new bybit({ apiKey: acc.apiKey, secret: acc.secret, enableRateLimit: false, fetchImplementation: tamper, options: { fetchCurrencies: false } });
    await expect(raw(c).privateGetV5PositionList!({ category: 'linear', settleCoin: 'USDT' })).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('rejects a POST body tampered after signing, an unknown key and a stale timestamp', async () => {
    const acc = ex.engine.createAccount(LONG);
    const ts = String(Date.now());
    const body = '{"category":"linear","symbol":"BTCUSDT","side":"Sell","orderType":"Market","qty":"0.1","reduceOnly":true}';
    const sign = createHmac('sha256', acc.secret).update(ts + acc.apiKey + '5000' + body).digest('hex');
    const res = await fetch(`${ex.url}/v5/order/create`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-BAPI-API-KEY': acc.apiKey, 'X-BAPI-TIMESTAMP': ts, 'X-BAPI-RECV-WINDOW': '5000', 'X-BAPI-SIGN': sign },
      body: body.replace('0.1', '0.9'),
    });
    expect(((await res.json()) as { retCode: number }).retCode).toBe(10004);
    expect(acc.trades).toHaveLength(0);
    const stranger = paperBybit({ url: ex.url, apiKey: 'no-such-key', secret: 'x' });
    await expect(raw(stranger).privateGetV5AccountInfo!()).rejects.toBeInstanceOf(AuthenticationError);
    const stale = await signedGet(acc, '/v5/account/info', '', '', { ts: Date.now() - 10_000 });
    expect(stale.body.retCode).toBe(10002);
    const c = paperBybit({ url: ex.url, apiKey: acc.apiKey, secret: acc.secret });
    // ccxt signs 10 s behind the venue: 10002, which ccxt maps to InvalidNonce.
    (c.options as Record<string, unknown>)['timeDifference'] = 10_000;
    await expect(raw(c).privateGetV5AccountInfo!()).rejects.toBeInstanceOf(InvalidNonce);
  });

  it('refuses orders from a read-only key (10005) and says so in /v5/user/query-api', async () => {
    const acc = ex.engine.createAccount({ ...LONG, canTrade: false, enableWithdrawals: true });
    const c = paperBybit({ url: ex.url, apiKey: acc.apiKey, secret: acc.secret });
    const k = (await raw(c).privateGetV5UserQueryApi!()).result;
    expect(k.readOnly).toBe(1);
    expect(k.permissions.Wallet).toContain('Withdraw');
    await expect(raw(c).privatePostV5OrderCreate!({ category: 'linear', symbol: 'BTCUSDT', side: 'Sell', orderType: 'Market', qty: '0.1', reduceOnly: true })).rejects.toBeInstanceOf(PermissionDenied);
  });
});

describe('bybit paper dialect: the account-level margin mode', () => {
  it('switches an empty account to ISOLATED_MARGIN and refuses one with a position (3400045, with reasons)', async () => {
    const empty = ex.engine.createAccount({ walletBalance: 1_000 });
    const c = raw(paperBybit({ url: ex.url, apiKey: empty.apiKey, secret: empty.secret }));
    expect((await c.privatePostV5AccountSetMarginMode!({ setMarginMode: 'ISOLATED_MARGIN' })).result).toEqual({ reasons: [] });
    expect((await c.privateGetV5AccountInfo!()).result.marginMode).toBe('ISOLATED_MARGIN');
    await c.privatePostV5AccountSetMarginMode!({ setMarginMode: 'PORTFOLIO_MARGIN' });
    expect((await c.privateGetV5AccountInfo!()).result.marginMode).toBe('PORTFOLIO_MARGIN');
    const held = ex.engine.createAccount(LONG);
    const h = raw(paperBybit({ url: ex.url, apiKey: held.apiKey, secret: held.secret }));
    await expect(h.privatePostV5AccountSetMarginMode!({ setMarginMode: 'ISOLATED_MARGIN' })).rejects.toThrow(/3400045.*reasons/);
    expect((await h.privateGetV5AccountInfo!()).result.marginMode).toBe('REGULAR_MARGIN');
  });
});

describe('bybit paper dialect: orders, limits, history', () => {
  it('refuses a reduce-only order with nothing to reduce (110017), and positionIdx against the position mode (10001)', async () => {
    const acc = ex.engine.createAccount({ walletBalance: 10_000 });
    const c = raw(paperBybit({ url: ex.url, apiKey: acc.apiKey, secret: acc.secret }));
    const order = { category: 'linear', symbol: 'BTCUSDT', side: 'Sell', orderType: 'Market', qty: '0.1' };
    await expect(c.privatePostV5OrderCreate!({ ...order, reduceOnly: true })).rejects.toThrow(InvalidOrder);
    await expect(c.privatePostV5OrderCreate!({ ...order, reduceOnly: true })).rejects.toThrow(/110017/);
    await expect(c.privatePostV5OrderCreate!({ ...order, positionIdx: 1 })).rejects.toThrow(/10001/);
  });

  it('closes a hedge-mode long with positionIdx 1 and no reduceOnly', async () => {
    const acc = ex.engine.createAccount({ ...LONG, hedgeMode: true });
    const c = raw(paperBybit({ url: ex.url, apiKey: acc.apiKey, secret: acc.secret }));
    const pos = (await c.privateGetV5PositionList!({ category: 'linear', settleCoin: 'USDT' })).result.list;
    expect(pos.map((p: { positionIdx: number }) => p.positionIdx)).toEqual([1]);
    await c.privatePostV5OrderCreate!({ category: 'linear', symbol: 'BTCUSDT', side: 'Sell', orderType: 'Market', qty: '1', positionIdx: 1 });
    expect(acc.positions.size).toBe(0);
  });

  it('lists plain and conditional orders together and cancels both with one cancel-all by settle coin; a second within the second is 10006', async () => {
    const acc = ex.engine.createAccount(LONG);
    const c = raw(paperBybit({ url: ex.url, apiKey: acc.apiKey, secret: acc.secret }));
    await c.privatePostV5OrderCreate!({ category: 'linear', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Limit', qty: '0.1', price: '40000' });
    await c.privatePostV5OrderCreate!({ category: 'linear', symbol: 'ETHUSDT', side: 'Sell', orderType: 'Market', qty: '1', triggerPrice: '2500', triggerDirection: 2 });
    const open = (await c.privateGetV5OrderRealtime!({ category: 'linear', settleCoin: 'USDT' })).result.list;
    expect(open.map((o: { stopOrderType: string }) => o.stopOrderType).sort()).toEqual(['', 'Stop']);
    const r = await c.privatePostV5OrderCancelAll!({ category: 'linear', settleCoin: 'USDT' });
    expect(r.result.list).toHaveLength(2);
    expect(acc.openOrders.size + acc.openAlgoOrders.size).toBe(0);
    await expect(c.privatePostV5OrderCancelAll!({ category: 'linear', settleCoin: 'USDT' })).rejects.toBeInstanceOf(RateLimitExceeded);
    ex.engine.advanceBy(1_000);
    await expect(c.privatePostV5OrderCancelAll!({ category: 'linear', settleCoin: 'USDT' })).resolves.toBeTruthy();
  });

  it('answers HTTP 403 "access too frequent" past 600 requests in 5 s per IP, and keeps the ban', async () => {
    const get = () => fetch(`${ex.url}/v5/market/time`);
    for (let i = 0; i < 600; i++) expect((await get()).status).toBe(200);
    const r = await get();
    expect(r.status).toBe(403);
    expect(await r.text()).toBe('access too frequent');
    ex.engine.advanceBy(60_000);
    expect((await get()).status).toBe(403);
    const acc = ex.engine.createAccount(LONG);
    await expect(raw(paperBybit({ url: ex.url, apiKey: acc.apiKey, secret: acc.secret })).publicGetV5MarketTime!()).rejects.toBeInstanceOf(RateLimitExceeded);
  });

  it('pages the transaction log by cursor, newest first, and refuses a window over 7 days', async () => {
    const acc = ex.engine.createAccount(LONG);
    for (let i = 0; i < 5; i++) {
      ex.engine.advanceBy(60_000);
      ex.engine.deposit(acc.id, 100 + i);
    }
    const c = raw(paperBybit({ url: ex.url, apiKey: acc.apiKey, secret: acc.secret }));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const r = (await c.privateGetV5AccountTransactionLog!({ accountType: 'UNIFIED', limit: 2, ...(cursor ? { cursor } : {}) })).result;
      seen.push(...r.list.map((x: { type: string; cashFlow: string }) => `${x.type} ${Number(x.cashFlow)}`));
      cursor = r.nextPageCursor || undefined;
    } while (cursor);
    expect(seen).toEqual(['TRANSFER_IN 104', 'TRANSFER_IN 103', 'TRANSFER_IN 102', 'TRANSFER_IN 101', 'TRANSFER_IN 100', 'TRANSFER_IN 10000']);
    const now = ex.engine.now();
    await expect(c.privateGetV5AccountTransactionLog!({ startTime: now - 8 * 86_400_000, endTime: now })).rejects.toThrow(/10001/);
  });
});
