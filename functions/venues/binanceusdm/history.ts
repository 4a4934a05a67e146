import { ExchangeDataError } from '../../errors.ts';
import { historyCollector, type AccountHistory, type HistoryEvent } from '../../domain/history.ts';

/** One Binance USDⓈ-M income record (GET /fapi/v1/income), numbers parsed. */
export interface IncomeRecord {
  incomeType: string;
  income: number;
  asset: string;
  symbol?: string | undefined;
  time: number;
  /** The venue's row id: unique per incomeType for a user, NOT across types (docs; see BINANCE_INCOME_KINDS). */
  tranId?: string | number | undefined;
}

/** One forced order (GET /fapi/v1/forceOrders): a liquidation or an auto-deleveraging. */
export interface ForcedOrder {
  symbol: string;
  orderId?: string | number | undefined;
  /** Real rows carry no autoCloseType: ADL rows say `adl_autoclose`, liquidations `autoclose-…`. */
  clientOrderId?: string | undefined;
  /** Only when a client tagged the row itself (e.g. read with `autoCloseType=ADL`). */
  autoCloseType?: string | undefined;
  time?: number | undefined;
  updateTime?: number | undefined;
}

/**
 * What each documented Binance USDⓈ-M income type means for the guard (GET /fapi/v1/income,
 * incomeType list as documented Nov 2025). `transfer`: the owner's own money moving in or out
 * of the futures wallet (no gain or loss to the owner: the peak moves with it). `income`: a gain
 * or loss that marks do not explain and that is not a transfer (rewards, rebates, settlements,
 * options, non-trading fees). A type not in this table is `unclassified`: never guessed.
 */
export const BINANCE_INCOME_KINDS: Readonly<Record<string, 'transfer' | 'realized-pnl' | 'fee' | 'funding' | 'liquidation' | 'income'>> = {
  TRANSFER: 'transfer',
  INTERNAL_TRANSFER: 'transfer',
  STRATEGY_UMFUTURES_TRANSFER: 'transfer',
  CROSS_COLLATERAL_TRANSFER: 'transfer',
  COIN_SWAP_DEPOSIT: 'transfer',
  COIN_SWAP_WITHDRAW: 'transfer',
  // Converts between the wallet's assets (covers a negative balance): value moved, not earned.
  AUTO_EXCHANGE: 'transfer',
  REALIZED_PNL: 'realized-pnl',
  COMMISSION: 'fee',
  FUNDING_FEE: 'funding',
  // The liquidation clearance fee: evidence of a liquidation on its symbol, with its cost.
  INSURANCE_CLEAR: 'liquidation',
  WELCOME_BONUS: 'income',
  REFERRAL_KICKBACK: 'income',
  COMMISSION_REBATE: 'income',
  API_REBATE: 'income',
  CONTEST_REWARD: 'income',
  OPTIONS_PREMIUM_FEE: 'income',
  OPTIONS_SETTLE_PROFIT: 'income',
  // Sic: Binance spells it SETTELMENT. Settlement of a delisted contract's position.
  DELIVERED_SETTELMENT: 'income',
  POSITION_LIMIT_INCREASE_FEE: 'income',
  FEE_RETURN: 'income',
  BFUSD_REWARD: 'income',
};

/**
 * A forced order's kind from its clientOrderId (docs, forceOrders example and ORDER_TRADE_UPDATE:
 * "autoclose-…" liquidation, "adl_autoclose" ADL, "settlement_autoclose-…" delisting/delivery).
 */
export function forcedOrderKind(f: Pick<ForcedOrder, 'clientOrderId' | 'autoCloseType'>): 'liquidation' | 'adl' | 'settlement' {
  if (f.autoCloseType === 'ADL') return 'adl';
  const c = f.clientOrderId ?? '';
  if (/^adl_/i.test(c)) return 'adl';
  if (/^settlement_autoclose/i.test(c)) return 'settlement';
  return 'liquidation';
}

/** The venue's id of an income row: tranId is unique only within one incomeType (docs), so both. */
export function incomeId(i: IncomeRecord): string {
  return i.tranId !== undefined && i.tranId !== ''
    ? `income:${i.incomeType}:${i.tranId}`
    : `income:${i.incomeType}:${i.time}:${i.symbol ?? ''}:${i.income}`;
}

/** Maps one income row to a HistoryEvent (the table above). */
export function incomeEvent(i: IncomeRecord, quote: string): HistoryEvent {
  const id = incomeId(i);
  const at = i.time;
  // A row in another asset does not move the quote wallet the guard models.
  const amount = i.asset === quote ? i.income : 0;
  const symbol = i.symbol ? { symbol: i.symbol } : {};
  switch (BINANCE_INCOME_KINDS[i.incomeType]) {
    case 'transfer':
      return { id, at, kind: 'transfer', amount, type: i.incomeType };
    case 'realized-pnl':
      return i.symbol ? { id, at, kind: 'realized-pnl', symbol: i.symbol, amount } : { id, at, kind: 'income', type: i.incomeType, amount };
    case 'fee':
      return { id, at, kind: 'fee', ...symbol, amount };
    case 'funding':
      return { id, at, kind: 'funding', ...symbol, amount };
    case 'liquidation':
      return i.symbol ? { id, at, kind: 'liquidation', symbol: i.symbol, amount } : { id, at, kind: 'income', type: i.incomeType, amount };
    case 'income':
      return { id, at, kind: 'income', type: i.incomeType, ...symbol, amount };
    default:
      return { id, at, kind: 'unclassified', type: i.incomeType, ...symbol, amount };
  }
}

