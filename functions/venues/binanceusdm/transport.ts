import binanceusdm from '../../../node_modules/ccxt/js/src/binanceusdm.js';
import { redirectFetchTo, type RedirectFetch } from '../transport.ts';

/** Binance hosts the paper exchange serves (fapi for futures, api for /sapi and /api). */
export const BINANCE_HOSTS: readonly string[] = ['fapi.binance.com', 'api.binance.com', 'dapi.binance.com', 'papi.binance.com'];

/**
 * A fetch that sends Binance requests to `baseUrl` and refuses any other host.
 * @example new binanceusdm({ apiKey, secret, fetchImplementation: redirectFetch('http://127.0.0.1:41234'), options: { fetchCurrencies: false } })
 */
export const redirectFetch = (baseUrl: string, fetchImpl: typeof fetch = fetch): RedirectFetch => redirectFetchTo(baseUrl, BINANCE_HOSTS, fetchImpl);

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
