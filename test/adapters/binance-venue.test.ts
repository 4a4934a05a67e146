import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type AccountSpec, type PaperExchange, type PaperExchangeOptions } from '../../paper/index.ts';
import { BinanceUsdmExchange } from '../../functions/venues/binanceusdm/adapter.ts';
import { redirectFetch } from '../../functions/venues/binanceusdm/transport.ts';
import { ExchangeDataError, ExchangeUnavailableError } from '../../functions/errors.ts';
import type { HistoryEvent } from '../../functions/ports.ts';
import { control } from '../paper/helpers.ts';

/**
 * The Binance adapter against the paper exchange through real ccxt over HTTP: what issue 8 asks
 * of the venue side (history read right, 5xx retried, clocks, markets, absurd numbers).
 */

const T0 = Date.UTC(2025, 0, 1, 1); // 01:00 UTC: the next funding is at 08:00
let paper: PaperExchange;

async function start(opts: PaperExchangeOptions = {}) {
  paper = await startPaperExchange({ startTime: T0, speed: 0, ...opts });
  paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000 });
}
beforeEach(async () => start());
afterEach(async () => {
  await paper.close();
});

function adapter(spec: AccountSpec) {
  const acc = paper.engine.createAccount(spec);
  const ex = new BinanceUsdmExchange({ apiKey: acc.apiKey, secret: acc.secret, fetchImplementation: redirectFetch(paper.url), timeoutMs: 2_000 });
  return { acc, ex };
}

const longBtc: AccountSpec = {
  walletBalance: 20_000,
  symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 } },
  positions: [{ symbol: 'BTCUSDT', side: 'long', size: 2, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
};

const sum = (events: HistoryEvent[], kind: HistoryEvent['kind']) => events.filter((e) => e.kind === kind).reduce((s, e) => s + e.amount, 0);

describe('history paging', () => {
  it('reads every income row of [since, venue now] when there are more than one page (1000)', async () => {
    const { acc, ex } = adapter({ walletBalance: 10_000 });
    for (let i = 0; i < 1_500; i++) {
      paper.engine.advanceBy(1_000);
      paper.engine.deposit(acc.id, 1);
    }
    const h = await ex.fetchHistory(T0 + 1);
    const transfers = h.events.filter((e) => e.kind === 'transfer');
    expect(transfers).toHaveLength(1_500);
    expect(sum(h.events, 'transfer')).toBeCloseTo(1_500, 6);
    expect(new Set(h.events.map((e) => e.id)).size).toBe(h.events.length);
  });

  it('reads every forced order when there are more than one page (100)', async () => {
    const { acc, ex } = adapter({ ...longBtc, positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 40_000, marginMode: 'cross', leverage: 10 }] });
    for (let i = 0; i < 150; i++) {
      paper.engine.advanceBy(1_000);
      paper.engine.autoDeleverage(acc, 'BTCUSDT', { qty: 0.001 });
    }
    const h = await ex.fetchHistory(T0);
    expect(h.events.filter((e) => e.kind === 'adl')).toHaveLength(150);
  });

  it("ends the read at the venue's market time, not the host's clock", async () => {
    const { ex } = adapter({ walletBalance: 1_000 });
    paper.engine.advanceBy(3_600_000);
    const h = await ex.fetchHistory(T0);
    expect(h.until).toBe(T0 + 3_600_000);
  });

  it('finds a late income row (with its original time) on a later read that overlaps', async () => {
    const { acc, ex } = adapter({ walletBalance: 1_000 });
    await control(paper, 'POST', '/paper/history-delay', { delayMs: 30_000 });
    paper.engine.advanceBy(1_000);
    paper.engine.withdraw(acc.id, 100);
    paper.engine.advanceBy(5_000);
    const first = await ex.fetchHistory(T0 + 1);
    expect(first.events.filter((e) => e.kind === 'transfer')).toHaveLength(0);
    paper.engine.advanceBy(25_000);
    const second = await ex.fetchHistory(T0 + 1);
    const w = second.events.find((e) => e.kind === 'transfer');
    expect(w).toMatchObject({ amount: -100, at: T0 + 1_000 });
    // The row's time lies before the first read's end: only an overlapping read finds it.
    expect(w!.at).toBeLessThan(first.until);
  });
});

