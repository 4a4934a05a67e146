// One exchange class by file path: the package's exports block deep imports by name, and the
// whole library would make the Lambda bundle many times larger.
import type { MarketSpec } from '../../domain/pre-trade.ts';
import binanceusdm from '../../../node_modules/ccxt/js/src/binanceusdm.js';
import type * as z from 'zod';
import type { AccountSnapshot, MaintenanceTier, Position } from '../../domain/snapshot.ts';
import { AccountSnapshotSchema } from '../../domain/snapshot.ts';
import { ExchangeDataError } from '../../errors.ts';
import type { ExchangePort, KeyDiagnosis, Logger, OrderRequest, OrderResult, AccountHistory } from '../../ports.ts';
import { formatIssues } from '../../validation.ts';
import {
  AccountV3Schema,
  ApiRestrictionsSchema,
  ForceOrdersSchema,
  IncomeSchema,
  LeverageBracketSchema,
  PositionRiskV3Schema,
  PremiumIndexSchema,
  SymbolConfigSchema,
} from './binance-schemas.ts';
import { classifyCcxtError, scrub } from './errors.ts';
import { historyFromBinance } from '../binance-history.ts';
import type { redirectFetch } from '../ccxt-transport.ts';

export interface BinanceUsdmOptions {
  apiKey: string;
  secret: string;
  /** A custom fetch, e.g. one that redirects to the paper exchange (keeps ccxt's URLs and error mapping). */
  fetchImplementation?: ReturnType<typeof redirectFetch>;
  /** ms; ccxt's request timeout. */
  timeoutMs?: number;
  log?: Logger;
  /** The quote/margin asset the guard models (single-asset mode). */
  quote?: string;
}

type Raw = Record<string, (params?: Record<string, unknown>) => Promise<unknown>>;

/** How long slow-changing venue settings are cached (ms). */
const SETTINGS_TTL = 10 * 60_000;
const BRACKETS_TTL = 60 * 60_000;

/**
 * Binance USDⓈ-M futures through ccxt. Reads per snapshot: account v3 (weight 5), positionRisk v3
 * (5), premiumIndex (10); symbolConfig (5) when a symbol is new; brackets hourly; position mode
 * and multi-assets mode every 10 minutes. History (income 30, forceOrders 50) is the caller's
 * once-a-minute read.
 */
export class BinanceUsdmExchange implements ExchangePort {
  readonly id = 'binanceusdm';
  private readonly ccxt: InstanceType<typeof binanceusdm>;
  private readonly raw: Raw;
  private readonly quote: string;
  private readonly log: Logger | undefined;
  private marketsLoaded: Promise<unknown> | null = null;
  private brackets: { at: number; bySymbol: Map<string, MaintenanceTier[]> } | null = null;
  private settings: { at: number; hedged: boolean } | null = null;
  private symbolConfig = new Map<string, { marginMode: 'cross' | 'isolated'; leverage: number }>();

