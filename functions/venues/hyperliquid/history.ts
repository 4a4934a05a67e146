import { ExchangeDataError } from '../../errors.ts';
import { historyCollector, type AccountHistory, type HistoryEvent } from '../../domain/history.ts';
import type { AccountModel } from './margin.ts';
import type { Fill, FundingUpdate, LedgerUpdate } from './schemas.ts';

/**
 * Hyperliquid's account history as HistoryEvents: `userNonFundingLedgerUpdates` (cash movements and
 * liquidations), `userFunding` and `userFillsByTime`. Pure.
 *
 * The guarded wallet is the USDC the guard models: in a standard account the main perp dex's USDC
 * (spot is another wallet), in a unified account the single USDC balance (spot and every dex). Each
 * row is signed by its effect on that wallet, relative to the guarded address (the vault or
 * sub-account when one is traded, else the wallet address).
 *
 * Delta types: Hyperliquid's info endpoint docs ("Retrieve a user's funding history or non-funding
 * ledger updates") and the typed SDK nktkas/hyperliquid (src/api/info/_methods/
 * userNonFundingLedgerUpdates.ts), which lists accountClassTransfer, deposit, internalTransfer,
 * liquidation, rewardsClaim, spotTransfer, subAccountTransfer, vaultCreate, vaultDeposit,
 * vaultDistribution, vaultWithdraw, withdraw, send, deployGasAuction, cStakingTransfer,
 * borrowLend, spotGenesis, activateDexAbstraction, vaultLeaderCommission.
 */

/** What each known delta type is for the guard. A type not here is 'unclassified': never guessed. */
export const HYPERLIQUID_LEDGER_KINDS: Readonly<Record<string, 'transfer' | 'internal' | 'liquidation' | 'unclassified-usdc'>> = {
  deposit: 'transfer',
  withdraw: 'transfer',
  internalTransfer: 'transfer',
  subAccountTransfer: 'transfer',
  send: 'transfer',
  spotTransfer: 'transfer',
  vaultCreate: 'transfer',
  vaultDeposit: 'transfer',
  vaultWithdraw: 'transfer',
  vaultDistribution: 'transfer',
  vaultLeaderCommission: 'transfer',
  rewardsClaim: 'transfer',
  deployGasAuction: 'transfer',
  cStakingTransfer: 'transfer',
  spotGenesis: 'transfer',
  // spot ↔ perp of the same address: a transfer into or out of the perp wallet in a standard account, nothing in a unified one.
  accountClassTransfer: 'internal',
  liquidation: 'liquidation',
  // Lending and dex abstraction move USDC in ways the guard does not model: unclassified when in USDC.
  borrowLend: 'unclassified-usdc',
  activateDexAbstraction: 'unclassified-usdc',
};

/** Whose history it is and how the account is modelled. */
export interface LedgerContext {
  /** The guarded address (lower or mixed case). */
  address: string;
  model: AccountModel;
}

const QUOTE = 'USDC';
const n = (v: unknown): number => {
  const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(x) ? x : Number.NaN;
};
const same = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
/** A perp dex or "spot", as `send` names them: "" is the main perp dex. */
const inGuardedWallet = (where: unknown, model: AccountModel) => (model === 'unified' ? true : where === '');

function need(row: LedgerUpdate, field: string): number {
  const v = n((row.delta as Record<string, unknown>)[field]);
  if (Number.isNaN(v)) throw new ExchangeDataError(`hyperliquid ledger ${row.delta.type} at ${row.time}: ${field} is not a number (${JSON.stringify((row.delta as Record<string, unknown>)[field])})`);
  return v;
}

/**
 * The id of a ledger row: its hash, type and time, plus `suffix` (a liquidated coin, a fee part)
 * and `dup` (the row's rank among identical keys in one answer). Stable across overlapping reads as
 * long as the venue answers rows of one millisecond in the same order, which paging relies on too.
 */
export const ledgerId = (row: Pick<LedgerUpdate, 'hash' | 'time' | 'delta'>, suffix = '', dup = 0): string =>
  `ledger:${row.hash}:${row.delta.type}:${row.time}${suffix ? `:${suffix}` : ''}${dup ? `#${dup}` : ''}`;

