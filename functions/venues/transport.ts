/**
 * Points ccxt at the paper exchange WITHOUT touching `urls.api`: ccxt may choose its error mapping
 * from the request URL's hostname (binance.js getExceptionsByUrl: "https://fapi.binance.com/" →
 * linear codes), so the URLs must stay the venue's. Instead ccxt is given a `fetchImplementation`
 * that rewrites Binance hosts to the paper base URL on the way out.
 *
 * ccxt 4.5.84 (base/Exchange.js fetch): a user-supplied fetchImplementation is called as
 * `fetchImplementation(url, { method, headers, body, timeout, agent?, signal })`; its AbortError
 * (timeout) becomes RequestTimeout and a TypeError (connection refused) becomes NetworkError.
 */

type FetchInit = { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal };

/** A fetch for ccxt that sends a venue's requests elsewhere; `baseUrl` says where, for error messages. */
export type RedirectFetch = ((url: string, init?: FetchInit) => Promise<Response>) & { readonly baseUrl: string };

/**
 * A fetch that sends requests for the venue's `hosts` to `baseUrl` (path and query kept) and
 * refuses any other host, so a paper-configured client can never reach a real exchange.
 * @example redirectFetchTo('http://127.0.0.1:41234', ['fapi.binance.com'])
 */
export function redirectFetchTo(baseUrl: string, venueHosts: readonly string[], fetchImpl: typeof fetch = fetch): RedirectFetch {
  const base = baseUrl.replace(/\/+$/, '');
  const hosts = new Set(venueHosts);
  const redirect = async (url: string, init: FetchInit = {}) => {
    const u = new URL(url);
    if (u.protocol !== 'https:' || !hosts.has(u.hostname)) {
      throw new Error(`redirectFetch: refusing to send a request to ${u.origin}; only the venue's hosts (${venueHosts.join(', ')}) are redirected to ${base}`);
    }
    return fetchImpl(`${base}${u.pathname}${u.search}`, {
      method: init.method ?? 'GET',
      ...(init.headers !== undefined ? { headers: init.headers } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
      ...(init.signal !== undefined ? { signal: init.signal } : {}),
      redirect: 'error',
    });
  };
  return Object.assign(redirect, { baseUrl: base });
}

