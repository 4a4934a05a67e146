import type { PaperDialect } from '../types.ts';
import { createOrderlyHandler } from './http.ts';
import { orderlyKeysOf } from './keys.ts';
import { ORDERLY_SYMBOL, orderlyImr, orderlyMarkets, orderlyMmr } from './markets.ts';

/**
 * The Orderly dialect (Orderly Network's v1 REST, as ccxt's woofipro/modetrade broker classes and
 * riskguard's Orderly adapter call it). Every account chooses its margin mode per order, so one
 * account can hold a cross and an isolated position on the same symbol. Credentials as
 * riskguard's config names them for Orderly (`accountIdEnv`, `orderlyKeyEnv`, `orderlySecretEnv`).
 */
export const orderly: PaperDialect = {
  venue: 'orderly',
  title: 'Orderly Network v1 REST subset',
  clientHint: 'point ccxt woofipro at it with fetchImplementation: redirectFetch(url) (functions/venues/orderly/transport.ts)',
  createHandler: createOrderlyHandler,
  symbolProblem: (symbol) => (ORDERLY_SYMBOL.test(symbol) ? null : 'an Orderly symbol such as PERP_BTC_USDC'),
  credentialsFor: (acc) => {
    const k = orderlyKeysOf(acc);
    return {
      credentials: { accountIdEnv: 'PAPER_ORDERLY_ACCOUNT_ID', orderlyKeyEnv: 'PAPER_ORDERLY_KEY', orderlySecretEnv: 'PAPER_ORDERLY_SECRET' },
      env: { PAPER_ORDERLY_ACCOUNT_ID: k.accountId, PAPER_ORDERLY_KEY: k.orderlyKey, PAPER_ORDERLY_SECRET: k.orderlySecret },
    };
  },
  internalErrorBody: (message) => JSON.stringify({ success: false, code: -1000, message: `paper exchange internal error: ${message}` }),
  // Orderly markets by their own names; every account may hold a cross and an isolated leg of one
  // symbol (each with its own leverage); maintenance and initial margin by Orderly's size-dependent
  // MMR and IMR, not brackets.
  // A liquidation charges std_liquidation_fee (2.4 %: liquidator 1.2 % + insurance fund 1.2 %, as the info and liquidation rows say).
  engineOptions: () => ({ extraMarkets: orderlyMarkets(), mixedMarginModes: true, maintenanceRate: orderlyMmr, initialRate: orderlyImr, clearanceFee: 0.024 }),
};
