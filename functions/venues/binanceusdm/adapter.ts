// One exchange class by file path: the package's exports block deep imports by name, and the
// whole library would make the Lambda bundle many times larger.
import type { MarketSpec } from '../../domain/pre-trade.ts';
import binanceusdm from '../../../node_modules/ccxt/js/src/binanceusdm.js';
import { InvalidNonce } from '../../../node_modules/ccxt/js/src/base/errors.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import type * as z from 'zod';
import type { AccountSnapshot, MaintenanceTier, Position } from '../../domain/snapshot.ts';
import { AccountSnapshotSchema } from '../../domain/snapshot.ts';
import { ExchangeDataError } from '../../errors.ts';
import type { BackstopStatus, ExchangePort, KeyDiagnosis, Logger, OrderRequest, OrderResult, AccountHistory } from '../../ports.ts';
import type { VenueShared } from '../venue.ts';
import { BINANCE_ERRORS } from './errors.ts';
import { formatIssues } from '../../validation.ts';
import { randomBytes } from 'node:crypto';
import type { VenueBackstop, WantedBackstop } from '../../domain/backstop.ts';
import {
  AccountV3Schema,
  AlgoOrderSchema,
  AlgoOrdersSchema,
  AlgoStatusSchema,
  backstopOfAlgoOrder,
  OwnAlgoOrdersSchema,
  ApiRestrictionsSchema,
  ForceOrdersSchema,
  IncomeSchema,
  LeverageBracketSchema,
  OpenOrdersSchema,
  PositionRiskV3Schema,
  PremiumIndexSchema,
  ServerTimeSchema,
  SymbolConfigSchema,
} from './schemas.ts';
import { classifyCcxtError, scrub, type CallContext } from '../ccxt-errors.ts';
import { headerNumber, hookCcxtTransport } from '../ccxt-transport.ts';
import { historyFromBinance, incomeId, readAllPages } from './history.ts';
import { SharedMarks } from './marks.ts';
import { UsedWeight } from './used-weight.ts';
import type { RedirectFetch } from '../transport.ts';
import { BINANCE_FACTS } from './facts.ts';

export interface BinanceUsdmOptions {
  apiKey: string;
  secret: string;
  /** A custom fetch, e.g. one that redirects to the paper exchange (keeps ccxt's URLs and error mapping). */
  fetchImplementation?: RedirectFetch;
  /** ms; ccxt's request timeout. */
  timeoutMs?: number;
  log?: Logger;
  /** The quote/margin asset the guard models (single-asset mode). */
  quote?: string;
  /** Markets and brackets shared with the other accounts of this venue (one copy per process). */
  shared?: VenueShared;
}

type Ccxt = InstanceType<typeof binanceusdm>;

/**
 * One venue's markets, loaded once by a keyless client and lent to every account's client
 * (ccxt's setMarketsFromExchange): a thousand accounts hold one market list, not a thousand.
 */
class SharedMarkets {
  version = 0;
  lastReload = Number.NEGATIVE_INFINITY;
  /** A load or reload under way, until it settles. */
  inFlight: Promise<Ccxt> | null = null;
  private loading: Promise<Ccxt> | null = null;

  constructor(readonly source: Ccxt) {}

  load(reload: boolean): Promise<Ccxt> {
    if (reload) {
      this.lastReload = Date.now();
      this.loading = null;
    }
    const p = (this.loading ??= this.source.loadMarkets(reload).then(() => {
      this.version += 1;
      return this.source;
    }));
    if (this.inFlight !== p) {
      this.inFlight = p;
      const settle = () => {
        if (this.inFlight === p) this.inFlight = null;
      };
      p.then(settle, () => {
        settle();
        if (this.loading === p) this.loading = null;
      });
    }
    return p;
  }
}

/** The same bracket rows answered to many accounts are kept once (content-keyed). */
type TierPool = Map<string, MaintenanceTier[]>;

type Raw = Record<string, (params?: Record<string, unknown>) => Promise<unknown>>;

/**
 * clientAlgoId prefix of the guard's backstop stops: marks them as its own (listing, and the data
 * gate explaining their fills). Binance ids: ^[.A-Z:/a-z0-9_-]{1,36}$.
 */
export const BACKSTOP_PREFIX = 'rg-bs-';

/** How long slow-changing venue settings are cached (ms). */
const SETTINGS_TTL = 10 * 60_000;
const BRACKETS_TTL = 60 * 60_000;
/** Least time between two forced reloads of markets and brackets (a symbol listed since), ms of the host. */
export const MARKETS_RELOAD_MS = 60_000;
/** Least time between two clock re-syncs after a -1021, ms of the host. */
const RESYNC_MS = 60_000;
/** Binance's page sizes: GET /fapi/v1/income max 1000, GET /fapi/v1/forceOrders max 100 (docs). */
const INCOME_LIMIT = 1000;
const FORCE_ORDERS_LIMIT = 100;

/** The request and response of the ccxt call in progress (ccxt's hooks run in its async context). */
const inFlight = new AsyncLocalStorage<CallContext & { marketTime?: number }>();

