import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../functions/config.ts';
import { ExchangeAuthError } from '../../../functions/errors.ts';
import { createExchange } from '../../../functions/venues/index.ts';
import { formatIssues } from '../../../functions/validation.ts';
import { dialectFor, startPaperExchange, type PaperExchange } from '../../../paper/index.ts';

/**
 * `demo: true` on an OKX account: the key is a demo-trading key, so every request carries
 * `x-simulated-trading: 1` (https://www.okx.com/docs-v5/en/#overview-demo-trading-services). The
 * paper's keys are live keys: it answers such a request 50101 (key of the other environment), which
 * is how the test sees the header travel over HTTP.
 */
describe('OKX demo-trading keys (accounts[].demo)', () => {
  let paper: PaperExchange;
  beforeEach(async () => {
    paper = await startPaperExchange({ venue: 'okx', startTime: Date.UTC(2025, 9, 10, 20), speed: 0 });
    paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000 });
  });
  afterEach(() => paper.close());

  const exchangeFor = (demo: boolean | undefined) => {
    const acc = paper.engine.createAccount({ walletBalance: 1_000 });
    const { env } = dialectFor('okx').credentialsFor(acc);
    const config = ConfigSchema.parse({
      accounts: [{ id: 'okx-demo', exchange: 'okx', baseUrl: paper.url, ...(demo === undefined ? {} : { demo }), credentials: { apiKeyEnv: 'K', secretEnv: 'S', passphraseEnv: 'P' } }],
    }).accounts[0]!;
    return createExchange(config, { apiKey: acc.apiKey, secret: acc.secret, passphrase: env.PAPER_API_PASSPHRASE! });
  };

  it('sends x-simulated-trading: 1 with demo: true (a live key is then refused: 50101)', async () => {
    const err = await exchangeFor(true).fetchSnapshot().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeAuthError);
    expect(String((err as Error).message)).toMatch(/50101/);
  });

  it.each([false, undefined])('sends no demo header with demo: %s', async (demo) => {
    const s = await exchangeFor(demo).fetchSnapshot();
    expect(s.crossWalletBalance).toBeCloseTo(1_000, 6);
  });

  it('refuses demo on another venue, naming the field', () => {
    const r = ConfigSchema.safeParse({ accounts: [{ id: 'b', exchange: 'binanceusdm', demo: true, credentials: { apiKeyEnv: 'K', secretEnv: 'S' } }] });
    expect(r.success).toBe(false);
    expect(formatIssues(r.error!)).toMatch(/accounts\[0\]\.demo: "demo".*OKX setting; remove it from this binanceusdm account/s);
  });
});
