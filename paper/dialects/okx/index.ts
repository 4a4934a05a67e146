import type { PaperDialect } from '../types.ts';
import { createOkxHandler } from './http.ts';
import { passphraseOf } from './signature.ts';

/** The control API names markets as the engine does (BTCUSDT); the OKX API as BTC-USDT-SWAP. */
const SYMBOL = /^[A-Z0-9]{2,20}USDT$/;

/**
 * The OKX v5 dialect (USDT perpetual swaps). Credentials as riskguard's config names them for OKX
 * (`credentials.apiKeyEnv` / `secretEnv` / `passphraseEnv`), filled from PAPER_API_KEY /
 * PAPER_API_SECRET / PAPER_API_PASSPHRASE as the `riskguard paper` banner exports them.
 */
export const okx: PaperDialect = {
  venue: 'okx',
  title: 'OKX v5 REST subset (USDT swaps)',
  clientHint: 'point ccxt okx at it with fetchImplementation: redirectFetch(url) (functions/venues/okx/transport.ts); sizes are contracts (ctVal)',
  createHandler: createOkxHandler,
  symbolProblem: (symbol) => (SYMBOL.test(symbol) ? null : "the engine's name of an OKX USDT swap, e.g. BTCUSDT for BTC-USDT-SWAP"),
  credentialsFor: (acc) => ({
    credentials: { apiKeyEnv: 'PAPER_API_KEY', secretEnv: 'PAPER_API_SECRET', passphraseEnv: 'PAPER_API_PASSPHRASE' },
    env: { PAPER_API_KEY: acc.apiKey, PAPER_API_SECRET: acc.secret, PAPER_API_PASSPHRASE: passphraseOf(acc) },
  }),
  // OKX liquidates at equity ≤ MM + position value × taker fee rate (format.ts positionRow).
  engineOptions: () => ({ liquidationFeeInMaintenance: true }),
  internalErrorBody: (message) => JSON.stringify({ code: '50026', msg: `paper exchange internal error: ${message}`, data: [] }),
};
