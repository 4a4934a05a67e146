// One exchange class by file path: the package's exports block deep imports by name, and the
// whole library would make the Lambda bundle many times larger.
import okx from '../../../node_modules/ccxt/js/src/okx.js';
import { InvalidNonce } from '../../../node_modules/ccxt/js/src/base/errors.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import type * as z from 'zod';
import { DEFAULT_STRESS, evaluateAccount } from '../../domain/margin.ts';
import type { MarketSpec } from '../../domain/pre-trade.ts';
import type { AccountSnapshot } from '../../domain/snapshot.ts';
import { ExchangeDataError } from '../../errors.ts';
import type { AccountHistory, ExchangePort, KeyDiagnosis, Logger, OrderRequest, OrderResult } from '../../ports.ts';
import { formatIssues } from '../../validation.ts';
import { classifyCcxtError, scrub, type CallContext } from '../ccxt-errors.ts';
import { hookCcxtTransport } from '../ccxt-transport.ts';
import type { RedirectFetch } from '../transport.ts';
import type { VenueShared } from '../venue.ts';
import { OKX_ERRORS } from './errors.ts';
import { BILLS_WINDOW_MS, historyFromOkx, readAllBills } from './history.ts';
import {
  accountModeProblem,
  baseOf,
  contractsOf,
  liquidationFeeRateOf,
  permissionsOf,
  ratioDivergences,
  snapshotFromOkx,
  tiersFromOkx,
  withLiquidationFee,
  type OkxTier,
} from './mapping.ts';
import { closeOrderError, itemsOf, OkxOrderError } from './orders.ts';
import {
  BalanceSchema,
  BillsSchema,
  ConfigSchema,
  InstrumentsSchema,
  ItemsSchema,
  MarkPriceSchema,
  OrderSchema,
  PendingAlgosSchema,
  PendingOrdersSchema,
  PositionsSchema,
  TierSchema,
  TimeSchema,
  TradeFeeSchema,
  type AccountConfigRow,
  type Instrument,
} from './schemas.ts';

export interface OkxOptions {
  apiKey: string;
  secret: string;
  passphrase: string;
  /** A custom fetch, e.g. one that redirects to the paper exchange (keeps ccxt's URLs and error mapping). */
  fetchImplementation?: RedirectFetch;
  timeoutMs?: number;
  log?: Logger;
  /** OKX demo trading: every request carries `x-simulated-trading: 1` (ccxt's sandbox mode). */
  demo?: boolean;
  shared?: VenueShared;
}

type Raw = Record<string, (params?: unknown) => Promise<unknown>>;

/** How long the account config (level, position mode, permissions) is trusted (ms). */
const SETTINGS_TTL = 10 * 60_000;
const INSTRUMENTS_TTL = 60 * 60_000;
const TIERS_TTL = 60 * 60_000;
/** The fee tier moves with 30-day volume: hourly is fresh enough. */
const FEE_TTL = 60 * 60_000;
/** Least time between two clock re-syncs after a 50102, ms of the host. */
const RESYNC_MS = 60_000;
/** cancel-batch-orders takes at most 20 orders, cancel-algos at most 10 (docs of each endpoint). */
const CANCEL_BATCH = 20;
const CANCEL_ALGOS_BATCH = 10;
/**
 * Algo order types to list before a close (orders-algo-pending takes one type per request, except
 * conditional and oco together): each can place an order once it triggers.
 */
const ALGO_TYPES = ['conditional,oco', 'trigger', 'move_order_stop'] as const;

const inFlight = new AsyncLocalStorage<CallContext & { marketTime?: number }>();

/**
 * OKX USDT swaps (v5) through ccxt's `okx` class, raw endpoint calls validated with zod. Sizes
 * cross the boundary in contracts (× ctVal, both ways); the account must be in the futures mode
 * (acctLv 2). Reads per snapshot: account/balance, account/positions, public/mark-price;
 * account/config every 10 minutes; instruments and position-tiers hourly.
 */
