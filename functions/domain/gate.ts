import { money } from './alert-format.ts';
import { EMPTY_HISTORY, type HistorySummary } from './history.ts';
import type { AccountSnapshot } from './snapshot.ts';
import type { BookEntry, GuardState } from './state.ts';

/**
 * The data-quality gate: never trade on a guess, and never call an ordinary change "can't see".
 *
 * Between two accepted snapshots the account may change in ordinary ways: its owner trades,
 * funding is paid, a deposit or a withdrawal lands, the venue liquidates a position. Each of them
 * leaves a row in the account's own history. The gate checks the snapshot against the last
 * accepted one with the rows the venue recorded in between:
 * - every position that appeared, changed size or vanished has a fill (realized PnL, a fee on its
 *   symbol, a trade) or a liquidation/ADL on its symbol;
 * - the wallet (cross wallet + isolated wallets) moved by what the rows add up to (transfers,
 *   realized PnL, fees, funding, other income). Unrealized PnL is not checked against history:
 *   it follows from the marks, which are checked for age and against the venue's index price.
 * A wallet that rose with no row yet is counted as a pending transfer (never as a gain) and
 * reconciled with its row when it arrives; a wallet that fell with no row is UNKNOWN until the
 * history explains it. Agreement between two reads never by itself explains anything.
 */

export interface GateOptions {
  /** A mark older than this (ms, on the venue's clock) is stale. */
  maxMarkAgeMs: number;
  /** A wallet change the history does not explain, beyond this fraction of the wallet (and 0.01), is unexplained. */
  walletTolerance: number;
  /** A mark further than this fraction from the venue's index price is not trusted. */
  maxMarkIndexGap: number;
}

export const DEFAULT_GATE: GateOptions = { maxMarkAgeMs: 120_000, walletTolerance: 0.001, maxMarkIndexGap: 0.1 };

export type GateVerdict =
  | {
      kind: 'ok';
      notes: string[];
      /** Positions the venue closed (liquidation or ADL). */
      liquidated: BookEntry[];
      /** Deposits − withdrawals to apply to the peak this tick (quote currency). */
      transfers: number;
      /** Wallet rise still waiting for its history row (quote currency), carried to the next tick. */
      pendingCredit: number;
      /** The history holds rows of an unknown type: the drawdown cannot be judged this tick. */
      drawdownUnknown: boolean;
    }
  | { kind: 'unknown'; reasons: string[] }
  /** Only the venue's history can tell: read it and ask again. */
  | { kind: 'need-history'; why: string };

/** A position's identity across snapshots: a symbol can hold a long and a short, cross and isolated. */
export const positionKey = (p: { symbol: string; side: string; marginMode: string }): string => `${p.symbol}|${p.side}|${p.marginMode}`;

/** Equity of a snapshot as the gate sees it (wallets + uPnL, haircut collateral). */
export function rawEquity(s: AccountSnapshot): number {
  let eq = s.crossWalletBalance;
  for (const c of s.collateral ?? []) eq += c.amount * c.price * (1 - c.haircut);
  for (const p of s.positions) {
    const dir = p.side === 'long' ? 1 : -1;
    eq += dir * p.contracts * (p.markPrice - p.entryPrice);
    if (p.marginMode === 'isolated') eq += p.isolatedWallet ?? 0;
  }
  return eq;
}

/** The money the account holds before unrealized PnL: cross wallet plus every isolated wallet. */
export function walletOf(s: AccountSnapshot): number {
  let w = s.crossWalletBalance;
  for (const p of s.positions) if (p.marginMode === 'isolated') w += p.isolatedWallet ?? 0;
  return w;
}

export function bookOf(s: AccountSnapshot): BookEntry[] {
  return s.positions.map((p) => ({
    symbol: p.symbol,
    side: p.side,
    marginMode: p.marginMode,
    contracts: p.contracts,
    markPrice: p.markPrice,
  }));
}

