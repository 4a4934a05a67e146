import { describe, expect, it } from 'vitest';
import {
  BINANCE_INCOME_KINDS,
  forcedOrderKind,
  historyFromBinance,
  incomeEvent,
  readAllPages,
  type IncomeRecord,
} from '../../functions/venues/binanceusdm/history.ts';
import { adjustedTiers, tiersOf } from '../../functions/venues/binanceusdm/adapter.ts';
import { ExchangeDataError } from '../../functions/errors.ts';

/** The Binance USDⓈ-M history mapping (pure): the income-type table, forced-order kinds, ids. */

const row = (incomeType: string, income: number, extra: Partial<IncomeRecord> = {}): IncomeRecord => ({
  incomeType,
  income,
  asset: 'USDT',
  symbol: 'BTCUSDT',
  time: 1_700_000_000_000,
  tranId: 9_689_322_392,
  ...extra,
});

describe('Binance income types', () => {
  // Every type GET /fapi/v1/income documents (Nov 2025), decided explicitly.
  it.each([
    ['TRANSFER', 'transfer'],
    ['INTERNAL_TRANSFER', 'transfer'],
    ['STRATEGY_UMFUTURES_TRANSFER', 'transfer'],
    ['CROSS_COLLATERAL_TRANSFER', 'transfer'],
    ['COIN_SWAP_DEPOSIT', 'transfer'],
    ['COIN_SWAP_WITHDRAW', 'transfer'],
    ['AUTO_EXCHANGE', 'transfer'],
    ['REALIZED_PNL', 'realized-pnl'],
    ['COMMISSION', 'fee'],
    ['FUNDING_FEE', 'funding'],
    ['INSURANCE_CLEAR', 'liquidation'],
    ['WELCOME_BONUS', 'income'],
    ['REFERRAL_KICKBACK', 'income'],
    ['COMMISSION_REBATE', 'income'],
    ['API_REBATE', 'income'],
    ['CONTEST_REWARD', 'income'],
    ['OPTIONS_PREMIUM_FEE', 'income'],
    ['OPTIONS_SETTLE_PROFIT', 'income'],
    ['DELIVERED_SETTELMENT', 'income'],
    ['POSITION_LIMIT_INCREASE_FEE', 'income'],
    ['FEE_RETURN', 'income'],
    ['BFUSD_REWARD', 'income'],
  ])('%s is %s', (type, kind) => {
    const e = incomeEvent(row(type, -1.5), 'USDT');
    expect(e.kind).toBe(kind);
    expect(e.amount).toBe(-1.5);
    expect(BINANCE_INCOME_KINDS[type]).toBe(kind);
  });

  it('the table covers exactly the documented types', () => {
    expect(Object.keys(BINANCE_INCOME_KINDS)).toHaveLength(22);
  });

  it('an unknown type is unclassified, never guessed', () => {
    expect(incomeEvent(row('MARKET_MERCHANT_RETURN_REWARD', 3), 'USDT')).toMatchObject({ kind: 'unclassified', type: 'MARKET_MERCHANT_RETURN_REWARD', amount: 3 });
  });

  it('a commission with its symbol is a fee on that symbol (evidence of a fill)', () => {
    expect(incomeEvent(row('COMMISSION', -0.01), 'USDT')).toMatchObject({ kind: 'fee', symbol: 'BTCUSDT', amount: -0.01 });
  });

  it('a row in another asset does not move the quote wallet', () => {
    expect(incomeEvent(row('TRANSFER', 5, { asset: 'BNB', symbol: '' }), 'USDT')).toMatchObject({ kind: 'transfer', amount: 0 });
  });

  it('ids: tranId is unique per incomeType only, so two rows of one trade keep both (docs example reuses 9689322392)', () => {
    const h = historyFromBinance([row('TRANSFER', -0.375, { symbol: '' }), row('COMMISSION', -0.01)], [], 0, 'USDT', 0);
    expect(h.events).toHaveLength(2);
    expect(new Set(h.events.map((e) => e.id)).size).toBe(2);
  });

  it('the same row read twice (overlapping pages) is one event', () => {
    const h = historyFromBinance([row('FUNDING_FEE', -1), row('FUNDING_FEE', -1)], [], 0, 'USDT', 0);
    expect(h.events).toHaveLength(1);
  });
});

