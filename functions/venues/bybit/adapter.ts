// One exchange class by file path: the package's exports block deep imports by name, and the
// whole library would make the Lambda bundle many times larger.
import bybit from '../../../node_modules/ccxt/js/src/bybit.js';
import { InvalidNonce } from '../../../node_modules/ccxt/js/src/base/errors.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import type * as z from 'zod';
import type { MarketSpec } from '../../domain/pre-trade.ts';
import { AccountSnapshotSchema, type AccountSnapshot, type MaintenanceTier } from '../../domain/snapshot.ts';
import { ExchangeDataError, ExchangeRateLimitError, RiskGuardError } from '../../errors.ts';
import type { AccountHistory, ExchangePort, KeyDiagnosis, Logger, OrderRequest, OrderResult } from '../../ports.ts';
import { formatIssues } from '../../validation.ts';
import { classifyCcxtError, scrub, type CallContext } from '../ccxt-errors.ts';
import { headerNumber, hookCcxtTransport } from '../ccxt-transport.ts';
import type { RedirectFetch } from '../transport.ts';
import type { VenueShared } from '../venue.ts';
import { BACKOFF_10006_MS, BACKOFF_403_MS, BYBIT_ERRORS, bybitRetCode } from './errors.ts';
import { historyFromBybit, readTransactionLog } from './history.ts';
import { checkMarginMode, snapshotOf, tiersOf, type BybitMarginMode } from './mapping.ts';
import {
  AccountInfoSchema,
  ApiKeyInfoSchema,
  CancelAllSchema,
  OpenOrdersSchema,
  OrderCreateSchema,
  OrderQuerySchema,
  PositionListSchema,
  RiskLimitSchema,
  ServerTimeSchema,
  TickersSchema,
  TransactionLogSchema,
  WalletBalanceSchema,
  type ApiKeyInfo,
  type PositionRow,
  type RiskLimitRow,
} from './schemas.ts';
import { BYBIT_CCXT_OPTIONS } from './transport.ts';

export interface BybitOptions {
  apiKey: string;
  secret: string;
  fetchImplementation?: RedirectFetch;
  timeoutMs?: number;
  log?: Logger;
  /** The settle coin the guard models. */
  quote?: string;
  shared?: VenueShared;
}

type Ccxt = InstanceType<typeof bybit>;
type Raw = Record<string, (params?: Record<string, unknown>) => Promise<unknown>>;

const SETTINGS_TTL = 10 * 60_000;
const TIERS_TTL = 60 * 60_000;
const RESYNC_MS = 60_000;
/** Page sizes: position list max 200, open orders and transaction log max 50, risk limits 1000 (docs). */
const POSITION_LIMIT = 200;
const ORDERS_LIMIT = 50;
const LOG_LIMIT = 50;

const inFlight = new AsyncLocalStorage<CallContext & { marketTime?: number; limitResetAt?: number }>();

/** One venue's markets, loaded once by a keyless client and lent to every account's client. */
class SharedMarkets {
  private loading: Promise<Ccxt> | null = null;
  constructor(readonly source: Ccxt) {}
  load(): Promise<Ccxt> {
    this.loading ??= this.source.loadMarkets().then(() => this.source);
    this.loading.catch(() => (this.loading = null));
    return this.loading;
  }
}

/**
 * Bybit v5 (Unified Trading Account, USDT perpetuals) through ccxt's `bybit` class, its implicit
 * v5 methods read raw and validated by schemas.ts. Per snapshot: wallet-balance, position/list
 * (settleCoin=USDT, every cursor page), tickers (all linear); account info and the key's info every
 * 10 minutes; risk-limit tiers hourly. Closes: one cancel-all per settle coin, reduce-only market
 * orders (positionIdx in hedge mode), clamped to the position on 110017.
 */