/** A venue bracket row → maintenance tiers. */
export function tiersOf(row: { symbol: string; notionalCoef?: number | undefined; brackets: { notionalFloor: number; maintMarginRatio: number; cum: number }[] }): MaintenanceTier[] {
  // notionalCoef is informational: GET /fapi/v1/leverageBracket answers "user notional and
  // leverage bracket" (docs), i.e. the account's own, already-scaled bounds and cum; scaling them
  // again by the coefficient would put a position in a lower-rate tier than the venue does.
  if (row.notionalCoef !== undefined && !(row.notionalCoef > 0)) {
    throw new ExchangeDataError(`binanceusdm leverageBracket: ${row.symbol} notionalCoef ${row.notionalCoef} is not a positive multiplier`);
  }
  return [...row.brackets]
    .sort((a, b) => a.notionalFloor - b.notionalFloor)
    .map((b) => ({ notionalFloor: b.notionalFloor, rate: b.maintMarginRatio, amount: b.cum }));
}

/** Maintenance margin of a notional under tiers: the tier with the largest floor ≤ notional. */
function mmAt(tiers: readonly MaintenanceTier[], notional: number): number {
  let t = tiers[0]!;
  for (const x of tiers) if (x.notionalFloor <= notional) t = x;
  return notional * t.rate - t.amount;
}

/**
 * The tiers of a position whose brackets carry a notionalCoef ≠ 1 (an adjusted user). The docs
 * answer the user's own brackets, so they are used as answered; should the venue's own
 * maintenance margin for the position (positionRisk maintMargin) contradict that and match the
 * bounds scaled by the coefficient (floors and cum × coef), the venue's figure decides.
 */
export function adjustedTiers(
  answered: MaintenanceTier[],
  coef: number | undefined,
  notional: number,
  venueMaintMargin: number | undefined,
): { tiers: MaintenanceTier[]; scaled: boolean } {
  if (coef === undefined || coef === 1 || venueMaintMargin === undefined || !(notional > 0)) return { tiers: answered, scaled: false };
  const scaled = answered.map((t) => ({ ...t, notionalFloor: t.notionalFloor * coef, amount: t.amount * coef }));
  const errAnswered = Math.abs(mmAt(answered, notional) - venueMaintMargin);
  const errScaled = Math.abs(mmAt(scaled, notional) - venueMaintMargin);
  const close = 1e-6 * Math.max(1, venueMaintMargin) + 0.01;
  return errScaled < errAnswered && errScaled <= close ? { tiers: scaled, scaled: true } : { tiers: answered, scaled: false };
}

/**
 * Binance USDⓈ-M futures through ccxt. Reads per snapshot: account v3 (weight 5), positionRisk v3
 * (5), premiumIndex (10); symbolConfig (5) when a symbol is new; brackets hourly (and, at most once
 * a minute, when a held symbol is unknown); position mode and multi-assets mode every 10 minutes.
 * History: time (1), then income (30) and forceOrders (50) per page, pages split until short.
 */
export class BinanceUsdmExchange implements ExchangePort {
  readonly id = 'binanceusdm';
  private readonly ccxt: InstanceType<typeof binanceusdm>;
  private readonly raw: Raw;
  private readonly quote: string;
  private readonly log: Logger | undefined;
  private marketsLoaded: Promise<unknown> | null = null;
  private brackets: { at: number; bySymbol: Map<string, MaintenanceTier[]>; coef: Map<string, number> } | null = null;
  private settings: { at: number; hedged: boolean; canWithdraw: boolean | null } | null = null;
  private symbolConfig = new Map<string, { marginMode: 'cross' | 'isolated'; leverage: number }>();
  private readonly baseUrl: string | undefined;
  /** The venue's market clock as last reported (the paper exchange's X-Paper-Market-Time). */
  private marketTimeSeen: number | undefined;
  private lastMarketsReload = Number.NEGATIVE_INFINITY;
  private lastResync = Number.NEGATIVE_INFINITY;
  private resyncing: Promise<void> = Promise.resolve();
  private readonly sharedMarkets: SharedMarkets | undefined;
  private readonly tierPool: TierPool | undefined;
  private readonly sharedMarks: SharedMarks | undefined;
  /** This IP's used weight as the venue answers it (shared by the venue's accounts when `shared`). */
  private readonly weight: UsedWeight;
  private marketsVersion = -1;

