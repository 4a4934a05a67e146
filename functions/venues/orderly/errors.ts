import type { VenueErrors } from '../ccxt-errors.ts';

/**
 * Orderly error codes as the guard reads them (https://orderly.network/docs/build-on-omnichain/error-codes;
 * ccxt 4.5.84 woofipro.js `exceptions.exact`). -1001 (key or secret in wrong format / bad signature)
 * and -1002 (key invalid, insufficient scope, expired or revoked) are the key being wrong.
 * -1000 (HTTP 500 unknown error) and -1011 (internal network error, "try again in a few seconds")
 * are the venue failing; ccxt raises -1000 as a plain ExchangeError, so it is named here.
 * -1012 (RPC_REJECT: "rejected by internal module, it may because the account is in liquidation or
 * other internal errors. Please try again in a few seconds", ccxt: BadRequest) is retried too: a
 * close-all that races a venue liquidation meets it, and the re-read then finds the legs gone and
 * the liquidation rows that explain them (judged as a liquidation by the data gate, never bad data).
 */
export const ORDERLY_ERRORS: VenueErrors = Object.freeze({
  venue: 'orderly',
  auth: ['-1001', '-1002'],
  unavailable: ['-1000', '-1011', '-1012'],
  origins: /https:\/\/(testnet-)?api(-evm)?\.orderly\.org/g,
});
