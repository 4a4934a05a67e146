import { DDoSProtection } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import type { PaperExchange, PaperExchangeOptions } from '../../paper/index.ts';
import { WeightTracker } from '../../paper/dialects/binanceusdm/rate-limit.ts';
import { clientFor, startStepped } from './helpers.ts';

/**
 * Binance counts request weight per IP, not per API key, and bans an IP (HTTP 418) that keeps
 * sending after 429s (https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info).
 */

let ex: PaperExchange | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

async function start(opts: PaperExchangeOptions): Promise<PaperExchange> {
  ex = await startStepped(opts);
  return ex;
}

const ping = async (x: PaperExchange) => {
  const res = await fetch(`${x.url}/fapi/v1/ping`);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), used: res.headers.get('x-mbx-used-weight-1m'), body: (await res.json()) as { code?: number; msg?: string } };
};

describe('request weight per client IP (Binance dialect)', () => {
  it('two API keys on one host share one budget: what one spends, the other cannot', async () => {
    const x = await start({ weightLimit: 13 });
    const a = clientFor(x, { walletBalance: 1_000 }).client;
    const b = clientFor(x, { walletBalance: 1_000 }).client;
    await a.loadMarkets(); // exchangeInfo: 1
    await b.loadMarkets(); // 2
    await a.fetchBalance(); // 7
    await a.fetchBalance(); // 12
    expect(a.last_response_headers?.['X-Mbx-Used-Weight-1m']).toBe('12');
    // Per key, b would have 13 to spend; per IP it has 1 left, and fetchBalance costs 5.
    await expect(b.fetchBalance()).rejects.toThrow(DDoSProtection);
    await expect(b.fetchBalance()).rejects.toThrow(/-1003/);
    expect((await ping(x)).used).toBe('13'); // the unsigned ping is on the same budget too
  });

  it('answers 429 with Retry-After to the end of the minute and the -1003 body', async () => {
    const x = await start({ weightLimit: 2 });
    x.engine.setTime(Date.UTC(2025, 0, 1, 0, 0, 45));
    await ping(x);
    await ping(x);
    const r = await ping(x);
    expect(r.status).toBe(429);
    expect(r.retryAfter).toBe('15');
    expect(r.body.code).toBe(-1003);
    expect(r.body.msg).toMatch(/^Too many requests; current limit of IP\(127\.0\.0\.1\) is 2 requests per minute/);
  });

  it('bans the IP with 418 (and Retry-After until the ban ends) when it keeps sending after 429s', async () => {
    const x = await start({ weightLimit: 1, banAfter429s: 2, banMs: 120_000 });
    const t0 = Date.UTC(2025, 0, 1, 0, 0, 10);
    x.engine.setTime(t0);
    expect((await ping(x)).status).toBe(200);
    expect((await ping(x)).status).toBe(429);
    expect((await ping(x)).status).toBe(429);
    const banned = await ping(x);
    expect(banned.status).toBe(418);
    expect(banned.retryAfter).toBe('120');
    expect(banned.body).toEqual({ code: -1003, msg: `Way too many requests; IP(127.0.0.1) banned until ${t0 + 120_000}. Please use the websocket for live updates to avoid bans.` });
    // A new minute does not lift a ban; its end does.
    x.engine.setTime(t0 + 60_000);
    expect((await ping(x)).status).toBe(418);
    x.engine.setTime(t0 + 120_000);
    expect((await ping(x)).status).toBe(200);
  });

  it('a client that backs off after one 429 is not banned', async () => {
    const x = await start({ weightLimit: 1, banAfter429s: 2 });
    const t0 = Date.UTC(2025, 0, 1, 0, 0, 10);
    x.engine.setTime(t0);
    await ping(x);
    expect((await ping(x)).status).toBe(429);
    x.engine.setTime(t0 + 60_000);
    expect((await ping(x)).status).toBe(200);
  });
});

describe('WeightTracker', () => {
  it('doubles a repeat offender’s ban, up to 3 days', () => {
    const w = new WeightTracker({ weightLimit: 1, banAfter429s: 0, banMs: 120_000 });
    let t = 0;
    const bans: number[] = [];
    for (let i = 0; i < 14; i++) {
      w.charge('ip', 1, t);
      const c = w.charge('ip', 1, t);
      expect(c.status).toBe('banned');
      if (c.status === 'banned') {
        bans.push(c.until - t);
        t = c.until + 60_000;
      }
    }
    expect(bans.slice(0, 3)).toEqual([120_000, 240_000, 480_000]);
    expect(bans.at(-1)).toBe(3 * 86_400_000);
  });
});