  constructor(opts: BinanceUsdmOptions) {
    this.ccxt = new binanceusdm({
      apiKey: opts.apiKey,
      secret: opts.secret,
      // Off: ccxt would sleep 50 ms per weight unit (1.5 s for one 30-weight call). The guard
      // budgets its request weight by cadence instead, and backs off on a 429.
      enableRateLimit: false,
      timeout: opts.timeoutMs ?? 10_000,
      ...(opts.fetchImplementation ? { fetchImplementation: opts.fetchImplementation } : {}),
      // Signs with the venue's clock (loadMarkets measures the offset via GET /fapi/v1/time): a
      // host a few seconds out would otherwise get -1021 on every signed read.
      options: { fetchCurrencies: false, defaultType: 'future', warnOnFetchOpenOrdersWithoutSymbol: false, adjustForTimeDifference: true },
    });
    this.raw = this.ccxt as unknown as Raw;
    this.quote = opts.quote ?? 'USDT';
    this.log = opts.log;
    this.baseUrl = opts.fetchImplementation?.baseUrl;
    if (opts.shared && !opts.shared.slots.has('weight')) opts.shared.slots.set('weight', new UsedWeight());
    this.weight = (opts.shared?.slots.get('weight') as UsedWeight | undefined) ?? new UsedWeight();
    this.hookTransport();
    if (opts.shared) {
      const slots = opts.shared.slots;
      if (!slots.has('markets')) {
        const source = new binanceusdm({
          enableRateLimit: false,
          timeout: opts.timeoutMs ?? 10_000,
          ...(opts.fetchImplementation ? { fetchImplementation: opts.fetchImplementation } : {}),
          options: { fetchCurrencies: false, defaultType: 'future', adjustForTimeDifference: true },
        });
        slots.set('markets', new SharedMarkets(source));
        slots.set('tiers', new Map());
      }
      if (!slots.has('marks')) slots.set('marks', new SharedMarks());
      this.sharedMarkets = slots.get('markets') as SharedMarkets;
      this.tierPool = slots.get('tiers') as TierPool;
      this.sharedMarks = slots.get('marks') as SharedMarks;
    }
  }

  /** Takes the shared markets (and the clock offset measured with them) into this account's client. */
  private adopt(source: Ccxt): void {
    this.ccxt.setMarketsFromExchange(source);
    const offset = (source.options as Record<string, unknown>)['timeDifference'];
    if (typeof offset === 'number') (this.ccxt.options as Record<string, unknown>)['timeDifference'] = offset;
    this.marketsVersion = this.sharedMarkets!.version;
  }

  /** Records where each request really went, its status and the venue's market clock. */
  private hookTransport(): void {
    hookCcxtTransport(this.ccxt, inFlight, {
      realUrl: (url) => this.realUrl(url),
      onMarketTime: (t) => (this.marketTimeSeen = t),
      onResponse: (status, headers, ctx) => {
        // 429 (slow down) and 418 (banned for a while) say how long in Retry-After, in seconds.
        const retryAfter = headerNumber(headers, 'retry-after');
        if (ctx && (status === 429 || status === 418) && Number.isFinite(retryAfter) && retryAfter >= 0) ctx.retryAfterMs = retryAfter * 1_000;
        const used = headerNumber(headers, 'x-mbx-used-weight-1m');
        if (!Number.isNaN(used)) this.weight.record(used, Date.now());
      },
    });
  }

  /** The URL as really requested, without its query (which carries the signature). */
  private realUrl(url: string): string {
    const bare = url.split('?')[0]!;
    return this.baseUrl ? bare.replace(/^https:\/\/[a-z]+\.binance\.com/, this.baseUrl) : bare;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const ctx: CallContext & { marketTime?: number } = this.baseUrl ? { baseUrl: this.baseUrl } : {};
    try {
      return await inFlight.run(ctx, fn);
    } catch (err) {
      // -1021: our clock and the venue's drifted apart since the last sync; re-measure (bounded)
      // before the tick's retry, which then signs with the corrected offset.
      if (err instanceof InvalidNonce) await this.resyncClock();
      throw classifyCcxtError(err, BINANCE_ERRORS, what, ctx);
    }
  }

  /** Re-measures the clock offset at most once per RESYNC_MS; concurrent failures share one re-sync. */
  private resyncClock(): Promise<void> {
    if (Date.now() - this.lastResync < RESYNC_MS) return this.resyncing;
    this.lastResync = Date.now();
    this.resyncing = inFlight
      .run({}, () => this.ccxt.loadTimeDifference())
      .then(
        () => undefined,
        (err: unknown) => this.log?.warn('clock re-sync failed', { exchange: this.id, error: scrub((err as Error).message) }),
      );
    return this.resyncing;
  }

  private async rawCall<S extends z.ZodType>(method: string, schema: S, params: Record<string, unknown> = {}): Promise<z.output<S>> {
    const body = await this.call(method, () => this.raw[method]!.call(this.ccxt, params));
    return this.validate(method, schema, body);
  }

  private validate<S extends z.ZodType>(method: string, schema: S, body: unknown): z.output<S> {
    const r = schema.safeParse(body);
    if (!r.success) {
      throw new ExchangeDataError(`${this.id} ${method}: unexpected response:\n${formatIssues(r.error)}`, { cause: r.error });
    }
    return r.data;
  }

  private loadMarkets(): Promise<unknown> {
    const shared = this.sharedMarkets;
    const load = shared ? async (): Promise<unknown> => this.adopt(await shared.load(false)) : (): Promise<unknown> => this.ccxt.loadMarkets();
    this.marketsLoaded ??= this.call('loadMarkets', load).catch((err: unknown) => {
      this.marketsLoaded = null;
      throw err;
    });
    return this.marketsLoaded;
  }

