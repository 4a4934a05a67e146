import type { VenueModule } from '../venue.ts';
import { HyperliquidExchange } from './adapter.ts';
import type { HyperliquidCredentials } from './credentials.ts';
import { HYPERLIQUID_FACTS } from './facts.ts';
import { redirectFetch } from './transport.ts';

/** Hyperliquid perpetuals through ccxt's `hyperliquid` class (its side effects turned off). */
const module: VenueModule<HyperliquidCredentials> = {
  ...HYPERLIQUID_FACTS,
  createExchange: (account, creds, opts = {}) =>
    new HyperliquidExchange({
      walletAddress: creds.walletAddress,
      privateKey: creds.privateKey,
      ...(creds.vaultAddress ? { vaultAddress: creds.vaultAddress } : {}),
      ...(account.baseUrl ? { fetchImplementation: redirectFetch(account.baseUrl) } : {}),
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.shared ? { shared: opts.shared } : {}),
    }),
};

export const HYPERLIQUID_MODULE: VenueModule<HyperliquidCredentials> = Object.freeze(module);

export default HYPERLIQUID_MODULE;