describe('forced orders: liquidation and ADL', () => {
  it('reads an ADL close as adl (real rows carry no autoCloseType) and a liquidation as liquidation', async () => {
    const { acc, ex } = adapter({
      walletBalance: 1_000,
      symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 }, ETHUSDT: { marginMode: 'isolated', leverage: 20 } },
      positions: [
        { symbol: 'BTCUSDT', side: 'long', size: 0.1, entryPrice: 40_000, marginMode: 'cross', leverage: 10 },
        { symbol: 'ETHUSDT', side: 'long', size: 1, entryPrice: 3_000, marginMode: 'isolated', leverage: 20, isolatedMargin: 150 },
      ],
    });
    const adl = await control(paper, 'POST', `/paper/accounts/${acc.id}/adl`, { symbol: 'BTCUSDT' });
    expect(adl.status).toBe(200);
    paper.engine.setPrices({ ETHUSDT: 2_800 }); // the isolated ETH long is liquidated
    const h = await ex.fetchHistory(T0);
    expect(h.events.filter((e) => e.kind === 'adl').map((e) => (e as { symbol: string }).symbol)).toEqual(['BTCUSDT']);
    expect(h.events.filter((e) => e.kind === 'liquidation').map((e) => (e as { symbol: string }).symbol)).toContain('ETHUSDT');
    // The ADL's realized PnL arrives as income, counted once.
    expect(sum(h.events, 'realized-pnl')).toBeCloseTo(0.1 * 10_000 + 1 * (2_800 - 3_000), 4);
  });
});

describe('funding', () => {
  it('charges funding every 8 h of market time as FUNDING_FEE income, and premiumIndex reports the rate', async () => {
    const { acc, ex } = adapter(longBtc);
    expect((await control(paper, 'POST', '/paper/funding', { rates: { BTCUSDT: 0.0003 } })).status).toBe(200);
    const client = (ex as unknown as { ccxt: { fetchFundingRate(s: string): Promise<{ fundingRate: number; fundingTimestamp: number }> } }).ccxt;
    const fr = await client.fetchFundingRate('BTC/USDT:USDT');
    expect(fr.fundingRate).toBeCloseTo(0.0003, 10);
    // ccxt 4.5.84 parseFundingRate: fundingTimestamp = premiumIndex nextFundingTime.
    expect(fr.fundingTimestamp).toBe(Date.UTC(2025, 0, 1, 8));
    const before = acc.crossWallet;
    paper.engine.advanceTo(Date.UTC(2025, 0, 1, 8) + 1_000);
    const h = await ex.fetchHistory(T0 + 1);
    const funding = h.events.filter((e) => e.kind === 'funding');
    expect(funding).toHaveLength(1);
    expect(funding[0]).toMatchObject({ at: Date.UTC(2025, 0, 1, 8), symbol: 'BTCUSDT' });
    expect(funding[0]!.amount).toBeCloseTo(-2 * 50_000 * 0.0003, 6); // a long pays 30 USDT
    expect(acc.crossWallet - before).toBeCloseTo(-30, 6);
  });
});

describe('bad marks and absurd numbers', () => {
  it('bad-mark serves marks × factor for count responses; the index price is not multiplied', async () => {
    const { acc, ex } = adapter(longBtc);
    await ex.fetchSnapshot();
    // Scoped to the account: its signed positionRisk (premiumIndex is public, as for other kinds).
    expect((await control(paper, 'POST', '/paper/faults', { kind: 'bad-mark', factor: 2, count: 1, accountId: acc.id })).status).toBe(201);
    const bad = await ex.fetchSnapshot();
    expect(bad.positions[0]).toMatchObject({ markPrice: 100_000, indexPrice: 50_000 });
    const good = await ex.fetchSnapshot();
    expect(good.positions[0]).toMatchObject({ markPrice: 50_000, indexPrice: 50_000 });
  });

  it('bad-mark without an account also multiplies the public premiumIndex mark, never its index', async () => {
    paper.faults.add({ kind: 'bad-mark', factor: 3, endpoint: '/fapi/v1/premiumIndex' });
    const res = await fetch(`${paper.url}/fapi/v1/premiumIndex?symbol=BTCUSDT`);
    expect(await res.json()).toMatchObject({ markPrice: '150000.00000000', indexPrice: '50000.00000000' });
    const again = await fetch(`${paper.url}/fapi/v1/premiumIndex?symbol=BTCUSDT`);
    expect(await again.json()).toMatchObject({ markPrice: '50000.00000000' });
  });

  it('an absurd mark (bad-mark × 1e300) is bad data with a clear ExchangeDataError, not a snapshot', async () => {
    const { acc, ex } = adapter(longBtc);
    await ex.fetchSnapshot();
    paper.faults.add({ kind: 'bad-mark', factor: 1e300, count: 1, accountId: acc.id });
    const err = (await ex.fetchSnapshot().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ExchangeDataError);
    expect(err.message).toMatch(/markPrice/);
    expect(err.message).toMatch(/bad data/);
  });
});

