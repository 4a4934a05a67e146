import type { PaperDialect } from '../types.ts';
import { createBybitHandler } from './http.ts';

/** Bybit USDT perpetual symbols: base + USDT, e.g. BTCUSDT. */
const SYMBOL = /^[A-Z0-9]{2,20}USDT$/;

/**
 * The Bybit v5 dialect (Unified Trading Account, USDT linear). Credentials as riskguard's config
 * names them for Bybit (`credentials.apiKeyEnv` / `secretEnv`), filled from PAPER_API_KEY /
 * PAPER_API_SECRET as the `riskguard paper` banner exports them.
 */
export const bybit: PaperDialect = {
  venue: 'bybit',
  title: 'Bybit v5 REST subset (UTA, USDT linear)',
  clientHint: 'point ccxt bybit at it with fetchImplementation: redirectFetch(url) (functions/venues/bybit/transport.ts)',
  createHandler: createBybitHandler,
  symbolProblem: (symbol) => (SYMBOL.test(symbol) ? null : 'a Bybit USDT perpetual symbol such as BTCUSDT'),
  credentialsFor: (acc) => ({
    credentials: { apiKeyEnv: 'PAPER_API_KEY', secretEnv: 'PAPER_API_SECRET' },
    env: { PAPER_API_KEY: acc.apiKey, PAPER_API_SECRET: acc.secret },
  }),
  // UTA: /v5/account/info marginMode (REGULAR_MARGIN = cross, ISOLATED_MARGIN) is the account's.
  marginModeScope: 'account',
  internalErrorBody: (message) =>
    JSON.stringify({ retCode: 10016, retMsg: `paper exchange internal error: ${message}`, result: {}, retExtInfo: {}, time: Date.now() }),
};

export { BybitApiError, asBybitError } from './errors.ts';