/** Positions that appeared, vanished or changed size between a book and a snapshot. */
export function bookChanges(book: readonly BookEntry[], s: AccountSnapshot): { vanished: BookEntry[]; changed: { key: string; symbol: string; from: number; to: number }[] } {
  const now = new Map(s.positions.map((p) => [positionKey(p), p]));
  const before = new Map(book.map((b) => [positionKey(b), b]));
  const vanished = book.filter((b) => !now.has(positionKey(b)));
  const changed: { key: string; symbol: string; from: number; to: number }[] = [];
  for (const [key, p] of now) {
    const from = before.get(key)?.contracts ?? 0;
    if (Math.abs(p.contracts - from) > 1e-9 * Math.max(1, p.contracts)) changed.push({ key, symbol: p.symbol, from, to: p.contracts });
  }
  return { vanished, changed };
}

/** Why the snapshot needs the history to be explained (the book or the wallet changed), or null. */
function historyNeeded(changes: ReturnType<typeof bookChanges>, wallet: number, lastWallet: number, currency: string | undefined): string | null {
  if (changes.vanished.length) return `${changes.vanished.length} position(s) vanished`;
  if (changes.changed.length) return `${changes.changed.length} position(s) opened or changed size`;
  const dw = wallet - lastWallet;
  if (Math.abs(dw) > 1e-9 * Math.max(1, Math.abs(lastWallet))) return `the wallet moved by ${money(dw, currency)}`;
  return null;
}


/**
 * Judges one snapshot against the last accepted state and the history rows recorded since.
 * @param history the rows since the last accepted snapshot, summed; null when not read this tick
 */
