import type { VenueErrors } from '../ccxt-errors.ts';

/**
 * OKX v5 error codes as the guard reads them (https://www.okx.com/docs-v5/en/#error-code;
 * ccxt 4.5.84 okx.js `exceptions.exact`).
 */
export const OKX_ERRORS: VenueErrors = Object.freeze({
  venue: 'okx',
  /**
   * "The key is wrong": 50101 key of the other environment (demo vs live), 50103–50107 a header
   * missing, 50105 wrong passphrase, 50111 invalid key, 50112 invalid timestamp, 50113 invalid
   * signature, 50114 invalid authorization, 50100 API frozen, 50119 key does not exist (e.g. a US
   * key on www.okx.com), 50120 the key lacks the permission (a read-only key asked to close).
   */
  auth: ['50100', '50101', '50103', '50104', '50105', '50106', '50107', '50111', '50112', '50113', '50114', '50119', '50120'],
  /**
   * "Try again": 50001 service unavailable, 50004 endpoint timeout (an order's outcome unknown:
   * settled by the executor's re-read), 50013 system busy, 50026 system error (ccxt maps them to
   * OnMaintenance / RequestTimeout / ExchangeNotAvailable; listed so a code wins over a class),
   * 50102 timestamp expired (the adapter re-measures the clock first).
   */
  unavailable: ['50001', '50004', '50013', '50026', '50102'],
  /** ccxt quotes OKX's URLs even when a fetch redirected them. */
  origins: /https:\/\/(www|aws|my|app|us|eea)\.okx\.com/g,
});

/**
 * What an order item's sCode means to the close. ccxt 4.5.84 has no entry for 51169 / 51170
 * (they arrive as a generic ExchangeError) and raises 51112 as InvalidOrder: the adapter reads
 * the code itself.
 * - 51169 "you don't have any positions in this direction for this contract to reduce or close"
 * - 51170 "a reduce-only order can't be the same direction as your existing position"
 * - 51112 "Close order size exceeds your available size": resting reduce-only (close) orders
 *   hold the position; cancel them, then close.
 */
export type OrderItemKind = 'nothing-to-reduce' | 'wrong-direction' | 'close-exceeds-available' | 'other';

export function orderItemKind(sCode: string): OrderItemKind {
  switch (sCode) {
    case '51169':
      return 'nothing-to-reduce';
    case '51170':
      return 'wrong-direction';
    case '51112':
      return 'close-exceeds-available';
    default:
      return 'other';
  }
}

/** The `{code, msg, data}` body ccxt quotes after "okx " in its message, or null. */
export function bodyOfCcxtMessage(message: string): unknown {
  const i = message.indexOf('{');
  if (i < 0) return null;
  try {
    return JSON.parse(message.slice(i));
  } catch {
    return null;
  }
}
