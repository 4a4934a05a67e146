import { afterEach, describe, expect, it } from 'vitest';
import { ExchangeRateLimitError, ExchangeUnavailableError } from '../../../functions/errors.ts';
import { OkxExchange } from '../../../functions/venues/okx/adapter.ts';
import { paperOkx, redirectFetch } from '../../../functions/venues/okx/transport.ts';
import { dialectFor, startPaperExchange, type PaperAccount, type PaperExchange } from '../../../paper/index.ts';

/** The OKX dialect's clock window, rate limits and 5xx bodies, through the adapter and real ccxt. */
describe('OKX: timestamps, rate limits and faults at the wire', () => {
  let paper: PaperExchange | undefined;
  afterEach(() => paper?.close());

  const start = async (wallClockOffsetMs = 0) => {
    paper = await startPaperExchange({ venue: 'okx', startTime: Date.UTC(2025, 9, 10, 20), speed: 0, wallClockOffsetMs });
    paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000 });
    return paper;
  };
  const port = (p: PaperExchange, acc: PaperAccount) =>
    new OkxExchange({ apiKey: acc.apiKey, secret: acc.secret, passphrase: dialectFor('okx').credentialsFor(acc).env.PAPER_API_PASSPHRASE!, fetchImplementation: redirectFetch(p.url), timeoutMs: 2_000 });

  it("signs with OKX's clock when the host is 90 s off (OKX refuses 30 s: 50102)", async () => {
    const p = await start(90_000);
    const acc = p.engine.createAccount({ walletBalance: 1_000 });
    // A client signing with the host's clock is refused…
    const naive = paperOkx({ url: p.url, apiKey: acc.apiKey, secret: acc.secret, password: dialectFor('okx').credentialsFor(acc).env.PAPER_API_PASSPHRASE!, timeout: 2_000 });
    const refused = await naive.fetchBalance().catch((e: Error) => e);
    expect((refused as Error).message).toContain('50102');
    // …the adapter measures OKX's clock (public/time) and signs with it.
    const s = await port(p, acc).fetchSnapshot();
    expect(s.crossWalletBalance).toBe(1_000);
  });

  it('answers the 11th balance read within 2 s with 50011 / HTTP 429: a rate-limit error', async () => {
    const p = await start();
    const acc = p.engine.createAccount({ walletBalance: 1_000 });
    const ex = port(p, acc);
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => ex.fetchSnapshot()));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as Error);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    for (const e of refused) {
      expect(e).toBeInstanceOf(ExchangeRateLimitError);
      expect(e.message).toContain('50011');
    }
  });

  it('answers a 5xx with an OKX JSON body (50026), which the guard retries', async () => {
    const p = await start();
    const acc = p.engine.createAccount({ walletBalance: 1_000 });
    p.faults.add({ kind: 'http500', endpoint: '/api/v5/account/balance', count: 1 });
    const err = await port(p, acc).fetchSnapshot().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeUnavailableError);
    expect((err as Error).message).toContain('50026');
  });
});