  /**
   * A symbol listed after the markets (and brackets) were loaded: reload both, at most once per
   * MARKETS_RELOAD_MS, so a new listing does not blind the guard for good nor cost a reload per tick.
   * Returns false when a reload was due too soon.
   */
  private async reloadMarkets(why: string): Promise<boolean> {
    const shared = this.sharedMarkets;
    if (shared) {
      // Another account of this venue is reloading, or reloaded since this one adopted: take that copy.
      if (shared.inFlight) await shared.inFlight.catch(() => undefined);
      if (shared.version > this.marketsVersion) {
        this.adopt(shared.source);
      } else {
        if (Date.now() - shared.lastReload < MARKETS_RELOAD_MS) return false;
        this.log?.info('reloading markets and brackets', { exchange: this.id, why });
        this.adopt(await this.call('loadMarkets (reload)', () => shared.load(true)));
      }
      this.marketsLoaded = Promise.resolve();
      this.brackets = null;
      this.symbolConfig.clear();
      return true;
    }
    const now = Date.now();
    if (now - this.lastMarketsReload < MARKETS_RELOAD_MS) return false;
    this.lastMarketsReload = now;
    this.log?.info('reloading markets and brackets', { exchange: this.id, why });
    this.marketsLoaded = this.call('loadMarkets (reload)', () => this.ccxt.loadMarkets(true)).catch((err: unknown) => {
      this.marketsLoaded = null;
      throw err;
    });
    await this.marketsLoaded;
    this.brackets = null;
    this.symbolConfig.clear();
    return true;
  }

  private reloadRefused(symbols: string[], what: string): ExchangeDataError {
    const last = this.sharedMarkets?.lastReload ?? this.lastMarketsReload;
    const next = Math.max(0, Math.ceil((last + MARKETS_RELOAD_MS - Date.now()) / 1000));
    return new ExchangeDataError(
      `${this.id}: no ${what} for ${symbols.join(', ')} even after reloading the venue's markets; the next reload is allowed in ${next} s`,
    );
  }

  private async loadSettings(now: number): Promise<{ hedged: boolean }> {
    if (this.settings && now - this.settings.at < SETTINGS_TTL) return this.settings;
    const multi = (await this.call('fapiPrivateGetMultiAssetsMargin', () => this.raw.fapiPrivateGetMultiAssetsMargin!.call(this.ccxt))) as {
      multiAssetsMargin?: unknown;
    };
    const restrictions = await this.rawCall('sapiGetAccountApiRestrictions', ApiRestrictionsSchema);
    if (restrictions.enablePortfolioMarginTrading === true) {
      throw new ExchangeDataError(
        `${this.id}: this is a Portfolio Margin key/account (one margin across products, on Binance's papi service), which riskguard cannot model faithfully; do not guard it with riskguard`,
      );
    }
    if (multi?.multiAssetsMargin === true) {
      throw new ExchangeDataError(
        `${this.id}: the account is in Multi-Assets mode, which riskguard cannot model faithfully (collateral across assets); switch it to Single-Asset mode or do not guard it with riskguard`,
      );
    }
    const dual = (await this.call('fapiPrivateGetPositionSideDual', () => this.raw.fapiPrivateGetPositionSideDual!.call(this.ccxt))) as {
      dualSidePosition?: unknown;
    };
    if (typeof dual?.dualSidePosition !== 'boolean') throw new ExchangeDataError(`${this.id}: positionSide/dual answered without dualSidePosition`);
    this.settings = { at: now, hedged: dual.dualSidePosition, canWithdraw: restrictions.enableWithdrawals ?? null };
    return this.settings;
  }

  keyCanWithdraw(): boolean | null {
    return this.settings?.canWithdraw ?? null;
  }

  private async loadBrackets(now: number): Promise<Map<string, MaintenanceTier[]>> {
    if (this.brackets && now - this.brackets.at < BRACKETS_TTL) return this.brackets.bySymbol;
    const rows = await this.rawCall('fapiPrivateGetLeverageBracket', LeverageBracketSchema);
    const bySymbol = new Map<string, MaintenanceTier[]>();
    const coef = new Map<string, number>();
    for (const r of rows) {
      bySymbol.set(r.symbol, this.intern(r.symbol, tiersOf(r)));
      if (r.notionalCoef !== undefined) coef.set(r.symbol, r.notionalCoef);
    }
    this.brackets = { at: now, bySymbol, coef };
    return bySymbol;
  }

  /** One copy of identical tiers across the venue's accounts (most answer the same brackets). */
  private intern(symbol: string, tiers: MaintenanceTier[]): MaintenanceTier[] {
    if (!this.tierPool) return tiers;
    const key = `${symbol} ${tiers.map((t) => `${t.notionalFloor}:${t.rate}:${t.amount}`).join(',')}`;
    const known = this.tierPool.get(key);
    if (known) return known;
    this.tierPool.set(key, tiers);
    return tiers;
  }

