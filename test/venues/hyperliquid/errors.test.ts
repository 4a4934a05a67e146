import { describe, expect, it } from 'vitest';
import {
  ExchangeError,
  InsufficientFunds,
  InvalidOrder,
  NetworkError,
  OrderNotFound,
  RateLimitExceeded,
} from '../../../node_modules/ccxt/js/src/base/errors.js';
import hyperliquid from '../../../node_modules/ccxt/js/src/hyperliquid.js';
import { ExchangeAuthError, ExchangeDataError, ExchangeRateLimitError, ExchangeUnavailableError } from '../../../functions/errors.ts';
import { classifyCcxtError } from '../../../functions/venues/ccxt-errors.ts';
import { bodyOfCcxtMessage, HYPERLIQUID_ERRORS, orderErrorKind } from '../../../functions/venues/hyperliquid/errors.ts';
import { ExchangeResponseSchema } from '../../../functions/venues/hyperliquid/schemas.ts';

/** ccxt 4.5.84 quotes the venue's body after the exchange id (hyperliquid.js handleErrors: `this.id + ' ' + body`). */
const body = (json: unknown) => `hyperliquid ${JSON.stringify(json)}`;
const orderError = (error: string) => body({ status: 'ok', response: { type: 'order', data: { statuses: [{ error }] } } });
const UNKNOWN_SIGNER = 'User or API Wallet 0xb8a6f8b26223de27c31938d56e470a5b832703a5 does not exist.';

describe('classifyCcxtError (hyperliquid)', () => {
  it.each([
    // ccxt maps 'User or API Wallet ' to InvalidOrder (exceptions.broad): the guard alerts, never retries.
    ['unknown signer, whole action', new InvalidOrder(body({ status: 'err', response: UNKNOWN_SIGNER })), undefined, ExchangeAuthError],
    ['unknown signer, in an order status', new InvalidOrder(orderError(UNKNOWN_SIGNER)), undefined, ExchangeAuthError],
    [
      'address budget spent',
      new RateLimitExceeded(body({ status: 'err', response: 'Too many cumulative requests sent (37986 > 10436) for cumulative volume traded $437.92. Place taker orders to free up 1 request per USDC traded.' })),
      undefined,
      ExchangeRateLimitError,
    ],
    ['IP weight spent (HTTP 429)', new RateLimitExceeded('hyperliquid POST https://api.hyperliquid.xyz/info 429 Too Many Requests'), 429, ExchangeRateLimitError],
    ['reduce-only would increase', new InvalidOrder(orderError('Reduce only order would increase position. asset=0')), undefined, ExchangeDataError],
    ['IOC found nothing', new InvalidOrder(orderError('Order could not immediately match against any resting orders. asset=0')), undefined, ExchangeDataError],
    ['below $10', new InvalidOrder(orderError('Order must have minimum value of $10. asset=0')), undefined, ExchangeDataError],
    ['insufficient margin', new InsufficientFunds(orderError('Insufficient margin to place order. asset=4')), undefined, ExchangeDataError],
    ['cancel race', new OrderNotFound(body({ status: 'ok', response: { type: 'cancel', data: { statuses: [{ error: 'Order was never placed, already canceled, or filled.' }] } } })), undefined, ExchangeDataError],
    ['timeout', new NetworkError('hyperliquid POST https://api.hyperliquid.xyz/info request timed out (10000 ms)'), undefined, ExchangeUnavailableError],
    ['502', new ExchangeError('hyperliquid POST https://api.hyperliquid.xyz/info 502 Bad Gateway'), 502, ExchangeUnavailableError],
  ] as const)('%s → %o', (_what, err, status, cls) => {
    expect(classifyCcxtError(err, HYPERLIQUID_ERRORS, 'createOrders', status !== undefined ? { status } : {})).toBeInstanceOf(cls);
  });

  it("replaces Hyperliquid's origin with the account's base URL", () => {
    const out = classifyCcxtError(new ExchangeError('hyperliquid POST https://api.hyperliquid.xyz/info 503 Service Unavailable'), HYPERLIQUID_ERRORS, 'read', {
      status: 503,
      baseUrl: 'http://127.0.0.1:8788',
    });
    expect(out.message).toContain('POST http://127.0.0.1:8788/info');
    expect(out.message).not.toContain('api.hyperliquid.xyz');
  });
});

