import { genericMarket, defaultMarkets, type MarketSpec } from '../markets.ts';
import { loadCandlesFile, nextKnot, PriceSeries, type Candle } from '../replay.ts';
import type { PaperAccount } from './account.ts';
import { PaperReject } from './reject.ts';
import { FUNDING_INTERVAL_MS, type EngineOptions, type IncomeRecord, type LiquidationEvent } from './types.ts';

/**
 * The venue's shared state: listed markets, mark prices and their replays, the market clock,
 * funding, late history rows and the liquidation log. The layers above it (accounts, risk, orders,
 * trigger orders, liquidation) add behaviour; `process` and `checkAccount` come from the top.
 */
export abstract class VenueState {
  readonly slippage: number;
  readonly takerFee: number;
  readonly clearanceFee: number;
  readonly defaultLeverage: number;
  readonly stepMs: number;
  readonly defaultFundingRate: number;
  readonly fundingIntervalMs: number;
  readonly backstopRatio: number | undefined;
  /** Every account's mixedMarginModes unless its spec says otherwise. */
  readonly mixedMarginModes: boolean;
  /** Liquidation at MM + notional × takerFee (OKX; EngineOptions.liquidationFeeInMaintenance). */
  readonly liquidationFeeInMaintenance: boolean;
  /** See EngineOptions.maintenanceRate; undefined = the market's brackets. */
  protected readonly maintenanceRate: ((symbol: string, notional: number) => number) | undefined;
  /** See EngineOptions.initialRate; undefined = 1 / leverage. */
  protected readonly initialRate: ((symbol: string, notional: number, leverage: number) => number) | undefined;
  protected readonly makeMarket: (symbol: string, refPrice: number) => MarketSpec;

  protected time: number;
  protected readonly fundingRates = new Map<string, number>();
  /** Late history rows: income and force orders recorded now appear this much market time later. */
  protected historyDelayMs = 0;
  protected timeExplicit: boolean;
  protected readonly markets = new Map<string, MarketSpec>();
  protected readonly marks = new Map<string, { price: number; time: number }>();
  protected readonly series = new Map<string, PriceSeries>();
  /** Symbols priced by hand: the replay no longer moves them. */
  protected readonly overrides = new Set<string>();
  protected readonly accounts = new Map<string, PaperAccount>();
  protected readonly byApiKey = new Map<string, PaperAccount>();
  protected readonly liquidationLog: LiquidationEvent[] = [];
  protected readonly listeners: ((e: LiquidationEvent) => void)[] = [];
  protected nextOrderId = 4_000_000_001;
  protected nextTranId = 9_000_000_001;
  protected nextTradeId = 500_000_001;
  protected nextAccount = 1;

  constructor(options: EngineOptions = {}) {
    this.slippage = options.slippage ?? 0.0005;
    this.takerFee = options.takerFee ?? 0.0005;
    this.clearanceFee = options.clearanceFee ?? 0.0125;
    this.defaultLeverage = options.defaultLeverage ?? 20;
    this.stepMs = options.stepMs ?? 1000;
    this.defaultFundingRate = options.fundingRate ?? 0.0001;
    this.fundingIntervalMs = options.fundingIntervalMs ?? FUNDING_INTERVAL_MS;
    if (!(this.fundingIntervalMs > 0)) throw new Error(`fundingIntervalMs must be > 0, got ${this.fundingIntervalMs}`);
    this.backstopRatio = options.backstopRatio;
    this.mixedMarginModes = options.mixedMarginModes ?? false;
    this.liquidationFeeInMaintenance = options.liquidationFeeInMaintenance ?? false;
    this.maintenanceRate = options.maintenanceRate;
    this.initialRate = options.initialRate;
    this.makeMarket = options.genericMarket ?? genericMarket;
    if (!(Math.abs(this.defaultFundingRate) < 0.05)) throw new Error(`fundingRate must be a fraction per 8 h in (-0.05, 0.05), got ${this.defaultFundingRate}`);
    for (const [name, v] of Object.entries({ slippage: this.slippage, takerFee: this.takerFee, clearanceFee: this.clearanceFee })) {
      if (!(v >= 0 && v < 1)) throw new Error(`${name} must be a fraction in [0, 1), got ${v}`);
    }
    if (!(this.stepMs > 0)) throw new Error(`stepMs must be > 0, got ${this.stepMs}`);
    for (const m of [...(options.markets ?? defaultMarkets()), ...(options.extraMarkets ?? [])]) this.markets.set(m.symbol, m);
    for (const [symbol, brackets] of Object.entries(options.brackets ?? {})) {
      const m = this.markets.get(symbol) ?? this.makeMarket(symbol, 1);
      this.markets.set(symbol, { ...m, brackets, realBrackets: false });
    }
    this.time = options.startTime ?? Date.now();
    this.timeExplicit = options.startTime !== undefined;
  }