export class BybitExchange implements ExchangePort {
  readonly id = 'bybit';
  private readonly ccxt: Ccxt;
  private readonly raw: Raw;
  private readonly quote: string;
  private readonly log: Logger | undefined;
  private readonly baseUrl: string | undefined;
  private readonly sharedMarkets: SharedMarkets | undefined;
  private marketsLoaded: Promise<unknown> | null = null;
  private settings: { at: number; marginMode: BybitMarginMode; key: ApiKeyInfo['result'] } | null = null;
  private tiers: { at: number; bySymbol: Map<string, MaintenanceTier[]> } | null = null;
  /** positionIdx of each held (symbol, side) as last read: hedge mode needs it on the close. */
  private positionIdx = new Map<string, 0 | 1 | 2>();
  private marketTimeSeen: number | undefined;
  private lastResync = Number.NEGATIVE_INFINITY;

  constructor(opts: BybitOptions) {
    const common = {
      enableRateLimit: false,
      timeout: opts.timeoutMs ?? 10_000,
      ...(opts.fetchImplementation ? { fetchImplementation: opts.fetchImplementation } : {}),
      options: { ...BYBIT_CCXT_OPTIONS, fetchMarkets: { types: ['linear'] } },
    };
    this.ccxt = new bybit({ apiKey: opts.apiKey, secret: opts.secret, ...common });
    this.raw = this.ccxt as unknown as Raw;
    this.quote = opts.quote ?? 'USDT';
    this.log = opts.log;
    this.baseUrl = opts.fetchImplementation?.baseUrl;
    this.hookTransport();
    if (opts.shared) {
      if (!opts.shared.slots.has('markets')) opts.shared.slots.set('markets', new SharedMarkets(new bybit(common)));
      this.sharedMarkets = opts.shared.slots.get('markets') as SharedMarkets;
    }
  }

  /** Records where each request went, its status, the venue's market clock and 10006's reset time. */
  private hookTransport(): void {
    hookCcxtTransport(this.ccxt, inFlight, {
      realUrl: (url) => this.realUrl(url),
      onMarketTime: (t) => (this.marketTimeSeen = t),
      onResponse: (_status, headers, ctx) => {
        const reset = headerNumber(headers, 'x-bapi-limit-reset-timestamp');
        if (ctx && Number.isFinite(reset)) ctx.limitResetAt = reset;
      },
    });
  }

  private realUrl(url: string): string {
    const bare = url.split('?')[0]!;
    return this.baseUrl ? bare.replace(BYBIT_ERRORS.origins!, this.baseUrl) : bare;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const ctx: CallContext & { marketTime?: number; limitResetAt?: number } = this.baseUrl ? { baseUrl: this.baseUrl } : {};
    try {
      return await inFlight.run(ctx, fn);
    } catch (err) {
      if (err instanceof InvalidNonce) await this.resyncClock();
      throw this.classify(err, what, ctx);
    }
  }

  /**
   * ccxt's classes plus Bybit's two limits: HTTP 403 "access too frequent" is the per-IP limit
   * (held as an IP ban: every account of the venue pauses, 10 minutes); retCode 10006 the per-UID
   * one (2 minutes, or longer when X-Bapi-Limit-Reset-Timestamp says so). Both back off for
   * minutes, not seconds: hammering a 403 extends the ban.
   */
  private classify(err: unknown, what: string, ctx: CallContext & { limitResetAt?: number }): RiskGuardError {
    const base = classifyCcxtError(err, BYBIT_ERRORS, what, ctx);
    const message = err instanceof Error ? err.message : String(err);
    if (ctx.status === 403) {
      return new ExchangeRateLimitError(
        `${base.message} — Bybit's IP limit ("403, access too frequent"; also what it answers to US and Mainland China IPs): backing off ${BACKOFF_403_MS / 60_000} minutes`,
        { cause: err, retryAfterMs: BACKOFF_403_MS, status: 418 },
      );
    }
    if (bybitRetCode(message) === 10006) {
      const wait = Math.max(BACKOFF_10006_MS, (ctx.limitResetAt ?? 0) - Date.now());
      return new ExchangeRateLimitError(`${base.message} — backing off ${Math.round(wait / 1000)} s`, { cause: err, retryAfterMs: wait, status: 429 });
    }
    return base;
  }

  private async resyncClock(): Promise<void> {
    if (Date.now() - this.lastResync < RESYNC_MS) return;
    this.lastResync = Date.now();
    await inFlight.run({}, () => this.ccxt.loadTimeDifference()).catch((err: unknown) => this.log?.warn('clock re-sync failed', { exchange: this.id, error: scrub((err as Error).message) }));
  }

