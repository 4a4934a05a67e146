import { redirectFetchTo, type RedirectFetch } from '../transport.ts';

/** Hyperliquid hosts the paper exchange (or a testnet proxy) serves. */
export const HYPERLIQUID_HOSTS: readonly string[] = ['api.hyperliquid.xyz', 'api.hyperliquid-testnet.xyz'];

/** A fetch that sends Hyperliquid requests to `baseUrl` and refuses any other host. */
export const redirectFetch = (baseUrl: string, fetchImpl: typeof fetch = fetch): RedirectFetch => redirectFetchTo(baseUrl, HYPERLIQUID_HOSTS, fetchImpl);
