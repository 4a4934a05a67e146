import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type PaperExchange } from '../../../paper/index.ts';
import { paperOkx } from '../../../functions/venues/okx/transport.ts';
import { dialectFor } from '../../../paper/index.ts';

/** The OKX dialect through ccxt 4.5.84's own okx class (its default loadMarkets, its signing). */
describe('paper exchange speaking OKX v5 (ccxt okx over HTTP)', () => {
  let paper: PaperExchange;
  beforeEach(async () => {
    paper = await startPaperExchange({ venue: 'okx', startTime: Date.UTC(2025, 9, 10, 20), speed: 0 });
    paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000 });
  });
  afterEach(() => paper.close());

  const client = (acc: { apiKey: string; secret: string }, over: Partial<{ secret: string; password: string }> = {}) => {
    const { env } = dialectFor('okx').credentialsFor(acc as never);
    return paperOkx({ url: paper.url, apiKey: acc.apiKey, secret: over.secret ?? acc.secret, password: over.password ?? env.PAPER_API_PASSPHRASE!, timeout: 2_000 });
  };

  it("loads markets with ccxt's defaults (every instType, currencies) and reads contracts of ctVal", async () => {
    const acc = paper.engine.createAccount({ walletBalance: 1_000 });
    const c = client(acc);
    const markets = await c.loadMarkets();
    const btc = markets['BTC/USDT:USDT']!;
    expect(btc.id).toBe('BTC-USDT-SWAP');
    expect(btc.contractSize).toBe(0.01);
    expect(markets['ETH/USDT:USDT']!.contractSize).toBe(0.1);
  });

  it('answers positions in contracts: 1 BTC is 100 contracts, mmr an amount, mgnRatio = equity / (maintenance + liquidation fee)', async () => {
    const acc = paper.engine.createAccount({
      walletBalance: 10_000,
      positions: [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
    });
    const c = client(acc);
    const r = (await (c as unknown as { privateGetAccountPositions(p: object): Promise<{ code: string; data: Record<string, string>[] }> }).privateGetAccountPositions({ instType: 'SWAP' }));
    expect(r.code).toBe('0');
    const p = r.data[0]!;
    expect(p.instId).toBe('BTC-USDT-SWAP');
    expect(Number(p.pos)).toBe(100);
    const risk = paper.engine.accountRisk(acc);
    expect(Number(p.mmr)).toBeCloseTo(risk.positions[0]!.maintMargin, 6);
    // OKX: "Margin ratio = (…) / (Maintenance margin + Liquidation fee)", the fee = value × taker rate.
    const fee = risk.positions[0]!.notional * paper.engine.takerFee;
    expect(fee).toBeGreaterThan(0);
    expect(Number(p.mgnRatio)).toBeCloseTo(risk.crossMarginBalance / (risk.crossMaintMargin + fee), 6);
    expect(p.mgnMode).toBe('cross');
  });

  it('places a reduce-only market close in contracts and refuses one with nothing to reduce (51169, a generic ExchangeError in ccxt)', async () => {
    const acc = paper.engine.createAccount({
      walletBalance: 10_000,
      positions: [{ symbol: 'ETHUSDT', side: 'long', size: 5, entryPrice: 3_000, marginMode: 'cross', leverage: 10 }],
    });
    const c = client(acc);
    const post = (c as unknown as { privatePostTradeOrder(p: object): Promise<{ code: string; data: { sCode: string }[] }> }).privatePostTradeOrder.bind(c);
    const ok = await post({ instId: 'ETH-USDT-SWAP', tdMode: 'cross', side: 'sell', ordType: 'market', sz: '20', reduceOnly: true });
    expect(ok.code).toBe('0');
    expect(acc.positions.get('ETHUSDT:BOTH:CROSSED')!.amt).toBeCloseTo(3, 9); // 20 contracts × 0.1 ETH
    const err = await post({ instId: 'BTC-USDT-SWAP', tdMode: 'cross', side: 'sell', ordType: 'market', sz: '1', reduceOnly: true }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).constructor.name).toBe('ExchangeError');
    expect((err as Error).message).toContain('51169');
  });

  it('verifies the signature: a wrong secret is 50113, a wrong passphrase 50105 (AuthenticationError)', async () => {
    const acc = paper.engine.createAccount({ walletBalance: 1_000 });
    const bad = await client(acc, { secret: 'not-the-secret' }).fetchBalance().catch((e: Error) => e);
    expect((bad as Error).constructor.name).toBe('AuthenticationError');
    expect((bad as Error).message).toContain('50113');
    const pp = await client(acc, { password: 'wrong' }).fetchBalance().catch((e: Error) => e);
    expect((pp as Error).message).toContain('50105');
  });
});

describe('riskguard paper --venue okx (in process)', () => {
  it('starts the OKX dialect and exports key, secret and passphrase for the demo account', async () => {
    const { runPaperCli } = await import('../../../paper/cli.ts');
    const lines: string[] = [];
    const ex = await runPaperCli({ speed: 0, venue: 'okx', log: (l) => lines.push(l) });
    try {
      expect(lines.join('\n')).toMatch(/^venue: okx$/m);
      const exported = Object.fromEntries(lines.map((l) => /^ {2}export (\w+)=(\S+)$/.exec(l)).filter((m) => m !== null).map((m) => [m[1], m[2]]));
      const demo = ex.engine.listAccounts()[0]!;
      expect(Object.keys(exported).sort()).toEqual(['PAPER_API_KEY', 'PAPER_API_PASSPHRASE', 'PAPER_API_SECRET']);
      const c = paperOkx({ url: ex.url, apiKey: exported.PAPER_API_KEY!, secret: exported.PAPER_API_SECRET!, password: exported.PAPER_API_PASSPHRASE!, timeout: 2_000 });
      const positions = await c.fetchPositions();
      expect(positions.length).toBe(demo.positions.size);
    } finally {
      await ex.close();
    }
  });
});
