import { describe, expect, it } from 'vitest';
import { gateSnapshot, walletOf } from '../../functions/domain/gate.ts';
import { summarizeHistory } from '../../functions/domain/history.ts';
import type { AccountSnapshot, Position } from '../../functions/domain/snapshot.ts';
import type { BookEntry } from '../../functions/domain/state.ts';
import type { HistoryEvent } from '../../functions/ports.ts';

const NOW = 1_760_054_400_000;
const btc = (contracts: number, extra: Partial<Position> = {}): Position => ({
  symbol: 'BTCUSDT',
  side: 'long',
  contracts,
  entryPrice: 50_000,
  markPrice: 50_000,
  marginMode: 'cross',
  leverage: 10,
  maintenanceMarginRate: 0.004,
  ...extra,
});
const snap = (wallet: number, positions: Position[]): AccountSnapshot => ({ crossWalletBalance: wallet, timestamp: NOW, positions });
const entry = (contracts: number): BookEntry => ({ symbol: 'BTCUSDT', side: 'long', marginMode: 'cross', contracts, markPrice: 50_000 });
const state = (wallet: number | null, book: BookEntry[], pendingCredit = 0) => ({ lastWallet: wallet, lastBook: book, pendingCredit });
const rows = (...events: HistoryEvent[]) => summarizeHistory(events);
const fee = (amount: number, symbol = 'BTCUSDT'): HistoryEvent => ({ id: `f${amount}`, at: NOW, kind: 'fee', symbol, amount });
const pnl = (amount: number): HistoryEvent => ({ id: `p${amount}`, at: NOW, kind: 'realized-pnl', symbol: 'BTCUSDT', amount });
const transfer = (amount: number): HistoryEvent => ({ id: `t${amount}`, at: NOW, kind: 'transfer', amount, type: 'TRANSFER' });