  private async rawCall<S extends z.ZodType>(method: string, schema: S, params: Record<string, unknown> = {}): Promise<z.output<S>> {
    const body = await this.call(method, () => this.raw[method]!.call(this.ccxt, params));
    return this.validate(method, schema, body);
  }

  private validate<S extends z.ZodType>(method: string, schema: S, body: unknown): z.output<S> {
    const r = schema.safeParse(body);
    if (!r.success) throw new ExchangeDataError(`${this.id} ${method}: unexpected response:\n${formatIssues(r.error)}`, { cause: r.error });
    return r.data;
  }

  private loadMarkets(): Promise<unknown> {
    const shared = this.sharedMarkets;
    const load = shared
      ? async (): Promise<void> => {
          const source = await shared.load();
          this.ccxt.setMarketsFromExchange(source);
          const offset = (source.options as Record<string, unknown>)['timeDifference'];
          if (typeof offset === 'number') (this.ccxt.options as Record<string, unknown>)['timeDifference'] = offset;
        }
      : (): Promise<unknown> => this.ccxt.loadMarkets();
    this.marketsLoaded ??= this.call('loadMarkets', load).catch((err: unknown) => {
      this.marketsLoaded = null;
      throw err;
    });
    return this.marketsLoaded;
  }

  /** Account margin mode and the key's info, every 10 minutes; a portfolio-margin account is refused. */
  private async loadSettings(now: number): Promise<{ marginMode: BybitMarginMode; key: ApiKeyInfo['result'] }> {
    if (this.settings && now - this.settings.at < SETTINGS_TTL) return this.settings;
    const [info, key] = await Promise.all([
      this.rawCall('privateGetV5AccountInfo', AccountInfoSchema),
      this.rawCall('privateGetV5UserQueryApi', ApiKeyInfoSchema),
    ]);
    this.settings = { at: now, marginMode: info.result.marginMode, key: key.result };
    checkMarginMode(info.result.marginMode);
    return this.settings;
  }

  keyCanWithdraw(): boolean | null {
    return this.settings ? canWithdraw(this.settings.key) : null;
  }

  /** Risk-limit tiers of every linear symbol (one public read, paged), hourly. */
  private async loadTiers(now: number): Promise<Map<string, MaintenanceTier[]>> {
    if (this.tiers && now - this.tiers.at < TIERS_TTL) return this.tiers.bySymbol;
    const rows: RiskLimitRow[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const r = await this.rawCall('publicGetV5MarketRiskLimit', RiskLimitSchema, { category: 'linear', ...(cursor ? { cursor } : {}) });
      rows.push(...r.result.list);
      cursor = r.result.nextPageCursor || undefined;
      if (cursor === undefined) break;
    }
    const bySymbol = new Map<string, RiskLimitRow[]>();
    for (const r of rows) bySymbol.set(r.symbol, [...(bySymbol.get(r.symbol) ?? []), r]);
    this.tiers = { at: now, bySymbol: new Map([...bySymbol].map(([s, list]) => [s, tiersOf(s, list)])) };
    return this.tiers.bySymbol;
  }

  /** Every position of the settle coin (only non-zero ones are listed), all cursor pages. */
  private async loadPositions(symbol?: string): Promise<PositionRow[]> {
    const rows: PositionRow[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const r = await this.rawCall('privateGetV5PositionList', PositionListSchema, {
        category: 'linear',
        ...(symbol ? { symbol } : { settleCoin: this.quote }),
        limit: POSITION_LIMIT,
        ...(cursor ? { cursor } : {}),
      });
      rows.push(...r.result.list);
      cursor = r.result.nextPageCursor || undefined;
      if (cursor === undefined) return rows;
    }
    throw new ExchangeDataError(`${this.id} position/list: more than 50 pages`);
  }

  private async tickers(): Promise<{ at: number; bySymbol: Map<string, { mark: number; index?: number | undefined }> }> {
    const r = await this.rawCall('publicGetV5MarketTickers', TickersSchema, { category: 'linear' });
    return { at: r.time, bySymbol: new Map(r.result.list.map((t) => [t.symbol, { mark: t.markPrice, index: t.indexPrice }])) };
  }

