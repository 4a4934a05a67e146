import type { VenueModule } from '../venue.ts';
import { redirectFetch } from './transport.ts';
import { BinanceUsdmExchange } from './adapter.ts';
import type { BinanceCredentials } from './credentials.ts';
import { BINANCE_FACTS } from './facts.ts';

/** Binance USDⓈ-M futures through ccxt's `binanceusdm` class. */
const module: VenueModule<BinanceCredentials> = {
  ...BINANCE_FACTS,
  createExchange: (account, creds, opts = {}) =>
    new BinanceUsdmExchange({
      apiKey: creds.apiKey,
      secret: creds.secret,
      ...(account.baseUrl ? { fetchImplementation: redirectFetch(account.baseUrl) } : {}),
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.shared ? { shared: opts.shared } : {}),
    }),
};

export const BINANCE_MODULE: VenueModule<BinanceCredentials> = Object.freeze(module);

export default BINANCE_MODULE;