describe('gateSnapshot', () => {
  it.each([
    // what happened, last wallet, last book, snapshot, history rows, verdict, transfers, pending credit after, pending credit before
    ['first snapshot: nothing to compare', null, [], snap(10_000, [btc(1)]), null, 'ok', 0, 0, 0],
    ['marks moved only: no history needed', 10_000, [entry(1)], snap(10_000, [btc(1, { markPrice: 45_000 })]), null, 'ok', 0, 0, 0],
    ['owner opened a position: needs the history', 10_000, [], snap(9_990, [btc(1)]), null, 'need-history', 0, 0, 0],
    ['owner opened a position, fee row explains it', 10_000, [], snap(9_990, [btc(1)]), rows(fee(-10)), 'ok', 0, 0, 0],
    ['owner added to a position with no row', 10_000, [entry(1)], snap(10_000, [btc(2)]), rows(), 'unknown', 0, 0, 0],
    ['closed at exactly its entry: only a commission row', 10_000, [entry(1)], snap(9_990, []), rows(fee(-10)), 'ok', 0, 0, 0],
    ['closed with realized PnL and fee', 10_000, [entry(1)], snap(10_490, []), rows(pnl(500), fee(-10)), 'ok', 0, 0, 0],
    ['vanished with no row', 10_000, [entry(1)], snap(10_000, []), rows(), 'unknown', 0, 0, 0],
    ['funding paid: wallet explained', 10_000, [entry(1)], snap(9_995, [btc(1)]), rows({ id: 'u', at: NOW, kind: 'funding', symbol: 'BTCUSDT', amount: -5 }), 'ok', 0, 0, 0],
    ['withdrawal with its row', 10_000, [entry(1)], snap(9_500, [btc(1)]), rows(transfer(-500)), 'ok', -500, 0, 0],
    ['withdrawal before its row: unknown, never a loss', 10_000, [entry(1)], snap(9_500, [btc(1)]), rows(), 'unknown', 0, 0, 0],
    ['zero balance beside positions: unknown', 10_000, [entry(1)], snap(0, [btc(1)]), rows(), 'unknown', 0, 0, 0],
    ['deposit before its row: a pending transfer, not a gain', 10_000, [entry(1)], snap(11_000, [btc(1)]), rows(), 'ok', 1_000, 1_000, 0],
    ['deposit row after the wallet showed it: counted once', 11_000, [entry(1)], snap(11_000, [btc(1)]), rows(transfer(1_000)), 'ok', 0, 0, 1_000],
    ['rounding within tolerance', 10_000, [entry(1)], snap(10_000.004, [btc(1)]), rows(), 'ok', 0, 0, 0],
  ] as const)('%s', (_what, lastWallet, book, s, history, kind, transfers, pending, pendingBefore) => {
    const v = gateSnapshot(s, state(lastWallet, [...book], pendingBefore), history, NOW);
    expect(v.kind).toBe(kind);
    if (v.kind === 'ok') {
      expect(v.transfers).toBeCloseTo(transfers, 6);
      expect(v.pendingCredit).toBeCloseTo(pending, 6);
    }
  });

  it('reads a side closed where the guard had its backstop stop as the guard’s own stop, not the owner trading (issue 16)', () => {
    const stop = { id: '42', symbol: 'BTCUSDT', side: 'long' as const, stopPrice: 48_500 };
    const v = gateSnapshot(snap(8_490, []), { ...state(10_000, [entry(1)]), backstops: [stop] }, rows(pnl(-1_500), fee(-10)), NOW);
    expect(v).toMatchObject({ kind: 'ok', liquidated: [] });
    expect(v.kind === 'ok' && v.notes).toEqual(["BTCUSDT long (cross) was closed by the guard's own backstop stop on the exchange (42, stop 48500)"]);
    // Without a known stop the same rows read as a trade.
    const plain = gateSnapshot(snap(8_490, []), state(10_000, [entry(1)]), rows(pnl(-1_500), fee(-10)), NOW);
    expect(plain.kind === 'ok' && plain.notes).toEqual(['BTCUSDT long (cross) was closed by a trade']);
  });

  it('says which figures disagree when the wallet falls unexplained', () => {
    const v = gateSnapshot(snap(0, [btc(1)]), state(10_000, [entry(1)]), rows(), NOW);
    expect(v).toMatchObject({ kind: 'unknown' });
    expect(v.kind === 'unknown' && v.reasons[0]).toMatch(/wallet fell to 0\.00 USDT from 10,000\.00 USDT: 10,000\.00 USDT more than the account history explains/);
  });

  it('distrusts a mark far from the venue’s index price', () => {
    const v = gateSnapshot(snap(10_000, [btc(1, { markPrice: 100_000, indexPrice: 50_000 })]), state(10_000, [entry(1)]), null, NOW);
    expect(v.kind === 'unknown' && v.reasons[0]).toMatch(/BTCUSDT mark price 100000 is 100\.0 % from the index price 50000/);
  });

  it('records a liquidation as the venue’s act, whatever the rows add up to', () => {
    const iso = btc(1, { marginMode: 'isolated', isolatedWallet: 5_000 });
    const before = { ...entry(1), marginMode: 'isolated' as const };
    const s = snap(5_000, []);
    const v = gateSnapshot(s, state(walletOf(snap(5_000, [iso])), [before]), rows({ id: 'l', at: NOW, kind: 'liquidation', symbol: 'BTCUSDT', amount: 0 }), NOW);
    expect(v).toMatchObject({ kind: 'ok', liquidated: [before] });
  });

  it('does not judge the drawdown on rows of an unknown type, and moves the peak with them', () => {
    const v = gateSnapshot(
      snap(9_000, [btc(1)]),
      state(10_000, [entry(1)]),
      rows({ id: 'x', at: NOW, kind: 'unclassified', type: 'NEW_THING', amount: -1_000 }),
      NOW,
    );
    expect(v).toMatchObject({ kind: 'ok', drawdownUnknown: true, transfers: -1_000 });
  });
});
