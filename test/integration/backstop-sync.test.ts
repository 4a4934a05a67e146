import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type PaperAccount, type PaperExchange } from '../../paper/index.ts';
import { BinanceUsdmExchange } from '../../functions/venues/binanceusdm/adapter.ts';
import { redirectFetch } from '../../functions/venues/binanceusdm/transport.ts';
import { DEFAULT_POLICY, resolvePolicy } from '../../functions/domain/policy.ts';
import { syncBackstops } from '../../functions/use-cases/backstop-sync.ts';
import type { VenueBackstop } from '../../functions/domain/backstop.ts';

/**
 * The backstop sync (issue 16) through the Binance adapter, real ccxt and the paper exchange:
 * placed once and never duplicated, re-placed after drift, a vanished stop reported, and a crash
 * with nobody syncing: the paper triggers the stop on its mark, the side goes flat, the next sync
 * reports it fired.
 */

let paper: PaperExchange;
let acc: PaperAccount;
let ex: BinanceUsdmExchange;

beforeEach(async () => {
  paper = await startPaperExchange({ startTime: Date.UTC(2025, 0, 1), speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000 });
  acc = paper.engine.createAccount({
    walletBalance: 10_000,
    symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 } },
    positions: [{ symbol: 'BTCUSDT', side: 'long', size: 0.5, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
  });
  ex = new BinanceUsdmExchange({ apiKey: acc.apiKey, secret: acc.secret, fetchImplementation: redirectFetch(paper.url), timeoutMs: 2_000 });
});
afterEach(async () => {
  await paper.close();
});

const PEAK = 10_000;
// Drawdown 15 % of 10,000 = 1,500 on 0.5 BTC: 3,000 below 50,000.
const BREACH = 47_000;

async function sync(known: VenueBackstop[], policy = DEFAULT_POLICY, peakEquity = PEAK) {
  const snapshot = await ex.fetchSnapshot();
  const r = await syncBackstops(ex, { snapshot, peakEquity, policy, known });
  expect(r).not.toBeNull();
  return r!;
}

describe('backstop sync on the Binance paper exchange', () => {
  it('places one stop at the breach price and never a second over several syncs', async () => {
    let r = await sync([]);
    expect(r.placed).toHaveLength(1);
    expect(r.placed[0]!.stopPrice).toBeCloseTo(BREACH, -1);
    for (let i = 0; i < 3; i++) {
      paper.engine.setPrices({ BTCUSDT: 50_000 + (i + 1) * 20 });
      r = await sync(r.stops);
      expect(r.placed).toHaveLength(0);
      expect(r.cancelled).toHaveLength(0);
    }
    expect(paper.engine.listOpenAlgoOrders(acc)).toHaveLength(1);
  });

  it('re-places the stop when the solved price drifts past the band (a higher peak)', async () => {
    const first = await sync([]);
    const r = await sync(first.stops, DEFAULT_POLICY, 10_500);
    expect(r.cancelled.map((c) => c.id)).toEqual([first.placed[0]!.id]);
    expect(r.placed).toHaveLength(1);
    // 15 % of 10,500 = 1,575: the equity 8,925 at 50,000 − 1,075 / 0.5 = 47,850.
    expect(r.placed[0]!.stopPrice).toBeCloseTo(47_850, -1);
    expect(paper.engine.listOpenAlgoOrders(acc)).toHaveLength(1);
  });

  it('a stop cancelled by someone else is reported vanished once, and put back', async () => {
    const first = await sync([]);
    paper.engine.cancelAlgoOrder(acc, { algoId: Number(first.placed[0]!.id) });
    const r = await sync(first.stops);
    expect(r.vanished.map((v) => v.id)).toEqual([first.placed[0]!.id]);
    expect(r.fired).toHaveLength(0);
    expect(r.placed).toHaveLength(1);
    const again = await sync(r.stops);
    expect(again.vanished).toHaveLength(0);
  });

  it('with nobody syncing, the paper fires the stop on its mark; the next sync reports it fired', async () => {
    const first = await sync([]);
    paper.engine.setPrices({ BTCUSDT: 48_000 });
    paper.engine.setPrices({ BTCUSDT: 46_900 });
    const snapshot = await ex.fetchSnapshot();
    expect(snapshot.positions).toHaveLength(0);
    const r = await sync(first.stops);
    expect(r.fired.map((f) => f.id)).toEqual([first.placed[0]!.id]);
    expect(r.vanished).toHaveLength(0);
    expect(r.stops).toHaveLength(0);
  });

  it('backstop: false and dry run cancel the guard’s stops and place none', async () => {
    const first = await sync([]);
    const off = await sync(first.stops, resolvePolicy({ backstop: false }));
    expect(off.cancelled).toHaveLength(1);
    expect(off.placed).toHaveLength(0);
    expect(paper.engine.listOpenAlgoOrders(acc)).toHaveLength(0);
    const dry = await sync([], resolvePolicy({ dryRun: true }));
    expect(dry.placed).toHaveLength(0);
  });
});
