import { describe, expect, it } from 'vitest';
import okx from '../../../node_modules/ccxt/js/src/okx.js';
import { OKX_LIMITS } from '../../../paper/dialects/okx/rate-limit.ts';
import { buildRoutes } from '../../../paper/dialects/okx/routes.ts';

/**
 * The paper's per-endpoint OKX limits against ccxt 4.5.84's okx cost table, which encodes each
 * documented limit as a cost of 100 ms units: `cost` c ⇒ 2,000 ms / (c × 100 ms) = 20 / c requests
 * per 2 s. Two independent readings of docs-v5's "Rate Limit" lines must agree.
 */
type CostTable = Record<'public' | 'private', Record<'get' | 'post', Record<string, { cost: number } | undefined>>>;

describe('OKX dialect limits agree with ccxt okx cost table', () => {
  const api = (new okx() as unknown as { api: CostTable }).api;
  const costOf = (endpoint: string, by: 'user' | 'ip'): number | undefined => {
    const side = by === 'ip' ? api.public : api.private;
    return (side.get[endpoint] ?? side.post[endpoint])?.cost;
  };

  it.each(Object.entries(OKX_LIMITS))('%s', (endpoint, limit) => {
    const cost = costOf(endpoint, limit.by);
    expect(cost).toBeDefined();
    expect((limit.n * 2_000) / limit.windowMs).toBeCloseTo(20 / cost!, 6);
  });

  it('limits every endpoint the dialect answers', () => {
    const endpoints = [...buildRoutes().keys()].map((k) => k.split(' ')[1]!.replace('/api/v5/', ''));
    expect(endpoints.filter((e) => OKX_LIMITS[e] === undefined)).toEqual([]);
  });
});
