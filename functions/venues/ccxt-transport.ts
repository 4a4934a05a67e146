import type { AsyncLocalStorage } from 'node:async_hooks';
import type { CallContext } from './ccxt-errors.ts';

/** What one adapter call learns from its requests: where they went, the status, the venue's clock. */
export type TransportContext = CallContext & { marketTime?: number };

/** A response header as a number, whatever the case of its name (ccxt capitalises word by word); NaN when absent. */
export function headerNumber(headers: Readonly<Record<string, string>> | undefined, name: string): number {
  const lower = name.toLowerCase();
  const k = Object.keys(headers ?? {}).find((x) => x.toLowerCase() === lower);
  return k !== undefined ? Number(headers![k]) : Number.NaN;
}

/**
 * Hooks a ccxt client's transport so the adapter call in flight (`inFlight`) knows where each
 * request really went (method and URL without the query, which carries the signature), the HTTP
 * status, and the venue's market clock (the paper exchange's X-Paper-Market-Time). `onResponse`
 * reads what else the venue's headers say (rate limits, used weight). One hook for every venue.
 */
export function hookCcxtTransport<C extends TransportContext>(
  client: object,
  inFlight: AsyncLocalStorage<C>,
  o: {
    realUrl(url: string): string;
    onMarketTime(t: number): void;
    onResponse?(status: number, headers: Readonly<Record<string, string>>, ctx: C | undefined): void;
  },
): void {
  const c = client as {
    fetch: (url: string, method?: string, headers?: unknown, body?: unknown) => Promise<unknown>;
    onRestResponse: (status: number, statusText: string, url: string, method: string, headers: Record<string, string>, body: string) => string;
  };
  const fetch = c.fetch.bind(client);
  c.fetch = (url, method = 'GET', headers, body) => {
    const ctx = inFlight.getStore();
    if (ctx) ctx.endpoint = `${method} ${o.realUrl(url)}`;
    return fetch(url, method, headers, body);
  };
  c.onRestResponse = (status, _statusText, _url, _method, headers, body) => {
    const ctx = inFlight.getStore();
    if (ctx) ctx.status = status;
    o.onResponse?.(status, headers ?? {}, ctx);
    const t = headerNumber(headers, 'x-paper-market-time');
    if (Number.isFinite(t) && t > 0) {
      o.onMarketTime(t);
      if (ctx) ctx.marketTime = t;
    }
    return body.trim();
  };
}