/**
 * Binance's history rows as HistoryEvents. `until` is the venue's market time the read covers
 * (the endTime of its windows), never earlier than the newest row.
 */
export function historyFromBinance(
  income: readonly IncomeRecord[],
  forced: readonly ForcedOrder[],
  since: number,
  quote: string,
  venueNow: number,
): AccountHistory {
  const { push, done } = historyCollector(since, venueNow);
  for (const i of income) push(incomeEvent(i, quote));
  for (const f of forced) {
    const at = f.updateTime ?? f.time ?? since;
    const id = `force:${f.orderId ?? `${f.symbol}:${at}`}`;
    const kind = forcedOrderKind(f);
    // A settlement close is neither: its money arrives as DELIVERED_SETTELMENT income.
    if (kind === 'settlement') push({ id, at, kind: 'income', type: 'SETTLEMENT_AUTOCLOSE', symbol: f.symbol, amount: 0 });
    else push({ id, at, kind, symbol: f.symbol, amount: 0 });
  }
  return done();
}

/** Most page reads one history read may make (a venue that ignored endTime would split forever). */
export const MAX_PAGES = 64;

const tooMany = (what: string, start: number, end: number) =>
  new ExchangeDataError(`${what}: more than ${MAX_PAGES} pages for [${start}, ${end}]; the history cannot be read completely in one read`);

/**
 * Where the next page starts for a venue that answers the first rows from startTime in time order:
 * the newest row's time, inclusive (rows sharing that ms come again and are de-duplicated). null
 * when the page is not in that order or made no progress: split the window instead.
 */
function continueFrom<T>(rows: readonly T[], from: number, timeOf: ((row: T) => number) | undefined): number | null {
  if (!timeOf) return null;
  const times = rows.map(timeOf);
  for (let i = 1; i < times.length; i++) if (times[i]! < times[i - 1]!) return null;
  const last = times[times.length - 1]!;
  return last > from ? last : null;
}

/**
 * Reads every row of [start, end] (ms, inclusive) from an endpoint that answers at most `limit`
 * rows per call. Income answers the first rows from startTime in time order, so its pages
 * continue from the newest row (`ascendingTime`); Binance does not document forceOrders' order,
 * so there a full page is split in two halves by time and each read again until every page is
 * short: nothing is skipped whatever order the venue returns. Rows are de-duplicated by `idOf`.
 */
export async function readAllPages<T>(
  what: string,
  page: (startTime: number, endTime: number) => Promise<T[]>,
  idOf: (row: T) => string,
  start: number,
  end: number,
  limit: number,
  /** Given when the venue answers the FIRST `limit` rows from startTime (income): pages then continue from the newest row. */
  ascendingTime?: (row: T) => number,
): Promise<T[]> {
  const out = new Map<string, T>();
  let calls = 0;
  const walk = async (from: number, to: number): Promise<void> => {
    if (++calls > MAX_PAGES) throw tooMany(what, start, end);
    const rows = await page(from, to);
    for (const r of rows) out.set(idOf(r), r);
    if (rows.length < limit) return;
    const next = continueFrom(rows, from, ascendingTime);
    if (next !== null) {
      // Had the venue answered the NEWEST rows instead, the older ones (and the rest of the oldest
      // ms) would be here: one short read to be sure.
      const oldest = ascendingTime!(rows[0]!);
      if (oldest > from) await walk(from, oldest);
      return walk(next, to);
    }
    if (to <= from) {
      throw new ExchangeDataError(`${what}: more than ${limit} rows in one millisecond (${from}); the history cannot be read completely`);
    }
    const mid = Math.floor((from + to) / 2);
    await walk(from, mid);
    await walk(mid + 1, to);
  };
  if (end >= start) await walk(start, end);
  return [...out.values()];
}

/** readAllPages for an in-process venue (the paper engine called directly): same splitting, no awaits. */
export function readAllPagesSync<T>(
  what: string,
  page: (startTime: number, endTime: number) => T[],
  idOf: (row: T) => string,
  start: number,
  end: number,
  limit: number,
  ascendingTime?: (row: T) => number,
): T[] {
  const out = new Map<string, T>();
  let calls = 0;
  const walk = (from: number, to: number): void => {
    if (++calls > MAX_PAGES) throw tooMany(what, start, end);
    const rows = page(from, to);
    for (const r of rows) out.set(idOf(r), r);
    if (rows.length < limit) return;
    const next = continueFrom(rows, from, ascendingTime);
    if (next !== null) {
      const oldest = ascendingTime!(rows[0]!);
      if (oldest > from) walk(from, oldest);
      return walk(next, to);
    }
    if (to <= from) throw new ExchangeDataError(`${what}: more than ${limit} rows in one millisecond (${from}); the history cannot be read completely`);
    const mid = Math.floor((from + to) / 2);
    walk(from, mid);
    walk(mid + 1, to);
  };
  if (end >= start) walk(start, end);
  return [...out.values()];
}
