import { ExchangeDataError } from '../../errors.ts';
import { historyCollector, type AccountHistory, type HistoryEvent } from '../../domain/history.ts';

/** One row of the UTA transaction log (GET /v5/account/transaction-log), numbers parsed. */
export interface TransactionRecord {
  id: string;
  symbol: string;
  type: string;
  transactionTime: number;
  /** spot, linear, option, inverse; "" for rows of no product (transfers, interest). */
  category?: string | undefined;
  currency: string;
  /** The row's effect on the currency's wallet: cashFlow + funding − fee (docs). */
  change: number;
  cashFlow?: number | undefined;
}

type Kind = 'transfer' | 'trade' | 'funding' | 'liquidation' | 'adl' | 'income';

/**
 * What each UTA transaction-log type means for the guard
 * (https://bybit-exchange.github.io/docs/v5/account/transaction-log; types:
 * https://bybit-exchange.github.io/docs/v5/enum "type(uta-translog)"). `transfer`: the owner's own
 * money moving in or out of the unified wallet, or converted between its coins (no gain or loss:
 * the peak moves with it). `income`: a gain or loss that marks do not explain and that is not a
 * transfer. A type not in this table is `unclassified`: never guessed.
 */
export const BYBIT_LOG_KINDS: Readonly<Record<string, Kind>> = {
  TRANSFER_IN: 'transfer',
  TRANSFER_OUT: 'transfer',
  // Coin conversions inside the wallet (e.g. to cover a negative balance): value moved, not earned.
  CURRENCY_BUY: 'transfer',
  CURRENCY_SELL: 'transfer',
  TRADE: 'trade',
  // USDT perpetuals: the funding settlement (the row's `funding` field).
  SETTLEMENT: 'funding',
  LIQUIDATION: 'liquidation',
  ADL: 'adl',
  // Delivery of an expiring future, rewards, refunds, interest: equity moves, not by a mark.
  DELIVERY: 'income',
  BONUS: 'income',
  FEE_REFUND: 'income',
  INTEREST: 'income',
};

/** Maps one row to a HistoryEvent (the table above); rows in another currency do not move the quote wallet. */
export function transactionEvent(r: TransactionRecord, quote: string): HistoryEvent {
  const id = `log:${r.id}`;
  const at = r.transactionTime;
  const amount = r.currency === quote ? r.change : 0;
  const sym = r.symbol !== '' ? { symbol: r.symbol } : {};
  // The unified wallet's log also holds spot and options rows: a spot BTCUSDT trade is not a fill
  // of the BTCUSDT perpetual, and its USDT moved into a coin the guard does not value. Not guessed.
  if (r.category !== undefined && r.category !== '' && r.category !== 'linear') {
    return { id, at, kind: 'unclassified', type: `${r.category}:${r.type}`, ...sym, amount };
  }
  switch (BYBIT_LOG_KINDS[r.type]) {
    case 'transfer':
      return { id, at, kind: 'transfer', amount, type: r.type };
    case 'trade':
      if (r.symbol === '') return { id, at, kind: 'unclassified', type: r.type, amount };
      // A closing fill realizes PnL; an opening one only pays its fee (both are evidence of a fill).
      return r.cashFlow !== undefined && r.cashFlow !== 0
        ? { id, at, kind: 'realized-pnl', symbol: r.symbol, amount }
        : { id, at, kind: 'fee', symbol: r.symbol, amount };
    case 'funding':
      return { id, at, kind: 'funding', ...sym, amount };
    case 'liquidation':
    case 'adl': {
      const kind = BYBIT_LOG_KINDS[r.type] as 'liquidation' | 'adl';
      return r.symbol !== '' ? { id, at, kind, symbol: r.symbol, amount } : { id, at, kind: 'unclassified', type: r.type, amount };
    }
    case 'income':
      return { id, at, kind: 'income', type: r.type, ...sym, amount };
    default:
      return { id, at, kind: 'unclassified', type: r.type, ...sym, amount };
  }
}

/** Bybit's rows as an AccountHistory; `until` is the venue's time the read covers. */
export function historyFromBybit(rows: readonly TransactionRecord[], since: number, quote: string, venueNow: number): AccountHistory {
  const { push, done } = historyCollector(since, venueNow);
  for (const r of rows) if (r.transactionTime >= since) push(transactionEvent(r, quote));
  return done();
}

/** The longest window one transaction-log query may span: "endTime - startTime <= 7 days" (docs). */
export const WINDOW_MS = 7 * 86_400_000;
/** Most pages one history read may make (50 rows each): a venue that repeated its cursor would page forever. */
export const MAX_PAGES = 200;

/**
 * Every row of [start, end] (ms, inclusive): windows of at most 7 days, each read page by page
 * with the venue's cursor until `nextPageCursor` is empty. Rows are de-duplicated by id.
 */
export async function readTransactionLog<T extends { id: string }>(
  what: string,
  page: (startTime: number, endTime: number, cursor: string | undefined) => Promise<{ list: T[]; nextPageCursor?: string | undefined }>,
  start: number,
  end: number,
): Promise<T[]> {
  const out = new Map<string, T>();
  let pages = 0;
  for (let from = start; from <= end; from += WINDOW_MS) {
    const to = Math.min(end, from + WINDOW_MS - 1);
    let cursor: string | undefined;
    const seen = new Set<string>();
    do {
      if (++pages > MAX_PAGES) throw new ExchangeDataError(`${what}: more than ${MAX_PAGES} pages for [${start}, ${end}]; the history cannot be read completely in one read`);
      const r = await page(from, to, cursor);
      for (const row of r.list) out.set(row.id, row);
      cursor = r.nextPageCursor !== undefined && r.nextPageCursor !== '' ? r.nextPageCursor : undefined;
      if (cursor !== undefined) {
        if (seen.has(cursor)) throw new ExchangeDataError(`${what}: the venue repeated a page cursor; the history cannot be read completely`);
        seen.add(cursor);
      }
    } while (cursor !== undefined);
  }
  return [...out.values()];
}
