import { describe, expect, it } from 'vitest';
import { DEFAULT_STRESS, evaluateAccount } from '../../../functions/domain/margin.ts';
import {
  accountModeProblem,
  baseOf,
  contractsOf,
  liquidationFeeRateOf,
  marginRatioFromOkx,
  mmUnder,
  permissionsOf,
  ratioDivergences,
  snapshotFromOkx,
  tiersFromOkx,
  withLiquidationFee,
} from '../../../functions/venues/okx/mapping.ts';
import { PositionRowSchema, type PositionRow } from '../../../functions/venues/okx/schemas.ts';

const BTC = { ctVal: 0.01, lotSz: 0.1 };
const ETH = { ctVal: 0.1, lotSz: 0.01 };

describe('contracts ↔ base units', () => {
  it.each([
    // [contracts, ctVal, base]
    [100, 0.01, 1],
    [1, 0.01, 0.01],
    [250, 0.1, 25],
    [0.3, 0.1, 0.03],
    [7, 1, 7],
  ])('%d contracts of ctVal %d are %d base units (a naive mapping is off by 1/ctVal)', (contracts, ctVal, base) => {
    expect(baseOf(contracts, ctVal)).toBe(base);
    if (ctVal !== 1) expect(baseOf(contracts, ctVal)).not.toBe(contracts);
  });

  it.each([
    // [base, instrument, cap, contracts]
    [1, BTC, Infinity, 100],
    [0.5, BTC, Infinity, 50],
    [0.6000000000000001, BTC, Infinity, 60],
    [0.0004, BTC, Infinity, 0], // below half a lot (0.001 BTC): rounds to nothing
    [3, ETH, Infinity, 30],
    [0.123, ETH, Infinity, 1.23],
    [10, BTC, 400, 400], // the instrument's maxMktSz caps one order
  ])('%d base units → %d contracts on lotSz', (base, inst, cap, contracts) => {
    expect(contractsOf(base, inst, cap)).toBe(contracts);
  });

  it('round-trips an order: base → contracts → base', () => {
    for (const amount of [0.001, 0.015, 1, 12.345]) expect(baseOf(contractsOf(amount, BTC), BTC.ctVal)).toBeCloseTo(Math.round(amount * 1000) / 1000, 12);
  });
});

describe('mgnRatio (equity ÷ maintenance) → riskguard margin ratio (maintenance ÷ equity)', () => {
  it.each([
    [4, 0.25],
    [1, 1],
    [0.8, 1.25],
    [100, 0.01],
    [null, null],
    [0, null],
    [-2, null],
  ])('mgnRatio %s → %s', (okx, ours) => {
    expect(marginRatioFromOkx(okx)).toBe(ours);
  });
});

describe('account level and key permissions', () => {
  it.each([
    ['1', /spot mode/],
    ['3', /multi-currency margin mode \(acctLv 3\).*does not model/],
    ['4', /portfolio margin mode \(acctLv 4\).*does not model/],
  ] as const)('refuses acctLv %s loudly', (acctLv, why) => {
    expect(accountModeProblem({ acctLv })).toMatch(why);
  });
  it('guards the futures mode (acctLv 2)', () => expect(accountModeProblem({ acctLv: '2' })).toBeNull());
  it.each([
    ['read_only', { canRead: true, canTrade: false, canWithdraw: false }],
    ['read_only,trade', { canRead: true, canTrade: true, canWithdraw: false }],
    ['read_only,trade,withdraw', { canRead: true, canTrade: true, canWithdraw: true }],
  ])('perm %s', (perm, p) => expect(permissionsOf(perm)).toEqual(p));
});

const row = (over: Partial<Record<string, string>>): PositionRow =>
  PositionRowSchema.parse({
    instId: 'BTC-USDT-SWAP',
    instType: 'SWAP',
    mgnMode: 'cross',
    posSide: 'net',
    pos: '100',
    avgPx: '50000',
    markPx: '48000',
    lever: '10',
    margin: '',
    mmr: '192',
    mgnRatio: '',
    notionalUsd: '48000',
    upl: '-2000',
    ccy: 'USDT',
    uTime: '1760126400000',
    ...over,
  });