  // ───────────────────────────── clock and prices ─────────────────────────────

  /** Current market time (ms). */
  now(): number {
    return this.time;
  }

  /** Listed markets (exchangeInfo). */
  listMarkets(): MarketSpec[] {
    return [...this.markets.values()];
  }

  market(symbol: string): MarketSpec {
    const m = this.markets.get(symbol);
    if (m === undefined) throw new PaperReject('unknown-symbol', { symbol });
    return m;
  }

  hasMarket(symbol: string): boolean {
    return this.markets.has(symbol);
  }

  /**
   * Replays candles as the symbol's mark price. Lists the symbol (generic alt brackets) if it is
   * not listed yet. The first replay without an explicit startTime moves the clock to its start.
   */
  loadReplay(symbol: string, source: string | readonly Candle[]): PriceSeries {
    const candles = typeof source === 'string' ? loadCandlesFile(source) : source;
    const s = new PriceSeries(candles);
    if (!this.markets.has(symbol)) this.markets.set(symbol, this.makeMarket(symbol, candles[0]!.o));
    this.series.set(symbol, s);
    this.overrides.delete(symbol);
    if (!this.timeExplicit) {
      const starts = [...this.series.values()].map((x) => x.start);
      this.time = Math.min(...starts);
    }
    this.marks.set(symbol, { price: s.priceAt(this.time), time: this.time });
    return s;
  }

  /** Replay span: earliest start and latest end over all series, or null without replay. */
  replayRange(): { start: number; end: number } | null {
    if (this.series.size === 0) return null;
    const all = [...this.series.values()];
    return { start: Math.min(...all.map((s) => s.start)), end: Math.max(...all.map((s) => s.end)) };
  }

  /**
   * Sets mark prices by hand (a replayed symbol stops following its replay until resumeReplay).
   * Orders and liquidations are processed at once. Returns the liquidations it caused.
   */
  setPrices(prices: Record<string, number>): LiquidationEvent[] {
    for (const [symbol, price] of Object.entries(prices)) {
      if (!(price > 0 && Number.isFinite(price))) throw new Error(`price of ${symbol} must be a positive number`);
      if (!this.markets.has(symbol)) this.markets.set(symbol, this.makeMarket(symbol, price));
      this.marks.set(symbol, { price, time: this.time });
      if (this.series.has(symbol)) this.overrides.add(symbol);
    }
    return this.process();
  }

  setPrice(symbol: string, price: number): LiquidationEvent[] {
    return this.setPrices({ [symbol]: price });
  }

  /** Lets a symbol priced by hand follow its replay again. */
  resumeReplay(symbol: string): void {
    this.overrides.delete(symbol);
  }

  /** Mark price, or throws -1000 when the symbol has never been priced. */
  markPrice(symbol: string): number {
    this.market(symbol);
    const m = this.marks.get(symbol);
    if (m === undefined) throw new PaperReject('no-mark-price', { symbol });
    return m.price;
  }

  /** Mark price and the market time it was set, or null. */
  mark(symbol: string): { price: number; time: number } | null {
    return this.marks.get(symbol) ?? null;
  }

  /** All priced symbols. */
  marksSnapshot(): Record<string, { price: number; time: number }> {
    return Object.fromEntries([...this.marks.entries()].map(([k, v]) => [k, { ...v }]));
  }

  /**
   * Moves the market clock forward to `target`, in steps of at most `stepMs` that also stop on
   * every replay knot (candle extremes). At every step: replay prices, triggers/limit fills,
   * liquidation checks. Returns the liquidations of the whole advance.
   */
  advanceTo(target: number, opts: { stepMs?: number } = {}): LiquidationEvent[] {
    const step = opts.stepMs ?? this.stepMs;
    if (!(step > 0)) throw new Error('stepMs must be > 0');
    const events: LiquidationEvent[] = [];
    const replaying = this.series.size > 0;
    while (this.time < target) {
      let next = Math.min(target, this.time + step);
      if (replaying) next = Math.min(next, nextKnot(this.time));
      // Funding settles at the boundary itself, at that moment's mark.
      next = Math.min(next, (Math.floor(this.time / this.fundingIntervalMs) + 1) * this.fundingIntervalMs);
      this.time = next;
      this.refreshReplayPrices();
      if (this.time % this.fundingIntervalMs === 0) this.settleFunding();
      const ev = this.process();
      if (ev.length > 0) events.push(...ev);
    }
    return events;
  }

  // ───────────────────────────── funding ─────────────────────────────

