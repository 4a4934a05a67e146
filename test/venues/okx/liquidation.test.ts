import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_STRESS, evaluateAccount } from '../../../functions/domain/margin.ts';
import { OkxExchange } from '../../../functions/venues/okx/adapter.ts';
import { paperOkx, redirectFetch } from '../../../functions/venues/okx/transport.ts';
import { dialectFor, PaperEngine, startPaperExchange, type PaperAccount, type PaperExchange } from '../../../paper/index.ts';
import type { AccountSpec } from '../../../paper/engine.ts';

/**
 * OKX liquidates when equity ≤ maintenance margin + liquidation fee, the fee being position value ×
 * taker fee rate (https://www.okx.com/help/v-tiered-maintenance-margin-ratio-rules; margin ratio =
 * (…) / (Maintenance margin + Liquidation fee): https://www.okx.com/help/iii-single-currency-margin-cross-margin-trading).
 * The paper's OKX dialect liquidates there, the guard's snapshot carries the fee, and the two agree
 * on every liquidation price: through ccxt's okx class over HTTP.
 */

/** 10,000 USDT: cross 0.5 BTC long @ 50,000 and 50 SOL short @ 150; isolated 2 ETH long @ 3,000 with 600 (10x). */
const BOOK: AccountSpec = {
  walletBalance: 10_000,
  positions: [
    { symbol: 'BTCUSDT', side: 'long', size: 0.5, entryPrice: 50_000, marginMode: 'cross', leverage: 10 },
    { symbol: 'SOLUSDT', side: 'short', size: 50, entryPrice: 150, marginMode: 'cross', leverage: 10 },
    { symbol: 'ETHUSDT', side: 'long', size: 2, entryPrice: 3_000, marginMode: 'isolated', leverage: 10, isolatedMargin: 600 },
  ],
};
const PRICES = { BTCUSDT: 50_000, ETHUSDT: 3_000, SOLUSDT: 150 };

type PositionsCall = { privateGetAccountPositions(p: object): Promise<{ data: Record<string, string>[] }> };

describe('OKX liquidation: paper dialect, guard snapshot and engine agree (ccxt okx over HTTP)', () => {
  let paper: PaperExchange;
  beforeEach(async () => {
    paper = await startPaperExchange({ venue: 'okx', startTime: Date.UTC(2025, 9, 10, 20), speed: 0 });
    paper.engine.setPrices(PRICES);
  });
  afterEach(() => paper.close());

  const port = (acc: PaperAccount) => {
    const { env } = dialectFor('okx').credentialsFor(acc);
    return new OkxExchange({ apiKey: acc.apiKey, secret: acc.secret, passphrase: env.PAPER_API_PASSPHRASE!, fetchImplementation: redirectFetch(paper.url), timeoutMs: 2_000 });
  };
  /** The positions as OKX answers them (contracts, liqPx, mgnRatio), by "instId mgnMode". */
  const venueRows = async (acc: PaperAccount) => {
    const { env } = dialectFor('okx').credentialsFor(acc);
    const c = paperOkx({ url: paper.url, apiKey: acc.apiKey, secret: acc.secret, password: env.PAPER_API_PASSPHRASE!, timeout: 2_000 }) as unknown as PositionsCall;
    const r = await c.privateGetAccountPositions({ instType: 'SWAP' });
    return new Map(r.data.map((row) => [`${row.instId} ${row.mgnMode}`, row]));
  };

  it.each([
    { label: 'cross BTC long', key: 'BTC-USDT-SWAP cross' },
    { label: 'cross SOL short', key: 'SOL-USDT-SWAP cross' },
    { label: 'isolated ETH long', key: 'ETH-USDT-SWAP isolated' },
  ])("the engine's liquidation price of the guard's snapshot is the venue's liqPx ($label, 1e-6 relative)", async ({ key }) => {
    // Prepare
    const acc = paper.engine.createAccount(BOOK);
    // Act
    const snapshot = await port(acc).fetchSnapshot();
    const rows = await venueRows(acc);
    // Assess
    const ev = evaluateAccount(snapshot, DEFAULT_STRESS);
    const i = snapshot.positions.findIndex((p) => `${p.symbol} ${p.marginMode}` === key);
    expect(i).toBeGreaterThanOrEqual(0);
    const venue = Number(rows.get(key)!.liqPx);
    expect(venue).toBeGreaterThan(0);
    expect(Math.abs(ev.positions[i]!.liquidationPrice! - venue) / venue).toBeLessThan(1e-6);
  });

  it("reads OKX's mgnRatio inverted as the pool's margin ratio: riskguard's 1.0 is OKX's 100 %", async () => {
    const acc = paper.engine.createAccount(BOOK);
    const snapshot = await port(acc).fetchSnapshot();
    const rows = await venueRows(acc);
    const ev = evaluateAccount(snapshot, DEFAULT_STRESS);
    for (const [key, row] of rows) {
      const i = snapshot.positions.findIndex((p) => `${p.symbol} ${p.marginMode}` === key);
      const pool = ev.pools[ev.positions[i]!.pool]!;
      expect(pool.marginRatio! * Number(row.mgnRatio)).toBeCloseTo(1, 9);
    }
  });

  it('isolated: liqPx is OKX\'s (entry − margin/size) / (1 − (mmr + taker)), and the paper liquidates there, not at the fee-less price', async () => {
    // Prepare: ETH tier 1 rate 0.4 %, the paper's taker rate 0.05 %.
    const acc = paper.engine.createAccount(BOOK);
    const taker = paper.engine.takerFee;
    const okxLiq = (3_000 - 600 / 2) / (1 - (0.004 + taker));
    const feeLess = (3_000 - 600 / 2) / (1 - 0.004);
    const rows = await venueRows(acc);
    expect(Number(rows.get('ETH-USDT-SWAP isolated')!.liqPx)).toBeCloseTo(okxLiq, 6);
    // Act: a mark between the two prices.
    paper.engine.setPrice('ETHUSDT', (okxLiq + feeLess) / 2);
    // Assess: the isolated position is gone, the cross pool untouched.
    const after = await venueRows(acc);
    expect(after.has('ETH-USDT-SWAP isolated')).toBe(false);
    expect([...after.keys()].sort()).toEqual(['BTC-USDT-SWAP cross', 'SOL-USDT-SWAP cross']);
  });
});