export class OkxExchange implements ExchangePort {
  readonly id = 'okx';
  private readonly ccxt: InstanceType<typeof okx>;
  private readonly raw: Raw;
  private readonly log: Logger | undefined;
  private readonly baseUrl: string | undefined;
  private marketTimeSeen: number | undefined;
  private settings: { at: number; cfg: AccountConfigRow } | null = null;
  private instruments: { at: number; byId: Map<string, Instrument> } | null = null;
  private readonly tiers = new Map<string, { at: number; rows: OkxTier[] }>();
  private feeRate: { at: number; rate: number } | null = null;
  private clockSynced: Promise<void> | null = null;
  private lastResync = Number.NEGATIVE_INFINITY;

  constructor(opts: OkxOptions) {
    this.ccxt = new okx({
      apiKey: opts.apiKey,
      secret: opts.secret,
      password: opts.passphrase,
      enableRateLimit: false,
      timeout: opts.timeoutMs ?? 10_000,
      ...(opts.fetchImplementation ? { fetchImplementation: opts.fetchImplementation } : {}),
    });
    if (opts.demo) this.ccxt.setSandboxMode(true);
    this.raw = this.ccxt as unknown as Raw;
    this.log = opts.log;
    this.baseUrl = opts.fetchImplementation?.baseUrl;
    // One client per account; instruments and tiers are small (a few hundred rows), kept per client.
    void opts.shared;
    this.hookTransport();
  }

  private hookTransport(): void {
    hookCcxtTransport(this.ccxt, inFlight, { realUrl: (url) => this.realUrl(url), onMarketTime: (t) => (this.marketTimeSeen = t) });
  }

  private realUrl(url: string): string {
    const bare = url.split('?')[0]!;
    return this.baseUrl ? bare.replace(/^https:\/\/[a-z]+\.okx\.com/, this.baseUrl) : bare;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const ctx: CallContext & { marketTime?: number } = this.baseUrl ? { baseUrl: this.baseUrl } : {};
    try {
      return await inFlight.run(ctx, fn);
    } catch (err) {
      // 50102: the host's clock and OKX's drifted apart; re-measure before the tick's retry.
      if (err instanceof InvalidNonce) await this.resyncClock(true);
      throw classifyCcxtError(err, OKX_ERRORS, what, ctx);
    }
  }

  private async rawCall<S extends z.ZodType>(method: string, schema: S, params: unknown = {}): Promise<z.output<S>> {
    await this.syncClock();
    const body = await this.call(method, () => this.raw[method]!.call(this.ccxt, params));
    return this.validate(method, schema, body);
  }

  private validate<S extends z.ZodType>(method: string, schema: S, body: unknown): z.output<S> {
    const r = schema.safeParse(body);
    if (!r.success) throw new ExchangeDataError(`${this.id} ${method}: unexpected response:\n${formatIssues(r.error)}`, { cause: r.error });
    return r.data;
  }

  /** Signs with OKX's clock: the offset is measured once (GET public/time), again after a 50102. */
  private syncClock(): Promise<void> {
    this.clockSynced ??= this.resyncClock(false).catch((err: unknown) => {
      this.clockSynced = null;
      throw err;
    });
    return this.clockSynced;
  }

  private async resyncClock(onError: boolean): Promise<void> {
    if (onError && Date.now() - this.lastResync < RESYNC_MS) return;
    this.lastResync = Date.now();
    try {
      await inFlight.run(this.baseUrl ? { baseUrl: this.baseUrl } : {}, () => this.ccxt.loadTimeDifference());
    } catch (err) {
      if (onError) this.log?.warn('clock re-sync failed', { exchange: this.id, error: scrub((err as Error).message) });
      else throw classifyCcxtError(err, OKX_ERRORS, 'public/time', this.baseUrl ? { baseUrl: this.baseUrl } : {});
    }
  }

  /** The venue's market clock: the paper's replay time, else OKX's time by the measured offset. */
  private venueNow(): number {
    if (this.marketTimeSeen !== undefined) return this.marketTimeSeen;
    const d = Number((this.ccxt.options as { timeDifference?: unknown }).timeDifference);
    return Date.now() - (Number.isFinite(d) ? d : 0);
  }

