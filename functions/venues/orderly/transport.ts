import woofipro from '../../../node_modules/ccxt/js/src/woofipro.js';
import { redirectFetchTo, type RedirectFetch } from '../transport.ts';
import { ORDERLY_HOSTS } from './facts.ts';

export { ORDERLY_HOSTS };

/** A fetch that sends Orderly requests to `baseUrl` and refuses any other host. */
export const redirectFetch = (baseUrl: string, fetchImpl: typeof fetch = fetch): RedirectFetch => redirectFetchTo(baseUrl, ORDERLY_HOSTS, fetchImpl);

export interface OrderlyClientOptions {
  accountId: string;
  /** `ed25519:<base58 public key>`. */
  orderlyKey: string;
  /** base58 private key (optionally `ed25519:`-prefixed). */
  orderlySecret: string;
  /** Paper exchange or other base URL; Orderly's own hosts otherwise. */
  baseUrl?: string;
  timeout?: number;
}

/**
 * A ccxt woofipro client on an Orderly account: ccxt signs (ed25519, base58 secret) and maps
 * Orderly's error codes; woofipro is a broker front-end of Orderly, and every broker class of
 * ccxt reaches the same Orderly API. loadMarkets = one GET /v1/public/info (currencies off).
 */
export function orderlyClient(o: OrderlyClientOptions): woofipro {
  return new woofipro({
    apiKey: o.orderlyKey,
    secret: o.orderlySecret,
    accountId: o.accountId,
    timeout: o.timeout ?? 10_000,
    enableRateLimit: false,
    ...(o.baseUrl !== undefined ? { fetchImplementation: redirectFetch(o.baseUrl) } : {}),
    options: { fetchCurrencies: false },
  });
}

export { woofipro };