  /** The funding rate per 8 h of a symbol (a fraction; longs pay shorts when positive). */
  fundingRate(symbol: string): number {
    this.market(symbol);
    return this.fundingRates.get(symbol) ?? this.defaultFundingRate;
  }

  /** Sets a symbol's funding rate per 8 h (a fraction, e.g. 0.0003). */
  setFundingRate(symbol: string, rate: number): void {
    this.market(symbol);
    if (!(Number.isFinite(rate) && Math.abs(rate) < 0.05)) throw new Error(`funding rate of ${symbol} must be a fraction per 8 h in (-0.05, 0.05)`);
    this.fundingRates.set(symbol, rate);
  }

  /** Next funding time after the market clock (ms). */
  nextFundingTime(): number {
    return (Math.floor(this.time / this.fundingIntervalMs) + 1) * this.fundingIntervalMs;
  }

  /**
   * Every open position pays (or receives) notional at mark × rate, as FUNDING_FEE income on the
   * wallet that carries it (Binance: the isolated wallet of an isolated position).
   */
  protected settleFunding(): void {
    for (const acc of this.accounts.values()) {
      for (const p of acc.positions.values()) {
        if (p.amt === 0) continue;
        const rate = this.fundingRate(p.symbol);
        const payment = -p.amt * this.markOr(p.symbol, p.entryPrice) * rate;
        if (payment === 0) continue;
        if (p.marginType === 'ISOLATED') p.isolatedWallet += payment;
        else acc.crossWallet += payment;
        this.addIncome(acc, p.symbol, 'FUNDING_FEE', payment, 'FUNDING_FEE');
      }
    }
  }

  // ───────────────────────────── late history rows ─────────────────────────────

  /**
   * Makes history rows recorded from now on appear late: GET /fapi/v1/income and forceOrders show
   * them only `ms` of market time after their own `time` (which they keep), as a venue whose
   * history lags its ledger. 0 turns it off (rows already late stay late).
   */
  setHistoryDelay(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new Error('history delay must be ≥ 0 ms');
    this.historyDelayMs = ms;
  }

  historyDelay(): number {
    return this.historyDelayMs;
  }

  // ───────────────────────────── listing ─────────────────────────────

  /**
   * Lists a new perpetual at runtime (as Binance does): exchangeInfo, leverageBracket and
   * symbolConfig answer for it from now on; generic alt brackets unless the symbol has real ones.
   */
  listMarket(symbol: string, price: number): MarketSpec {
    if (this.markets.has(symbol)) throw new Error(`${symbol} is already listed`);
    if (!(price > 0 && Number.isFinite(price))) throw new Error(`price of ${symbol} must be a positive number`);
    const m = this.makeMarket(symbol, price);
    this.markets.set(symbol, m);
    this.marks.set(symbol, { price, time: this.time });
    return m;
  }

  advanceBy(ms: number, opts: { stepMs?: number } = {}): LiquidationEvent[] {
    if (!(ms >= 0)) throw new Error('advanceBy needs ms ≥ 0');
    return this.advanceTo(this.time + ms, opts);
  }

  /** Jumps the clock without stepping (no prices, orders or liquidations in between). */
  setTime(t: number): void {
    this.time = t;
    this.timeExplicit = true;
    this.refreshReplayPrices();
  }

  protected refreshReplayPrices(): void {
    for (const [symbol, s] of this.series) {
      if (this.overrides.has(symbol)) continue;
      const m = this.marks.get(symbol);
      const price = s.priceAt(this.time);
      if (m === undefined) this.marks.set(symbol, { price, time: this.time });
      else {
        m.price = price;
        m.time = this.time;
      }
    }
  }

  onLiquidation(listener: (e: LiquidationEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Every liquidation since start, oldest first. */
  liquidations(): LiquidationEvent[] {
    return [...this.liquidationLog];
  }


  protected addIncome(acc: PaperAccount, symbol: string, type: IncomeRecord['incomeType'], amount: number, info: string, tradeId = ''): void {
    acc.income.push({ symbol, incomeType: type, income: amount, asset: 'USDT', info, time: this.time, tranId: this.nextTranId++, tradeId, visibleAt: this.time + this.historyDelayMs });
    acc.updateTime = this.time;
  }

  /**
   * GET /fapi/v1/income semantics: time-filtered, ascending; with startTime the first `limit`
   * records from it, otherwise the last `limit` of the recent 7 days (of market time).

  /** The mark, or `fallback` for a symbol never priced. */
  protected markOr(symbol: string, fallback: number): number {
    return this.marks.get(symbol)?.price ?? fallback;
  }

  /** Triggers, limit fills and liquidations for every account at the current prices. */
  protected abstract process(): LiquidationEvent[];
  /** The liquidation check of one account. */
  protected abstract checkAccount(acc: PaperAccount): LiquidationEvent[];
}
