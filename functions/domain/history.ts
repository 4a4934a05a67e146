import type { HistoryEvent } from '../ports.ts';

/**
 * What the account's own history explains between two accepted snapshots. Pure: the venue module
 * classifies its rows into HistoryEvents; this adds them up for the gate and the peak.
 */
export interface HistorySummary {
  /** Deposits − withdrawals (quote currency): moves the peak, never counts as a gain or a loss. */
  netTransfers: number;
  /** Every row's wallet effect: transfers, realized PnL, fees, funding, other income (quote). */
  walletChange: number;
  /** Symbols with a fill (realized PnL, a fee on the symbol, or a trade) and when. */
  fills: { symbol: string; at: number }[];
  /** Positions the venue closed. */
  liquidations: { symbol: string; at: number; kind: 'liquidation' | 'adl' }[];
  /** Row types the venue module does not know (the peak is not updated on a guess). */
  unclassified: string[];
  /** The wallet effect of those unknown rows (quote). */
  unclassifiedAmount: number;
}

export const EMPTY_HISTORY: HistorySummary = { netTransfers: 0, walletChange: 0, fills: [], liquidations: [], unclassified: [], unclassifiedAmount: 0 };

export function summarizeHistory(events: readonly HistoryEvent[]): HistorySummary {
  const out: HistorySummary = { ...EMPTY_HISTORY, fills: [], liquidations: [], unclassified: [] };
  for (const e of events) {
    out.walletChange += e.amount;
    switch (e.kind) {
      case 'transfer':
        out.netTransfers += e.amount;
        break;
      case 'realized-pnl':
      case 'fill':
        out.fills.push({ symbol: e.symbol, at: e.at });
        break;
      case 'fee':
        if (e.symbol) out.fills.push({ symbol: e.symbol, at: e.at });
        break;
      case 'liquidation':
      case 'adl':
        out.liquidations.push({ symbol: e.symbol, at: e.at, kind: e.kind });
        break;
      case 'unclassified':
        if (!out.unclassified.includes(e.type)) out.unclassified.push(e.type);
        out.unclassifiedAmount += e.amount;
        break;
      case 'funding':
      case 'income':
        break;
    }
  }
  return out;
}