  private async loadSymbolConfig(symbols: string[]): Promise<void> {
    if (symbols.every((s) => this.symbolConfig.has(s))) return;
    const rows = await this.rawCall('fapiPrivateGetSymbolConfig', SymbolConfigSchema);
    this.symbolConfig.clear();
    for (const r of rows) {
      this.symbolConfig.set(r.symbol, {
        marginMode: r.marginType === 'ISOLATED' || r.marginType === 'isolated' ? 'isolated' : 'cross',
        leverage: r.leverage,
      });
    }
  }

  /**
   * premiumIndex for every symbol (weight 10, public): with a `shared`, one answer in flight or
   * less than MARKS_REUSE_MS old serves every account of the venue.
   */
  private allMarks(): Promise<unknown> {
    const read = () => this.call('fapiPublicGetPremiumIndex', () => this.raw.fapiPublicGetPremiumIndex!.call(this.ccxt));
    return this.sharedMarks ? this.sharedMarks.read(read) : read();
  }

  /** This IP's request weight in the current minute as Binance last answered it (X-MBX-USED-WEIGHT-1M), with the host time seen. */
  usedWeight(): { used: number; at: number } | null {
    return this.weight.last();
  }

  /** Every symbol's mark price (symbol → mark), through the same shared premiumIndex read as the snapshots. */
  async fetchMarks(): Promise<Record<string, number>> {
    const rows = this.validate('fapiPublicGetPremiumIndex', PremiumIndexSchema, await this.allMarks());
    return Object.fromEntries(rows.map((m) => [m.symbol, m.markPrice]));
  }

  async fetchSnapshot(): Promise<AccountSnapshot> {
    const now = Date.now();
    await this.loadMarkets();
    await this.loadSettings(now);
    const [account, risk, allMarks] = await Promise.all([
      this.rawCall('fapiPrivateV3GetAccount', AccountV3Schema),
      this.rawCall('fapiPrivateV3GetPositionRisk', PositionRiskV3Schema),
      this.allMarks(),
    ]);
    const open = risk.filter((p) => p.positionAmt !== 0);
    // Hundreds of contracts come back; validate only the ones held.
    const held = new Set(open.map((p) => p.symbol));
    if (!Array.isArray(allMarks)) throw new ExchangeDataError(`${this.id} premiumIndex: expected a list, got ${typeof allMarks}`);
    const marks = this.validate('fapiPublicGetPremiumIndex', PremiumIndexSchema, allMarks.filter((m) => held.has((m as { symbol?: unknown })?.symbol as string)));
    const foreign = open.filter((p) => p.marginAsset !== undefined && p.marginAsset !== this.quote);
    if (foreign.length) {
      throw new ExchangeDataError(
        `${this.id}: positions margined in ${[...new Set(foreign.map((p) => p.marginAsset))].join(', ')} (${foreign.map((p) => p.symbol).join(', ')}); riskguard models one ${this.quote} margin pool per account`,
      );
    }
    let brackets = await this.loadBrackets(now);
    const unlisted = [...held].filter((s) => !brackets.has(s));
    if (unlisted.length) {
      if (!(await this.reloadMarkets(`no leverage brackets for ${unlisted.join(', ')}`))) throw this.reloadRefused(unlisted, 'leverage brackets');
      brackets = await this.loadBrackets(now);
      const still = unlisted.filter((s) => !brackets.has(s));
      if (still.length) throw this.reloadRefused(still, 'leverage brackets');
    }
    await this.loadSymbolConfig(open.map((p) => p.symbol));
    const markBySymbol = new Map(marks.map((m) => [m.symbol, m]));
    const asset = account.assets.find((a) => a.asset === this.quote);
    if (!asset) throw new ExchangeDataError(`${this.id}: account has no ${this.quote} asset entry`);

    const positions: Position[] = open.map((p) => {
      const cfg = this.symbolConfig.get(p.symbol);
      if (!cfg) throw new ExchangeDataError(`${this.id}: no symbolConfig for ${p.symbol}`);
      const answered = brackets.get(p.symbol);
      if (!answered) throw new ExchangeDataError(`${this.id}: no leverage brackets for ${p.symbol}`);
      const { tiers, scaled } = adjustedTiers(answered, this.brackets?.coef.get(p.symbol), Math.abs(p.positionAmt) * p.markPrice, p.maintMargin);
      if (scaled) this.log?.warn('brackets scaled by notionalCoef to match the venue maintenance margin', { exchange: this.id, symbol: p.symbol });
      const side = p.positionSide === 'LONG' ? 'long' : p.positionSide === 'SHORT' ? 'short' : p.positionAmt > 0 ? 'long' : 'short';
      const isolated = cfg.marginMode === 'isolated' || (p.isolatedWallet ?? 0) > 0;
      const m = markBySymbol.get(p.symbol);
      return {
        symbol: p.symbol,
        side,
        contracts: Math.abs(p.positionAmt),
        entryPrice: p.entryPrice,
        markPrice: p.markPrice,
        marginMode: isolated ? 'isolated' : 'cross',
        leverage: cfg.leverage,
        maintenanceTiers: tiers,
        ...(isolated ? { isolatedWallet: p.isolatedWallet ?? 0 } : {}),
        ...(m !== undefined ? { markTimestamp: m.time } : {}),
        ...(m?.indexPrice !== undefined && m.indexPrice > 0 ? { indexPrice: m.indexPrice } : {}),
      };
    });
    const snapshot = {
      exchange: this.id,
      currency: BINANCE_FACTS.settlement,
      timestamp: this.venueNow(),
      crossWalletBalance: asset.crossWalletBalance,
      exchangeTotals: { maintenanceMargin: account.totalMaintMargin, marginBalance: account.totalMarginBalance },
      positions,
    };
    const r = AccountSnapshotSchema.safeParse(snapshot);
    if (!r.success) throw new ExchangeDataError(`${this.id}: the account does not map to a valid snapshot (bad data from the venue, not a position to act on):\n${formatIssues(r.error)}`);
    return r.data;
  }

