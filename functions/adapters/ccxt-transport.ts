import binanceusdm from '../../node_modules/ccxt/js/src/binanceusdm.js';

/**
 * Points ccxt at the paper exchange WITHOUT touching `urls.api`: ccxt chooses its error mapping
 * from the request URL's hostname (binance.js getExceptionsByUrl: "https://fapi.binance.com/" →
 * linear codes), so the URLs must stay Binance's. Instead ccxt is given a `fetchImplementation`
 * that rewrites Binance hosts to the paper base URL on the way out.
 *
 * ccxt 4.5.84 (base/Exchange.js fetch): a user-supplied fetchImplementation is called as
 * `fetchImplementation(url, { method, headers, body, timeout, agent?, signal })`; its AbortError
 * (timeout) becomes RequestTimeout and a TypeError (connection refused) becomes NetworkError.
 */

/** Binance hosts the paper exchange serves (fapi for futures, api for /sapi and /api). */
export const BINANCE_HOSTS: readonly string[] = ['fapi.binance.com', 'api.binance.com', 'dapi.binance.com', 'papi.binance.com'];

type FetchInit = { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal };

/** A fetch for ccxt that sends Binance requests elsewhere; `baseUrl` says where, for error messages. */
export type RedirectFetch = ((url: string, init?: FetchInit) => Promise<Response>) & { readonly baseUrl: string };

/**
 * A fetch that sends Binance requests to `baseUrl` (path and query kept) and refuses any other
 * host, so a paper-configured client can never reach a real exchange.
 * @example new binanceusdm({ apiKey, secret, fetchImplementation: redirectFetch('http://127.0.0.1:41234'), options: { fetchCurrencies: false } })
 */
export function redirectFetch(baseUrl: string, fetchImpl: typeof fetch = fetch): RedirectFetch {
  const base = baseUrl.replace(/\/+$/, '');
  const hosts = new Set(BINANCE_HOSTS);
  const redirect = async (url: string, init: FetchInit = {}) => {
    const u = new URL(url);
    if (u.protocol !== 'https:' || !hosts.has(u.hostname)) {
      throw new Error(`redirectFetch: refusing to send a request to ${u.origin}; only Binance hosts are redirected to the paper exchange`);
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

export interface PaperClientOptions {
  /** Paper exchange base URL (startPaperExchange().url). */
  url: string;
  apiKey: string;
  secret: string;
  /** ccxt request timeout, ms. Default 10,000 (ccxt's). */
  timeout?: number;
  /** Extra ccxt options (merged over `{ fetchCurrencies: false }`). */
  options?: Record<string, unknown>;
}

/** A ccxt binanceusdm client wired to the paper exchange (loadMarkets = one exchangeInfo call). */
export function paperBinanceusdm(o: PaperClientOptions): binanceusdm {
  return new binanceusdm({
    apiKey: o.apiKey,
    secret: o.secret,
    timeout: o.timeout ?? 10_000,
    enableRateLimit: false,
    fetchImplementation: redirectFetch(o.url),
    options: { fetchCurrencies: false, ...o.options },
  });
}

export { binanceusdm };