  /** account/config, every SETTINGS_TTL: refuses the account modes riskguard does not model. */
  private async loadSettings(now: number, fresh = false): Promise<AccountConfigRow> {
    if (fresh || !this.settings || now - this.settings.at > SETTINGS_TTL) {
      const r = await this.rawCall('privateGetAccountConfig', ConfigSchema);
      this.settings = { at: now, cfg: r.data[0]! };
    }
    const problem = accountModeProblem(this.settings.cfg);
    if (problem) throw new ExchangeDataError(`${this.id}: ${problem}`);
    return this.settings.cfg;
  }

  private async loadInstruments(now: number, reload = false): Promise<Map<string, Instrument>> {
    if (reload || !this.instruments || now - this.instruments.at > INSTRUMENTS_TTL) {
      const r = await this.rawCall('publicGetPublicInstruments', InstrumentsSchema, { instType: 'SWAP' });
      this.instruments = { at: now, byId: new Map(r.data.map((i) => [i.instId, i])) };
    }
    return this.instruments.byId;
  }

  /** The instrument of an instId; one reload for an id listed since the last load. */
  private async instrument(instId: string): Promise<Instrument> {
    const now = Date.now();
    let byId = await this.loadInstruments(now);
    let inst = byId.get(instId);
    if (!inst && this.instruments!.at < now - 60_000) {
      byId = await this.loadInstruments(now, true);
      inst = byId.get(instId);
    }
    if (!inst) throw new ExchangeDataError(`${this.id}: ${instId} is not a listed USDT swap (public/instruments)`);
    if (inst.settleCcy !== 'USDT' || inst.ctType !== 'linear') throw new ExchangeDataError(`${this.id}: ${instId} is not a linear USDT swap`);
    return inst;
  }

  private async loadTiers(inst: Instrument, mgnMode: 'cross' | 'isolated', now: number): Promise<OkxTier[]> {
    const family = inst.instFamily || inst.uly || inst.instId.replace(/-SWAP$/, '');
    const key = `${family}:${mgnMode}`;
    const cached = this.tiers.get(key);
    if (cached && now - cached.at <= TIERS_TTL) return cached.rows;
    const r = await this.rawCall('publicGetPublicPositionTiers', TierSchema, { instType: 'SWAP', tdMode: mgnMode, instFamily: family });
    const rows = r.data.map((t) => ({ minSz: t.minSz, maxSz: t.maxSz, mmr: t.mmr }));
    this.tiers.set(key, { at: now, rows });
    return rows;
  }

  /**
   * The liquidation fee rate: the account's USDT-swap taker rate (account/trade-fee `takerU`), as
   * OKX charges "position value × taker fee rate" on liquidation and liquidates at MM + that fee.
   */
  private async loadFeeRate(now: number): Promise<number> {
    if (this.feeRate && now - this.feeRate.at <= FEE_TTL) return this.feeRate.rate;
    const r = await this.rawCall('privateGetAccountTradeFee', TradeFeeSchema, { instType: 'SWAP' });
    const rate = liquidationFeeRateOf(r.data[0]!.takerU);
    this.feeRate = { at: now, rate };
    return rate;
  }

  async fetchMarks(): Promise<Record<string, number>> {
    const r = await this.rawCall('publicGetPublicMarkPrice', MarkPriceSchema, { instType: 'SWAP' });
    return Object.fromEntries(r.data.map((m) => [m.instId, m.markPx]));
  }