  /**
   * The venue's market clock: the paper exchange reports its replay time on every answer; on real
   * Binance market time is its server time, i.e. our clock less the measured offset.
   */
  private venueNow(): number {
    return this.marketTimeSeen ?? Date.now() - this.timeDifference();
  }

  /** Local clock minus the venue's (ms), as measured by ccxt at the last sync. */
  private timeDifference(): number {
    const d = Number((this.ccxt.options as { timeDifference?: unknown }).timeDifference);
    return Number.isFinite(d) ? d : 0;
  }

  async fetchHistory(since: number): Promise<AccountHistory> {
    await this.loadMarkets();
    // The window ends at the venue's now, read first: a row stamped during the read belongs to
    // the next read (which starts at `until`), so nothing falls between two reads.
    const ctx: { marketTime?: number } = {};
    const time = this.validate(
      'fapiPublicGetTime',
      ServerTimeSchema,
      await this.call('fapiPublicGetTime', async () => {
        const r = await this.raw.fapiPublicGetTime!.call(this.ccxt);
        ctx.marketTime = inFlight.getStore()?.marketTime;
        return r;
      }),
    );
    const end = Math.max(since, ctx.marketTime ?? time.serverTime);
    const [income, forced] = await Promise.all([
      readAllPages(
        `${this.id} income`,
        (startTime, endTime) => this.rawCall('fapiPrivateGetIncome', IncomeSchema, { startTime, endTime, limit: INCOME_LIMIT }),
        incomeId,
        since,
        end,
        INCOME_LIMIT,
        (i) => i.time,
      ),
      readAllPages(
        `${this.id} forceOrders`,
        (startTime, endTime) => this.rawCall('fapiPrivateGetForceOrders', ForceOrdersSchema, { startTime, endTime, limit: FORCE_ORDERS_LIMIT }),
        (f) => `force:${f.orderId ?? `${f.symbol}:${f.updateTime ?? f.time}`}`,
        since,
        end,
        FORCE_ORDERS_LIMIT,
      ),
    ]);
    return historyFromBinance(income, forced, since, this.quote, end);
  }

  private unifiedOrNull(venueSymbol: string): string | null {
    return (this.ccxt.markets_by_id as Record<string, { symbol: string }[]> | undefined)?.[venueSymbol]?.[0]?.symbol ?? null;
  }

  /** The ccxt symbol of a venue symbol; a symbol listed since the markets loaded triggers a (bounded) reload. */
  private async unified(venueSymbol: string): Promise<string> {
    await this.loadMarkets();
    const known = this.unifiedOrNull(venueSymbol);
    if (known) return known;
    if (!(await this.reloadMarkets(`unknown symbol ${venueSymbol}`))) throw this.reloadRefused([venueSymbol], 'market');
    const again = this.unifiedOrNull(venueSymbol);
    if (!again) throw this.reloadRefused([venueSymbol], 'market');
    return again;
  }

  /**
   * Cancels plain and conditional (algo) orders, which Binance keeps apart. `'all'`: every symbol
   * with an open order — GET /fapi/v1/openOrders without a symbol (weight 40) and GET
   * /fapi/v1/openAlgoOrders without a symbol (weight 40) name them. Every symbol and both kinds at
   * once: in a crash the close should not wait on round trips in a row. Venue symbols throughout,
   * so an order on a symbol listed after the markets loaded is cancelled too.
   */
  async cancelAllOrders(symbols: string[] | 'all'): Promise<number> {
    await this.loadMarkets();
    const listPlain = (symbol?: string) =>
      this.rawCall('fapiPrivateGetOpenOrders', OpenOrdersSchema, symbol ? { symbol } : {});
    const listAlgo = (symbol?: string) =>
      this.rawCall('fapiPrivateGetOpenAlgoOrders', OpenOrdersSchema, symbol ? { symbol } : {});
    const plain = new Map<string, number>();
    const algo = new Map<string, number>();
    const tally = (into: Map<string, number>, rows: { symbol: string }[]) => {
      for (const r of rows) into.set(r.symbol, (into.get(r.symbol) ?? 0) + 1);
    };
    if (symbols === 'all') {
      const [p, a] = await Promise.all([listPlain(), listAlgo()]);
      tally(plain, p);
      tally(algo, a);
    } else {
      await Promise.all(
        symbols.flatMap((s) => [listPlain(s).then((rows) => tally(plain, rows)), listAlgo(s).then((rows) => tally(algo, rows))]),
      );
    }
    await Promise.all([
      ...[...plain.keys()].map((symbol) =>
        this.call(`cancelAllOrders ${symbol}`, () => this.raw.fapiPrivateDeleteAllOpenOrders!.call(this.ccxt, { symbol })),
      ),
      ...[...algo.keys()].map((symbol) =>
        this.call(`cancelAllOrders ${symbol} (conditional)`, () => this.raw.fapiPrivateDeleteAlgoOpenOrders!.call(this.ccxt, { symbol })),
      ),
    ]);
    let n = 0;
    for (const c of [...plain.values(), ...algo.values()]) n += c;
    return n;
  }

