import okx from '../../../node_modules/ccxt/js/src/okx.js';
import { redirectFetchTo, type RedirectFetch } from '../transport.ts';
import { OKX_HOSTS } from './facts.ts';

/** A fetch that sends OKX requests to `baseUrl` and refuses any other host. */
export const redirectFetch = (baseUrl: string, fetchImpl: typeof fetch = fetch): RedirectFetch => redirectFetchTo(baseUrl, OKX_HOSTS, fetchImpl);

export interface PaperOkxOptions {
  url: string;
  apiKey: string;
  secret: string;
  password: string;
  timeout?: number;
  options?: Record<string, unknown>;
}

/** A ccxt okx client wired to the paper exchange. */
export function paperOkx(o: PaperOkxOptions): okx {
  return new okx({
    apiKey: o.apiKey,
    secret: o.secret,
    password: o.password,
    timeout: o.timeout ?? 10_000,
    enableRateLimit: false,
    fetchImplementation: redirectFetch(o.url),
    ...(o.options ? { options: o.options } : {}),
  });
}

export { okx };
