import type { VenueModule } from '../venue.ts';
import { OkxExchange } from './adapter.ts';
import type { OkxCredentials } from './credentials.ts';
import { OKX_FACTS } from './facts.ts';
import { redirectFetch } from './transport.ts';

/** OKX USDT swaps through ccxt's `okx` class. */
const module: VenueModule<OkxCredentials> = {
  ...OKX_FACTS,
  createExchange: (account, creds, opts = {}) =>
    new OkxExchange({
      apiKey: creds.apiKey,
      secret: creds.secret,
      passphrase: creds.passphrase,
      ...(account.baseUrl ? { fetchImplementation: redirectFetch(account.baseUrl) } : {}),
      ...(account.demo === true ? { demo: true } : {}),
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.shared ? { shared: opts.shared } : {}),
    }),
};

export const OKX_MODULE: VenueModule<OkxCredentials> = Object.freeze(module);

export default OKX_MODULE;
