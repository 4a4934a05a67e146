import type { AccountConfig } from '../config.ts';
import { ConfigError } from '../errors.ts';
import type { ExchangePort, Logger } from '../ports.ts';
import { BinanceUsdmExchange } from './ccxt/binanceusdm.ts';
import { redirectFetch } from './ccxt-transport.ts';

/** Builds the exchange port for an account; `baseUrl` (paper exchange, testnet) redirects the venue's hosts. */
export function createExchange(
  account: AccountConfig,
  creds: { apiKey: string; secret: string },
  opts: { log?: Logger; timeoutMs?: number } = {},
): ExchangePort {
  switch (account.exchange) {
    case 'binanceusdm':
      return new BinanceUsdmExchange({
        apiKey: creds.apiKey,
        secret: creds.secret,
        ...(account.baseUrl ? { fetchImplementation: redirectFetch(account.baseUrl) } : {}),
        ...(opts.log ? { log: opts.log } : {}),
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      });
    default:
      throw new ConfigError(`exchange "${String(account.exchange)}" is not supported`);
  }
}