describe('Binance 5xx answers', () => {
  it.each([
    ['http500', -1001],
    ['http503', -1008],
    ['http500', -1000],
  ] as const)('%s with JSON code %i on a read is retryable unavailability, naming the endpoint really called', async (kind, code) => {
    const { acc, ex } = adapter(longBtc);
    await ex.fetchSnapshot();
    paper.faults.add({ kind, code, endpoint: '/fapi/v3/account', accountId: acc.id });
    const err = (await ex.fetchSnapshot().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ExchangeUnavailableError);
    expect(err.message).toContain(`${paper.url}/fapi/v3/account`);
    expect(err.message).toContain(String(code));
    expect(err.message).not.toContain('fapi.binance.com');
    expect((await ex.fetchSnapshot()).positions).toHaveLength(1);
  });

  it("says which endpoint was really called when ccxt quotes Binance's URL", async () => {
    const { acc, ex } = adapter(longBtc);
    await ex.fetchSnapshot();
    paper.faults.add({ kind: 'http429', endpoint: '/fapi/v3/positionRisk', accountId: acc.id });
    const err = (await ex.fetchSnapshot().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ExchangeUnavailableError);
    expect(err.message).toContain(paper.url);
    expect(err.message).not.toContain('https://fapi.binance.com');
    expect(err.message).not.toMatch(/signature=[0-9a-f]{16}/);
  });
});

describe('markets that change while the guard runs', () => {
  it('reloads markets and brackets for a symbol listed after the guard started', async () => {
    const { acc, ex } = adapter(longBtc);
    await ex.fetchSnapshot(); // markets and brackets loaded without NEWUSDT
    expect((await control(paper, 'POST', '/paper/markets', { symbol: 'NEWUSDT', price: 2 })).status).toBe(201);
    paper.engine.placeOrder(acc, { symbol: 'NEWUSDT', side: 'BUY', type: 'MARKET', quantity: 100 });
    const s = await ex.fetchSnapshot();
    const p = s.positions.find((x) => x.symbol === 'NEWUSDT');
    expect(p).toMatchObject({ side: 'long', contracts: 100 });
    expect(p!.maintenanceTiers!.length).toBeGreaterThan(0);
    // And it can be closed (the ccxt market is known too).
    await ex.reduceOnlyMarket({ symbol: 'NEWUSDT', side: 'sell', amount: 100, positionSide: 'long', marginMode: 'cross' });
    expect([...acc.positions.values()].some((x) => x.symbol === 'NEWUSDT')).toBe(false);
  });

  it('bounds the reload: a second new symbol within the minute is bad data that says when the next reload is', async () => {
    const { acc, ex } = adapter(longBtc);
    await ex.fetchSnapshot();
    paper.engine.listMarket('NEWUSDT', 2);
    paper.engine.placeOrder(acc, { symbol: 'NEWUSDT', side: 'BUY', type: 'MARKET', quantity: 100 });
    await ex.fetchSnapshot();
    paper.engine.listMarket('NEXTUSDT', 3);
    paper.engine.placeOrder(acc, { symbol: 'NEXTUSDT', side: 'BUY', type: 'MARKET', quantity: 100 });
    const err = (await ex.fetchSnapshot().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ExchangeDataError);
    expect(err.message).toMatch(/NEXTUSDT.*next reload is allowed in \d+ s/);
  });
});

describe("the guard host's clock", () => {
  it('signs with the venue clock when the host is 30 s behind (no -1021), and diagnose reports the skew', async () => {
    await paper.close();
    await start({ wallClockOffsetMs: 30_000 });
    const { ex } = adapter(longBtc);
    const s = await ex.fetchSnapshot();
    expect(s.positions).toHaveLength(1);
    const d = await ex.diagnose();
    expect(d.canRead).toBe(true);
    expect(d.clockSkewMs).toBeLessThan(-29_000);
    expect(d.clockSkewMs).toBeGreaterThan(-31_000);
    expect(d.notes.join('\n')).toMatch(/-30\.0 s off the venue's/);
  });

  it('re-syncs after a -1021 when the clocks drift apart while running: one failed read, then reads work', async () => {
    const { ex } = adapter(longBtc);
    await ex.fetchSnapshot();
    await control(paper, 'POST', '/paper/wall-clock', { offsetMs: -20_000 }); // host now 20 s ahead
    const err = await ex.fetchSnapshot().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeUnavailableError);
    expect((err as Error).message).toMatch(/-1021/);
    expect((await ex.fetchSnapshot()).positions).toHaveLength(1);
  });
});