  async reduceOnlyMarket(o: OrderRequest): Promise<OrderResult> {
    await this.loadMarkets();
    const { hedged } = await this.loadSettings(Date.now());
    const symbol = await this.unified(o.symbol);
    // Nearest lot, not truncated: 0.75 × 0.8 is 0.6000000000000001 in floating point, and a
    // reduce-only order a hair too large is shrunk by the venue, never flipped.
    const step = await this.quantityStep(o.symbol);
    const rounded = step ? Math.round(o.amount / step) * step : o.amount;
    const amount = Number(this.ccxt.amountToPrecision(symbol, rounded));
    if (!(amount > 0)) throw new ExchangeDataError(`${this.id}: ${o.amount} ${o.symbol} rounds to zero at the venue's lot size`);
    // One-way mode: reduceOnly. Hedge mode: Binance rejects reduceOnly (-1106); ccxt's hedged
    // option sends positionSide instead, which can only reduce that side.
    const params = hedged ? { hedged: true, reduceOnly: true } : { reduceOnly: true };
    const order = await this.call(`createOrder ${o.symbol}`, () => this.ccxt.createOrder(symbol, 'market', o.side, amount, undefined, params));
    this.log?.info('order placed', { exchange: this.id, symbol: o.symbol, side: o.side, amount, id: order.id });
    return {
      id: String(order.id),
      symbol: o.symbol,
      side: o.side,
      amount,
      filled: order.filled ?? 0,
      averagePrice: order.average ?? null,
      status: order.status ?? 'unknown',
    };
  }

  /**
   * The guard's backstops: open conditional orders whose clientAlgoId starts with
   * {@link BACKSTOP_PREFIX}. Per symbol GET /fapi/v1/openAlgoOrders (weight 1), or without one (40).
   */
  async listBackstops(symbols: string[] | 'all'): Promise<VenueBackstop[]> {
    const list = (symbol?: string) => this.rawCall('fapiPrivateGetOpenAlgoOrders', AlgoOrdersSchema, symbol ? { symbol } : {});
    const rows = symbols === 'all' ? await list() : (await Promise.all(symbols.map((s) => list(s)))).flat();
    // Other owners' conditional orders (trailing stops, limits) are not read: a shape the guard
    // does not need must not blind it. Its own must parse in full.
    const own = rows.filter((r) => r.clientAlgoId.startsWith(BACKSTOP_PREFIX));
    return this.validate('fapiPrivateGetOpenAlgoOrders', OwnAlgoOrdersSchema, own)
      .filter((r) => r.orderType === 'STOP_MARKET')
      .map(backstopOfAlgoOrder);
  }

  /**
   * A STOP_MARKET with closePosition=true on the mark price (workingType MARK_PRICE), through the
   * algo service (POST /fapi/v1/algoOrder, algoType CONDITIONAL; since 2025-12-09 Binance takes no
   * stop on /fapi/v1/order). closePosition closes the whole side and can only reduce it; Binance
   * rejects reduceOnly and quantity beside it, and wants positionSide in hedge mode.
   * https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Algo-Order
   */
  async placeBackstop(stop: WantedBackstop): Promise<VenueBackstop> {
    await this.loadMarkets();
    const { hedged } = await this.loadSettings(Date.now());
    const symbol = await this.unified(stop.symbol);
    const triggerPrice = this.ccxt.priceToPrecision(symbol, stop.stopPrice);
    const params: Record<string, unknown> = {
      algoType: 'CONDITIONAL',
      symbol: stop.symbol,
      side: stop.side === 'long' ? 'SELL' : 'BUY',
      type: 'STOP_MARKET',
      triggerPrice,
      closePosition: 'true',
      workingType: 'MARK_PRICE',
      clientAlgoId: `${BACKSTOP_PREFIX}${randomBytes(10).toString('hex')}`,
      ...(hedged ? { positionSide: stop.side === 'long' ? 'LONG' : 'SHORT' } : {}),
    };
    const r = await this.rawCall('fapiPrivatePostAlgoOrder', AlgoOrderSchema, params);
    this.log?.info('backstop placed', { exchange: this.id, symbol: stop.symbol, side: stop.side, triggerPrice, id: r.algoId });
    return { id: String(r.algoId), symbol: stop.symbol, side: stop.side, stopPrice: r.triggerPrice };
  }

