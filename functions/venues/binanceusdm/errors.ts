import type { VenueErrors } from '../ccxt-errors.ts';

/** Binance USDⓈ-M error codes, as the guard reads them (docs: errors.fapi; ccxt 4.5.84 binance.js exceptions). */
export const BINANCE_ERRORS: VenueErrors = Object.freeze({
  venue: 'binanceusdm',
  /**
   * Venue codes that mean "the key is wrong" whatever class ccxt gives them. ccxt raises Binance's
   * -2015 as DDoSProtection (a retryable network error) once the key has worked before, which is
   * also what a revoked key looks like: a guard must say so loudly rather than retry quietly.
   */
  auth: ['-2014', '-2015', '-1022'],

  /**
   * Venue codes that mean "the venue could not process it now; try again". Binance answers them as
   * JSON with HTTP 500/503 (errors.fapi.json: -1001 "Internal error; unable to process your request.
   * Please try again."), and ccxt 4.5.84 maps them to OperationFailed / ExchangeError (binance.js
   * exceptions: -1000, -1001 OperationFailed; -1006 OperationFailed; -1008 OperationFailed), which
   * are not NetworkErrors. On a read that is a hiccup worth a retry; an order whose status is
   * unknown (-1006/-1007) is settled by the executor's re-read, never re-sent blindly.
   */
  unavailable: ['-1000', '-1001', '-1006', '-1007', '-1008'],
  /** ccxt quotes Binance's URLs even when a fetch redirected them. */
  origins: /https:\/\/(fapi|api|dapi|papi)\.binance\.com/g,
});