/** The HistoryEvents of one ledger row (a liquidation gives one per position; a fee its own event). */
export function ledgerEvents(row: LedgerUpdate, ctx: LedgerContext, dup = 0): HistoryEvent[] {
  const d = row.delta as Record<string, unknown>;
  const type = row.delta.type;
  const at = row.time;
  const id = (suffix = '') => ledgerId(row, suffix, dup);
  const me = ctx.address;
  const unified = ctx.model === 'unified';
  const transfer = (amount: number): HistoryEvent => ({ id: id(), at, kind: 'transfer', amount, type });
  const fee = (amount: number): HistoryEvent[] => (amount > 0 ? [{ id: id('fee'), at, kind: 'income', type: `${type}Fee`, amount: -amount }] : []);
  const isUsdc = (token: unknown) => same(token, QUOTE) || token === 0 || token === '0';

  switch (HYPERLIQUID_LEDGER_KINDS[type]) {
    case 'liquidation': {
      const legs = Array.isArray(d.liquidatedPositions) ? (d.liquidatedPositions as { coin?: unknown }[]) : [];
      if (legs.length === 0) throw new ExchangeDataError(`hyperliquid ledger liquidation at ${at}: no liquidatedPositions`);
      // One per liquidated position: it explains that position vanishing. The loss shows in the wallet.
      return legs.map((l, i) => ({ id: id(`${i}:${String(l.coin)}`), at, kind: 'liquidation' as const, symbol: String(l.coin), amount: 0 }));
    }
    case 'internal': {
      // accountClassTransfer {usdc, toPerp}: in a unified account the pool is the same before and after.
      if (unified) return [transfer(0)];
      const usdc = need(row, 'usdc');
      return [transfer(d.toPerp === true ? usdc : -usdc)];
    }
    case 'unclassified-usdc': {
      if ('token' in d && !isUsdc(d.token)) return [transfer(0)];
      const amount = n(d.amount ?? d.usdc);
      return [{ id: id(), at, kind: 'unclassified', type, amount: Number.isNaN(amount) ? 0 : amount }];
    }
    case 'transfer':
      break;
    default: {
      const amount = n(d.usdc);
      return [{ id: id(), at, kind: 'unclassified', type, amount: Number.isNaN(amount) ? 0 : amount }];
    }
  }

  switch (type) {
    case 'deposit':
      return [transfer(need(row, 'usdc'))];
    case 'withdraw':
      // The ledger's usdc is what left the account; the $1 bridge fee is taken from it.
      return [transfer(-need(row, 'usdc'))];
    case 'internalTransfer':
    case 'subAccountTransfer': {
      const usdc = need(row, 'usdc');
      if (same(d.destination, me) && !same(d.user, me)) return [transfer(usdc)];
      if (same(d.user, me) && !same(d.destination, me)) return [transfer(-usdc), ...fee(n(d.fee) || 0)];
      return [transfer(0)];
    }
    case 'send': {
      // {user, destination, sourceDex, destinationDex, token, amount, usdcValue, fee}: "" = main perp dex, "spot" = spot.
      if (!isUsdc(d.token)) return [transfer(0)];
      const amount = need(row, 'amount');
      const out = same(d.user, me) && inGuardedWallet(d.sourceDex, ctx.model) ? amount : 0;
      const into = same(d.destination, me) && inGuardedWallet(d.destinationDex, ctx.model) ? amount : 0;
      const paid = same(d.user, me) && inGuardedWallet(d.sourceDex, ctx.model) && same(d.feeToken, QUOTE) ? n(d.fee) || 0 : 0;
      return [transfer(into - out), ...fee(paid)];
    }
    case 'spotTransfer': {
      // Spot to spot between addresses: the guarded wallet only in a unified account, only for USDC.
      if (!unified || !isUsdc(d.token)) return [transfer(0)];
      const amount = need(row, 'amount');
      if (same(d.destination, me) && !same(d.user, me)) return [transfer(amount)];
      if (same(d.user, me) && !same(d.destination, me)) return [transfer(-amount), ...fee(same(d.feeToken, QUOTE) ? n(d.fee) || 0 : 0)];
      return [transfer(0)];
    }
    case 'vaultCreate':
      return [transfer(-need(row, 'usdc')), ...fee(n(d.fee) || 0)];
    case 'vaultDeposit':
      return [transfer(-need(row, 'usdc'))];
    case 'vaultWithdraw':
      // What arrives is netWithdrawnUsd (after commission and closing cost).
      return [transfer(need(row, 'netWithdrawnUsd'))];
    case 'vaultDistribution':
    case 'vaultLeaderCommission':
      return [transfer(need(row, 'usdc'))];
    case 'rewardsClaim':
    case 'spotGenesis':
    case 'deployGasAuction': {
      // Spot-side token movements: they reach the guarded wallet only in a unified account and in USDC.
      if (!unified || !isUsdc(d.token)) return [transfer(0)];
      const amount = need(row, 'amount');
      return [transfer(type === 'deployGasAuction' ? -amount : amount)];
    }
    case 'cStakingTransfer':
      // Staking moves HYPE between spot and staking: never the USDC the guard models.
      return [transfer(0)];
    default:
      return [{ id: id(), at, kind: 'unclassified', type, amount: 0 }];
  }
}

