import type { VenueModule } from '../venue.ts';
import { BybitExchange } from './adapter.ts';
import type { BybitCredentials } from './credentials.ts';
import { BYBIT_FACTS } from './facts.ts';
import { redirectFetch } from './transport.ts';

/** Bybit v5 (UTA, USDT perpetuals) through ccxt's `bybit` class. */
const module: VenueModule<BybitCredentials> = {
  ...BYBIT_FACTS,
  createExchange: (account, creds, opts = {}) =>
    new BybitExchange({
      apiKey: creds.apiKey,
      secret: creds.secret,
      ...(account.baseUrl ? { fetchImplementation: redirectFetch(account.baseUrl) } : {}),
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.shared ? { shared: opts.shared } : {}),
    }),
};

export const BYBIT_MODULE: VenueModule<BybitCredentials> = Object.freeze(module);

export default BYBIT_MODULE;