  async fetchMarks(): Promise<Record<string, number>> {
    const t = await this.tickers();
    return Object.fromEntries([...t.bySymbol].map(([s, m]) => [s, m.mark]));
  }

  async fetchSnapshot(): Promise<AccountSnapshot> {
    const now = Date.now();
    await this.loadMarkets();
    const { marginMode } = await this.loadSettings(now);
    const [wallet, positions, ticks, tiers] = await Promise.all([
      this.rawCall('privateGetV5AccountWalletBalance', WalletBalanceSchema, { accountType: 'UNIFIED' }),
      this.loadPositions(),
      this.tickers(),
      this.loadTiers(now),
    ]);
    const held = positions.filter((p) => p.size !== 0);
    const missing = held.filter((p) => !tiers.has(p.symbol)).map((p) => p.symbol);
    if (missing.length > 0) {
      this.tiers = null;
      const again = await this.loadTiers(now);
      for (const s of missing) if (!again.has(s)) throw new ExchangeDataError(`${this.id}: no risk-limit tiers for ${s}`);
    }
    this.positionIdx = new Map(held.map((p) => [`${p.symbol}:${p.side === 'Buy' ? 'long' : 'short'}`, p.positionIdx]));
    const marks = new Map([...ticks.bySymbol].map(([s, m]) => [s, { ...m, at: ticks.at }]));
    const snapshot = snapshotOf({
      wallet: wallet.result,
      positions,
      marginMode,
      tiers: this.tiers!.bySymbol,
      marks,
      quote: this.quote,
      venueNow: this.marketTimeSeen ?? wallet.time,
    });
    const r = AccountSnapshotSchema.safeParse(snapshot);
    if (!r.success) throw new ExchangeDataError(`${this.id}: the account does not map to a valid snapshot (bad data from the venue, not a position to act on):\n${formatIssues(r.error)}`);
    return r.data;
  }

  async fetchHistory(since: number): Promise<AccountHistory> {
    await this.loadMarkets();
    const ctx: { marketTime?: number } = {};
    const time = this.validate(
      'publicGetV5MarketTime',
      ServerTimeSchema,
      await this.call('publicGetV5MarketTime', async () => {
        const r = await this.raw.publicGetV5MarketTime!.call(this.ccxt);
        ctx.marketTime = inFlight.getStore()?.marketTime;
        return r;
      }),
    );
    const end = Math.max(since, ctx.marketTime ?? time.time);
    const rows = await readTransactionLog(
      `${this.id} transaction-log`,
      async (startTime, endTime, cursor) =>
        (
          await this.rawCall('privateGetV5AccountTransactionLog', TransactionLogSchema, {
            accountType: 'UNIFIED',
            startTime,
            endTime,
            limit: LOG_LIMIT,
            ...(cursor ? { cursor } : {}),
          })
        ).result,
      since,
      end,
    );
    return historyFromBybit(rows, since, this.quote, end);
  }

  /**
   * Cancels plain and conditional orders. One GET /v5/order/realtime per page (UTA: every kind of
   * order by default) names them; `'all'` then cancels them all with ONE cancel-all by settle coin
   * (limited to 1 request/s on linear: ccxt 4.5.84 bybit.js cost table, the v5 rate-limit table),
   * a list of symbols with one cancel-all per listed symbol that has an order.
   */
  async cancelAllOrders(symbols: string[] | 'all'): Promise<number> {
    await this.loadMarkets();
    const open: { symbol: string }[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const r = await this.rawCall('privateGetV5OrderRealtime', OpenOrdersSchema, {
        category: 'linear',
        settleCoin: this.quote,
        limit: ORDERS_LIMIT,
        ...(cursor ? { cursor } : {}),
      });
      open.push(...r.result.list);
      cursor = r.result.nextPageCursor || undefined;
      if (cursor === undefined) break;
    }
    const wanted = symbols === 'all' ? open : open.filter((o) => symbols.includes(o.symbol));
    if (wanted.length === 0) return 0;
    const scopes = symbols === 'all' ? [{ settleCoin: this.quote }] : [...new Set(wanted.map((o) => o.symbol))].map((symbol) => ({ symbol }));
    let n = 0;
    for (const scope of scopes) {
      const r = await this.rawCall('privatePostV5OrderCancelAll', CancelAllSchema, { category: 'linear', ...scope });
      n += r.result.list.length;
    }
    return n;
  }