  async fetchSnapshot(): Promise<AccountSnapshot> {
    const now = Date.now();
    await this.loadSettings(now);
    const instruments = await this.loadInstruments(now);
    const [balance, positions, marks] = await Promise.all([
      this.rawCall('privateGetAccountBalance', BalanceSchema, { ccy: 'USDT' }),
      this.rawCall('privateGetAccountPositions', PositionsSchema, { instType: 'SWAP' }),
      this.rawCall('publicGetPublicMarkPrice', MarkPriceSchema, { instType: 'SWAP' }),
    ]);
    const held = positions.data.filter((p) => p.pos !== 0);
    for (const p of held) if (!instruments.has(p.instId)) await this.instrument(p.instId);
    const byId = this.instruments!.byId;
    const tiers = new Map<string, OkxTier[]>();
    await Promise.all(
      held.map(async (p) => {
        const inst = byId.get(p.instId);
        if (inst) tiers.set(`${p.instId}`, await this.loadTiers(inst, p.mgnMode, now));
      }),
    );
    const liquidationFeeRate = held.length > 0 ? await this.loadFeeRate(now) : 0;
    const usdt = balance.data[0]!.details.find((d) => d.ccy === 'USDT');
    if (!usdt) throw new ExchangeDataError(`${this.id}: the trading account has no USDT balance entry`);
    const { snapshot, overrides } = snapshotFromOkx({
      usdt: { eq: usdt.eq, cashBal: usdt.cashBal },
      positions: positions.data,
      instruments: byId,
      tiers,
      marks: new Map(marks.data.map((m) => [m.instId, { price: m.markPx, ts: m.ts }])),
      timestamp: this.venueNow(),
      liquidationFeeRate,
    });
    for (const o of overrides) this.log?.warn("maintenance margin: the venue's figure differs from its tiers; the venue's used", { exchange: this.id, symbol: o.symbol, venue: o.venue, tiers: o.tiers });
    for (const d of ratioDivergences(evaluateAccount(snapshot, DEFAULT_STRESS), positions.data)) {
      this.log?.warn('margin ratio differs from the venue (mgnRatio inverted)', { exchange: this.id, symbol: d.symbol, engine: d.engine, venue: d.venue });
    }
    return snapshot;
  }

  async fetchHistory(since: number): Promise<AccountHistory> {
    await this.loadSettings(Date.now());
    // The window ends at the venue's now, read first: a row stamped during the read belongs to the next read.
    const ctx: { marketTime?: number } = {};
    const time = this.validate(
      'publicGetPublicTime',
      TimeSchema,
      await this.call('publicGetPublicTime', async () => {
        const r = await this.raw.publicGetPublicTime!.call(this.ccxt, {});
        ctx.marketTime = inFlight.getStore()?.marketTime;
        return r;
      }),
    );
    const end = Math.max(since, ctx.marketTime ?? time.data[0]!.ts);
    // bills covers 7 days; older rows are in bills-archive (3 months).
    const method = end - since > BILLS_WINDOW_MS - 60_000 ? 'privateGetAccountBillsArchive' : 'privateGetAccountBills';
    // Every USDT bill, whatever its instrument: transfers and interest carry none.
    const bills = await readAllBills(
      async (q) => (await this.rawCall(method, BillsSchema, { ccy: 'USDT', begin: String(q.begin), end: String(q.end), limit: '100', ...(q.after ? { after: q.after } : {}) })).data,
      since,
      end,
    );
    return historyFromOkx(bills, since, end);
  }

  /** Pending plain and algo orders of the account (or of `instIds`), with their ids. */
  private async pending(instIds: Set<string> | 'all'): Promise<{ plain: { instId: string; ordId: string; reduceOnly?: string | undefined; side: string; posSide?: string | undefined }[]; algos: { instId: string; algoId: string }[] }> {
    const [plain, ...algoLists] = await Promise.all([
      this.rawCall('privateGetTradeOrdersPending', PendingOrdersSchema, { instType: 'SWAP' }),
      ...ALGO_TYPES.map((t) => this.rawCall('privateGetTradeOrdersAlgoPending', PendingAlgosSchema, { ordType: t, instType: 'SWAP' })),
    ]);
    const keep = (id: string) => instIds === 'all' || instIds.has(id);
    return { plain: plain.data.filter((o) => keep(o.instId)), algos: algoLists.flatMap((l) => l.data).filter((a) => keep(a.instId)) };
  }