describe("ccxt's own mapping (hyperliquid.js handleErrors), then the guard's", () => {
  const ccxt = new hyperliquid({});
  const raise = (json: unknown): unknown => {
    const text = JSON.stringify(json);
    try {
      ccxt.handleErrors(200, 'OK', 'https://api.hyperliquid.xyz/exchange', 'POST', {}, text, json, {}, '');
    } catch (e) {
      return e;
    }
    return null;
  };

  it.each([
    [{ status: 'err', response: UNKNOWN_SIGNER }, InvalidOrder, ExchangeAuthError],
    [{ status: 'err', response: 'Too many cumulative requests sent (37986 > 10436) for cumulative volume traded $437.92.' }, RateLimitExceeded, ExchangeRateLimitError],
    [{ status: 'ok', response: { type: 'order', data: { statuses: [{ error: 'Reduce only order would increase position. asset=0' }] } } }, InvalidOrder, ExchangeDataError],
    [{ status: 'ok', response: { type: 'order', data: { statuses: [{ error: 'Order must have minimum value of $10. asset=0' }] } } }, InvalidOrder, ExchangeDataError],
  ] as const)('%j → ccxt %o → guard %o', (json, ccxtClass, guardClass) => {
    const err = raise(json);
    expect(err).toBeInstanceOf(ccxtClass);
    expect(classifyCcxtError(err, HYPERLIQUID_ERRORS, 'createOrders')).toBeInstanceOf(guardClass);
  });

  it('throws on the first failed order of a batch, though another filled: the statuses are only in the message', () => {
    const json = { status: 'ok', response: { type: 'order', data: { statuses: [{ filled: { totalSz: '1', avgPx: '10', oid: 1 } }, { error: 'Order could not immediately match against any resting orders. asset=2' }] } } };
    const err = raise(json) as Error;
    expect(err).toBeInstanceOf(InvalidOrder);
    expect(bodyOfCcxtMessage(err.message)).toEqual(json);
  });
});

describe('orderErrorKind', () => {
  it.each([
    [UNKNOWN_SIGNER, 'auth'],
    ['Reduce only order would increase position. asset=3', 'stale-size'],
    ['reduceOnlyRejected', 'stale-size'],
    ['Order could not immediately match against any resting orders. asset=3', 'no-match'],
    ['iocCancelRejected', 'no-match'],
    ['No liquidity available for market order.', 'no-match'],
    ['Order must have minimum value of $10. asset=3', 'below-minimum'],
    ['minTradeNtlRejected', 'below-minimum'],
    ['Too many cumulative requests sent (11000 > 10000) for cumulative volume traded $0.00.', 'rate-limited'],
    ['Insufficient margin to place order. asset=3', 'other'],
    ['Price must be divisible by tick size. asset=3', 'other'],
  ] as const)('%s → %s', (message, kind) => {
    expect(orderErrorKind(message)).toBe(kind);
  });
});

describe('bodyOfCcxtMessage', () => {
  it('recovers every order status of a batch ccxt threw on, for the executor to settle', () => {
    const raw = {
      status: 'ok',
      response: {
        type: 'order',
        data: { statuses: [{ filled: { totalSz: '0.02', avgPx: '1891.4', oid: 77738308 } }, { error: 'Order could not immediately match against any resting orders. asset=1' }, { resting: { oid: 77738309 } }] },
      },
    };
    const parsed = ExchangeResponseSchema.parse(bodyOfCcxtMessage(new InvalidOrder(body(raw)).message));
    expect(parsed.status === 'ok' && parsed.response.type === 'order' && parsed.response.data.statuses).toEqual([
      { filled: { totalSz: 0.02, avgPx: 1891.4, oid: 77738308 } },
      { error: 'Order could not immediately match against any resting orders. asset=1' },
      { resting: { oid: 77738309 } },
    ]);
  });

  it.each([['hyperliquid request timed out'], ['hyperliquid {not json']])('is null without a JSON body: %s', (m) => {
    expect(bodyOfCcxtMessage(m)).toBeNull();
  });

  it('parses a whole-action error and a cancel answer', () => {
    expect(ExchangeResponseSchema.parse({ status: 'err', response: UNKNOWN_SIGNER })).toEqual({ status: 'err', response: UNKNOWN_SIGNER });
    expect(ExchangeResponseSchema.parse({ status: 'ok', response: { type: 'cancel', data: { statuses: ['success', { error: 'Order was never placed, already canceled, or filled.' }] } } }).status).toBe('ok');
  });
});
