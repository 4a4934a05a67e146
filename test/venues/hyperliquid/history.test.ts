import { describe, expect, it } from 'vitest';
import { summarizeHistory } from '../../../functions/domain/history.ts';
import {
  fillEvents,
  fundingEvent,
  historyFromHyperliquid,
  HYPERLIQUID_LEDGER_KINDS,
  ledgerEvents,
  nextPageStart,
  readAllPages,
  type LedgerContext,
} from '../../../functions/venues/hyperliquid/history.ts';
import { FillsSchema, FundingUpdatesSchema, LedgerUpdatesSchema, type LedgerUpdate } from '../../../functions/venues/hyperliquid/schemas.ts';

const ME = '0x' + 'a1'.repeat(20);
const OTHER = '0x' + 'b2'.repeat(20);
const HASH = '0x' + 'cd'.repeat(32);
const std: LedgerContext = { address: ME.toUpperCase().replace('0X', '0x'), model: 'standard' };
const uni: LedgerContext = { address: ME, model: 'unified' };
const row = (delta: Record<string, unknown>, time = 1_000): LedgerUpdate => LedgerUpdatesSchema.parse([{ time, hash: HASH, delta }])[0]!;
/** [kind, amount] of each event of a row. */
const shape = (r: LedgerUpdate, ctx: LedgerContext) => ledgerEvents(r, ctx).map((e) => [e.kind, e.amount]);

/**
 * Every delta type of userNonFundingLedgerUpdates (Hyperliquid info endpoint docs; nktkas/hyperliquid
 * userNonFundingLedgerUpdates.ts), as a standard and as a unified account see it.
 */
const TABLE: [string, Record<string, unknown>, (string | number)[][], (string | number)[][]][] = [
  ['deposit', { type: 'deposit', usdc: '1000.0' }, [['transfer', 1000]], [['transfer', 1000]]],
  ['withdraw', { type: 'withdraw', usdc: '500.0', nonce: 1, fee: '1.0' }, [['transfer', -500]], [['transfer', -500]]],
  ['internalTransfer in', { type: 'internalTransfer', usdc: '20', user: OTHER, destination: ME, fee: '1.0' }, [['transfer', 20]], [['transfer', 20]]],
  ['internalTransfer out', { type: 'internalTransfer', usdc: '20', user: ME, destination: OTHER, fee: '1.0' }, [['transfer', -20], ['income', -1]], [['transfer', -20], ['income', -1]]],
  ['subAccountTransfer in', { type: 'subAccountTransfer', usdc: '300', user: OTHER, destination: ME }, [['transfer', 300]], [['transfer', 300]]],
  ['subAccountTransfer out', { type: 'subAccountTransfer', usdc: '300', user: ME, destination: OTHER }, [['transfer', -300]], [['transfer', -300]]],
  [
    'send perp → spot, own',
    { type: 'send', user: ME, destination: ME, sourceDex: '', destinationDex: 'spot', token: 'USDC', amount: '50', usdcValue: '50', fee: '0', nativeTokenFee: '0', nonce: 1, feeToken: 'USDC' },
    [['transfer', -50]],
    [['transfer', 0]],
  ],
  [
    'send spot → other address',
    { type: 'send', user: ME, destination: OTHER, sourceDex: 'spot', destinationDex: 'spot', token: 'USDC', amount: '50', usdcValue: '50', fee: '1', nativeTokenFee: '0', nonce: 1, feeToken: 'USDC' },
    [['transfer', 0]],
    [['transfer', -50], ['income', -1]],
  ],
  [
    'send HYPE in',
    { type: 'send', user: OTHER, destination: ME, sourceDex: 'spot', destinationDex: 'spot', token: 'HYPE', amount: '3', usdcValue: '120', fee: '0', nativeTokenFee: '0', nonce: 1, feeToken: 'HYPE' },
    [['transfer', 0]],
    [['transfer', 0]],
  ],
  [
    'spotTransfer USDC in',
    { type: 'spotTransfer', token: 'USDC', amount: '70', usdcValue: '70', user: OTHER, destination: ME, fee: '0', nativeTokenFee: '0', nonce: null, feeToken: 'USDC' },
    [['transfer', 0]],
    [['transfer', 70]],
  ],
  ['accountClassTransfer to perp', { type: 'accountClassTransfer', usdc: '100', toPerp: true }, [['transfer', 100]], [['transfer', 0]]],
  ['accountClassTransfer to spot', { type: 'accountClassTransfer', usdc: '100', toPerp: false }, [['transfer', -100]], [['transfer', 0]]],
  ['vaultCreate', { type: 'vaultCreate', vault: OTHER, usdc: '100', fee: '100' }, [['transfer', -100], ['income', -100]], [['transfer', -100], ['income', -100]]],
  ['vaultDeposit', { type: 'vaultDeposit', vault: OTHER, usdc: '250' }, [['transfer', -250]], [['transfer', -250]]],
  [
    'vaultWithdraw',
    { type: 'vaultWithdraw', vault: OTHER, user: ME, requestedUsd: '100', commission: '2', closingCost: '0.5', basis: '90', netWithdrawnUsd: '97.5' },
    [['transfer', 97.5]],
    [['transfer', 97.5]],
  ],
  ['vaultDistribution', { type: 'vaultDistribution', vault: OTHER, usdc: '12' }, [['transfer', 12]], [['transfer', 12]]],
  ['vaultLeaderCommission', { type: 'vaultLeaderCommission', user: ME, usdc: '8' }, [['transfer', 8]], [['transfer', 8]]],
  ['rewardsClaim USDC', { type: 'rewardsClaim', amount: '5', token: 'USDC' }, [['transfer', 0]], [['transfer', 5]]],
  ['rewardsClaim HYPE', { type: 'rewardsClaim', amount: '5', token: 'HYPE' }, [['transfer', 0]], [['transfer', 0]]],
  ['deployGasAuction', { type: 'deployGasAuction', token: 'USDC', amount: '400' }, [['transfer', 0]], [['transfer', -400]]],
  ['cStakingTransfer', { type: 'cStakingTransfer', token: 'HYPE', amount: '10', isDeposit: true }, [['transfer', 0]], [['transfer', 0]]],
  ['spotGenesis', { type: 'spotGenesis', token: 'PURR', amount: '1000' }, [['transfer', 0]], [['transfer', 0]]],
  ['borrowLend USDC', { type: 'borrowLend', token: 'USDC', operation: 'supply', amount: '100', interestAmount: '0' }, [['unclassified', 100]], [['unclassified', 100]]],
  ['borrowLend HYPE', { type: 'borrowLend', token: 'HYPE', operation: 'borrow', amount: '1', interestAmount: '0' }, [['transfer', 0]], [['transfer', 0]]],
  ['activateDexAbstraction', { type: 'activateDexAbstraction', dex: 'xyz', token: 'USDC', amount: '10' }, [['unclassified', 10]], [['unclassified', 10]]],
  [
    'liquidation of two positions',
    { type: 'liquidation', liquidatedNtlPos: '5000', accountValue: '100', leverageType: 'Cross', liquidatedPositions: [{ coin: 'BTC', szi: '0.1' }, { coin: 'ETH', szi: '-1' }] },
    [['liquidation', 0], ['liquidation', 0]],
    [['liquidation', 0], ['liquidation', 0]],
  ],
  ['an unknown type', { type: 'somethingNew', usdc: '-3' }, [['unclassified', -3]], [['unclassified', -3]]],
];