describe('forced orders', () => {
  it.each([
    ['adl_autoclose', 'adl'],
    ['autoclose-1596107620040000020', 'liquidation'],
    ['settlement_autoclose-BTCUSDT-1', 'settlement'],
  ] as const)('clientOrderId %s is %s (real rows carry no autoCloseType)', (clientOrderId, kind) => {
    expect(forcedOrderKind({ clientOrderId })).toBe(kind);
  });

  it('an ADL row is an adl event at its update time with the order id', () => {
    const h = historyFromBinance([], [{ symbol: 'BTCUSDT', orderId: 6_072_734_303, clientOrderId: 'adl_autoclose', time: 1, updateTime: 2 }], 0, 'USDT', 10);
    expect(h.events).toEqual([{ id: 'force:6072734303', at: 2, kind: 'adl', symbol: 'BTCUSDT', amount: 0 }]);
    expect(h.until).toBe(10);
  });
});

describe('leverage brackets and notionalCoef', () => {
  // Docs (Notional-and-Leverage-Brackets): "Query user notional and leverage bracket" —
  // notionalCoef is the user's multiplier against the symbol's default, shown only when adjusted;
  // the bounds answered are the user's own, so they are used as they come.
  const adjusted = {
    symbol: 'ETHUSDT',
    notionalCoef: 1.5,
    brackets: [
      { notionalFloor: 15_000, maintMarginRatio: 0.01, cum: 52.5 },
      { notionalFloor: 0, maintMarginRatio: 0.0065, cum: 0 },
    ],
  };

  it('keeps an adjusted user’s bounds as answered (not scaled a second time), sorted by floor', () => {
    expect(tiersOf(adjusted)).toEqual([
      { notionalFloor: 0, rate: 0.0065, amount: 0 },
      { notionalFloor: 15_000, rate: 0.01, amount: 52.5 },
    ]);
  });

  it('refuses a coefficient that is not a positive multiplier', () => {
    expect(() => tiersOf({ ...adjusted, notionalCoef: 0 })).toThrow(ExchangeDataError);
  });

  const answered = tiersOf(adjusted); // 0.65 % to 15,000, then 1 % − 52.5
  it.each([
    // notional 20,000: as answered 200 − 52.5 = 147.5; scaled by 1.5 (floor 22,500) 130.
    ['the venue agrees with the bounds as answered', 147.5, false],
    ['the venue agrees only with bounds × notionalCoef', 130, true],
    ['the venue agrees with neither (kept as answered)', 999, false],
    ['no venue figure', undefined, false],
  ] as const)('%s → scaled %s', (_what, venueMM, scaled) => {
    const r = adjustedTiers(answered, 1.5, 20_000, venueMM);
    expect(r.scaled).toBe(scaled);
    expect(r.tiers[1]!.notionalFloor).toBe(scaled ? 22_500 : 15_000);
  });

  it('without a coefficient the brackets are used as answered whatever the venue says', () => {
    expect(adjustedTiers(answered, undefined, 20_000, 130)).toEqual({ tiers: answered, scaled: false });
  });
});

describe('readAllPages', () => {
  it('splits full pages by time until every page is short, whatever order the venue answers in', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => ({ id: `r${i}`, t: i * 10 }));
    // A venue that answers the NEWEST `limit` rows of the window (as forceOrders may).
    const page = async (from: number, to: number) => rows.filter((r) => r.t >= from && r.t <= to).slice(-100);
    const got = await readAllPages('test', page, (r) => r.id, 0, 10_000, 100);
    expect(got.map((r) => r.id).sort()).toEqual(rows.map((r) => r.id).sort());
  });

  it.each([
    ['the first rows from startTime (Binance income)', (w: { id: string; t: number }[]) => w.slice(0, 100)],
    ['the newest rows of the window', (w: { id: string; t: number }[]) => w.slice(-100)],
  ])('continues pages in time order without skipping when the venue answers %s', async (_what, pick) => {
    const rows = Array.from({ length: 1_050 }, (_, i) => ({ id: `r${i}`, t: Math.floor(i / 3) })); // 3 rows per ms
    const calls: number[] = [];
    const page = async (from: number, to: number) => {
      calls.push(from);
      return pick(rows.filter((r) => r.t >= from && r.t <= to));
    };
    const got = await readAllPages('test', page, (r) => r.id, 0, 10_000, 100, (r) => r.t);
    expect(got).toHaveLength(1_050);
    expect(calls.length).toBeLessThanOrEqual(64);
  });

  it('refuses, with a clear error, a venue that ignores the window (full pages forever)', async () => {
    const full = Array.from({ length: 100 }, (_, i) => ({ id: `r${i}` }));
    await expect(readAllPages('income', async () => full, (r) => r.id, 0, 3_600_000, 100)).rejects.toThrow(/cannot be read completely/);
  });
});