  /** DELETE /fapi/v1/algoOrder by algoId. */
  async cancelBackstop(stop: VenueBackstop): Promise<void> {
    await this.call(`cancelBackstop ${stop.symbol}`, () => this.raw.fapiPrivateDeleteAlgoOrder!.call(this.ccxt, { algoId: stop.id }));
    this.log?.info('backstop cancelled', { exchange: this.id, symbol: stop.symbol, side: stop.side, id: stop.id });
  }

  /**
   * GET /fapi/v1/algoOrder by algoId (weight 1): TRIGGERING / TRIGGERED / FINISHED mean the stop
   * fired and its close went to the matching engine; CANCELED and EXPIRED (the venue's own
   * cancel, e.g. the side was closed first) mean it did not act; REJECTED that its close was refused.
   */
  async backstopStatus(stop: VenueBackstop): Promise<BackstopStatus> {
    const r = await this.rawCall('fapiPrivateGetAlgoOrder', AlgoStatusSchema, { algoId: stop.id });
    switch (r.algoStatus) {
      case 'NEW':
        return 'open';
      case 'TRIGGERING':
      case 'TRIGGERED':
      case 'FINISHED':
        return 'fired';
      case 'CANCELED':
      case 'EXPIRED':
        return 'cancelled';
      case 'REJECTED':
        return 'rejected';
      default:
        throw new ExchangeDataError(`${this.id}: backstop ${stop.id} has an algoStatus the guard does not know: ${r.algoStatus}`);
    }
  }

  async maxMarketQuantity(symbol: string): Promise<number | null> {
    await this.loadMarkets();
    const m = (this.ccxt.markets as Record<string, { info?: unknown; limits?: { amount?: { max?: number } } } | undefined>)[await this.unified(symbol)];
    const filters = ((m?.info as { filters?: { filterType: string; maxQty?: string }[] } | undefined)?.filters ?? []);
    const f = filters.find((x) => x.filterType === 'MARKET_LOT_SIZE');
    const max = f?.maxQty !== undefined ? Number(f.maxQty) : m?.limits?.amount?.max;
    return max !== undefined && Number.isFinite(max) && max > 0 ? max : null;
  }

  async quantityStep(symbol: string): Promise<number | null> {
    await this.loadMarkets();
    const m = (this.ccxt.markets as Record<string, { precision?: { amount?: number } } | undefined>)[await this.unified(symbol)];
    const step = m?.precision?.amount;
    return step !== undefined && step > 0 ? step : null;
  }

  /** Mark, lot step and leverage brackets of one symbol (premiumIndex weight 1; brackets cached hourly). */
  async marketSpec(symbol: string): Promise<MarketSpec> {
    await this.loadMarkets();
    this.unified(symbol);
    const tiers = (await this.loadBrackets(Date.now())).get(symbol);
    if (!tiers) throw new ExchangeDataError(`${this.id}: no leverage brackets for ${symbol}`);
    const lotStep = await this.quantityStep(symbol);
    if (lotStep === null) throw new ExchangeDataError(`${this.id}: no quantity step for ${symbol}`);
    const one = await this.call(`fapiPublicGetPremiumIndex ${symbol}`, () => this.raw.fapiPublicGetPremiumIndex!.call(this.ccxt, { symbol }));
    const [mark] = this.validate('fapiPublicGetPremiumIndex', PremiumIndexSchema, [one]);
    return { symbol, markPrice: mark!.markPrice, lotStep, maintenanceTiers: tiers, takerFee: null };
  }

  async diagnose(): Promise<KeyDiagnosis> {
    const notes: string[] = [];
    const before = Date.now();
    const time = (await this.call('fapiPublicGetTime', () => this.raw.fapiPublicGetTime!.call(this.ccxt))) as { serverTime?: unknown };
    const after = Date.now();
    const clockSkewMs = typeof time?.serverTime === 'number' ? Math.round((before + after) / 2 - time.serverTime) : null;
    if (clockSkewMs !== null && Math.abs(clockSkewMs) > 1000) {
      notes.push(`this host's clock is ${(clockSkewMs / 1000).toFixed(1)} s off the venue's; signed requests use the venue's time (re-measured after a -1021)`);
    }
    let canRead = false;
    try {
      await this.fetchSnapshot();
      canRead = true;
    } catch (err) {
      notes.push(`read failed: ${scrub((err as Error).message)}`);
    }
    let canTrade: boolean | null = null;
    let canWithdraw: boolean | null = null;
    try {
      const r = await this.rawCall('sapiGetAccountApiRestrictions', ApiRestrictionsSchema);
      canTrade = r.enableFutures ?? null;
      canWithdraw = r.enableWithdrawals ?? null;
      if (r.ipRestrict === false) notes.push('the key is not restricted to an IP allow-list');
    } catch (err) {
      notes.push(`API restrictions could not be read: ${scrub((err as Error).message)}`);
    }
    return { canRead, canTrade, canWithdraw, clockSkewMs, notes };
  }
}
