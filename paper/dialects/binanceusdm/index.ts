import type { PaperDialect } from '../types.ts';
import { createBinanceHandler } from './http.ts';

/** Binance USDⓈ-M symbols: base + USDT, e.g. BTCUSDT. */
const SYMBOL = /^[A-Z0-9]{2,20}USDT$/;

/**
 * The Binance USDⓈ-M dialect. Credentials as riskguard's config names them for Binance
 * (`credentials.apiKeyEnv` / `secretEnv`), filled from PAPER_API_KEY / PAPER_API_SECRET as the
 * `riskguard paper` banner exports them.
 */
export const binanceusdm: PaperDialect = {
  venue: 'binanceusdm',
  title: 'Binance USDⓈ-M REST subset',
  clientHint: 'point ccxt binanceusdm at it with fetchImplementation: redirectFetch(url) (functions/venues/binanceusdm/transport.ts)',
  createHandler: createBinanceHandler,
  symbolProblem: (symbol) => (SYMBOL.test(symbol) ? null : 'a Binance USDⓈ-M symbol such as BTCUSDT'),
  credentialsFor: (acc) => ({
    credentials: { apiKeyEnv: 'PAPER_API_KEY', secretEnv: 'PAPER_API_SECRET' },
    env: { PAPER_API_KEY: acc.apiKey, PAPER_API_SECRET: acc.secret },
  }),
  internalErrorBody: (message) => JSON.stringify({ code: -1000, msg: `paper exchange internal error: ${message}` }),
};

export { PaperApiError, asBinanceError, binanceError } from './errors.ts';
