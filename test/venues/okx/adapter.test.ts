import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExchangeAuthError, ExchangeDataError } from '../../../functions/errors.ts';
import { OkxExchange } from '../../../functions/venues/okx/adapter.ts';
import { redirectFetch } from '../../../functions/venues/okx/transport.ts';
import { dialectFor, startPaperExchange, type PaperAccount, type PaperExchange } from '../../../paper/index.ts';
import type { AccountSpec } from '../../../paper/engine.ts';

/** The OKX adapter against the paper exchange speaking OKX v5, through real ccxt over HTTP. */
describe('OkxExchange on the paper OKX dialect', () => {
  let paper: PaperExchange;
  beforeEach(async () => {
    paper = await startPaperExchange({ venue: 'okx', startTime: Date.UTC(2025, 9, 10, 20), speed: 0 });
    paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000 });
  });
  afterEach(() => paper.close());

  const port = (acc: PaperAccount, over: Partial<{ secret: string; passphrase: string }> = {}) => {
    const { env } = dialectFor('okx').credentialsFor(acc);
    return new OkxExchange({ apiKey: acc.apiKey, secret: over.secret ?? acc.secret, passphrase: over.passphrase ?? env.PAPER_API_PASSPHRASE!, fetchImplementation: redirectFetch(paper.url), timeoutMs: 2_000 });
  };
  const account = (spec: Partial<AccountSpec> = {}) =>
    paper.engine.createAccount({
      walletBalance: 10_000,
      positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
      ...spec,
    });

  it('reads 100 BTC-USDT-SWAP contracts as 1 BTC, with the venue equity corroborating', async () => {
    const s = await port(account()).fetchSnapshot();
    expect(s.positions).toHaveLength(1);
    expect(s.positions[0]).toMatchObject({ symbol: 'BTC-USDT-SWAP', contracts: 1, side: 'long', marginMode: 'cross' });
    expect(s.exchangeTotals!.marginBalance).toBeCloseTo(10_000, 6);
    expect(s.crossWalletBalance).toBeCloseTo(10_000, 6);
  });

  it('closes in contracts: 0.5 BTC is sent as 50 contracts and leaves 0.5 BTC', async () => {
    const acc = account();
    const r = await port(acc).reduceOnlyMarket({ symbol: 'BTC-USDT-SWAP', side: 'sell', amount: 0.5, positionSide: 'long', marginMode: 'cross' });
    expect(r.amount).toBe(0.5);
    expect(r.filled).toBe(0.5);
    expect(acc.positions.get('BTCUSDT:BOTH:CROSSED')!.amt).toBeCloseTo(0.5, 9);
  });

  it('closes an isolated position with tdMode isolated', async () => {
    const acc = account({ positions: [{ symbol: 'ETHUSDT', side: 'short', size: 2, entryPrice: 3_000, marginMode: 'isolated', leverage: 5, isolatedMargin: 1_200 }] });
    const p = port(acc);
    const s = await p.fetchSnapshot();
    expect(s.positions[0]).toMatchObject({ marginMode: 'isolated', isolatedWallet: 1_200, contracts: 2, side: 'short' });
    await p.reduceOnlyMarket({ symbol: 'ETH-USDT-SWAP', side: 'buy', amount: 2, positionSide: 'short', marginMode: 'isolated' });
    expect(acc.positions.size).toBe(0);
  });

  it('closes a long/short-mode leg with posSide (no reduceOnly)', async () => {
    const acc = account({ hedgeMode: true });
    await port(acc).reduceOnlyMarket({ symbol: 'BTC-USDT-SWAP', side: 'sell', amount: 1, positionSide: 'long', marginMode: 'cross' });
    expect(acc.positions.size).toBe(0);
  });

  it('51112: cancels the resting reduce-only order that holds the position, then closes', async () => {
    const acc = account();
    paper.engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', quantity: 1, price: 60_000, reduceOnly: true });
    expect(acc.openOrders.size).toBe(1);
    await port(acc).reduceOnlyMarket({ symbol: 'BTC-USDT-SWAP', side: 'sell', amount: 1, positionSide: 'long', marginMode: 'cross' });
    expect(acc.openOrders.size).toBe(0);
    expect(acc.positions.size).toBe(0);
  });

  it('maps 51169 (ccxt: a generic ExchangeError) to a close refused for having nothing to reduce', async () => {
    const acc = account();
    const err = await port(acc).reduceOnlyMarket({ symbol: 'ETH-USDT-SWAP', side: 'sell', amount: 1, positionSide: 'long', marginMode: 'cross' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeDataError);
    expect((err as Error).message).toMatch(/51169 no position in this direction to reduce/);
  });

  it('batch-cancels plain and algo orders by id (OKX has no cancel-all)', async () => {
    const acc = account();
    paper.engine.placeOrder(acc, { symbol: 'ETHUSDT', side: 'BUY', type: 'LIMIT', quantity: 1, price: 2_000 });
    paper.engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.1, price: 40_000 });
    paper.engine.placeAlgoOrder(acc, { symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_MARKET', quantity: 1, triggerPrice: 45_000, reduceOnly: true });
    expect(await port(acc).cancelAllOrders('all')).toBe(3);
    expect(acc.openOrders.size + acc.openAlgoOrders.size).toBe(0);
  });

  it('refuses the multi-currency and portfolio modes loudly', async () => {
    for (const spec of [{ multiAssetsMargin: true }, { portfolioMargin: true }]) {
      const err = await port(account(spec)).fetchSnapshot().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExchangeDataError);
      expect((err as Error).message).toMatch(/acctLv [34].*does not model/);
    }
  });

  it('rejects a bad signature and a wrong passphrase as credential errors', async () => {
    const acc = account();
    for (const over of [{ secret: 'not-the-secret' }, { passphrase: 'nope' }]) {
      const err = await port(acc, over).fetchSnapshot().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExchangeAuthError);
      expect((err as Error).message).toMatch(/5011[13]|50105/);
      expect((err as Error).message).not.toContain(acc.secret);
    }
  });

  it('doctor flags a withdraw-capable key', async () => {
    const d = await port(account({ enableWithdrawals: true })).diagnose();
    expect(d.canRead).toBe(true);
    expect(d.canTrade).toBe(true);
    expect(d.canWithdraw).toBe(true);
    expect(d.notes.join('\n')).toMatch(/withdraw permission/);
    const safe = await port(account()).diagnose();
    expect(safe.canWithdraw).toBe(false);
  });

  it('classifies a liquidation in the bills as a liquidation, a withdrawal as a transfer', async () => {
    const acc = account();
    const p = port(acc);
    paper.engine.advanceBy(1_000);
    const t0 = paper.engine.now(); // after the opening deposit
    paper.engine.withdraw(acc.id, 1_000);
    paper.engine.setPrices({ BTCUSDT: 40_000 });
    expect(acc.positions.size).toBe(0);
    paper.engine.advanceBy(1_000);
    const h = await p.fetchHistory(t0);
    const kinds = h.events.map((e) => e.kind);
    expect(kinds).toContain('liquidation');
    expect(h.events.filter((e) => e.kind === 'transfer').map((e) => e.amount)).toEqual([-1_000]);
  });
});