describe("OKX liquidation: the guard takes the fee from the account's takerU (GET account/trade-fee)", () => {
  it('follows a taker rate of 0.07 %: the isolated ETH liquidation price is the venue\'s', async () => {
    const paper = await startPaperExchange({ venue: 'okx', startTime: Date.UTC(2025, 9, 10, 20), speed: 0, takerFee: 0.0007 });
    try {
      paper.engine.setPrices(PRICES);
      const acc = paper.engine.createAccount(BOOK);
      const { env } = dialectFor('okx').credentialsFor(acc);
      const port = new OkxExchange({ apiKey: acc.apiKey, secret: acc.secret, passphrase: env.PAPER_API_PASSPHRASE!, fetchImplementation: redirectFetch(paper.url), timeoutMs: 2_000 });
      const snapshot = await port.fetchSnapshot();
      const i = snapshot.positions.findIndex((p) => p.marginMode === 'isolated');
      expect(snapshot.positions[i]!.maintenanceTiers![0]!.rate).toBeCloseTo(0.004 + 0.0007, 12);
      const liq = evaluateAccount(snapshot, DEFAULT_STRESS).positions[i]!.liquidationPrice!;
      expect(liq).toBeCloseTo(2_700 / (1 - (0.004 + 0.0007)), 6);
    } finally {
      await paper.close();
    }
  });
});

describe('paper core: the liquidation fee is an OKX option (EngineOptions.liquidationFeeInMaintenance)', () => {
  const isolatedEth: AccountSpec = {
    walletBalance: 1_000,
    positions: [{ symbol: 'ETHUSDT', side: 'long', size: 2, entryPrice: 3_000, marginMode: 'isolated', leverage: 10, isolatedMargin: 600 }],
  };
  // Between OKX's price (fee in) and Binance's (MM only): 2,712.20 and 2,710.84.
  const between = (2_700 / (1 - 0.0045) + 2_700 / (1 - 0.004)) / 2;

  it.each([
    { venue: 'Binance (default)', options: {}, liquidated: false },
    { venue: 'OKX', options: { liquidationFeeInMaintenance: true }, liquidated: true },
  ])('$venue: at a mark between the two prices, liquidated = $liquidated', ({ options, liquidated }) => {
    // Prepare
    const engine = new PaperEngine({ startTime: Date.UTC(2025, 9, 10, 20), takerFee: 0.0005, ...options });
    engine.setPrices({ ETHUSDT: 3_000 });
    const acc = engine.createAccount(isolatedEth);
    // Act
    engine.setPrice('ETHUSDT', between);
    // Assess
    expect(engine.liquidations().length > 0).toBe(liquidated);
    expect(acc.positions.size).toBe(liquidated ? 0 : 1);
  });

  it('leaves the default liquidation price fee-less (Binance) and adds the fee under the option', () => {
    const plain = new PaperEngine({ startTime: 0, takerFee: 0.0005 });
    const okx = new PaperEngine({ startTime: 0, takerFee: 0.0005, liquidationFeeInMaintenance: true });
    const liq = (engine: PaperEngine) => {
      engine.setPrices({ ETHUSDT: 3_000 });
      const acc = engine.createAccount(isolatedEth);
      return engine.accountRisk(acc).positions[0]!;
    };
    expect(liq(plain).liquidationPrice).toBeCloseTo(2_700 / (1 - 0.004), 9);
    expect(liq(plain).liquidationFee).toBe(0);
    expect(liq(okx).liquidationPrice).toBeCloseTo(2_700 / (1 - 0.0045), 9);
    expect(liq(okx).liquidationFee).toBeCloseTo(6_000 * 0.0005, 9);
  });
});
