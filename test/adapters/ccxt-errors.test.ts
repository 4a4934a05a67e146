import { describe, expect, it } from 'vitest';
import { BadRequest, DDoSProtection, ExchangeError, InvalidNonce, OperationFailed } from '../../node_modules/ccxt/js/src/base/errors.js';
import { classifyCcxtError } from '../../functions/venues/ccxt-errors.ts';
import { BINANCE_ERRORS } from '../../functions/venues/binanceusdm/errors.ts';
import { ExchangeAuthError, ExchangeDataError, ExchangeUnavailableError } from '../../functions/errors.ts';

/** How the Binance adapter classifies what ccxt throws (ccxt maps Binance's 5xx codes to non-network classes). */
describe('classifyCcxtError (binanceusdm)', () => {
  const body = (code: number, msg: string) => `binanceusdm {"code":${code},"msg":"${msg}"}`;
  it.each([
    ['-1000 OperationFailed', new OperationFailed(body(-1000, 'An unknown error occured while processing the request.')), undefined, ExchangeUnavailableError],
    ['-1001 OperationFailed', new OperationFailed(body(-1001, 'Internal error; unable to process your request. Please try again.')), 500, ExchangeUnavailableError],
    ['-1008 OperationFailed', new OperationFailed(body(-1008, 'Server is currently overloaded with other requests.')), 503, ExchangeUnavailableError],
    ['an unknown code with HTTP 502', new ExchangeError(body(-1099, 'Not found, authenticated, or authorized')), 502, ExchangeUnavailableError],
    ['the same unknown code with HTTP 400', new ExchangeError(body(-1099, 'Not found, authenticated, or authorized')), 400, ExchangeDataError],
    ['-1021 InvalidNonce', new InvalidNonce(body(-1021, 'Timestamp for this request is outside of the recvWindow.')), 400, ExchangeUnavailableError],
    ['-2015 after a good key (DDoSProtection)', new DDoSProtection(body(-2015, 'Invalid API-key, IP, or permissions for action.')), 401, ExchangeAuthError],
    ['-2019 margin insufficient', new BadRequest(body(-2019, 'Margin is insufficient.')), 400, ExchangeDataError],
  ] as const)('%s → %o', (_what, err, status, cls) => {
    expect(classifyCcxtError(err, BINANCE_ERRORS, 'read', status !== undefined ? { status } : {})).toBeInstanceOf(cls);
  });

  it("names the endpoint really called and replaces Binance's origin with the account's baseUrl", () => {
    const err = new ExchangeError('binanceusdm GET https://fapi.binance.com/fapi/v3/account?timestamp=1&signature=abcdef0123456789abcdef 503 Service Unavailable');
    const out = classifyCcxtError(err, BINANCE_ERRORS, 'fapiPrivateV3GetAccount', {
      status: 503,
      endpoint: 'GET http://127.0.0.1:8787/fapi/v3/account',
      baseUrl: 'http://127.0.0.1:8787/',
    });
    expect(out).toBeInstanceOf(ExchangeUnavailableError);
    expect(out.message).toContain('(GET http://127.0.0.1:8787/fapi/v3/account → HTTP 503)');
    expect(out.message).toContain('GET http://127.0.0.1:8787/fapi/v3/account?timestamp=1&signature=[redacted]');
    expect(out.message).not.toContain('fapi.binance.com');
  });
});