export function gateSnapshot(
  snapshot: AccountSnapshot,
  state: Pick<GuardState, 'lastBook' | 'lastWallet' | 'pendingCredit'> & Partial<Pick<GuardState, 'backstops'>>,
  history: HistorySummary | null,
  now: number,
  opts: GateOptions = DEFAULT_GATE,
): GateVerdict {
  const reasons: string[] = [];
  // Freshness is judged on the venue's clock when it reports one (a replaying paper exchange).
  const venueNow = snapshot.timestamp ?? now;
  for (const p of snapshot.positions) {
    if (p.markTimestamp !== undefined && venueNow - p.markTimestamp > opts.maxMarkAgeMs) {
      reasons.push(
        `${p.symbol} mark price is ${Math.round((venueNow - p.markTimestamp) / 1000)} s old (limit ${Math.round(opts.maxMarkAgeMs / 1000)} s): stale`,
      );
    }
    if (p.indexPrice !== undefined && Math.abs(p.markPrice / p.indexPrice - 1) > opts.maxMarkIndexGap) {
      reasons.push(
        `${p.symbol} mark price ${p.markPrice} is ${(Math.abs(p.markPrice / p.indexPrice - 1) * 100).toFixed(1)} % from the index price ${p.indexPrice} (limit ${(opts.maxMarkIndexGap * 100).toFixed(0)} %): not trusted`,
      );
    }
  }
  if (reasons.length) return { kind: 'unknown', reasons };

  const notes: string[] = [];
  const liquidated: BookEntry[] = [];
  const pending = state.pendingCredit;
  const cash = (x: number) => money(x, snapshot.currency);
  // The first accepted snapshot has nothing to be compared with.
  if (state.lastWallet === null) return { kind: 'ok', notes, liquidated, transfers: 0, pendingCredit: 0, drawdownUnknown: false };

  const changes = bookChanges(state.lastBook, snapshot);
  const wallet = walletOf(snapshot);
  const why = historyNeeded(changes, wallet, state.lastWallet, snapshot.currency);
  if (why !== null && history === null) return { kind: 'need-history', why };
  const h = history ?? EMPTY_HISTORY;

  // Positions: every change needs a fill or a forced close on its symbol.
  const { vanished, changed } = changes;
  const filled = (symbol: string) => h.fills.some((f) => f.symbol === symbol);
  // The guard's own backstop stop (client id rg-bs-) closes a whole side with an ordinary fill:
  // the guard's act, not the owner trading and not a liquidation (no forced-order row).
  const backstop = (v: BookEntry) => (state.backstops ?? []).find((b) => b.symbol === v.symbol && b.side === v.side);
  for (const v of vanished) {
    const liq = h.liquidations.find((l) => l.symbol === v.symbol);
    const own = backstop(v);
    if (own && !liq && filled(v.symbol)) {
      notes.push(`${v.symbol} ${v.side} (${v.marginMode}) was closed by the guard's own backstop stop on the exchange (${own.id}, stop ${own.stopPrice})`);
    } else if (liq) {
      liquidated.push(v);
      notes.push(`${v.symbol} ${v.side} (${v.marginMode}) was closed by the exchange (${liq.kind === 'adl' ? 'auto-deleveraging' : 'forced liquidation'})`);
    } else if (filled(v.symbol)) {
      notes.push(`${v.symbol} ${v.side} (${v.marginMode}) was closed by a trade`);
    } else {
      reasons.push(`${v.symbol} ${v.side} (${v.marginMode}) vanished with no fill, liquidation or ADL in the account history`);
    }
  }
  for (const c of changed) {
    const [, side, mode] = c.key.split('|');
    if (filled(c.symbol) || h.liquidations.some((l) => l.symbol === c.symbol)) {
      notes.push(`${c.symbol} ${side} (${mode}) ${c.from === 0 ? 'opened' : 'changed'} by a trade: ${c.from} → ${c.to}`);
    } else {
      reasons.push(`${c.symbol} ${side} (${mode}) went from ${c.from} to ${c.to} with no fill in the account history`);
    }
  }

  // The wallet: what the rows add up to, with a rise waiting for its row carried as a transfer.
  const dw = wallet - state.lastWallet;
  const tol = Math.max(0.01, opts.walletTolerance * Math.max(Math.abs(wallet), Math.abs(state.lastWallet)));
  let residual = dw - h.walletChange;
  let transfers = h.netTransfers;
  let pendingCredit = pending;
  if (h.liquidations.length > 0) {
    // A forced close costs what it costs (bankruptcy, insurance): the rows need not add up.
    if (Math.abs(residual) > tol) notes.push(`wallet change of ${cash(residual)} beyond the rows is the venue's forced close`);
  } else {
    if (residual < 0 && pendingCredit > 0) {
      // Rows that arrived for a rise the wallet already showed: counted once.
      const matched = Math.min(pendingCredit, -residual);
      pendingCredit -= matched;
      residual += matched;
      transfers -= matched;
      notes.push(`history rows of ${cash(matched)} reconciled with a wallet rise seen earlier`);
    }
    if (residual > tol) {
      pendingCredit += residual;
      transfers += residual;
      notes.push(`wallet rose by ${cash(residual)} with no history row yet: counted as a transfer until its row arrives, not as a gain`);
    } else if (residual < -tol) {
      reasons.push(
        `wallet fell to ${cash(wallet)} from ${cash(state.lastWallet)}: ${cash(-residual)} more than the account history explains (no withdrawal, fee, funding, loss or liquidation recorded for it)`,
      );
    }
  }
  if (reasons.length) return { kind: 'unknown', reasons };

  const drawdownUnknown = h.unclassified.length > 0;
  if (drawdownUnknown) {
    // Neither a loss nor a gain is invented: the peak moves with the unknown rows.
    transfers += h.unclassifiedAmount;
    notes.push(
      `history rows of unknown type (${h.unclassified.join(', ')}, ${cash(h.unclassifiedAmount)}): drawdown not judged this tick, the peak moves with them`,
    );
  }
  return { kind: 'ok', notes, liquidated, transfers, pendingCredit, drawdownUnknown };
}
