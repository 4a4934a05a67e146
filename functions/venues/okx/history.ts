import { historyCollector, type AccountHistory, type HistoryEvent } from '../../domain/history.ts';
import { ExchangeDataError } from '../../errors.ts';
import type { Bill } from './schemas.ts';

/**
 * OKX bills (GET /api/v5/account/bills, last 7 days; /account/bills-archive, 3 months) as the
 * guard's history. Bill types ("type") and subtypes ("subType") as documented in "Get bills
 * details (last 7 days)": https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-bills-details-last-7-days
 * A type not in the table is `unclassified`: never guessed.
 */
export const OKX_BILL_KINDS: Readonly<Record<string, 'transfer' | 'trade' | 'liquidation' | 'adl' | 'funding' | 'income' | 'margin-transfer'>> = {
  /** Transfer (between the funding and trading accounts, sub-accounts): the owner's money. */
  '1': 'transfer',
  /** Trade: open (3/4) and close (5/6) long/short, buy/sell (1/2). */
  '2': 'trade',
  /** Delivery (a futures contract settles). */
  '3': 'income',
  /** Liquidation (100–107 partial / full liquidation of long, short, buy, sell; 110/111 liquidation transfer in/out). */
  '5': 'liquidation',
  /** Margin transfer: into or out of an isolated position, within the account. */
  '6': 'margin-transfer',
  /** Interest deduction. */
  '7': 'income',
  /** Funding fee: 173 expense, 174 income. */
  '8': 'funding',
  /** ADL: 125–128 ADL close long / short, buy / sell. */
  '9': 'adl',
  /** Clawback. */
  '10': 'income',
  /** Strategy transfer. */
  '12': 'transfer',
  /** Block trade. */
  '14': 'trade',
  /** Settlement (a delisted swap's position). */
  '34': 'income',
  /** Copy trading profit sharing: expense, refund. */
  '250': 'income',
  '251': 'income',
};

/** Close long / close short (type 2): the fill realizes PnL. */
const CLOSING_SUBTYPES = new Set(['5', '6']);

/** One bill as a HistoryEvent; `amount` is its USDT balance change (`balChg`), 0 in another currency. */
export function billEvent(b: Bill, quote = 'USDT'): HistoryEvent {
  const id = `bill:${b.billId}`;
  const at = b.ts;
  const amount = b.ccy === quote ? b.balChg : 0;
  const symbol = b.instId !== '' ? { symbol: b.instId } : {};
  const type = `${b.type}/${b.subType}`;
  switch (OKX_BILL_KINDS[b.type]) {
    case 'transfer':
      return { id, at, kind: 'transfer', amount, type };
    case 'trade':
      if (!b.instId) return { id, at, kind: 'income', type, amount };
      return CLOSING_SUBTYPES.has(b.subType) ? { id, at, kind: 'realized-pnl', symbol: b.instId, amount } : { id, at, kind: 'fee', symbol: b.instId, amount };
    case 'liquidation':
      return b.instId ? { id, at, kind: 'liquidation', symbol: b.instId, amount } : { id, at, kind: 'income', type, amount };
    case 'adl':
      return b.instId ? { id, at, kind: 'adl', symbol: b.instId, amount } : { id, at, kind: 'income', type, amount };
    case 'funding':
      return { id, at, kind: 'funding', ...symbol, amount };
    case 'margin-transfer':
      // Between the cross pool and an isolated position of the same account: the account's
      // wallet (cashBal) does not change.
      return { id, at, kind: 'income', type, ...symbol, amount: 0 };
    case 'income':
      return { id, at, kind: 'income', type, ...symbol, amount };
    default:
      return { id, at, kind: 'unclassified', type, ...symbol, amount };
  }
}

export function historyFromOkx(bills: readonly Bill[], since: number, venueNow: number, quote = 'USDT'): AccountHistory {
  const { push, done } = historyCollector(since, venueNow);
  for (const b of bills) push(billEvent(b, quote));
  return done();
}

/** GET account/bills answers at most 100 rows (docs: limit, "The maximum is 100"). */
export const BILLS_LIMIT = 100;
export const MAX_BILL_PAGES = 64;
/** What account/bills covers; older rows are in bills-archive (3 months). */
export const BILLS_WINDOW_MS = 7 * 24 * 3600_000;

/**
 * Every bill of [begin, end] (ms, inclusive), newest first from the venue: pages continue with
 * `after` = the oldest billId read (rows older than it) until a page is short. Duplicates (a row
 * on two pages) are dropped by billId.
 */
export async function readAllBills(page: (q: { begin: number; end: number; after?: string }) => Promise<Bill[]>, begin: number, end: number): Promise<Bill[]> {
  const out = new Map<string, Bill>();
  let after: string | undefined;
  for (let i = 0; i < MAX_BILL_PAGES; i++) {
    const rows = await page({ begin, end, ...(after !== undefined ? { after } : {}) });
    for (const r of rows) out.set(r.billId, r);
    if (rows.length < BILLS_LIMIT) return [...out.values()];
    const oldest = rows.reduce((m, r) => (BigInt(r.billId) < BigInt(m) ? r.billId : m), rows[0]!.billId);
    if (after !== undefined && BigInt(oldest) >= BigInt(after)) throw new ExchangeDataError('okx bills: a page did not move past the previous one (after)');
    after = oldest;
  }
  throw new ExchangeDataError(`okx bills: more than ${MAX_BILL_PAGES} pages for [${begin}, ${end}]; the history cannot be read completely in one read`);
}