describe('Hyperliquid ledger classification', () => {
  it.each(TABLE)('%s', (_what, delta, standard, unified) => {
    expect(shape(row(delta), std)).toEqual(standard);
    expect(shape(row(delta), uni)).toEqual(unified);
  });

  it('covers every type the table of kinds knows', () => {
    const tested = new Set(TABLE.map(([, d]) => d.type as string));
    expect(Object.keys(HYPERLIQUID_LEDGER_KINDS).filter((t) => !tested.has(t))).toEqual([]);
  });

  it('names each liquidated position, which explains it vanishing', () => {
    const events = ledgerEvents(row(TABLE.find(([w]) => w.startsWith('liquidation'))![1]), std);
    expect(events.map((e) => ('symbol' in e ? e.symbol : null))).toEqual(['BTC', 'ETH']);
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
  });

  it('refuses a row whose amount is not a number rather than counting it as 0', () => {
    expect(() => ledgerEvents(row({ type: 'deposit', usdc: 'lots' }), std)).toThrow('deposit at 1000: usdc is not a number');
  });
});

describe('Hyperliquid funding and fills', () => {
  it('funding is signed USDC on its coin, with an id that survives the zero hash funding rows carry', () => {
    const [a, b] = FundingUpdatesSchema.parse([
      { time: 10, hash: '0x' + '0'.repeat(64), delta: { type: 'funding', coin: 'BTC', usdc: '-1.25', szi: '0.5', fundingRate: '0.0000125', nSamples: null } },
      { time: 10, hash: '0x' + '0'.repeat(64), delta: { type: 'funding', coin: 'ETH', usdc: '0.4', szi: '-2', fundingRate: '0.00001', nSamples: null } },
    ]);
    expect(fundingEvent(a!)).toMatchObject({ kind: 'funding', symbol: 'BTC', amount: -1.25, at: 10 });
    expect(fundingEvent(a!).id).not.toBe(fundingEvent(b!).id);
  });

  it('a fill gives a witness, its fee (builder fee included; a rebate is income) and its realized PnL', () => {
    const [close, rebate] = FillsSchema.parse([
      { coin: 'BTC', px: '62000', sz: '0.1', side: 'A', time: 20, startPosition: '0.5', dir: 'Close Long', closedPnl: '200.0', hash: HASH, oid: 1, crossed: true, fee: '2.17', builderFee: '0.03', tid: 77, feeToken: 'USDC', twapId: null },
      { coin: 'ETH', px: '3100', sz: '1', side: 'B', time: 21, startPosition: '0', dir: 'Open Long', closedPnl: '0.0', hash: HASH, oid: 2, crossed: false, fee: '-0.05', tid: 78, feeToken: 'USDC' },
    ]);
    expect(fillEvents(close!).map((e) => [e.id, e.kind, Number(e.amount.toFixed(9))])).toEqual([
      ['fill:77', 'fill', 0],
      ['fee:77', 'fee', -2.2],
      ['pnl:77', 'realized-pnl', 200],
    ]);
    expect(fillEvents(rebate!).map((e) => [e.kind, e.amount])).toEqual([
      ['fill', 0],
      ['fee', 0.05],
    ]);
  });

  it('sums into a history the domain understands', () => {
    const ledger = LedgerUpdatesSchema.parse([
      { time: 1, hash: HASH, delta: { type: 'deposit', usdc: '1000' } },
      { time: 2, hash: HASH, delta: { type: 'withdraw', usdc: '100', nonce: 1, fee: '1' } },
      { time: 3, hash: HASH, delta: { type: 'liquidation', liquidatedNtlPos: '1', accountValue: '1', leverageType: 'Isolated', liquidatedPositions: [{ coin: 'SOL', szi: '3' }] } },
    ]);
    const h = historyFromHyperliquid(ledger, [], [], std, 0, 5);
    const s = summarizeHistory(h.events);
    expect(s.netTransfers).toBe(900);
    expect(s.liquidations).toEqual([{ symbol: 'SOL', at: 3, kind: 'liquidation' }]);
    expect(h.until).toBe(5);
  });

  it('keeps two identical ledger rows of one millisecond apart (paging de-duplicates reads), and a fill read twice once', () => {
    const twice = LedgerUpdatesSchema.parse([
      { time: 7, hash: HASH, delta: { type: 'vaultDistribution', vault: OTHER, usdc: '1' } },
      { time: 7, hash: HASH, delta: { type: 'vaultDistribution', vault: OTHER, usdc: '1' } },
    ]);
    expect(historyFromHyperliquid(twice, [], [], std, 0, 7).events).toHaveLength(2);
    const dep = LedgerUpdatesSchema.parse([{ time: 8, hash: HASH, delta: { type: 'deposit', usdc: '1' } }]);
    const fills = FillsSchema.parse([
      { coin: 'BTC', px: '1', sz: '1', side: 'A', time: 9, startPosition: '1', dir: 'Close Long', closedPnl: '0', hash: HASH, oid: 1, crossed: true, fee: '0', tid: 5, feeToken: 'USDC' },
    ]);
    expect(historyFromHyperliquid(dep, [], [...fills, ...fills], std, 0, 9).events).toHaveLength(3);
  });
});

