import type { VenueModule } from '../venue.ts';
import { OrderlyExchange } from './adapter.ts';
import type { OrderlyCredentials } from './credentials.ts';
import { ORDERLY_FACTS } from './facts.ts';
import { redirectFetch } from './transport.ts';

/** Orderly Network perpetuals through ccxt's woofipro class, with both margin-mode legs read and closed apart. */
const module: VenueModule<OrderlyCredentials> = {
  ...ORDERLY_FACTS,
  createExchange: (account, creds, opts = {}) =>
    new OrderlyExchange({
      accountId: creds.accountId,
      orderlyKey: creds.orderlyKey,
      orderlySecret: creds.orderlySecret,
      ...(account.baseUrl ? { fetchImplementation: redirectFetch(account.baseUrl) } : {}),
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    }),
};

export const ORDERLY_MODULE: VenueModule<OrderlyCredentials> = Object.freeze(module);

export default ORDERLY_MODULE;
