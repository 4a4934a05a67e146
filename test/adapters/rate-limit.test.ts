import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPaperExchange, type PaperExchange } from '../../paper/index.ts';
import { createExchange } from '../../functions/venues/index.ts';
import { ExchangeRateLimitError } from '../../functions/errors.ts';
import { withRetry } from '../../functions/use-cases/retry.ts';

/**
 * A 429 (or 418) says how long to wait in Retry-After. Retrying sooner turns a rate limit into an
 * IP ban on Binance: the read waits at least that long, or — when that is past the tick's budget —
 * gives up at once instead of hammering.
 */

let paper: PaperExchange;
const requests: { path: string; status: number }[] = [];
beforeEach(async () => {
  requests.length = 0;
  paper = await startPaperExchange({ speed: 0, onRequest: (e) => void requests.push({ path: e.path, status: e.status }) });
  paper.engine.setPrices({ BTCUSDT: 50_000 });
});
afterEach(async () => {
  await paper.close();
});

function port() {
  const acc = paper.engine.createAccount({ walletBalance: 10_000 });
  const config = { id: 'rl', exchange: 'binanceusdm', baseUrl: paper.url, credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } as const;
  return { acc, exchange: createExchange(config, { apiKey: acc.apiKey, secret: acc.secret }, { timeoutMs: 400 }) };
}

describe('rate limits (429) through ccxt → paper', () => {
  it('classifies a 429 as a rate limit with the Retry-After it carried', async () => {
    const { acc, exchange } = port();
    await exchange.fetchSnapshot();
    paper.faults.add({ kind: 'http429', endpoint: '/fapi/v3/account', count: 1, accountId: acc.id });
    const err = await exchange.fetchSnapshot().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeRateLimitError);
    expect((err as ExchangeRateLimitError).retryAfterMs).toBe(60_000);
    expect((err as ExchangeRateLimitError).status).toBe(429);
  });

  it('does not hammer a 429 whose Retry-After is past the tick budget: one request, not four', async () => {
    const { acc, exchange } = port();
    await exchange.fetchSnapshot();
    paper.faults.add({ kind: 'http429', endpoint: '/fapi/v3/account', count: 10, accountId: acc.id });
    requests.length = 0;
    let now = 0;
    const slept: number[] = [];
    const r = withRetry(() => exchange.fetchSnapshot(), { attempts: 4, baseDelayMs: 200, now: () => now, deadline: 5_000, sleep: async (ms) => void (slept.push(ms), (now += ms)) });
    await expect(r).rejects.toBeInstanceOf(ExchangeRateLimitError);
    expect(requests.filter((q) => q.path === '/fapi/v3/account' && q.status === 429)).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it('waits as long as Retry-After asks, then reads', async () => {
    const { acc, exchange } = port();
    await exchange.fetchSnapshot();
    paper.faults.add({ kind: 'http429', endpoint: '/fapi/v3/account', count: 1, accountId: acc.id });
    let now = 0;
    const slept: number[] = [];
    const s = await withRetry(() => exchange.fetchSnapshot(), { attempts: 4, baseDelayMs: 200, now: () => now, deadline: 120_000, sleep: async (ms) => void (slept.push(ms), (now += ms)) });
    expect(s.crossWalletBalance).toBe(10_000);
    expect(slept).toEqual([60_000]);
  });

  it('an IP banned for sending on after 429s (418, not a fault) is a rate limit that waits out the ban', async () => {
    await paper.close();
    paper = await startPaperExchange({ speed: 0, weightLimit: 400, banAfter429s: 1, banMs: 120_000 });
    paper.engine.setPrices({ BTCUSDT: 50_000 });
    const { exchange } = port();
    await exchange.fetchSnapshot();
    const ping = async () => (await fetch(`${paper.url}/fapi/v1/ping`)).status;
    let status = 200;
    for (let i = 0; i < 500 && status === 200; i++) status = await ping();
    expect(status).toBe(429);
    expect(await ping()).toBe(418);
    const err = await exchange.fetchSnapshot().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeRateLimitError);
    expect((err as ExchangeRateLimitError).retryAfterMs).toBe(120_000);
    expect((err as Error).message).toMatch(/HTTP 418/);
  });
});