describe('Hyperliquid paging', () => {
  const rows = (...times: number[]) => times.map((time) => ({ time }));

  it.each([
    ['a short page is the last', rows(1, 2, 3), 0, 4, null],
    ['a full page continues AT its newest row (that ms may hold more rows)', rows(1, 2, 2, 5), 0, 4, 5],
    ['a full page of later rows', rows(10, 11, 12, 13), 9, 4, 13],
  ] as const)('%s', (_what, page, from, limit, next) => {
    expect(nextPageStart(page, from, limit)).toBe(next);
  });

  it('refuses a full page inside one millisecond, and a page out of time order', () => {
    expect(() => nextPageStart(rows(3, 3, 3), 3, 3)).toThrow('more than 3 rows in millisecond 3');
    expect(() => nextPageStart(rows(3, 2, 4), 0, 3)).toThrow('not in time order at row 1');
  });

  it('reads every row of a window whose page boundary falls inside a millisecond, each once', async () => {
    const all = [1, 2, 3, 3, 3, 4, 6, 6, 9].map((time, i) => ({ time, n: i }));
    const calls: number[] = [];
    const page = async (start: number, end: number) => {
      calls.push(start);
      return all.filter((r) => r.time >= start && r.time <= end).slice(0, 4);
    };
    const got = await readAllPages('ledger', page, (r, rank) => `${r.time}:${rank}`, 0, 100, 4);
    expect(got.map((r) => r.n).sort((a, b) => a - b)).toEqual(all.map((r) => r.n));
    expect(calls).toEqual([0, 3, 4, 9]);
  });
});
