import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import binanceusdm from '../../node_modules/ccxt/js/src/binanceusdm.js';
import {
  AccountV3Schema,
  ForceOrdersSchema,
  IncomeSchema,
  LeverageBracketSchema,
  PositionRiskV3Schema,
  PremiumIndexSchema,
} from '../../functions/venues/binanceusdm/schemas.ts';
import { tiersOf } from '../../functions/venues/binanceusdm/adapter.ts';
import { classifyCcxtError } from '../../functions/venues/ccxt-errors.ts';
import { BINANCE_ERRORS } from '../../functions/venues/binanceusdm/errors.ts';
import { historyFromBinance } from '../../functions/venues/binanceusdm/history.ts';
import { MaintenanceTierSchema } from '../../functions/domain/snapshot.ts';
import { ExchangeAuthError, ExchangeDataError, ExchangeUnavailableError } from '../../functions/errors.ts';

/**
 * Contract: the adapter's schemas and mapping against REAL Binance USDⓈ-M payloads gathered from
 * public sources (docs examples, Binance's SDK mocks, live recordings; see the folder's README).
 * The folder lives beside the repository (CI: X/ and X/../shared); a clone without it skips.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = [process.env.RISKGUARD_BINANCE_REAL_DIR, join(root, '../shared/data/binance-real'), join(root, '../../shared/data/binance-real')].find(
  (d): d is string => d !== undefined && existsSync(join(d, 'sources.json')),
);
const load = (file: string): unknown => JSON.parse(readFileSync(join(DIR!, file), 'utf8'));
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

describe.skipIf(DIR === undefined)('real Binance payloads (../shared/data/binance-real)', () => {
  it.each(['fapi_v1_income.docs.json', 'fapi_v1_income.connector-js.json', 'papi_v1_um_income.live-ccxt-fixture-2024-02.json'])('income %s parses and maps', (file) => {
    const rows = IncomeSchema.parse(load(file));
    const h = historyFromBinance(rows, [], 0, 'USDT', 0);
    expect(h.events).toHaveLength(rows.length);
    expect(h.events.every((e) => e.kind !== 'unclassified')).toBe(true);
  });

  it('income docs example: a transfer and a commission sharing tranId 9689322392 stay two events', () => {
    const h = historyFromBinance(IncomeSchema.parse(load('fapi_v1_income.docs.json')), [], 0, 'USDT', 0);
    expect(h.events.map((e) => e.kind)).toEqual(['transfer', 'fee']);
    expect(h.events[1]).toMatchObject({ kind: 'fee', symbol: 'BTCUSDT', amount: -0.01 });
  });

  it('a live funding row with a 19-digit string tranId maps to funding', () => {
    const h = historyFromBinance(IncomeSchema.parse(load('papi_v1_um_income.live-ccxt-fixture-2024-02.json')), [], 0, 'USDT', 0);
    expect(h.events[0]).toMatchObject({ kind: 'funding', symbol: 'BTCUSDT', amount: -0.04618913, at: 1707465600000, id: 'income:FUNDING_FEE:8082457372019390060' });
  });

  it.each(['fapi_v1_forceOrders.docs.json', 'fapi_v1_forceOrders.connector-js.json'])('forceOrders %s: liquidations and ADL told apart', (file) => {
    const rows = ForceOrdersSchema.parse(load(file));
    expect(rows.every((r) => r.autoCloseType === undefined)).toBe(true);
    const h = historyFromBinance([], rows, 0, 'USDT', 0);
    const want = rows.map((r) => (r.clientOrderId === 'adl_autoclose' ? 'adl' : 'liquidation'));
    expect(h.events.map((e) => e.kind)).toEqual(want);
  });

  it('forceOrders docs example has one liquidation and one ADL', () => {
    const h = historyFromBinance([], ForceOrdersSchema.parse(load('fapi_v1_forceOrders.docs.json')), 0, 'USDT', 0);
    expect(h.events.map((e) => e.kind).sort()).toEqual(['adl', 'liquidation']);
  });

  it.each(['fapi_v1_leverageBracket.docs-all.json', 'fapi_v1_leverageBracket.docs-with-symbol.json', 'fapi_v1_leverageBracket.freqtrade-live-2024-10.json'])(
    'leverageBracket %s maps to valid maintenance tiers',
    (file) => {
      const rows = LeverageBracketSchema.parse(asList(load(file)));
      for (const r of rows) {
        const tiers = tiersOf(r);
        expect(tiers[0]!.notionalFloor).toBe(0);
        for (const t of tiers) MaintenanceTierSchema.parse(t);
      }
    },
  );

  it('an adjusted user’s brackets carry notionalCoef; the bounds are used as answered', () => {
    const [r] = LeverageBracketSchema.parse(asList(load('fapi_v1_leverageBracket.docs-with-symbol.json')));
    expect(r!.notionalCoef).toBe(1.5);
    expect(tiersOf(r!)).toEqual([{ notionalFloor: 0, rate: 0.0065, amount: 0 }]);
  });

  it.each(['fapi_v1_premiumIndex.docs-all.json', 'fapi_v1_premiumIndex.docs-with-symbol.json'])('premiumIndex %s gives mark, index and funding', (file) => {
    const [m] = PremiumIndexSchema.parse(asList(load(file)));
    expect(m).toMatchObject({ symbol: 'BTCUSDT', markPrice: 11793.63104562, indexPrice: 11781.8049597, lastFundingRate: 0.00038246, nextFundingTime: 1597392000000 });
  });

  it.each([
    'fapi_v3_positionRisk.docs-one-way.json',
    'fapi_v3_positionRisk.docs-hedge.json',
    'fapi_v3_positionRisk.connector-js.json',
    'fapi_v3_positionRisk.live-ccxt-comment-WLDUSDT.json',
    'fapi_v3_positionRisk.live-ccxt-fixture-2024-07.json',
  ])('positionRisk v3 %s parses', (file) => {
    const rows = PositionRiskV3Schema.parse(load(file));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => Number.isFinite(r.positionAmt) && r.markPrice > 0)).toBe(true);
  });

  it.each(['fapi_v3_account.docs-single-asset.json', 'fapi_v3_account.docs-multi-assets.json', 'fapi_v3_account.connector-js.json', 'fapi_v3_account.live-ccxt-fixture-2024-07-multiassets.json'])(
    'account v3 %s parses',
    (file) => {
      const a = AccountV3Schema.parse(load(file));
      expect(a.assets.length).toBeGreaterThan(0);
    },
  );

  // Each documented error body through ccxt's own Binance error handling, then the adapter's classes.
  const expected: Record<string, typeof ExchangeAuthError | typeof ExchangeUnavailableError | typeof ExchangeDataError> = {
    '-2015': ExchangeAuthError,
    '-2014': ExchangeAuthError,
    '-1022': ExchangeAuthError,
    '-1021': ExchangeUnavailableError,
    '-1003': ExchangeUnavailableError,
    '-1001': ExchangeUnavailableError,
    '-1007': ExchangeUnavailableError,
  };
  it('every documented error body is classified: auth alerted, venue trouble retried, the rest is not retried', () => {
    const bodies = load('errors.fapi.json') as { code: number; msg: string; http: number }[];
    const ccxt = new binanceusdm({ options: { fetchCurrencies: false } });
    for (const b of bodies) {
      const body = JSON.stringify({ code: b.code, msg: b.msg });
      let thrown: unknown;
      try {
        ccxt.handleErrors(b.http, '', 'https://fapi.binance.com/fapi/v3/account', 'GET', {}, body, JSON.parse(body), {}, '');
        ccxt.handleHttpStatusCode(b.http, '', 'https://fapi.binance.com/fapi/v3/account', 'GET', body);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, `${b.code} ${b.msg}`).toBeInstanceOf(Error);
      const err = classifyCcxtError(thrown, BINANCE_ERRORS, 'read', { status: b.http, baseUrl: 'http://127.0.0.1:9' });
      expect(err, `${b.code} ${b.msg}`).toBeInstanceOf(expected[String(b.code)] ?? ExchangeDataError);
    }
  });
});