  constructor(opts: BinanceUsdmOptions) {
    this.ccxt = new binanceusdm({
      apiKey: opts.apiKey,
      secret: opts.secret,
      // Off: ccxt would sleep 50 ms per weight unit (1.5 s for one 30-weight call). The guard
      // budgets its request weight by cadence instead, and backs off on a 429.
      enableRateLimit: false,
      timeout: opts.timeoutMs ?? 10_000,
      ...(opts.fetchImplementation ? { fetchImplementation: opts.fetchImplementation } : {}),
      options: { fetchCurrencies: false, defaultType: 'future', warnOnFetchOpenOrdersWithoutSymbol: false },
    });
    this.raw = this.ccxt as unknown as Raw;
    this.quote = opts.quote ?? 'USDT';
    this.log = opts.log;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classifyCcxtError(err, this.id, what);
    }
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
    this.marketsLoaded ??= this.call('loadMarkets', () => this.ccxt.loadMarkets()).catch((err: unknown) => {
      this.marketsLoaded = null;
      throw err;
    });
    return this.marketsLoaded;
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
    this.settings = { at: now, hedged: dual.dualSidePosition };
    return this.settings;
  }

  private async loadBrackets(now: number): Promise<Map<string, MaintenanceTier[]>> {
    if (this.brackets && now - this.brackets.at < BRACKETS_TTL) return this.brackets.bySymbol;
    const rows = await this.rawCall('fapiPrivateGetLeverageBracket', LeverageBracketSchema);
    const bySymbol = new Map<string, MaintenanceTier[]>();
    for (const r of rows) {
      const tiers = [...r.brackets]
        .sort((a, b) => a.notionalFloor - b.notionalFloor)
        .map((b) => ({ notionalFloor: b.notionalFloor, rate: b.maintMarginRatio, amount: b.cum }));
      bySymbol.set(r.symbol, tiers);
    }
    this.brackets = { at: now, bySymbol };
    return bySymbol;
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

  async fetchSnapshot(): Promise<AccountSnapshot> {
    const now = Date.now();
    await this.loadMarkets();
    await this.loadSettings(now);
    const [account, risk, allMarks] = await Promise.all([
      this.rawCall('fapiPrivateV3GetAccount', AccountV3Schema),
      this.rawCall('fapiPrivateV3GetPositionRisk', PositionRiskV3Schema),
      this.call('fapiPublicGetPremiumIndex', () => this.raw.fapiPublicGetPremiumIndex!.call(this.ccxt)),
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
    const brackets = await this.loadBrackets(now);
    await this.loadSymbolConfig(open.map((p) => p.symbol));
    const markTime = new Map(marks.map((m) => [m.symbol, m.time]));
    const asset = account.assets.find((a) => a.asset === this.quote);
    if (!asset) throw new ExchangeDataError(`${this.id}: account has no ${this.quote} asset entry`);

    const positions: Position[] = open.map((p) => {
      const cfg = this.symbolConfig.get(p.symbol);
      if (!cfg) throw new ExchangeDataError(`${this.id}: no symbolConfig for ${p.symbol}`);
      const tiers = brackets.get(p.symbol);
      if (!tiers) throw new ExchangeDataError(`${this.id}: no leverage brackets for ${p.symbol}`);
      const side = p.positionSide === 'LONG' ? 'long' : p.positionSide === 'SHORT' ? 'short' : p.positionAmt > 0 ? 'long' : 'short';
      const isolated = cfg.marginMode === 'isolated' || (p.isolatedWallet ?? 0) > 0;
      const mt = markTime.get(p.symbol);
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
        ...(mt !== undefined ? { markTimestamp: mt } : {}),
      };
    });
    const snapshot = {
      exchange: this.id,
      timestamp: this.venueNow(),
      crossWalletBalance: asset.crossWalletBalance,
      exchangeTotals: { maintenanceMargin: account.totalMaintMargin, marginBalance: account.totalMarginBalance },
      positions,
    };
    const r = AccountSnapshotSchema.safeParse(snapshot);
    if (!r.success) throw new ExchangeDataError(`${this.id}: the account does not map to a valid snapshot:\n${formatIssues(r.error)}`);
    return r.data;
  }

  /** The venue's clock: the paper exchange reports its replay time; real venues run on ours. */
  private venueNow(): number {
    const h = this.ccxt.last_response_headers as Record<string, string> | undefined;
    const t = Number(h?.['X-Paper-Market-Time']);
    return Number.isFinite(t) && t > 0 ? t : Date.now();
  }

  async fetchHistory(since: number): Promise<AccountHistory> {
    await this.loadMarkets();
    const [income, forced] = await Promise.all([
      this.rawCall('fapiPrivateGetIncome', IncomeSchema, { startTime: since, limit: 1000 }),
      this.rawCall('fapiPrivateGetForceOrders', ForceOrdersSchema, { startTime: since, limit: 100 }),
    ]);
    return historyFromBinance(income, forced, since, this.quote, this.venueNow());
  }

  private unified(venueSymbol: string): string {
    const m = (this.ccxt.markets_by_id as Record<string, { symbol: string }[]> | undefined)?.[venueSymbol]?.[0];
    if (!m) throw new ExchangeDataError(`${this.id}: unknown symbol ${venueSymbol}`);
    return m.symbol;
  }

  async cancelAllOrders(symbols: string[]): Promise<number> {
    await this.loadMarkets();
    // Plain orders and conditional (algo) stop/TP orders, which Binance keeps apart; every symbol
    // and both kinds at once: in a crash the close should not wait on round trips in a row.
    const counts = await Promise.all(
      symbols.flatMap((s) => {
        const symbol = this.unified(s);
        return [
          this.call(`fetchOpenOrders ${s}`, () => this.ccxt.fetchOpenOrders(symbol)).then(async (open) => {
            if (open.length) await this.call(`cancelAllOrders ${s}`, () => this.ccxt.cancelAllOrders(symbol));
            return open.length;
          }),
          this.call(`fetchOpenOrders ${s} (conditional)`, () => this.ccxt.fetchOpenOrders(symbol, undefined, undefined, { trigger: true })).then(async (open) => {
            if (open.length) await this.call(`cancelAllOrders ${s} (conditional)`, () => this.ccxt.cancelAllOrders(symbol, { trigger: true }));
            return open.length;
          }),
        ];
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  async reduceOnlyMarket(o: OrderRequest): Promise<OrderResult> {
    await this.loadMarkets();
    const { hedged } = await this.loadSettings(Date.now());
    const symbol = this.unified(o.symbol);
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

  async maxMarketQuantity(symbol: string): Promise<number | null> {
    await this.loadMarkets();
    const m = (this.ccxt.markets as Record<string, { info?: unknown; limits?: { amount?: { max?: number } } } | undefined>)[this.unified(symbol)];
    const filters = ((m?.info as { filters?: { filterType: string; maxQty?: string }[] } | undefined)?.filters ?? []);
    const f = filters.find((x) => x.filterType === 'MARKET_LOT_SIZE');
    const max = f?.maxQty !== undefined ? Number(f.maxQty) : m?.limits?.amount?.max;
    return max !== undefined && Number.isFinite(max) && max > 0 ? max : null;
  }

  async quantityStep(symbol: string): Promise<number | null> {
    await this.loadMarkets();
    const m = (this.ccxt.markets as Record<string, { precision?: { amount?: number } } | undefined>)[this.unified(symbol)];
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
