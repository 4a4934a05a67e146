import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaperExchange } from '../../../paper/index.ts';
import { hyperliquidState, walletsOf } from '../../../paper/dialects/hyperliquid/index.ts';
import { control } from '../helpers.ts';
import { ccxtClient, info, startHyperliquidPaper } from './helpers.ts';

/**
 * The Hyperliquid paper account: liquidation at maintenance margin (half the initial margin at the
 * tier's max leverage) with the backstop below 2/3 of it, the ledger paged at 500 rows, hourly
 * funding, and standard, unified and portfolio-margin accounts.
 */

let ex: PaperExchange;
beforeAll(async () => {
  ex = await startHyperliquidPaper({ weightLimit: 1_000_000 });
});
afterAll(async () => {
  await ex.close();
});

type Ledger = { time: number; hash: string; delta: { type: string; usdc?: string; accountValue?: string; leverageType?: string; liquidatedPositions?: { coin: string; szi: string }[] } }[];

/** 10,000 USDC and a cross BTC long of 1 at 50,000 (10x). BTC MM rate 1/(2 × 40) = 1.25 %: liquidated below 40,506.33, backstop below 40,336.13. */
const btcLong = () =>
  ex.engine.createAccount({ walletBalance: 10_000, positions: [{ symbol: 'BTC', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }] });

describe('hyperliquid paper: liquidation', () => {
  it('reports the liquidation price where account value meets maintenance margin', async () => {
    ex.engine.setPrices({ BTC: 50_000 });
    const acc = btcLong();
    const state = (await info(ex, acc, 'clearinghouseState')).json as { assetPositions: { position: { liquidationPx: string } }[] };
    // 10,000 + (P − 50,000) = 0.0125 P  →  P = 40,000 / 0.9875
    expect(Number(state.assetPositions[0]!.position.liquidationPx)).toBeCloseTo(40_000 / 0.9875, 4);
  });

  it('market-liquidates below maintenance margin: the account keeps what is left, the ledger says so', async () => {
    ex.engine.setPrices({ BTC: 50_000 });
    const acc = btcLong();
    ex.engine.setPrices({ BTC: 40_450 }); // value 450 < MM 505.63, above 2/3 of it (337.08)
    expect(acc.positions.size).toBe(0);
    expect(acc.crossWallet).toBeCloseTo(450, 6);
    const ledger = (await info(ex, acc, 'userNonFundingLedgerUpdates', { startTime: 0 })).json as Ledger;
    const liq = ledger.filter((r) => r.delta.type === 'liquidation');
    expect(liq).toHaveLength(1);
    expect(liq[0]!.delta).toEqual({ type: 'liquidation', liquidatedNtlPos: '40450.0', accountValue: '450.0', leverageType: 'Cross', liquidatedPositions: [{ coin: 'BTC', szi: '1.0' }] });
    const state = (await info(ex, acc, 'clearinghouseState')).json as { marginSummary: { accountValue: string } };
    expect(Number(state.marginSummary.accountValue)).toBeCloseTo(450, 6);
  });

  it('goes to the backstop below 2/3 of maintenance margin: the liquidator takes the cross margin too', async () => {
    ex.engine.setPrices({ BTC: 50_000 });
    const acc = btcLong();
    ex.engine.setPrices({ BTC: 40_300 }); // value 300 < 2/3 × 503.75
    expect(acc.positions.size).toBe(0);
    expect(acc.crossWallet).toBe(0);
    expect(ex.engine.liquidations().filter((e) => e.accountId === acc.id).map((e) => e.method)).toEqual(['backstop']);
  });

  it.each([
    [3_540, 'market', 10_120],
    [3_560, 'backstop', 10_000],
  ] as const)('liquidates an isolated ETH short alone at %d (%s): the cross wallet ends at %d', (price, method, wallet) => {
    ex.engine.setPrices({ ETH: 3_000 });
    const acc = ex.engine.createAccount({
      walletBalance: 10_000,
      symbols: { ETH: { marginMode: 'isolated', leverage: 5 } },
      positions: [{ symbol: 'ETH', side: 'short', size: 2, entryPrice: 3_000, marginMode: 'isolated', leverage: 5, isolatedMargin: 1_200 }],
    });
    // ETH MM rate 1/(2 × 25) = 2 %: pool 1,200 − 2 (P − 3,000) against 0.04 P.
    ex.engine.setPrices({ ETH: price });
    expect(acc.positions.size).toBe(0);
    expect(acc.crossWallet).toBeCloseTo(wallet, 6);
    expect(ex.engine.liquidations().filter((e) => e.accountId === acc.id).map((e) => e.method)).toEqual([method]);
    ex.engine.setPrices({ ETH: 3_000 });
  });
});

