import { describe, expect, it } from 'vitest';
import { AuthenticationError, BadRequest, ExchangeError, NetworkError, RateLimitExceeded } from '../../../node_modules/ccxt/js/src/base/errors.js';
import { ExchangeAuthError, ExchangeDataError, ExchangeRateLimitError, ExchangeUnavailableError } from '../../../functions/errors.ts';
import { ConfigSchema } from '../../../functions/config.ts';
import { summarizeHistory } from '../../../functions/domain/history.ts';
import { classifyCcxtError } from '../../../functions/venues/ccxt-errors.ts';
import { ORDERLY_ERRORS } from '../../../functions/venues/orderly/errors.ts';
import { historyFromOrderly } from '../../../functions/venues/orderly/history.ts';
import { legFromRow } from '../../../functions/venues/orderly/mapping.ts';
import { maintenanceCurveOf } from '../../../functions/venues/orderly/margin.ts';
import { curveRate } from '../../../functions/domain/margin.ts';
import { PositionRowSchema } from '../../../functions/venues/orderly/schemas.ts';

/** ccxt 4.5.84 woofipro.handleErrors quotes the body after the id: `woofipro {"success":false,…}`. */
const body = (code: number, message: string) => `woofipro ${JSON.stringify({ success: false, code, message })}`;

describe('classifyCcxtError (orderly)', () => {
  it.each([
    ['-1001 signature', new AuthenticationError(body(-1001, 'signature verification failed')), undefined, ExchangeAuthError],
    ['-1002 key invalid, expired or revoked', new AuthenticationError(body(-1002, 'orderly key is invalid')), undefined, ExchangeAuthError],
    ['-1003 rate limit', new RateLimitExceeded(body(-1003, 'Rate limit exceed.')), 429, ExchangeRateLimitError],
    // ccxt raises -1000 as a plain ExchangeError: the venue failing, retried.
    ['-1000 unknown error (HTTP 500)', new ExchangeError(body(-1000, 'An unknown error occurred')), 500, ExchangeUnavailableError],
    ['-1011 internal network error', new NetworkError(body(-1011, 'try again in a few seconds')), 503, ExchangeUnavailableError],
    ['-1012 rejected (account in liquidation): retried, then the re-read finds the liquidation', new BadRequest(body(-1012, 'The place/cancel order request is rejected by internal module')), 400, ExchangeUnavailableError],
    ['-1005 bad parameter', new BadRequest(body(-1005, 'reduce only order rejected')), 400, ExchangeDataError],
  ])('%s', (_label, err, status, expected) => {
    expect(classifyCcxtError(err, ORDERLY_ERRORS, 'read', status === undefined ? {} : { status })).toBeInstanceOf(expected);
  });
});

describe('Orderly position rows → legs', () => {
  const row = (over: Record<string, unknown>) =>
    PositionRowSchema.parse({ symbol: 'PERP_ETH_USDC', position_qty: -2, average_open_price: 3_000, mark_price: 3_100, timestamp: 1, mmr: 0.01, ...over });
  // ETH-PERP's published margin parameters (base IMR 1 %, base MMR 0.6 %, IMR factor 0.0000003846).
  const curve = maintenanceCurveOf({ base_mmr: 0.006, base_imr: 0.01, imr_factor: 0.0000003846 });
  it('keeps the mode of the request and the isolated pool; MM follows the market’s size-dependent curve, not the row’s mmr at today’s size', () => {
    const leg = legFromRow(row({ margin: 600 }), 'isolated', 3_099, curve);
    expect(leg).toMatchObject({ side: 'short', contracts: 2, marginMode: 'isolated', isolatedWallet: 600, maintenanceCurve: curve, indexPrice: 3_099 });
    expect(leg).not.toHaveProperty('maintenanceMarginRate');
    expect(legFromRow(row({ position_qty: 5 }), 'cross', undefined, curve)).not.toHaveProperty('isolatedWallet');
  });
  it('builds the curve from the market row: floor = base MMR, coefficient = base MMR / base IMR × IMR factor, exponent 4/5', () => {
    expect(curve.floorRate).toBe(0.006);
    expect(curve.coefficient).toBeCloseTo(0.6 * 0.0000003846, 18);
    expect(curve.exponent).toBe(0.8);
    expect(curveRate(curve, 3_000_000)).toBeCloseTo(0.6 * 0.0000003846 * 3_000_000 ** 0.8, 12);
    expect(curveRate(curve, 10_000)).toBe(0.006);
  });
  it('refuses a row without the maintenance rate (cannot see, never a guess)', () => {
    expect(() => PositionRowSchema.parse({ symbol: 'PERP_ETH_USDC', position_qty: 1, average_open_price: 1, mark_price: 1, timestamp: 1 })).toThrow();
  });
});

describe('Orderly history → events', () => {
  it.each([
    ['a deposit is a transfer', { assets: [{ id: 1, side: 'DEPOSIT', token: 'USDC', amount: 500, trans_status: 'COMPLETED', created_time: 10 }] }, { netTransfers: 500, walletChange: 500 }],
    ['a withdrawal is a negative transfer', { assets: [{ id: 2, side: 'WITHDRAW', token: 'USDC', amount: 300, trans_status: 'COMPLETED', created_time: 10 }] }, { netTransfers: -300, walletChange: -300 }],
    ['a pending withdrawal moves nothing yet', { assets: [{ id: 3, side: 'WITHDRAW', token: 'USDC', amount: 300, trans_status: 'PENDING', created_time: 10 }] }, { netTransfers: 0, walletChange: 0 }],
    ['funding paid (funding_fee > 0) lowers the wallet', { funding: [{ id: 4, symbol: 'PERP_ETH_USDC', funding_fee: 1.5, created_time: 10 }] }, { netTransfers: 0, walletChange: -1.5 }],
    ['a trade is a fill with its fee and PnL', { trades: [{ id: 5, symbol: 'PERP_ETH_USDC', fee: 0.3, realized_pnl: -20, executed_timestamp: 10 }] }, { netTransfers: 0, walletChange: -20.3 }],
  ])('%s', (_label, parts, expected) => {
    const h = historyFromOrderly({ assets: [], liquidations: [], funding: [], trades: [], ...parts } as Parameters<typeof historyFromOrderly>[0], 0, 100);
    const s = summarizeHistory(h.events);
    expect(s.netTransfers).toBeCloseTo(expected.netTransfers, 9);
    expect(s.walletChange).toBeCloseTo(expected.walletChange, 9);
  });

  it('a liquidation names each leg it took, per margin mode', () => {
    const h = historyFromOrderly(
      { assets: [], funding: [], trades: [], liquidations: [{ liquidation_id: 9, timestamp: 50, positions_by_perp: [{ symbol: 'PERP_ETH_USDC', margin_mode: 'ISOLATED', position_qty: -2 }] }] },
      0,
      100,
    );
    expect(summarizeHistory(h.events).liquidations).toEqual([{ symbol: 'PERP_ETH_USDC', at: 50, kind: 'liquidation' }]);
  });
});

describe('Orderly config', () => {
  const acc = (credentials: Record<string, string>) => ConfigSchema.safeParse({ accounts: [{ id: 'o', exchange: 'orderly', credentials }] });
  it('takes the three variables locally and an SSM parameter in the cloud', () => {
    expect(acc({ accountIdEnv: 'A', orderlyKeyEnv: 'K', orderlySecretEnv: 'S' }).success).toBe(true);
    expect(acc({ parameterName: '/riskguard/orderly' }).success).toBe(true);
    expect(acc({ apiKeyEnv: 'K', secretEnv: 'S' }).success).toBe(false);
  });
});
