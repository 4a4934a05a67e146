/**
 * One row of the account's own history, classified by the venue module. `amount` is the row's
 * effect on the account's wallet in the quote currency, signed (+ = into the account); rows that
 * only witness an event (a forced-order record, a trade) carry 0. `id` is the venue's own row id
 * (Binance `tranId`), unique per venue and kind, so overlapping reads are de-duplicated.
 * `at` is the venue's market clock (ms), never the guard host's.
 */
export type HistoryEvent =
  /** External cash flow: deposit (+) or withdrawal (−), transfers in and out of the futures wallet. */
  | { id: string; at: number; kind: 'transfer'; amount: number; type: string }
  /** Realized PnL of a fill that reduced or closed a position (evidence of a fill on `symbol`). */
  | { id: string; at: number; kind: 'realized-pnl'; symbol: string; amount: number }
  /** Trading fee; with a symbol it is evidence of a fill (a position opened, or closed at entry). */
  | { id: string; at: number; kind: 'fee'; symbol?: string; amount: number }
  /** A trade of the account's own (user trades); witness only, amount 0. */
  | { id: string; at: number; kind: 'fill'; symbol: string; amount: number }
  | { id: string; at: number; kind: 'funding'; symbol?: string; amount: number }
  /** Other income that is not a transfer and not trading: rebates, rewards, settlements. Moves equity like PnL. */
  | { id: string; at: number; kind: 'income'; type: string; symbol?: string; amount: number }
  /** A position closed by the venue: forced liquidation or auto-deleveraging (ADL). */
  | { id: string; at: number; kind: 'liquidation' | 'adl'; symbol: string; amount: number }
  /** A row type the venue module does not know: the peak cannot be updated on a guess. */
  | { id: string; at: number; kind: 'unclassified'; type: string; symbol?: string; amount: number };

/** The account's history from `since` to `until` on the venue's market clock. */
export interface AccountHistory {
  /** Every row in [since, until], all pages read, in any order. */
  events: HistoryEvent[];
  /** The latest market time the read covers (ms): the venue's clock at the read, never the host's. */
  until: number;
}


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

/**
 * Collects a venue read's rows into an AccountHistory: each row id once (overlapping pages and
 * windows repeat rows), `until` never earlier than the newest row nor than the venue's time.
 */
export function historyCollector(since: number, venueNow: number): { push(e: HistoryEvent): void; done(): AccountHistory } {
  const events: HistoryEvent[] = [];
  const seen = new Set<string>();
  let until = Math.max(since, venueNow);
  return {
    push(e) {
      if (seen.has(e.id)) return;
      seen.add(e.id);
      until = Math.max(until, e.at);
      events.push(e);
    },
    done: () => ({ events, until }),
  };
}