  /** Batch-cancels plain orders by id (20 per request) and algo orders (10 per request); returns how many went. */
  private async cancelByIds(plain: { instId: string; ordId: string }[], algos: { instId: string; algoId: string }[]): Promise<number> {
    const chunks = <T>(xs: T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
    const answers = await Promise.all([
      ...chunks(plain, CANCEL_BATCH).map((c) => this.postItems('privatePostTradeCancelBatchOrders', c.map((o) => ({ instId: o.instId, ordId: o.ordId })))),
      ...chunks(algos, CANCEL_ALGOS_BATCH).map((c) => this.postItems('privatePostTradeCancelAlgos', c.map((a) => ({ instId: a.instId, algoId: a.algoId })))),
    ]);
    let n = 0;
    const failed: string[] = [];
    for (const items of answers) {
      for (const it of items) {
        if (it.sCode === '0') n++;
        // 51400: filled, cancelled or gone meanwhile: nothing left to cancel.
        else if (it.sCode !== '51400') failed.push(`${it.ordId ?? it.algoId ?? '?'}: ${it.sCode} ${it.sMsg}`);
      }
    }
    if (failed.length) throw new ExchangeDataError(`${this.id}: cancels refused: ${failed.join('; ')}`);
    return n;
  }

  /** A POST whose answer is items (sCode each): the items whatever the envelope's code ("1" arrives as a ccxt error). */
  private async postItems(method: string, body: unknown): Promise<z.output<typeof ItemsSchema>['data']> {
    await this.syncClock();
    let answer: unknown;
    try {
      answer = await this.call(method, () => this.raw[method]!.call(this.ccxt, body));
    } catch (err) {
      const items = itemsOf(err);
      if (items === null) throw err;
      return items;
    }
    return this.validate(method, ItemsSchema, answer).data;
  }

  async cancelAllOrders(symbols: string[] | 'all'): Promise<number> {
    const { plain, algos } = await this.pending(symbols === 'all' ? 'all' : new Set(symbols));
    if (plain.length === 0 && algos.length === 0) return 0;
    return this.cancelByIds(plain, algos);
  }

  /**
   * One reduce-only market close, `tdMode` the position's margin mode; in the long/short mode the
   * posSide names the leg (OKX takes reduceOnly only in the net mode). 51112 (resting reduce-only
   * orders hold the position): cancel them, then once again.
   */
  async reduceOnlyMarket(o: OrderRequest): Promise<OrderResult> {
    const cfg = await this.loadSettings(Date.now());
    const inst = await this.instrument(o.symbol);
    const cap = inst.maxMktSz !== null && inst.maxMktSz > 0 ? inst.maxMktSz : Infinity;
    const sz = contractsOf(o.amount, inst, cap);
    if (!(sz > 0)) throw new ExchangeDataError(`${this.id}: ${o.amount} ${o.symbol} rounds to zero contracts (ctVal ${inst.ctVal}, lotSz ${inst.lotSz})`);
    const longShort = cfg.posMode === 'long_short_mode';
    const body = {
      instId: o.symbol,
      tdMode: o.marginMode,
      side: o.side,
      ordType: 'market',
      sz: String(sz),
      ...(longShort ? { posSide: o.positionSide } : { reduceOnly: true }),
    };
    let item = (await this.postItems('privatePostTradeOrder', body))[0];
    if (item?.sCode === '51112') {
      const { plain } = await this.pending(new Set([o.symbol]));
      const closing = plain.filter((x) => x.reduceOnly === 'true' || (longShort && x.posSide === o.positionSide && x.side === o.side));
      this.log?.info('51112: cancelling resting reduce-only orders before the close', { exchange: this.id, symbol: o.symbol, orders: closing.length });
      if (closing.length) await this.cancelByIds(closing, []);
      item = (await this.postItems('privatePostTradeOrder', body))[0];
    }
    if (!item) throw new ExchangeDataError(`${this.id} order ${o.symbol}: no item in the answer`);
    if (item.sCode !== '0') throw closeOrderError(this.id, o.symbol, item.sCode, item.sMsg);
    const ordId = item.ordId ?? '';
    const read = await this.rawCall('privateGetTradeOrder', OrderSchema, { instId: o.symbol, ordId });
    const ord = read.data[0];
    const filled = ord?.accFillSz != null ? baseOf(ord.accFillSz, inst.ctVal) : 0;
    const amount = baseOf(sz, inst.ctVal);
    this.log?.info('order placed', { exchange: this.id, symbol: o.symbol, side: o.side, contracts: sz, amount, id: ordId });
    return { id: ordId, symbol: o.symbol, side: o.side, amount, filled, averagePrice: ord?.avgPx ?? null, status: ord?.state ?? 'unknown' };
  }

  async maxMarketQuantity(symbol: string): Promise<number | null> {
    const inst = await this.instrument(symbol);
    return inst.maxMktSz !== null && inst.maxMktSz > 0 ? baseOf(inst.maxMktSz, inst.ctVal) : null;
  }

  /** The lot in base units: lotSz contracts × ctVal. */
  async quantityStep(symbol: string): Promise<number | null> {
    const inst = await this.instrument(symbol);
    return baseOf(inst.lotSz, inst.ctVal);
  }

  keyCanWithdraw(): boolean | null {
    return this.settings ? permissionsOf(this.settings.cfg.perm).canWithdraw : null;
  }

  async marketSpec(symbol: string): Promise<MarketSpec> {
    const inst = await this.instrument(symbol);
    const r = await this.rawCall('publicGetPublicMarkPrice', MarkPriceSchema, { instType: 'SWAP', instId: symbol });
    const mark = r.data.find((m) => m.instId === symbol);
    if (!mark) throw new ExchangeDataError(`${this.id}: no mark price for ${symbol}`);
    const now = Date.now();
    const tiers = withLiquidationFee(tiersFromOkx(await this.loadTiers(inst, 'cross', now), inst.ctVal, mark.markPx), await this.loadFeeRate(now));
    return { symbol, markPrice: mark.markPx, lotStep: baseOf(inst.lotSz, inst.ctVal), maintenanceTiers: tiers, takerFee: null };
  }

  async diagnose(): Promise<KeyDiagnosis> {
    const notes: string[] = [];
    const before = Date.now();
    const time = this.validate('publicGetPublicTime', TimeSchema, await this.call('publicGetPublicTime', () => this.raw.publicGetPublicTime!.call(this.ccxt, {})));
    const after = Date.now();
    const clockSkewMs = Math.round((before + after) / 2 - time.data[0]!.ts);
    if (Math.abs(clockSkewMs) > 1000) notes.push(`this host's clock is ${(clockSkewMs / 1000).toFixed(1)} s off OKX's; requests are signed with OKX's time (OKX refuses one 30 s off: 50102)`);
    let canTrade: boolean | null = null;
    let canWithdraw: boolean | null = null;
    try {
      const r = await this.rawCall('privateGetAccountConfig', ConfigSchema);
      const cfg = r.data[0]!;
      this.settings = { at: Date.now(), cfg };
      const p = permissionsOf(cfg.perm);
      canTrade = p.canTrade;
      canWithdraw = p.canWithdraw;
      if (p.canWithdraw) notes.push('the key has the withdraw permission (perm "withdraw"): a guard key needs read and trade only; create one without withdraw');
      if (!p.canTrade) notes.push('the key cannot trade (perm has no "trade"): the guard could not close positions');
      if (cfg.ip === '') notes.push('the key is not bound to an IP address (account/config ip is empty)');
      const problem = accountModeProblem(cfg);
      if (problem) notes.push(problem);
    } catch (err) {
      notes.push(`account config could not be read: ${scrub((err as Error).message)}`);
    }
    let canRead = false;
    try {
      await this.fetchSnapshot();
      canRead = true;
    } catch (err) {
      notes.push(`read failed: ${scrub((err as Error).message)}`);
    }
    return { canRead, canTrade, canWithdraw, clockSkewMs, notes };
  }
}

export { OkxOrderError };