/** A funding row: signed USDC (+ received, − paid) on its coin. Funding rows share a zero hash, so the id is time and coin. */
export const fundingEvent = (r: FundingUpdate): HistoryEvent => ({
  id: `funding:${r.time}:${r.delta.coin}:${r.hash}`,
  at: r.time,
  kind: 'funding',
  symbol: r.delta.coin,
  amount: r.delta.usdc,
});

/**
 * A fill's events: the trade itself (witness), its fee (builder fee included, negative fee = rebate)
 * and its realized PnL when it closed size. `tid` is unique per fill (docs).
 */
export function fillEvents(f: Fill): HistoryEvent[] {
  const inQuote = f.feeToken === QUOTE;
  const fee = f.fee + (f.builderFee ?? 0);
  const out: HistoryEvent[] = [{ id: `fill:${f.tid}`, at: f.time, kind: 'fill', symbol: f.coin, amount: 0 }];
  out.push({ id: `fee:${f.tid}`, at: f.time, kind: 'fee', symbol: f.coin, amount: inQuote ? -fee : 0 });
  if (f.closedPnl !== 0) out.push({ id: `pnl:${f.tid}`, at: f.time, kind: 'realized-pnl', symbol: f.coin, amount: f.closedPnl });
  return out;
}

/**
 * Every row as HistoryEvents, de-duplicated by id. `until` is the venue's time the read covers, never
 * earlier than the newest row.
 */
export function historyFromHyperliquid(
  ledger: readonly LedgerUpdate[],
  funding: readonly FundingUpdate[],
  fills: readonly Fill[],
  ctx: LedgerContext,
  since: number,
  venueNow: number,
): AccountHistory {
  const { push, done } = historyCollector(since, venueNow);
  const ranks = new Map<string, number>();
  for (const row of ledger) {
    const key = ledgerId(row);
    const dup = ranks.get(key) ?? 0;
    ranks.set(key, dup + 1);
    for (const e of ledgerEvents(row, ctx, dup)) push(e);
  }
  for (const r of funding) push(fundingEvent(r));
  for (const f of fills) for (const e of fillEvents(f)) push(e);
  return done();
}

/** Page sizes (docs, info endpoint): ledger updates and funding answer at most 500 rows, fills by time 2,000. */
export const LEDGER_PAGE_LIMIT = 500;
export const FUNDING_PAGE_LIMIT = 500;
export const FILLS_PAGE_LIMIT = 2_000;
/** Most pages one history read may make. */
export const MAX_PAGES = 64;

/**
 * Where the next page of a time-ordered read starts, or null when this page was the last (short).
 * The next page starts AT the newest row's time, not one ms after it: a full page may end inside a
 * millisecond, and "+1" would skip that millisecond's remaining rows. The rows of that ms come again
 * and are de-duplicated by id. A full page all within one ms cannot progress: an error, not a loop.
 */
export function nextPageStart(rows: readonly { time: number }[], from: number, limit: number): number | null {
  if (rows.length < limit) return null;
  let last = from;
  for (const [i, r] of rows.entries()) {
    if (i > 0 && r.time < rows[i - 1]!.time) throw new ExchangeDataError(`hyperliquid history page is not in time order at row ${i}`);
    last = r.time;
  }
  if (last <= from) {
    throw new ExchangeDataError(`hyperliquid history: more than ${limit} rows in millisecond ${from}; the history cannot be read completely`);
  }
  return last;
}

/**
 * Reads [start, end] from a venue that answers the first `limit` rows from startTime in time order
 * (userNonFundingLedgerUpdates, userFunding, userFillsByTime), every page, rows de-duplicated by
 * `idOf` (for ledger rows, see {@link ledgerId}; rank within one ms is kept by the caller).
 */
export async function readAllPages<T extends { time: number }>(
  what: string,
  page: (startTime: number, endTime: number) => Promise<T[]>,
  idOf: (row: T, rankInPage: number) => string,
  start: number,
  end: number,
  limit: number,
): Promise<T[]> {
  const out = new Map<string, T>();
  let from = start;
  for (let calls = 1; from <= end; calls++) {
    if (calls > MAX_PAGES) throw new ExchangeDataError(`${what}: more than ${MAX_PAGES} pages for [${start}, ${end}]; the history cannot be read completely in one read`);
    const rows = await page(from, end);
    const ranks = new Map<string, number>();
    for (const r of rows) {
      const base = idOf(r, 0);
      const rank = ranks.get(base) ?? 0;
      ranks.set(base, rank + 1);
      out.set(rank ? idOf(r, rank) : base, r);
    }
    const next = nextPageStart(rows, from, limit);
    if (next === null) break;
    from = next;
  }
  return [...out.values()];
}