  private market(symbol: string): { symbol: string; precision?: { amount?: number }; info?: unknown } | undefined {
    return (this.ccxt.markets_by_id as Record<string, { symbol: string; precision?: { amount?: number }; info?: unknown }[]> | undefined)?.[symbol]?.[0];
  }

  async quantityStep(symbol: string): Promise<number | null> {
    await this.loadMarkets();
    const step = this.market(symbol)?.precision?.amount;
    return step !== undefined && step > 0 ? step : null;
  }

  /** lotSizeFilter.maxMktOrderQty: the largest market order; the executor splits a close by it. */
  async maxMarketQuantity(symbol: string): Promise<number | null> {
    await this.loadMarkets();
    const f = (this.market(symbol)?.info as { lotSizeFilter?: { maxMktOrderQty?: string; maxOrderQty?: string } } | undefined)?.lotSizeFilter;
    const max = Number(f?.maxMktOrderQty ?? f?.maxOrderQty);
    return Number.isFinite(max) && max > 0 ? max : null;
  }

  /**
   * A reduce-only market order. One-way mode: `reduceOnly: true`, positionIdx 0. Hedge mode:
   * positionIdx 1 (long) / 2 (short) names the side the order reduces. A 110017 "Reduce-only rule
   * not satisfied" (the position shrank meanwhile) re-reads the position and sends once more,
   * clamped to what is left; nothing left is a done close.
   */
  async reduceOnlyMarket(o: OrderRequest): Promise<OrderResult> {
    await this.loadMarkets();
    if (this.market(o.symbol) === undefined) throw new ExchangeDataError(`${this.id}: unknown symbol ${o.symbol}`);
    const step = await this.quantityStep(o.symbol);
    const round = (x: number) => (step ? Math.round(x / step) * step : x);
    const amount = Number(this.ccxt.amountToPrecision(this.market(o.symbol)!.symbol, round(o.amount)));
    if (!(amount > 0)) throw new ExchangeDataError(`${this.id}: ${o.amount} ${o.symbol} rounds to zero at the venue's lot size`);
    try {
      return await this.place(o, amount);
    } catch (err) {
      if (!(err instanceof RiskGuardError) || bybitRetCode(err.message) !== 110017) throw err;
      const left = (await this.loadPositions(o.symbol)).find((p) => p.size !== 0 && (p.side === 'Buy' ? 'long' : 'short') === o.positionSide);
      const size = left ? Math.abs(left.size) : 0;
      this.log?.warn('reduce-only rule not satisfied: re-read the position and clamp', { exchange: this.id, symbol: o.symbol, wanted: amount, left: size });
      if (!(size > 0)) return { id: '', symbol: o.symbol, side: o.side, amount: 0, filled: 0, averagePrice: null, status: 'closed' };
      return this.place(o, Math.min(amount, Number(this.ccxt.amountToPrecision(this.market(o.symbol)!.symbol, size))));
    }
  }

  private async place(o: OrderRequest, amount: number): Promise<OrderResult> {
    const idx = this.positionIdx.get(`${o.symbol}:${o.positionSide}`) ?? 0;
    const body = {
      category: 'linear',
      symbol: o.symbol,
      side: o.side === 'buy' ? 'Buy' : 'Sell',
      orderType: 'Market',
      qty: this.ccxt.amountToPrecision(this.market(o.symbol)!.symbol, amount),
      positionIdx: idx,
      ...(idx === 0 ? { reduceOnly: true } : {}),
    };
    const created = await this.rawCall('privatePostV5OrderCreate', OrderCreateSchema, body);
    const id = created.result.orderId;
    this.log?.info('order placed', { exchange: this.id, symbol: o.symbol, side: o.side, amount, id });
    let filled = 0;
    let averagePrice: number | null = null;
    let status = 'unknown';
    try {
      const q = await this.rawCall('privateGetV5OrderRealtime', OrderQuerySchema, { category: 'linear', orderId: id });
      const row = q.result.list[0];
      if (row) {
        filled = row.cumExecQty;
        averagePrice = row.avgPrice ?? null;
        status = row.orderStatus;
      }
    } catch (err) {
      // The order was placed; its fill is settled by the executor's re-read of the account.
      this.log?.warn('order status read failed', { exchange: this.id, id, error: scrub((err as Error).message) });
    }
    return { id, symbol: o.symbol, side: o.side, amount, filled, averagePrice, status };
  }

