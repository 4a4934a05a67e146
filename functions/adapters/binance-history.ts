import type { TransferInfo } from '../ports.ts';

/** One Binance USDⓈ-M income record (GET /fapi/v1/income), numbers parsed. */
export interface IncomeRecord {
  incomeType: string;
  income: number;
  asset: string;
  symbol?: string | undefined;
  time: number;
}

/** One forced order (GET /fapi/v1/forceOrders): a liquidation or an auto-deleveraging. */
export interface ForcedOrder {
  symbol: string;
  autoCloseType?: string | undefined;
  time?: number | undefined;
  updateTime?: number | undefined;
}

/**
 * What the guard needs from Binance's history since `since`: transfers in the quote asset, trades
 * (realized PnL: a position closed by its owner) and forced closes. The read covers everything up
 * to the venue's `now`, so the next read starts after it.
 */
export function historyFromBinance(
  income: readonly IncomeRecord[],
  forced: readonly ForcedOrder[],
  since: number,
  quote: string,
  venueNow: number,
): TransferInfo {
  let netTransfers = 0;
  let until = since;
  const fills: TransferInfo['fills'] = [];
  const liquidations: TransferInfo['liquidations'] = [];
  for (const i of income) {
    until = Math.max(until, i.time);
    if (i.incomeType === 'TRANSFER' && i.asset === quote) netTransfers += i.income;
    if (i.incomeType === 'REALIZED_PNL' && i.symbol) fills.push({ symbol: i.symbol, at: i.time });
    if (i.incomeType === 'INSURANCE_CLEAR' && i.symbol) liquidations.push({ symbol: i.symbol, at: i.time, kind: 'liquidation' });
  }
  for (const f of forced) {
    const at = f.updateTime ?? f.time ?? since;
    until = Math.max(until, at);
    liquidations.push({ symbol: f.symbol, at, kind: f.autoCloseType === 'ADL' ? 'adl' : 'liquidation' });
  }
  return { netTransfers, fills, liquidations, until: Math.max(until, venueNow) };
}
