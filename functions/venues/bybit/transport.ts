import bybit from '../../../node_modules/ccxt/js/src/bybit.js';
import { redirectFetchTo, type RedirectFetch } from '../transport.ts';
import { BYBIT_HOSTS } from './facts.ts';

export { BYBIT_HOSTS };

/** A fetch that sends Bybit requests to `baseUrl` and refuses any other host. */
export const redirectFetch = (baseUrl: string, fetchImpl: typeof fetch = fetch): RedirectFetch => redirectFetchTo(baseUrl, BYBIT_HOSTS, fetchImpl);

/**
 * The ccxt options riskguard runs Bybit with: USDT linear markets only (ccxt's loadMarkets would
 * otherwise read spot, inverse and six option chains too), no currencies read, the venue's
 * clock for signatures, and the account known to be unified (UTA), so ccxt does not call
 * /v5/user/query-api and /v5/account/info before every order (the adapter reads both itself).
 */
export const BYBIT_CCXT_OPTIONS = Object.freeze({
  fetchMarkets: { types: ['linear'] },
  fetchCurrencies: false,
  defaultType: 'swap',
  defaultSubType: 'linear',
  defaultSettle: 'USDT',
  adjustForTimeDifference: true,
  enableUnifiedAccount: true,
  enableUnifiedMargin: false,
  recvWindow: 5_000,
});

export interface PaperClientOptions {
  url: string;
  apiKey: string;
  secret: string;
  timeout?: number;
  options?: Record<string, unknown>;
}

/** A ccxt bybit client wired to the paper exchange. */
export function paperBybit(o: PaperClientOptions): bybit {
  return new bybit({
    apiKey: o.apiKey,
    secret: o.secret,
    timeout: o.timeout ?? 10_000,
    enableRateLimit: false,
    fetchImplementation: redirectFetch(o.url),
    options: { ...BYBIT_CCXT_OPTIONS, fetchMarkets: { types: ['linear'] }, ...o.options },
  });
}

export { bybit };
