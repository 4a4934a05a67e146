import type { AccountSnapshot } from './snapshot.ts';
import type { BookEntry, GuardState } from './state.ts';

/**
 * The data-quality gate: never trade on a guess. A snapshot that the previous accepted one,
 * the marks and the account's own history cannot explain makes the tick UNKNOWN.
 */

export interface GateOptions {
  /** A mark older than this (ms) is stale. */
  maxMarkAgeMs: number;
  /** Equity may differ from what marks and transfers explain by this fraction of equity. */
  jumpTolerance: number;
}

export const DEFAULT_GATE: GateOptions = { maxMarkAgeMs: 120_000, jumpTolerance: 0.1 };

/** What the venue's history says happened since the last accepted snapshot. */
export interface GateHistory {
  netTransfers: number;
  liquidations: { symbol: string; at: number; kind: 'liquidation' | 'adl' }[];
  fills: { symbol: string; at: number }[];
}

export type GateVerdict =
  | { kind: 'ok'; notes: string[]; liquidated: BookEntry[] }
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

export function bookOf(s: AccountSnapshot): BookEntry[] {
  return s.positions.map((p) => ({
    symbol: p.symbol,
    side: p.side,
    marginMode: p.marginMode,
    contracts: p.contracts,
    markPrice: p.markPrice,
  }));
}

export function gateSnapshot(
  snapshot: AccountSnapshot,
  state: GuardState,
  history: GateHistory | null,
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
  }
  if (reasons.length) return { kind: 'unknown', reasons };

  const equity = rawEquity(snapshot);
  const notes: string[] = [];
  const liquidated: BookEntry[] = [];

  // Positions that were there and are gone: only the venue's history may explain that.
  const now_ = new Set(snapshot.positions.map(positionKey));
  const vanished = state.lastBook.filter((b) => !now_.has(positionKey(b)));
  if (vanished.length) {
    if (!history) return { kind: 'need-history', why: `${vanished.length} position(s) vanished` };
    for (const v of vanished) {
      const liq = history.liquidations.find((l) => l.symbol === v.symbol);
      if (liq) {
        liquidated.push(v);
        notes.push(`${v.symbol} ${v.side} (${v.marginMode}) was closed by the exchange (${liq.kind === 'adl' ? 'auto-deleveraging' : 'forced liquidation'})`);
      } else if (history.fills.some((f) => f.symbol === v.symbol)) {
        notes.push(`${v.symbol} ${v.side} (${v.marginMode}) was closed by a trade`);
      } else {
        reasons.push(`${v.symbol} ${v.side} (${v.marginMode}) vanished with no fill, liquidation or ADL in the account history`);
      }
    }
  }

  const last = state.lastEquity;
  if (last !== null && last > 0 && equity <= 0 && snapshot.positions.length === 0) {
    if (!history) return { kind: 'need-history', why: 'balance reads zero' };
    const explained = history.netTransfers <= -0.9 * last || history.liquidations.length > 0;
    if (!explained) reasons.push(`balance reads ${equity.toFixed(2)} after ${last.toFixed(2)}, with no withdrawal or liquidation to explain it`);
  }
  if (reasons.length) return { kind: 'unknown', reasons };

  if (last !== null && liquidated.length === 0) {
    // What the marks and transfers explain, from the previous accepted book.
    const byKey = new Map(snapshot.positions.map((p) => [positionKey(p), p]));
    let expected = last + (history?.netTransfers ?? 0);
    for (const b of state.lastBook) {
      const p = byKey.get(positionKey(b));
      if (p) expected += (b.side === 'long' ? 1 : -1) * b.contracts * (p.markPrice - b.markPrice);
    }
    const scale = Math.max(Math.abs(last), Math.abs(equity), 1e-9);
    const gap = Math.abs(equity - expected);
    if (gap > opts.jumpTolerance * scale) {
      const seen = state.lastSeenEquity;
      const confirmed = state.unknownStreak > 0 && seen !== null && Math.abs(equity - seen) <= (opts.jumpTolerance / 2) * scale;
      if (!history && !confirmed) return { kind: 'need-history', why: 'equity moved more than marks explain' };
      if (!confirmed) {
        return {
          kind: 'unknown',
          reasons: [
            `equity ${equity.toFixed(2)} is ${gap.toFixed(2)} away from the ${expected.toFixed(2)} that marks and transfers explain (limit ${(opts.jumpTolerance * 100).toFixed(0)} %)`,
          ],
        };
      }
      notes.push(`equity change of ${gap.toFixed(2)} not explained by marks, confirmed by two consecutive reads`);
    }
  }
  return { kind: 'ok', notes, liquidated };
}