describe('snapshotFromOkx', () => {
  const instruments = new Map([
    ['BTC-USDT-SWAP', BTC],
    ['ETH-USDT-SWAP', ETH],
  ]);
  const marks = new Map([
    ['BTC-USDT-SWAP', { price: 48_000, ts: 1_760_126_400_000 }],
    ['ETH-USDT-SWAP', { price: 2_850, ts: 1_760_126_400_000 }],
  ]);

  it('maps contracts to base units, keeps a cross and an isolated position of one instrument apart, and corroborates the equity', () => {
    const { snapshot } = snapshotFromOkx({
      usdt: { eq: 10_000 - 2_000 + 500 - 400, cashBal: 10_000 + 500 },
      positions: [
        row({}),
        row({ mgnMode: 'isolated', pos: '-50', avgPx: '48000', markPx: '48800', margin: '500', mmr: '97.6', upl: '-400' }),
        row({ instId: 'ETH-USDT-SWAP', pos: '0' }),
      ],
      instruments,
      tiers: new Map(),
      marks: new Map([['BTC-USDT-SWAP', { price: 48_000, ts: 1 }]]),
      timestamp: 2,
      liquidationFeeRate: 0,
    });
    expect(snapshot.positions).toHaveLength(2);
    const [cross, iso] = snapshot.positions;
    expect(cross).toMatchObject({ symbol: 'BTC-USDT-SWAP', side: 'long', contracts: 1, marginMode: 'cross' });
    expect(iso).toMatchObject({ symbol: 'BTC-USDT-SWAP', side: 'short', contracts: 0.5, marginMode: 'isolated', isolatedWallet: 500 });
    // The venue's mmr (an amount) is the maintenance margin: as a rate of the notional at the mark.
    expect(cross!.maintenanceMarginRate! * 1 * 48_000).toBeCloseTo(192, 9);
    expect(snapshot.crossWalletBalance).toBe(10_000);
    const e = evaluateAccount(snapshot, DEFAULT_STRESS);
    expect(e.pools.filter((p) => p.kind === 'isolated')).toHaveLength(1);
  });

  it('reads a long/short-mode account: posSide names the side, pos is unsigned', () => {
    const { snapshot } = snapshotFromOkx({
      usdt: { eq: 8_000, cashBal: 10_000 },
      positions: [row({ posSide: 'long' }), row({ posSide: 'short', pos: '20', avgPx: '47000', upl: '-200', mmr: '38.4' })],
      instruments,
      tiers: new Map(),
      marks,
      timestamp: 1,
      liquidationFeeRate: 0,
    });
    expect(snapshot.positions.map((p) => [p.side, p.contracts])).toEqual([
      ['long', 1],
      ['short', 0.2],
    ]);
  });

  it('takes tiers from position-tiers (sizes in contracts → notional at the mark) when they agree with the venue', () => {
    const tiers = [
      { minSz: 0, maxSz: 100, mmr: 0.004 },
      { minSz: 100, maxSz: 500, mmr: 0.005 },
    ];
    expect(tiersFromOkx(tiers, 0.01, 48_000)).toEqual([
      { notionalFloor: 0, rate: 0.004, amount: 0 },
      { notionalFloor: 48_000, rate: 0.005, amount: 0 },
    ]);
    const agree = snapshotFromOkx({ usdt: { eq: 8_000, cashBal: 10_000 }, positions: [row({ mmr: '240' })], instruments, tiers: new Map([['BTC-USDT-SWAP', tiers]]), marks, timestamp: 1, liquidationFeeRate: 0 });
    expect(agree.snapshot.positions[0]!.maintenanceTiers).toHaveLength(2);
    expect(agree.overrides).toEqual([]);
    const differ = snapshotFromOkx({ usdt: { eq: 8_000, cashBal: 10_000 }, positions: [row({ mmr: '300' })], instruments, tiers: new Map([['BTC-USDT-SWAP', tiers]]), marks, timestamp: 1, liquidationFeeRate: 0 });
    expect(differ.snapshot.positions[0]!.maintenanceMarginRate! * 48_000).toBeCloseTo(300, 9);
    expect(differ.overrides).toHaveLength(1);
  });

  // OKX's published ETHUSDT perpetual tiers by contracts (OKEx, "position tiers to be adjusted",
  // June 2021: https://support.okexcn.com/hc/en-us/articles/4402607424781-OKEx-position-tiers-to-be-adjusted):
  // 0–3,000 cont 0.40 %, 3,001–6,000 0.50 %, 6,001–12,000 1.00 %. Maintenance margin = contract
  // value × |contracts| × mark × the tier's rate (OKX, "Tiered Maintenance Margin Ratio",
  // https://tr.okx.com/help/tier; no deduction amount). ctVal 0.1 ETH.
  it.each([
    // [contracts, mark, maintenance margin]
    [3_000, 2_000, 3_000 * 0.1 * 2_000 * 0.004],
    [4_000, 2_000, 4_000 * 0.1 * 2_000 * 0.005],
    [10_000, 2_000, 10_000 * 0.1 * 2_000 * 0.01],
  ])("puts %d ETHUSDT contracts at %d in OKX's published tier", (contracts, mark, mm) => {
    const tiers = tiersFromOkx(
      [
        { minSz: 0, maxSz: 3_000, mmr: 0.004 },
        { minSz: 3_001, maxSz: 6_000, mmr: 0.005 },
        { minSz: 6_001, maxSz: 12_000, mmr: 0.01 },
      ],
      0.1,
      mark,
    );
    expect(mmUnder(tiers, baseOf(contracts, 0.1) * mark)).toBeCloseTo(mm, 6);
  });

  it.each([
    [{ ccy: 'BTC' }, /margined in BTC/],
    [{ instId: 'DOGE-USDT-SWAP' }, /not listed/],
    [{ mgnMode: 'isolated', margin: '' }, /isolated position without margin/],
    [{ avgPx: '' }, /no average entry price/],
  ])('refuses a row it cannot read (%j)', (over, why) => {
    expect(() => snapshotFromOkx({ usdt: { eq: 1, cashBal: 1 }, positions: [row(over as Record<string, string>)], instruments, tiers: new Map(), marks, timestamp: 1, liquidationFeeRate: 0 })).toThrow(why);
  });

  // OKX liquidates at equity ≤ MM + position value × taker fee rate
  // (https://www.okx.com/help/v-tiered-maintenance-margin-ratio-rules): the fee joins every rate.
  it("adds the account's taker rate to the tier rates, and compares the venue's mmr with the tiers alone", () => {
    const tiers = [
      { minSz: 0, maxSz: 100, mmr: 0.004 },
      { minSz: 100, maxSz: 500, mmr: 0.005 },
    ];
    const { snapshot, overrides } = snapshotFromOkx({ usdt: { eq: 8_000, cashBal: 10_000 }, positions: [row({ mmr: '240' })], instruments, tiers: new Map([['BTC-USDT-SWAP', tiers]]), marks, timestamp: 1, liquidationFeeRate: 0.0005 });
    expect(overrides).toEqual([]);
    const got = snapshot.positions[0]!.maintenanceTiers!;
    expect(got.map((t) => [t.notionalFloor, t.amount])).toEqual([
      [0, 0],
      [48_000, 0],
    ]);
    expect(got[0]!.rate).toBeCloseTo(0.0045, 12);
    expect(got[1]!.rate).toBeCloseTo(0.0055, 12);
    // 1 BTC at 48,000 in tier 2: MM 240 + fee 24.
    expect(evaluateAccount(snapshot, DEFAULT_STRESS).pools[0]!.maintenanceMargin).toBeCloseTo(264, 9);
  });

  it("counts the fee once when the venue's mmr already includes it (the docs do not say which)", () => {
    const tiers = [{ minSz: 0, maxSz: 500, mmr: 0.005 }];
    // 1 BTC at 48,000: tier MM 240; with the fee 240 + 24 = 264.
    const { snapshot, overrides } = snapshotFromOkx({ usdt: { eq: 8_000, cashBal: 10_000 }, positions: [row({ mmr: '264' })], instruments, tiers: new Map([['BTC-USDT-SWAP', tiers]]), marks, timestamp: 1, liquidationFeeRate: 0.0005 });
    expect(overrides).toEqual([]);
    expect(evaluateAccount(snapshot, DEFAULT_STRESS).pools[0]!.maintenanceMargin).toBeCloseTo(264, 9);
  });

  it("adds the fee to the venue's own mmr when that decides", () => {
    const { snapshot } = snapshotFromOkx({ usdt: { eq: 8_000, cashBal: 10_000 }, positions: [row({ mmr: '192' })], instruments, tiers: new Map(), marks, timestamp: 1, liquidationFeeRate: 0.0005 });
    expect(snapshot.positions[0]!.maintenanceMarginRate! * 48_000).toBeCloseTo(192 + 24, 9);
  });

  it("reads OKX's mgnRatio (equity ÷ (mmr + liquidation fee)) as the engine's ratio once the fee is in", () => {
    const { snapshot } = snapshotFromOkx({ usdt: { eq: 8_000, cashBal: 10_000 }, positions: [row({})], instruments, tiers: new Map(), marks, timestamp: 1, liquidationFeeRate: 0.0005 });
    const e = evaluateAccount(snapshot, DEFAULT_STRESS);
    const equity = e.pools[0]!.equity;
    expect(ratioDivergences(e, [row({ mgnRatio: String(equity / (192 + 24)) })], 1e-9)).toEqual([]);
    // Without the fee the engine would read 192 ÷ equity: off by the fee's share.
    expect(ratioDivergences(e, [row({ mgnRatio: String(equity / 192) })], 1e-3)).toHaveLength(1);
  });

  it.each([
    [-0.0005, 0.0005],
    [-0.0002, 0.0002],
    [0.0001, 0],
  ])('takes the liquidation fee rate from takerU %d as %d', (takerU, rate) => expect(liquidationFeeRateOf(takerU)).toBe(rate));

  it('refuses a fee rate outside [0, 1)', () => {
    expect(() => withLiquidationFee([{ notionalFloor: 0, rate: 0.004, amount: 0 }], -0.1)).toThrow(RangeError);
  });

  it("reports where the engine's ratio and OKX's mgnRatio inverted disagree", () => {
    const { snapshot } = snapshotFromOkx({ usdt: { eq: 8_000, cashBal: 10_000 }, positions: [row({})], instruments, tiers: new Map(), marks, timestamp: 1, liquidationFeeRate: 0 });
    const e = evaluateAccount(snapshot, DEFAULT_STRESS);
    const mr = e.pools[0]!.marginRatio!;
    expect(ratioDivergences(e, [row({ mgnRatio: String(1 / mr) })])).toEqual([]);
    // A relabelled ratio (equity ÷ MM read as MM ÷ equity) is far off.
    expect(ratioDivergences(e, [row({ mgnRatio: String(mr) })])).toHaveLength(1);
  });
});