describe('hyperliquid paper: history', () => {
  it('pages the ledger at 500 rows a call, by startTime', async () => {
    const acc = ex.engine.createAccount({ walletBalance: 1_000 });
    for (let i = 0; i < 1_200; i++) {
      ex.engine.advanceBy(1_000);
      ex.engine.deposit(acc.id, 1);
    }
    const rows: Ledger = [];
    const sizes: number[] = [];
    let startTime = 0;
    for (;;) {
      const page = (await info(ex, acc, 'userNonFundingLedgerUpdates', { startTime, endTime: ex.engine.now() })).json as Ledger;
      sizes.push(page.length);
      rows.push(...page);
      if (page.length < 500) break;
      startTime = page[page.length - 1]!.time + 1;
    }
    expect(sizes).toEqual([500, 500, 201]);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(1_201);
    expect(rows[0]!.delta).toEqual({ type: 'deposit', usdc: '1000.0' });
    expect(rows.slice(1).every((r) => r.delta.type === 'deposit' && r.delta.usdc === '1.0')).toBe(true);
  });

  it('writes a withdrawal as a withdraw row', async () => {
    const acc = ex.engine.createAccount({ walletBalance: 1_000 });
    ex.engine.withdraw(acc.id, 250);
    const ledger = (await info(ex, acc, 'userNonFundingLedgerUpdates', { startTime: 0 })).json as Ledger;
    expect(ledger.map((r) => r.delta)).toEqual([{ type: 'deposit', usdc: '1000.0' }, { type: 'withdraw', usdc: '250.0', nonce: expect.any(Number), fee: '0.0' }]);
  });

  it('writes ledger rows of any delta type, moving the wallet as they say', async () => {
    const acc = ex.engine.createAccount({ walletBalance: 1_000 });
    const me = walletsOf(acc).master.address;
    const state = hyperliquidState(ex.engine);
    state.writeLedger(ex.engine, acc, { type: 'internalTransfer', usdc: '250.0', user: me, destination: `0x${'22'.repeat(20)}`, fee: '1.0' }, -250);
    state.writeLedger(ex.engine, acc, { type: 'somethingNew', usdc: '5.0' });
    const ledger = (await info(ex, acc, 'userNonFundingLedgerUpdates', { startTime: 0 })).json as Ledger;
    expect(ledger.map((r) => r.delta.type)).toEqual(['deposit', 'internalTransfer', 'somethingNew']);
    expect(acc.crossWallet).toBe(750);
  });

  it('settles funding every hour: a long pays size × mark × rate', async () => {
    ex.engine.setPrices({ BTC: 50_000 });
    ex.engine.setTime(Math.floor(ex.engine.now() / 3_600_000) * 3_600_000 + 1);
    const acc = btcLong();
    ex.engine.advanceBy(3_600_000);
    const funding = (await info(ex, acc, 'userFunding', { startTime: 0 })).json as { delta: { type: string; coin: string; usdc: string; fundingRate: string } }[];
    // 1 × 50,000 × 0.00125 % (0.01 % per 8 h, paid hourly)
    expect(funding.map((f) => f.delta)).toEqual([{ type: 'funding', coin: 'BTC', usdc: '-0.625', szi: '1.0', fundingRate: '0.0000125', nSamples: null }]);
    expect(acc.crossWallet).toBeCloseTo(10_000 - 0.625, 9);
  });

  it('lists fills with their direction and closed PnL', async () => {
    ex.engine.setPrices({ BTC: 50_000 });
    const acc = btcLong();
    const c = ccxtClient(ex, acc);
    await c.loadMarkets();
    await c.createOrder('BTC/USDC:USDC', 'limit', 'sell', 0.4, 49_000, { timeInForce: 'Ioc', reduceOnly: true });
    const fills = (await info(ex, acc, 'userFillsByTime', { startTime: 0 })).json as { coin: string; side: string; sz: string; dir: string; closedPnl: string; feeToken: string }[];
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ coin: 'BTC', side: 'A', sz: '0.4', dir: 'Close Long', feeToken: 'USDC' });
    // 0.4 × (49,975 − 50,000): filled at mark − 0.05 % slippage, within the limit
    expect(Number(fills[0]!.closedPnl)).toBeCloseTo(-10, 6);
  });
});

describe('hyperliquid paper: account modes', () => {
  it('keeps a unified account’s balance in spotClearinghouseState, where ccxt reads it', async () => {
    ex.engine.setPrices({ BTC: 50_000 });
    const made = await control(ex, 'POST', '/paper/accounts', {
      walletBalance: 5_000,
      unifiedAccount: true,
      positions: [{ symbol: 'BTC', side: 'long', size: 0.1, entryPrice: 50_000, leverage: 10 }],
    });
    expect(made.status).toBe(201);
    expect(made.json.credentials).toEqual({ walletAddressEnv: 'PAPER_HL_WALLET_ADDRESS', privateKeyEnv: 'PAPER_HL_PRIVATE_KEY' });
    const acc = ex.engine.getAccount(made.json.accountId);
    expect(made.json.env).toEqual({ PAPER_HL_WALLET_ADDRESS: walletsOf(acc).master.address, PAPER_HL_PRIVATE_KEY: walletsOf(acc).agent.privateKey });
    expect((await info(ex, acc, 'userAbstraction')).json).toBe('unifiedAccount');
    const bal = await ccxtClient(ex, acc).fetchBalance();
    expect(bal['USDC']).toMatchObject({ total: 5_000, used: 500 });
    const perp = (await info(ex, acc, 'clearinghouseState')).json as { marginSummary: { accountValue: string }; withdrawable: string; assetPositions: unknown[] };
    expect(perp.marginSummary.accountValue).toBe('0.0');
    expect(perp.withdrawable).toBe('0.0');
    expect(perp.assetPositions).toHaveLength(1);
  });

  it('reports a standard account as "default" with an empty spot USDC, and portfolio margin as "portfolioMargin"', async () => {
    const standard = ex.engine.createAccount({ walletBalance: 1_000 });
    expect((await info(ex, standard, 'userAbstraction')).json).toBe('default');
    expect((await info(ex, standard, 'spotClearinghouseState')).json).toEqual({ balances: [{ coin: 'USDC', token: 0, total: '0.0', hold: '0.0', entryNtl: '0.0' }] });
    const pm = ex.engine.createAccount({ walletBalance: 1_000, portfolioMargin: true });
    expect((await info(ex, pm, 'userAbstraction')).json).toBe('portfolioMargin');
    hyperliquidState(ex.engine).setAbstraction(standard, 'dexAbstraction');
    expect((await info(ex, standard, 'userAbstraction')).json).toBe('dexAbstraction');
  });
});
