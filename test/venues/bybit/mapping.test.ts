import { describe, expect, it } from 'vitest';
import { ExchangeDataError } from '../../../functions/errors.ts';
import { BYBIT_FACTS } from '../../../functions/venues/bybit/facts.ts';
import { checkMarginMode, sideOf, snapshotOf, tiersOf, type SnapshotInput } from '../../../functions/venues/bybit/mapping.ts';
import { closeAllWeight, weightPerMinute } from '../../../functions/venues/bybit/weights.ts';

describe('tiersOf: risk-limit rows → maintenance tiers', () => {
  it('starts each tier where the previous risk limit ends, in any order, with mmDeduction as the amount', () => {
    const rows = [
      { riskLimitValue: 2_300_000, maintenanceMargin: 0.0056, mmDeduction: 1_200 },
      { riskLimitValue: 2_000_000, maintenanceMargin: 0.005, mmDeduction: undefined },
    ];
    expect(tiersOf('BTCUSDT', rows)).toEqual([
      { notionalFloor: 0, rate: 0.005, amount: 0 },
      { notionalFloor: 2_000_000, rate: 0.0056, amount: 1_200 },
    ]);
  });

  it.each([
    ['no rows', []],
    ['a rate above 1', [{ riskLimitValue: 1, maintenanceMargin: 5 }]],
    ['two tiers with one limit', [{ riskLimitValue: 10, maintenanceMargin: 0.01 }, { riskLimitValue: 10, maintenanceMargin: 0.02 }]],
  ])('refuses %s', (_label, rows) => {
    expect(() => tiersOf('X', rows)).toThrow(ExchangeDataError);
  });
});

describe('margin mode and side', () => {
  it.each([
    ['REGULAR_MARGIN', 'cross'],
    ['ISOLATED_MARGIN', 'isolated'],
  ] as const)('%s → %s', (mode, expected) => expect(checkMarginMode(mode)).toBe(expected));

  it('refuses PORTFOLIO_MARGIN in one sentence', () => {
    expect(() => checkMarginMode('PORTFOLIO_MARGIN')).toThrow(/PORTFOLIO MARGIN.*refuses to guard it/);
  });

  it.each([
    [{ side: 'Buy', positionIdx: 0 }, 'long'],
    [{ side: 'Sell', positionIdx: 0 }, 'short'],
    [{ side: '', positionIdx: 1 }, 'long'],
    [{ side: '', positionIdx: 2 }, 'short'],
  ] as const)('%j is %s', (p, side) => expect(sideOf({ symbol: 'BTCUSDT', ...p })).toBe(side));

  it('refuses a sized position without a side', () => {
    expect(() => sideOf({ symbol: 'BTCUSDT', side: '', positionIdx: 0 })).toThrow(/no side/);
  });
});

describe('snapshotOf', () => {
  const base = (over: Partial<SnapshotInput> = {}): SnapshotInput => ({
    wallet: { list: [{ accountType: 'UNIFIED', accountMMRate: 0.01, totalEquity: 1_000, totalMarginBalance: 1_000, totalMaintenanceMargin: 10, coin: [{ coin: 'USDT', walletBalance: 1_100, equity: 1_000, unrealisedPnl: -100, totalPositionMM: 10, totalPositionIM: 100 }] }] },
    positions: [{ symbol: 'BTCUSDT', positionIdx: 0, side: 'Buy', size: 0.1, avgPrice: 50_000, markPrice: 49_000, leverage: 10, positionBalance: 500, positionMM: 24.5, positionIM: 500, liqPrice: 40_000 }],
    marginMode: 'REGULAR_MARGIN',
    tiers: new Map([['BTCUSDT', [{ notionalFloor: 0, rate: 0.005, amount: 0 }]]]),
    marks: new Map([['BTCUSDT', { mark: 49_000, index: 49_010, at: 5 }]]),
    quote: 'USDT',
    venueNow: 7,
    ...over,
  });

  it("maps a cross account: the coin's wallet, positionMM as the venue's maintenance margin, the ticker's time as the mark's", () => {
    const s = snapshotOf(base());
    expect(s).toMatchObject({ exchange: 'bybit', timestamp: 7, crossWalletBalance: 1_100, exchangeTotals: { maintenanceMargin: 24.5, marginBalance: 1_000 } });
    expect(s.positions[0]).toMatchObject({ side: 'long', contracts: 0.1, marginMode: 'cross', markTimestamp: 5, indexPrice: 49_010 });
    expect(s.positions[0]!.isolatedWallet).toBeUndefined();
  });

  it('maps an isolated account: position balance as the isolated wallet, the rest as the cross wallet', () => {
    const s = snapshotOf(base({ marginMode: 'ISOLATED_MARGIN' }));
    expect(s.positions[0]).toMatchObject({ marginMode: 'isolated', isolatedWallet: 500 });
    expect(s.crossWalletBalance).toBe(600);
  });

  it('leaves the venue totals out when a position has no positionMM (cannot corroborate, not a guess)', () => {
    const s = snapshotOf(base({ positions: [{ ...base().positions[0]!, positionMM: undefined }] }));
    expect(s.exchangeTotals).toBeUndefined();
  });

  it.each([
    ['another coin with equity in the wallet', { wallet: { list: [{ ...base().wallet.list[0]!, coin: [...base().wallet.list[0]!.coin, { coin: 'BTC', walletBalance: 0.1, equity: 0.1, unrealisedPnl: 0 }] }] } }, /holds BTC besides USDT/],
    ['no USDT entry', { wallet: { list: [{ ...base().wallet.list[0]!, coin: [] }] } }, /no USDT entry/],
    ['a symbol without tiers', { tiers: new Map() }, /no risk-limit tiers for BTCUSDT/],
  ] as const)('refuses %s', (_label, over, message) => {
    expect(() => snapshotOf(base(over as Partial<SnapshotInput>))).toThrow(message);
  });
});

describe('Bybit facts and budget', () => {
  it('spends per minute one snapshot per tick plus the history and settings reads', () => {
    expect(weightPerMinute(60)).toBe(6);
    expect(weightPerMinute(1)).toBe(183);
    expect(closeAllWeight(2)).toBe(48);
    expect(() => weightPerMinute(0)).toThrow(RangeError);
  });

  it('keeps its requests well inside 600 per 5 s for one account at 1-s cadence', () => {
    expect(weightPerMinute(1)).toBeLessThan(BYBIT_FACTS.budget.perMinute / 10);
  });

  it('names the regions Bybit refuses, with its reason, and redacts the key and signature headers', () => {
    expect(BYBIT_FACTS.geoBlocked!.regions).toEqual(expect.arrayContaining(['us-east-1', 'us-west-2', 'cn-north-1', 'cn-northwest-1']));
    expect(BYBIT_FACTS.geoBlocked!.why).toMatch(/US and Mainland China.*403/);
    expect(BYBIT_FACTS.redaction.headers).toEqual(['X-BAPI-API-KEY', 'X-BAPI-SIGN']);
    expect(BYBIT_FACTS.hosts).toContain('api.bybit.com');
  });
});