  async marketSpec(symbol: string): Promise<MarketSpec> {
    await this.loadMarkets();
    const tiers = (await this.loadTiers(Date.now())).get(symbol);
    if (!tiers) throw new ExchangeDataError(`${this.id}: no risk-limit tiers for ${symbol}`);
    const lotStep = await this.quantityStep(symbol);
    if (lotStep === null) throw new ExchangeDataError(`${this.id}: no quantity step for ${symbol}`);
    const r = await this.rawCall('publicGetV5MarketTickers', TickersSchema, { category: 'linear', symbol });
    const t = r.result.list.find((x) => x.symbol === symbol);
    if (!t) throw new ExchangeDataError(`${this.id}: no ticker for ${symbol}`);
    return { symbol, markPrice: t.markPrice, lotStep, maintenanceTiers: tiers, takerFee: null };
  }

  async diagnose(): Promise<KeyDiagnosis> {
    const notes: string[] = [];
    const before = Date.now();
    let clockSkewMs: number | null = null;
    try {
      const t = await this.rawCall('publicGetV5MarketTime', ServerTimeSchema);
      // The envelope's `time` is the server's, in ms (result.timeSecond is whole seconds).
      clockSkewMs = Math.round((before + Date.now()) / 2 - t.time);
      if (Math.abs(clockSkewMs) > 1000) notes.push(`this host's clock is about ${(clockSkewMs / 1000).toFixed(1)} s off the venue's; signed requests use the venue's time`);
    } catch (err) {
      notes.push(`server time could not be read: ${scrub((err as Error).message)}`);
    }
    let canRead = false;
    try {
      await this.fetchSnapshot();
      canRead = true;
    } catch (err) {
      notes.push(`read failed: ${scrub((err as Error).message)}`);
    }
    let canTrade: boolean | null = null;
    let withdraw: boolean | null = null;
    try {
      const k = (await this.rawCall('privateGetV5UserQueryApi', ApiKeyInfoSchema)).result;
      canTrade = k.readOnly === 0 && (k.permissions['ContractTrade'] ?? []).includes('Order');
      withdraw = canWithdraw(k);
      notes.push(...keyNotes(k));
    } catch (err) {
      notes.push(`the key's permissions could not be read: ${scrub((err as Error).message)}`);
    }
    return { canRead, canTrade, canWithdraw: withdraw, clockSkewMs, notes };
  }
}

/** The key may withdraw: `Withdraw` among its Wallet permissions (https://bybit-exchange.github.io/docs/v5/user/apikey-info). */
export const canWithdraw = (k: Pick<ApiKeyInfo['result'], 'permissions'>): boolean => (k.permissions['Wallet'] ?? []).includes('Withdraw');

/** What doctor says of a key beyond read/trade/withdraw: read-only, no IP allow-list, expiry. */
export function keyNotes(k: Pick<ApiKeyInfo['result'], 'readOnly' | 'ips' | 'expiredAt'>): string[] {
  const notes: string[] = [];
  if (k.readOnly === 1) notes.push('the key is read-only: the guard can watch but cannot close positions');
  if (k.ips === undefined || k.ips.length === 0 || k.ips.includes('*')) notes.push('the key is not restricted to an IP allow-list');
  // expiredAt: "only for those api key with no IP bound or the password has been changed" (docs).
  if (k.expiredAt !== undefined && k.expiredAt !== '') notes.push(`the key expires at ${k.expiredAt} (Bybit expires keys without an IP allow-list)`);
  return notes;
}
