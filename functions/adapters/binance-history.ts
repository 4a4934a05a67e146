import type { AccountHistory, HistoryEvent } from '../ports.ts';

/** One Binance USDⓈ-M income record (GET /fapi/v1/income), numbers parsed. */
export interface IncomeRecord {
  incomeType: string;
  income: number;
  asset: string;
  symbol?: string | undefined;
  time: number;
  /** The venue's row id. */
  tranId?: string | number | undefined;
}

/** One forced order (GET /fapi/v1/forceOrders): a liquidation or an auto-deleveraging. */
export interface ForcedOrder {
  symbol: string;
  orderId?: string | number | undefined;
  autoCloseType?: string | undefined;
  time?: number | undefined;
  updateTime?: number | undefined;
}

/** Binance income types that move money in or out of the futures wallet from outside trading. */
const TRANSFER_TYPES = new Set(['TRANSFER']);

/**
 * Binance's history rows as HistoryEvents. The read covers everything up to the venue's `now`, so
 * the next read starts after it. (Interim classification; the full table follows.)
 */
export function historyFromBinance(
  income: readonly IncomeRecord[],
  forced: readonly ForcedOrder[],
  since: number,
  quote: string,
  venueNow: number,
): AccountHistory {
  const events: HistoryEvent[] = [];
  let until = since;
  for (const i of income) {
    until = Math.max(until, i.time);
    const id = `income:${i.tranId ?? `${i.incomeType}:${i.time}:${i.symbol ?? ''}:${i.income}`}`;
    const amount = i.asset === quote ? i.income : 0;
    if (TRANSFER_TYPES.has(i.incomeType)) events.push({ id, at: i.time, kind: 'transfer', amount, type: i.incomeType });
    else if (i.incomeType === 'REALIZED_PNL' && i.symbol) events.push({ id, at: i.time, kind: 'realized-pnl', symbol: i.symbol, amount });
    else if (i.incomeType === 'COMMISSION') events.push({ id, at: i.time, kind: 'fee', ...(i.symbol ? { symbol: i.symbol } : {}), amount });
    else if (i.incomeType === 'FUNDING_FEE') events.push({ id, at: i.time, kind: 'funding', ...(i.symbol ? { symbol: i.symbol } : {}), amount });
    else if (i.incomeType === 'INSURANCE_CLEAR' && i.symbol) events.push({ id, at: i.time, kind: 'liquidation', symbol: i.symbol, amount });
    else events.push({ id, at: i.time, kind: 'income', type: i.incomeType, ...(i.symbol ? { symbol: i.symbol } : {}), amount });
  }
  for (const f of forced) {
    const at = f.updateTime ?? f.time ?? since;
    until = Math.max(until, at);
    events.push({ id: `force:${f.orderId ?? `${f.symbol}:${at}`}`, at, kind: f.autoCloseType === 'ADL' ? 'adl' : 'liquidation', symbol: f.symbol, amount: 0 });
  }
  return { events, until: Math.max(until, venueNow) };
}
