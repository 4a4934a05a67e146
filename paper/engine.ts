import { randomBytes } from 'node:crypto';
import { bracketFor, maintenanceMargin, maxLeverage, maxNotionalAtLeverage, type Bracket } from './brackets.ts';
import { E, PaperApiError } from './errors.ts';
import { defaultMarkets, genericMarket, isMultipleOf, roundTo, type MarketSpec } from './markets.ts';
import { loadCandlesFile, nextKnot, PriceSeries, type Candle } from './replay.ts';

/**
 * The paper exchange's own margin engine: accounts, positions, orders, mark prices, a market
 * clock and a liquidation engine. No HTTP here — the server (server.ts) is a thin Binance-shaped
 * skin over it, and replays/demos drive it in-process.
 *
 * Conventions: money in USDT, quantities in base units, ratios as fractions, times in ms of
 * MARKET time (the replay clock), never wall-clock.
 */

export type MarginType = 'CROSSED' | 'ISOLATED';
export type PositionSide = 'BOTH' | 'LONG' | 'SHORT';
export type Side = 'BUY' | 'SELL';
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'REJECTED';
export type AlgoStatus = 'NEW' | 'CANCELED' | 'TRIGGERED' | 'FINISHED' | 'REJECTED' | 'EXPIRED';
export type AlgoOrderType = 'STOP_MARKET' | 'TAKE_PROFIT_MARKET' | 'STOP' | 'TAKE_PROFIT';

export interface EngineOptions {
  /** Market time at start (ms). Default: the earliest replay candle, else Date.now(). */
  startTime?: number;
  /** Fraction added to (buys) / taken from (sells) the mark for market fills. Default 0.0005. */
  slippage?: number;
  /** Fraction of notional charged on every fill. Default 0.0005. */
  takerFee?: number;
  /** Liquidation clearance fee, fraction of the liquidated notional. Default 0.0125. */
  clearanceFee?: number;
  /** Leverage of a symbol an account has not configured. Default 20. */
  defaultLeverage?: number;
  /** Replaces the bracket table of some symbols (e.g. to reproduce an old Binance example). */
  brackets?: Record<string, Bracket[]>;
  /** Extra listed markets (in addition to the default ones). */
  extraMarkets?: MarketSpec[];
  /** Largest clock step of advanceBy/advanceTo, ms. Default 1000. */
  stepMs?: number;
  /**
   * Funding rate per 8 h applied to every symbol without its own (setFundingRate). Default
   * 0.0001 (0.01 %, Binance's base rate: interest 0.03 %/day, premium 0). Longs pay when positive.
   */
  fundingRate?: number;
}

/** Binance USDⓈ-M funds most perpetuals every 8 h, at 00:00, 08:00 and 16:00 UTC. */
export const FUNDING_INTERVAL_MS = 8 * 3600_000;

export interface PositionSpec {
  symbol: string;
  side: 'long' | 'short';
  /** Base units, > 0. */
  size: number;
  entryPrice: number;
  marginMode?: 'cross' | 'isolated';
  leverage?: number;
  /** Collateral of an isolated position (its "isolated wallet"), USDT. Required for isolated. */
  isolatedMargin?: number;
}

export interface AccountSpec {
  label?: string;
  apiKey?: string;
  secret?: string;
  /** Initial cross wallet, USDT. */
  walletBalance: number;
  /** Binance "dual side position" (hedge mode). */
  hedgeMode?: boolean;
  /** false = a read-only key: trading endpoints answer -2015. Default true. */
  canTrade?: boolean;
  /** Reported by /sapi/v1/account/apiRestrictions. Default false. */
  enableWithdrawals?: boolean;
  /**
   * Account modes the paper exchange does not model, reported as set so that a client's refusal to
   * guard them can be rehearsed: Multi-Assets mode (GET multiAssetsMargin) and a Portfolio Margin
   * key (apiRestrictions.enablePortfolioMarginTrading). Default false.
   */
  multiAssetsMargin?: boolean;
  portfolioMargin?: boolean;
  symbols?: Record<string, { marginMode?: 'cross' | 'isolated'; leverage?: number }>;
  positions?: PositionSpec[];
}

export interface Position {
  symbol: string;
  positionSide: PositionSide;
  /** Signed quantity: > 0 long, < 0 short. */
  amt: number;
  entryPrice: number;
  marginType: MarginType;
  /** Collateral of an isolated position; 0 for cross. */
  isolatedWallet: number;
  /** Market time of the last change (fill, margin change). */
  updateTime: number;
}

export interface OrderRecord {
  orderId: number;
  clientOrderId: string;
  symbol: string;
  side: Side;
  positionSide: PositionSide;
  type: 'MARKET' | 'LIMIT';
  origType: string;
  price: number;
  avgPrice: number;
  origQty: number;
  executedQty: number;
  cumQuote: number;
  status: OrderStatus;
  timeInForce: 'GTC' | 'IOC' | 'FOK' | 'GTX';
  reduceOnly: boolean;
  closePosition: boolean;
  stopPrice: number;
  workingType: 'MARK_PRICE' | 'CONTRACT_PRICE';
  time: number;
  updateTime: number;
}

export interface AlgoOrderRecord {
  algoId: number;
  clientAlgoId: string;
  algoType: 'CONDITIONAL';
  orderType: AlgoOrderType;
  symbol: string;
  side: Side;
  positionSide: PositionSide;
  timeInForce: 'GTC' | 'IOC' | 'FOK' | 'GTX';
  quantity: number;
  algoStatus: AlgoStatus;
  triggerPrice: number;
  price: number;
  workingType: 'MARK_PRICE' | 'CONTRACT_PRICE';
  closePosition: boolean;
  reduceOnly: boolean;
  createTime: number;
  updateTime: number;
  triggerTime: number;
  actualOrderId: number | null;
  executedQty: number;
  avgPrice: number;
}

export interface IncomeRecord {
  symbol: string;
  incomeType: 'TRANSFER' | 'REALIZED_PNL' | 'COMMISSION' | 'INSURANCE_CLEAR' | 'FUNDING_FEE';
  income: number;
  asset: 'USDT';
  info: string;
  time: number;
  tranId: number;
  tradeId: string;
  /** Market time from which GET /fapi/v1/income shows the row (late rows: see setHistoryDelay). */
  visibleAt: number;
}

export interface TradeRecord {
  id: number;
  orderId: number;
  symbol: string;
  side: Side;
  positionSide: PositionSide;
  price: number;
  qty: number;
  quoteQty: number;
  realizedPnl: number;
  commission: number;
  buyer: boolean;
  maker: boolean;
  time: number;
}

export interface LiquidationEvent {
  accountId: string;
  kind: 'cross' | 'isolated';
  symbol: string;
  positionSide: PositionSide;
  /** Signed quantity that was closed. */
  amt: number;
  price: number;
  notional: number;
  realizedPnl: number;
  clearanceFee: number;
  /** Loss beyond the pool, written off by the (imaginary) insurance fund. */
  writtenOff: number;
  time: number;
}

export interface OrderRequest {
  symbol: string;
  side: Side;
  type: string;
  quantity?: number;
  price?: number;
  positionSide?: PositionSide;
  /** undefined = not sent (matters in hedge mode: sending it at all is -1106). */
  reduceOnly?: boolean;
  timeInForce?: 'GTC' | 'IOC' | 'FOK' | 'GTX';
  newClientOrderId?: string;
}

export interface AlgoOrderRequest {
  symbol: string;
  side: Side;
  type: string;
  quantity?: number;
  price?: number;
  triggerPrice?: number;
  positionSide?: PositionSide;
  reduceOnly?: boolean;
  closePosition?: boolean;
  workingType?: 'MARK_PRICE' | 'CONTRACT_PRICE';
  timeInForce?: 'GTC' | 'IOC' | 'FOK' | 'GTX';
  clientAlgoId?: string;
}

/**
 * Execution hooks used by fault injection. They are asked only when they apply, so a fault is
 * consumed by the order it affects and not by an unrelated one.
 */
export interface ExecOptions {
  /** Asked for a MARKET order: fraction (0–1) to fill; the rest expires. undefined = all. */
  takeFillRatio?: () => number | undefined;
  /** Asked for a reduce-only order or a hedge-mode close: true = reject it with -2022. */
  takeReduceOnlyReject?: () => boolean;
}

export interface PositionRisk {
  position: Position;
  markPrice: number;
  /** |amt| × mark. */
  notional: number;
  unrealizedPnl: number;
  maintMargin: number;
  maintMarginRatio: number;
  maintAmount: number;
  leverage: number;
  initialMargin: number;
  /** Isolated: wallet + uPnL (Binance "isolatedMargin"); cross: 0. */
  isolatedMargin: number;
  /** 0 when the position cannot be liquidated by a move of its own symbol. */
  liquidationPrice: number;
  breakEvenPrice: number;
}

export interface AccountRisk {
  crossWallet: number;
  isolatedWallets: number;
  walletBalance: number;
  crossUnPnl: number;
  unrealizedPnl: number;
  marginBalance: number;
  crossMarginBalance: number;
  crossMaintMargin: number;
  totalMaintMargin: number;
  /** crossMaintMargin / crossMarginBalance; null without cross positions or with a balance ≤ 0. */
  crossMarginRatio: number | null;
  positionInitialMargin: number;
  crossPositionInitialMargin: number;
  openOrderInitialMargin: number;
  availableBalance: number;
  maxWithdrawAmount: number;
  positions: PositionRisk[];
}

interface SymbolConfig {
  marginType: MarginType;
  leverage: number;
}

/** One paper account (Binance sub-account equivalent). */
export class PaperAccount {
  crossWallet = 0;
  readonly symbolConfig = new Map<string, SymbolConfig>();
  readonly positions = new Map<string, Position>();
  readonly orders = new Map<number, OrderRecord>();
  readonly openOrders = new Map<number, OrderRecord>();
  readonly algoOrders = new Map<number, AlgoOrderRecord>();
  readonly openAlgoOrders = new Map<number, AlgoOrderRecord>();
  readonly trades: TradeRecord[] = [];
  readonly income: IncomeRecord[] = [];
  readonly forceOrders: OrderRecord[] = [];
  /** Late history rows: when a force order becomes visible (market time), if later than its time. */
  readonly forceOrderVisibleAt = new Map<number, number>();
  /** Market time of the last balance change (Binance asset updateTime; ccxt skips assets with 0). */
  updateTime: number;
  /** Reported only (see AccountSpec). */
  multiAssetsMargin = false;
  portfolioMargin = false;

  constructor(
    readonly id: string,
    readonly label: string,
    readonly apiKey: string,
    readonly secret: string,
    public dualSide: boolean,
    readonly canTrade: boolean,
    readonly enableWithdrawals: boolean,
    readonly createTime: number,
  ) {
    this.updateTime = createTime;
  }
}

const posKey = (symbol: string, side: PositionSide): string => `${symbol}:${side}`;

const FORCE_ORDER_WINDOW_MS = 7 * 24 * 3600_000;

export class PaperEngine {
  readonly slippage: number;
  readonly takerFee: number;
  readonly clearanceFee: number;
  readonly defaultLeverage: number;
  readonly stepMs: number;
  readonly defaultFundingRate: number;

  private time: number;
  private readonly fundingRates = new Map<string, number>();
  /** Late history rows: income and force orders recorded now appear this much market time later. */
  private historyDelayMs = 0;
  private timeExplicit: boolean;
  private readonly markets = new Map<string, MarketSpec>();
  private readonly marks = new Map<string, { price: number; time: number }>();
  private readonly series = new Map<string, PriceSeries>();
  /** Symbols priced by hand: the replay no longer moves them. */
  private readonly overrides = new Set<string>();
  private readonly accounts = new Map<string, PaperAccount>();
  private readonly byApiKey = new Map<string, PaperAccount>();
  private readonly liquidationLog: LiquidationEvent[] = [];
  private readonly listeners: ((e: LiquidationEvent) => void)[] = [];
  private nextOrderId = 4_000_000_001;
  private nextTranId = 9_000_000_001;
  private nextTradeId = 500_000_001;
  private nextAccount = 1;

  constructor(options: EngineOptions = {}) {
    this.slippage = options.slippage ?? 0.0005;
    this.takerFee = options.takerFee ?? 0.0005;
    this.clearanceFee = options.clearanceFee ?? 0.0125;
    this.defaultLeverage = options.defaultLeverage ?? 20;
    this.stepMs = options.stepMs ?? 1000;
    this.defaultFundingRate = options.fundingRate ?? 0.0001;
    if (!(Math.abs(this.defaultFundingRate) < 0.05)) throw new Error(`fundingRate must be a fraction per 8 h in (-0.05, 0.05), got ${this.defaultFundingRate}`);
    for (const [name, v] of Object.entries({ slippage: this.slippage, takerFee: this.takerFee, clearanceFee: this.clearanceFee })) {
      if (!(v >= 0 && v < 1)) throw new Error(`${name} must be a fraction in [0, 1), got ${v}`);
    }
    if (!(this.stepMs > 0)) throw new Error(`stepMs must be > 0, got ${this.stepMs}`);
    for (const m of [...defaultMarkets(), ...(options.extraMarkets ?? [])]) this.markets.set(m.symbol, m);
    for (const [symbol, brackets] of Object.entries(options.brackets ?? {})) {
      const m = this.markets.get(symbol) ?? genericMarket(symbol, 1);
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
    if (m === undefined) throw E.invalidSymbol();
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
    if (!this.markets.has(symbol)) this.markets.set(symbol, genericMarket(symbol, candles[0]!.o));
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
      if (!this.markets.has(symbol)) this.markets.set(symbol, genericMarket(symbol, price));
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
    if (m === undefined) throw E.unknown(`No mark price for ${symbol} yet (set one with POST /paper/prices or replay a file).`);
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
      next = Math.min(next, (Math.floor(this.time / FUNDING_INTERVAL_MS) + 1) * FUNDING_INTERVAL_MS);
      this.time = next;
      this.refreshReplayPrices();
      if (this.time % FUNDING_INTERVAL_MS === 0) this.settleFunding();
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
    return (Math.floor(this.time / FUNDING_INTERVAL_MS) + 1) * FUNDING_INTERVAL_MS;
  }

  /**
   * Every open position pays (or receives) notional at mark × rate, as FUNDING_FEE income on the
   * wallet that carries it (Binance: the isolated wallet of an isolated position).
   */
  private settleFunding(): void {
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
    const m = genericMarket(symbol, price);
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

  private refreshReplayPrices(): void {
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

  // ───────────────────────────── accounts ─────────────────────────────

  createAccount(spec: AccountSpec): PaperAccount {
    if (!(spec.walletBalance >= 0 && Number.isFinite(spec.walletBalance))) throw new Error('walletBalance must be ≥ 0');
    const apiKey = spec.apiKey ?? randomBytes(32).toString('hex');
    const secret = spec.secret ?? randomBytes(32).toString('hex');
    if (this.byApiKey.has(apiKey)) throw new Error('apiKey already in use');
    const id = `acct-${this.nextAccount++}`;
    const acc = new PaperAccount(
      id,
      spec.label ?? id,
      apiKey,
      secret,
      spec.hedgeMode ?? false,
      spec.canTrade ?? true,
      spec.enableWithdrawals ?? false,
      this.time,
    );
    for (const [symbol, cfg] of Object.entries(spec.symbols ?? {})) {
      const m = this.market(symbol);
      const leverage = cfg.leverage ?? this.defaultLeverage;
      if (!Number.isInteger(leverage) || leverage < 1 || leverage > maxLeverage(m.brackets)) {
        throw new Error(`${symbol}: leverage must be an integer in 1..${maxLeverage(m.brackets)}`);
      }
      acc.symbolConfig.set(symbol, { marginType: cfg.marginMode === 'isolated' ? 'ISOLATED' : 'CROSSED', leverage });
    }
    for (const p of spec.positions ?? []) this.seedPosition(acc, p);
    acc.crossWallet = spec.walletBalance;
    acc.multiAssetsMargin = spec.multiAssetsMargin ?? false;
    acc.portfolioMargin = spec.portfolioMargin ?? false;
    if (spec.walletBalance > 0) this.addIncome(acc, '', 'TRANSFER', spec.walletBalance, 'TRANSFER');
    this.accounts.set(id, acc);
    this.byApiKey.set(apiKey, acc);
    this.process();
    return acc;
  }

  private seedPosition(acc: PaperAccount, p: PositionSpec): void {
    const m = this.market(p.symbol);
    if (!(p.size > 0) || !(p.entryPrice > 0)) throw new Error(`${p.symbol}: size and entryPrice must be > 0`);
    const mode: MarginType = p.marginMode === 'isolated' ? 'ISOLATED' : 'CROSSED';
    const cfg = acc.symbolConfig.get(p.symbol);
    if (cfg !== undefined && cfg.marginType !== mode) {
      throw new Error(`${p.symbol}: Binance allows one margin type per symbol; positions disagree (${cfg.marginType} vs ${mode})`);
    }
    const leverage = p.leverage ?? cfg?.leverage ?? this.defaultLeverage;
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > maxLeverage(m.brackets)) {
      throw new Error(`${p.symbol}: leverage must be an integer in 1..${maxLeverage(m.brackets)}`);
    }
    acc.symbolConfig.set(p.symbol, { marginType: mode, leverage });
    if (mode === 'ISOLATED' && !(p.isolatedMargin !== undefined && p.isolatedMargin > 0)) {
      throw new Error(`${p.symbol}: isolatedMargin (> 0) is required for an isolated position`);
    }
    if (mode === 'CROSSED' && p.isolatedMargin !== undefined) throw new Error(`${p.symbol}: isolatedMargin is only for isolated positions`);
    const side: PositionSide = acc.dualSide ? (p.side === 'long' ? 'LONG' : 'SHORT') : 'BOTH';
    const key = posKey(p.symbol, side);
    if (acc.positions.has(key)) {
      throw new Error(`${p.symbol}: duplicate ${acc.dualSide ? side : 'one-way'} position (one-way mode holds one net position per symbol)`);
    }
    acc.positions.set(key, {
      symbol: p.symbol,
      positionSide: side,
      amt: roundTo(p.side === 'long' ? p.size : -p.size, m.quantityPrecision + 3),
      entryPrice: p.entryPrice,
      marginType: mode,
      isolatedWallet: mode === 'ISOLATED' ? p.isolatedMargin! : 0,
      updateTime: this.time,
    });
    if (!this.marks.has(p.symbol)) this.marks.set(p.symbol, { price: p.entryPrice, time: this.time });
  }

  getAccount(id: string): PaperAccount {
    const acc = this.accounts.get(id);
    if (acc === undefined) throw new Error(`no account "${id}"`);
    return acc;
  }

  findByApiKey(apiKey: string): PaperAccount | undefined {
    return this.byApiKey.get(apiKey);
  }

  listAccounts(): PaperAccount[] {
    return [...this.accounts.values()];
  }

  /** Adds USDT to the cross wallet (income TRANSFER). */
  deposit(id: string, amount: number): void {
    if (!(amount > 0 && Number.isFinite(amount))) throw new Error('amount must be > 0');
    const acc = this.getAccount(id);
    acc.crossWallet += amount;
    this.addIncome(acc, '', 'TRANSFER', amount, 'TRANSFER');
  }

  /** Takes USDT out of the cross wallet (income TRANSFER, negative); at most maxWithdrawAmount. */
  withdraw(id: string, amount: number): void {
    if (!(amount > 0 && Number.isFinite(amount))) throw new Error('amount must be > 0');
    const acc = this.getAccount(id);
    const max = this.accountRisk(acc).maxWithdrawAmount;
    if (amount > max + 1e-9) throw new Error(`withdrawal of ${amount} exceeds maxWithdrawAmount ${max.toFixed(8)}`);
    acc.crossWallet -= amount;
    this.addIncome(acc, '', 'TRANSFER', -amount, 'TRANSFER');
  }

  symbolConfig(acc: PaperAccount, symbol: string): SymbolConfig {
    this.market(symbol);
    return acc.symbolConfig.get(symbol) ?? { marginType: 'CROSSED', leverage: this.defaultLeverage };
  }

  setLeverage(acc: PaperAccount, symbol: string, leverage: number): { leverage: number; maxNotionalValue: number; symbol: string } {
    const m = this.market(symbol);
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > maxLeverage(m.brackets)) throw E.invalidLeverage();
    const cap = maxNotionalAtLeverage(m.brackets, leverage);
    for (const p of this.symbolPositions(acc, symbol)) {
      if (Math.abs(p.amt) * this.markOr(symbol, p.entryPrice) > cap) throw E.maxPositionAtLeverage();
    }
    const cfg = this.symbolConfig(acc, symbol);
    acc.symbolConfig.set(symbol, { ...cfg, leverage });
    return { leverage, maxNotionalValue: cap, symbol };
  }

  setMarginType(acc: PaperAccount, symbol: string, marginType: MarginType): void {
    const cfg = this.symbolConfig(acc, symbol);
    if (cfg.marginType === marginType) throw E.noNeedMarginType();
    if (this.symbolPositions(acc, symbol).length > 0) throw E.marginTypePosition();
    const hasOrders = [...acc.openOrders.values(), ...acc.openAlgoOrders.values()].some((o) => o.symbol === symbol);
    if (hasOrders) throw E.marginTypeOpenOrders();
    acc.symbolConfig.set(symbol, { ...cfg, marginType });
  }

  setPositionMode(acc: PaperAccount, dualSide: boolean): void {
    if (acc.dualSide === dualSide) throw E.noNeedPositionSide();
    if (acc.positions.size > 0 || acc.openOrders.size > 0 || acc.openAlgoOrders.size > 0) throw E.positionSideChangeBlocked();
    acc.dualSide = dualSide;
  }

  /** Adds (type 1) or removes (type 2) collateral of an isolated position. */
  modifyIsolatedMargin(acc: PaperAccount, symbol: string, positionSide: PositionSide, amount: number, type: 1 | 2): void {
    const pos = acc.positions.get(posKey(symbol, positionSide));
    if (pos === undefined || pos.marginType !== 'ISOLATED') {
      throw new PaperApiError(-2024, 'Position is not sufficient.');
    }
    if (!(amount > 0)) throw E.qtyNotPositive();
    if (type === 1) {
      if (amount > this.accountRisk(acc).availableBalance + 1e-9) throw E.marginInsufficient();
      acc.crossWallet -= amount;
      pos.isolatedWallet += amount;
    } else {
      const r = this.positionRisk(acc, pos);
      const removable = pos.isolatedWallet + Math.min(0, r.unrealizedPnl) - r.initialMargin;
      if (amount > removable + 1e-9) throw new PaperApiError(-4051, 'Isolated balance insufficient.');
      pos.isolatedWallet -= amount;
      acc.crossWallet += amount;
    }
    pos.updateTime = this.time;
    acc.updateTime = this.time;
  }

  // ───────────────────────────── risk ─────────────────────────────

  private markOr(symbol: string, fallback: number): number {
    return this.marks.get(symbol)?.price ?? fallback;
  }

  private symbolPositions(acc: PaperAccount, symbol: string): Position[] {
    return [...acc.positions.values()].filter((p) => p.symbol === symbol);
  }

  /** Risk figures of one position at the current mark. */
  positionRisk(acc: PaperAccount, pos: Position): PositionRisk {
    const m = this.market(pos.symbol);
    const mark = this.markOr(pos.symbol, pos.entryPrice);
    const notional = Math.abs(pos.amt) * mark;
    const { mm, rate, cum } = maintenanceMargin(m.brackets, notional);
    const leverage = this.symbolConfig(acc, pos.symbol).leverage;
    const upnl = pos.amt * (mark - pos.entryPrice);
    const feeRate = this.takerFee;
    return {
      position: pos,
      markPrice: mark,
      notional,
      unrealizedPnl: upnl,
      maintMargin: mm,
      maintMarginRatio: rate,
      maintAmount: cum,
      leverage,
      initialMargin: notional / leverage,
      isolatedMargin: pos.marginType === 'ISOLATED' ? pos.isolatedWallet + upnl : 0,
      liquidationPrice: this.liquidationPrice(acc, pos),
      // Price at which closing (taker) leaves the position flat after the opening fee.
      breakEvenPrice: pos.amt > 0 ? (pos.entryPrice * (1 + feeRate)) / (1 - feeRate) : (pos.entryPrice * (1 - feeRate)) / (1 + feeRate),
    };
  }

  /** Account-wide figures, Binance single-asset (USDT) mode. */
  accountRisk(acc: PaperAccount): AccountRisk {
    const positions = [...acc.positions.values()].map((p) => this.positionRisk(acc, p));
    let isolatedWallets = 0;
    let crossUnPnl = 0;
    let unrealizedPnl = 0;
    let crossMM = 0;
    let totalMM = 0;
    let positionIM = 0;
    let crossIM = 0;
    for (const r of positions) {
      unrealizedPnl += r.unrealizedPnl;
      totalMM += r.maintMargin;
      positionIM += r.initialMargin;
      if (r.position.marginType === 'ISOLATED') isolatedWallets += r.position.isolatedWallet;
      else {
        crossUnPnl += r.unrealizedPnl;
        crossMM += r.maintMargin;
        crossIM += r.initialMargin;
      }
    }
    let openOrderIM = 0;
    for (const o of acc.openOrders.values()) {
      if (o.reduceOnly) continue;
      openOrderIM += ((o.origQty - o.executedQty) * o.price) / this.symbolConfig(acc, o.symbol).leverage;
    }
    const crossMarginBalance = acc.crossWallet + crossUnPnl;
    const available = crossMarginBalance - crossIM - openOrderIM;
    const hasCross = positions.some((r) => r.position.marginType === 'CROSSED');
    return {
      crossWallet: acc.crossWallet,
      isolatedWallets,
      walletBalance: acc.crossWallet + isolatedWallets,
      crossUnPnl,
      unrealizedPnl,
      marginBalance: acc.crossWallet + isolatedWallets + unrealizedPnl,
      crossMarginBalance,
      crossMaintMargin: crossMM,
      totalMaintMargin: totalMM,
      crossMarginRatio: hasCross && crossMarginBalance > 0 ? crossMM / crossMarginBalance : null,
      positionInitialMargin: positionIM,
      crossPositionInitialMargin: crossIM,
      openOrderInitialMargin: openOrderIM,
      availableBalance: available,
      maxWithdrawAmount: Math.max(0, Math.min(acc.crossWallet, available)),
      positions,
    };
  }

  /**
   * Binance liquidation price: the mark of this symbol at which the pool's margin balance equals
   * its maintenance margin, every other symbol held at its current mark. Cross pools include all
   * cross positions (in hedge mode both legs of the symbol move together); an isolated position
   * is its own pool. Brackets are re-chosen at the candidate price until stable.
   * @returns 0 when no positive price liquidates the pool.
   */
  liquidationPrice(acc: PaperAccount, pos: Position): number {
    const group: Position[] = [];
    let wallet: number;
    let otherMM = 0;
    let otherUpnl = 0;
    if (pos.marginType === 'ISOLATED') {
      group.push(pos);
      wallet = pos.isolatedWallet;
    } else {
      wallet = acc.crossWallet;
      for (const p of acc.positions.values()) {
        if (p.marginType !== 'CROSSED') continue;
        if (p.symbol === pos.symbol) {
          group.push(p);
          continue;
        }
        const mark = this.markOr(p.symbol, p.entryPrice);
        otherMM += maintenanceMargin(this.market(p.symbol).brackets, Math.abs(p.amt) * mark).mm;
        otherUpnl += p.amt * (mark - p.entryPrice);
      }
    }
    const brackets = this.market(pos.symbol).brackets;
    let price = this.markOr(pos.symbol, pos.entryPrice);
    for (let iter = 0; iter < 8; iter++) {
      let num = otherMM - otherUpnl - wallet;
      let den = 0;
      for (const p of group) {
        const b = bracketFor(brackets, Math.abs(p.amt) * price);
        num += p.amt * p.entryPrice - b.cum;
        den += p.amt - Math.abs(p.amt) * b.maintMarginRatio;
      }
      if (Math.abs(den) < 1e-12) return 0;
      const next = num / den;
      if (!(next > 0) || !Number.isFinite(next)) return 0;
      if (Math.abs(next - price) <= 1e-9 * price) return next;
      price = next;
    }
    return price;
  }

  // ───────────────────────────── orders ─────────────────────────────

  /**
   * New regular order (POST /fapi/v1/order): MARKET fills at once at mark ± slippage; LIMIT fills
   * at once when marketable, else rests until the mark crosses its price. Throws PaperApiError
   * with Binance's codes.
   */
  placeOrder(acc: PaperAccount, req: OrderRequest, exec: ExecOptions = {}): OrderRecord {
    const m = this.market(req.symbol);
    if (req.side !== 'BUY' && req.side !== 'SELL') throw E.invalidSide();
    if (['STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'].includes(req.type)) {
      throw E.useAlgoEndpoint();
    }
    if (req.type !== 'MARKET' && req.type !== 'LIMIT') throw E.invalidOrderType();
    const positionSide = this.resolvePositionSide(acc, req.positionSide);
    if (acc.dualSide && req.reduceOnly !== undefined) throw E.notRequired('reduceOnly');
    let qty = this.checkQuantity(m, req.quantity, req.type === 'MARKET' ? m.marketMaxQty : m.maxQty);
    let price = 0;
    if (req.type === 'LIMIT') {
      if (req.price === undefined) throw E.missingParam('price');
      if (!(req.price > 0)) throw new PaperApiError(-4001, 'Price less than 0.');
      if (!isMultipleOf(req.price, m.tickSize)) throw new PaperApiError(-4014, 'Price not increased by tick size.');
      price = req.price;
    }
    const mark = this.markPrice(req.symbol);
    const reduceOnly = req.reduceOnly === true;
    const closing = this.isClosing(acc, req.symbol, req.side, positionSide);
    if ((reduceOnly || (acc.dualSide && closing)) && exec.takeReduceOnlyReject?.() === true) throw E.reduceOnlyRejected();
    if (reduceOnly) qty = this.clipReduceOnly(acc, m, req.symbol, req.side, qty);
    if (acc.dualSide && closing) {
      const pos = acc.positions.get(posKey(req.symbol, positionSide));
      if (pos === undefined || qty > Math.abs(pos.amt) + 1e-12) throw E.reduceOnlyRejected();
    }
    if (!reduceOnly && !(acc.dualSide && closing)) {
      const refPrice = req.type === 'MARKET' ? mark : price;
      if (qty * refPrice < m.minNotional - 1e-9) throw E.minNotional(m.minNotional);
    }
    const tif = req.timeInForce ?? 'GTC';
    const order: OrderRecord = {
      orderId: this.nextOrderId++,
      clientOrderId: req.newClientOrderId ?? `paper-${randomBytes(8).toString('hex')}`,
      symbol: req.symbol,
      side: req.side,
      positionSide,
      type: req.type,
      origType: req.type,
      price,
      avgPrice: 0,
      origQty: qty,
      executedQty: 0,
      cumQuote: 0,
      status: 'NEW',
      timeInForce: req.type === 'MARKET' ? 'GTC' : tif,
      reduceOnly,
      closePosition: false,
      stopPrice: 0,
      workingType: 'CONTRACT_PRICE',
      time: this.time,
      updateTime: this.time,
    };
    if (req.type === 'MARKET') {
      const fillPrice = req.side === 'BUY' ? mark * (1 + this.slippage) : mark * (1 - this.slippage);
      let fillQty = qty;
      const ratio = exec.takeFillRatio?.();
      if (ratio !== undefined && ratio < 1) {
        fillQty = roundTo(Math.floor((qty * Math.max(0, ratio)) / m.stepSize + 1e-9) * m.stepSize, m.quantityPrecision);
      }
      if (fillQty > 0) this.fill(acc, order, fillQty, fillPrice, true);
      order.status = fillQty >= qty - 1e-12 ? 'FILLED' : 'EXPIRED';
    } else {
      const marketable = req.side === 'BUY' ? mark <= price : mark >= price;
      if (marketable) {
        if (tif === 'GTX') throw E.postOnlyRejected();
        const fillPrice = req.side === 'BUY' ? Math.min(price, mark * (1 + this.slippage)) : Math.max(price, mark * (1 - this.slippage));
        this.fill(acc, order, qty, fillPrice, true);
        order.status = 'FILLED';
      } else if (tif === 'IOC' || tif === 'FOK') {
        order.status = 'EXPIRED';
      } else {
        if (!reduceOnly && !(acc.dualSide && closing)) {
          const im = (qty * price) / this.symbolConfig(acc, req.symbol).leverage;
          if (im > this.accountRisk(acc).availableBalance + 1e-9) throw E.marginInsufficient();
        }
        acc.openOrders.set(order.orderId, order);
      }
    }
    acc.orders.set(order.orderId, order);
    this.checkAccount(acc);
    return order;
  }

  private resolvePositionSide(acc: PaperAccount, requested: PositionSide | undefined): PositionSide {
    if (acc.dualSide) {
      if (requested !== 'LONG' && requested !== 'SHORT') throw E.positionSideMismatch();
      return requested;
    }
    if (requested !== undefined && requested !== 'BOTH') throw E.positionSideMismatch();
    return 'BOTH';
  }

  private checkQuantity(m: MarketSpec, quantity: number | undefined, max: number): number {
    if (quantity === undefined || Number.isNaN(quantity)) throw E.missingParam('quantity');
    if (!(quantity > 0)) throw E.qtyNotPositive();
    if (!isMultipleOf(quantity, m.stepSize)) throw E.precision();
    if (quantity > max + 1e-12) throw E.qtyTooBig();
    return roundTo(quantity, m.quantityPrecision);
  }

  /** True when the order reduces the position it targets. */
  private isClosing(acc: PaperAccount, symbol: string, side: Side, positionSide: PositionSide): boolean {
    if (positionSide === 'LONG') return side === 'SELL';
    if (positionSide === 'SHORT') return side === 'BUY';
    const pos = acc.positions.get(posKey(symbol, 'BOTH'));
    return pos !== undefined && (pos.amt > 0 ? side === 'SELL' : side === 'BUY');
  }

  /**
   * One-way reduce-only: -2022 when there is nothing to reduce in that direction; -4118 when
   * resting reduce-only orders already cover the position; otherwise the quantity is clipped to
   * what is left to close (Binance shrinks an oversized reduce-only order instead of flipping).
   */
  private clipReduceOnly(acc: PaperAccount, m: MarketSpec, symbol: string, side: Side, qty: number): number {
    const pos = acc.positions.get(posKey(symbol, 'BOTH'));
    if (pos === undefined || pos.amt === 0 || (pos.amt > 0) === (side === 'BUY')) throw E.reduceOnlyRejected();
    let resting = 0;
    for (const o of acc.openOrders.values()) {
      if (o.symbol === symbol && o.reduceOnly && o.side === side) resting += o.origQty - o.executedQty;
    }
    const closable = roundTo(Math.abs(pos.amt) - resting, m.quantityPrecision);
    if (closable <= 0) throw E.reduceOnlyMarginCheck();
    return Math.min(qty, closable);
  }

  /**
   * Executes `qty` of an order at `price` against the account's position: realizes PnL on the
   * reducing part, opens/increases with the rest, charges the taker fee, checks margin for the
   * increasing part (throws before changing anything).
   */
  private fill(acc: PaperAccount, order: OrderRecord, requestedQty: number, price: number, checkMargin: boolean): void {
    const m = this.market(order.symbol);
    const key = posKey(order.symbol, order.positionSide);
    const pos = acc.positions.get(key);
    let qty = requestedQty;
    if (order.positionSide !== 'BOTH' && (order.side === 'BUY') !== (order.positionSide === 'LONG')) {
      // A hedge-mode close never opens the other way: a LONG leg cannot go short.
      qty = Math.min(qty, Math.abs(pos?.amt ?? 0));
      if (qty <= 0) throw E.reduceOnlyRejected();
    }
    const cfg = this.symbolConfig(acc, order.symbol);
    const signed = order.side === 'BUY' ? qty : -qty;
    const a = pos?.amt ?? 0;
    const reducing = a !== 0 && Math.sign(signed) !== Math.sign(a);
    const closeQty = reducing ? Math.min(qty, Math.abs(a)) : 0;
    const openQty = roundTo(qty - closeQty, m.quantityPrecision + 3);
    const fee = qty * price * this.takerFee;
    const marginType = pos?.marginType ?? cfg.marginType;
    if (openQty > 0 && checkMargin) {
      const newAbs = (reducing ? 0 : Math.abs(a)) + openQty;
      if (newAbs * price > maxNotionalAtLeverage(m.brackets, cfg.leverage) + 1e-6) throw E.maxPositionAtLeverage();
      const im = (openQty * price) / cfg.leverage;
      if (im + fee > this.accountRisk(acc).availableBalance + 1e-9) throw E.marginInsufficient();
    }
    const tradeId = this.nextTradeId++;
    let realized = 0;
    let p = pos;
    if (closeQty > 0 && p !== undefined) {
      realized = closeQty * (price - p.entryPrice) * Math.sign(a);
      const remaining = roundTo(Math.abs(a) - closeQty, m.quantityPrecision + 3);
      if (p.marginType === 'ISOLATED') {
        p.isolatedWallet += realized - (fee * closeQty) / qty;
        const release = remaining <= 0 ? p.isolatedWallet : (Math.max(0, p.isolatedWallet) * closeQty) / Math.abs(a);
        p.isolatedWallet -= release;
        acc.crossWallet += release;
      } else {
        acc.crossWallet += realized - (fee * closeQty) / qty;
      }
      p.amt = Math.sign(a) * remaining;
      p.updateTime = this.time;
      if (remaining <= 0) {
        acc.positions.delete(key);
        p = undefined;
      }
    }
    if (openQty > 0) {
      const openFee = (fee * openQty) / qty;
      const im = (openQty * price) / cfg.leverage;
      if (p === undefined) {
        p = {
          symbol: order.symbol,
          positionSide: order.positionSide,
          amt: 0,
          entryPrice: price,
          marginType,
          isolatedWallet: 0,
          updateTime: this.time,
        };
        acc.positions.set(key, p);
      }
      const oldAbs = Math.abs(p.amt);
      p.entryPrice = (oldAbs * p.entryPrice + openQty * price) / (oldAbs + openQty);
      p.amt = roundTo(p.amt + (signed > 0 ? openQty : -openQty), m.quantityPrecision + 3);
      p.updateTime = this.time;
      if (p.marginType === 'ISOLATED') {
        acc.crossWallet -= im;
        p.isolatedWallet += im - openFee;
      } else {
        acc.crossWallet -= openFee;
      }
    }
    acc.updateTime = this.time;
    order.cumQuote += qty * price;
    order.executedQty = roundTo(order.executedQty + qty, m.quantityPrecision + 3);
    order.avgPrice = order.cumQuote / order.executedQty;
    order.updateTime = this.time;
    acc.trades.push({
      id: tradeId,
      orderId: order.orderId,
      symbol: order.symbol,
      side: order.side,
      positionSide: order.positionSide,
      price,
      qty,
      quoteQty: qty * price,
      realizedPnl: realized,
      commission: fee,
      buyer: order.side === 'BUY',
      maker: false,
      time: this.time,
    });
    if (closeQty > 0) this.addIncome(acc, order.symbol, 'REALIZED_PNL', realized, '', String(tradeId));
    if (fee > 0) this.addIncome(acc, order.symbol, 'COMMISSION', -fee, '', String(tradeId));
  }

  cancelOrder(acc: PaperAccount, symbol: string, ref: { orderId?: number; clientOrderId?: string }): OrderRecord {
    this.market(symbol);
    const o = this.findOrder(acc, symbol, ref);
    if (o === undefined || !acc.openOrders.has(o.orderId)) throw E.unknownOrder();
    acc.openOrders.delete(o.orderId);
    o.status = 'CANCELED';
    o.updateTime = this.time;
    return o;
  }

  getOrder(acc: PaperAccount, symbol: string, ref: { orderId?: number; clientOrderId?: string }): OrderRecord {
    this.market(symbol);
    const o = this.findOrder(acc, symbol, ref);
    if (o === undefined) throw E.orderDoesNotExist();
    return o;
  }

  private findOrder(acc: PaperAccount, symbol: string, ref: { orderId?: number; clientOrderId?: string }): OrderRecord | undefined {
    if (ref.orderId === undefined && ref.clientOrderId === undefined) throw E.missingParam('orderId');
    if (ref.orderId !== undefined) {
      const o = acc.orders.get(ref.orderId);
      return o?.symbol === symbol ? o : undefined;
    }
    for (const o of acc.orders.values()) if (o.symbol === symbol && o.clientOrderId === ref.clientOrderId) return o;
    return undefined;
  }

  /** DELETE /fapi/v1/allOpenOrders: regular orders only (conditional orders live in the algo service). */
  cancelAllOpenOrders(acc: PaperAccount, symbol: string): number {
    this.market(symbol);
    let n = 0;
    for (const o of [...acc.openOrders.values()]) {
      if (o.symbol !== symbol) continue;
      acc.openOrders.delete(o.orderId);
      o.status = 'CANCELED';
      o.updateTime = this.time;
      n++;
    }
    return n;
  }

  listOpenOrders(acc: PaperAccount, symbol?: string): OrderRecord[] {
    if (symbol !== undefined) this.market(symbol);
    return [...acc.openOrders.values()].filter((o) => symbol === undefined || o.symbol === symbol);
  }

  allOrders(acc: PaperAccount, symbol: string, q: { startTime?: number; endTime?: number; limit?: number }): OrderRecord[] {
    this.market(symbol);
    const rows = [...acc.orders.values()].filter(
      (o) => o.symbol === symbol && (q.startTime === undefined || o.time >= q.startTime) && (q.endTime === undefined || o.time <= q.endTime),
    );
    return rows.slice(-Math.min(q.limit ?? 500, 1000));
  }

  /** New conditional order (POST /fapi/v1/algoOrder, algoType=CONDITIONAL). */
  placeAlgoOrder(acc: PaperAccount, req: AlgoOrderRequest): AlgoOrderRecord {
    const m = this.market(req.symbol);
    if (req.side !== 'BUY' && req.side !== 'SELL') throw E.invalidSide();
    const types: AlgoOrderType[] = ['STOP_MARKET', 'TAKE_PROFIT_MARKET', 'STOP', 'TAKE_PROFIT'];
    if (!types.includes(req.type as AlgoOrderType)) throw E.invalidOrderType();
    const type = req.type as AlgoOrderType;
    const positionSide = this.resolvePositionSide(acc, req.positionSide);
    if (acc.dualSide && req.reduceOnly !== undefined) throw E.notRequired('reduceOnly');
    if (req.triggerPrice === undefined || !(req.triggerPrice > 0)) throw E.missingParam('triggerPrice');
    const closePosition = req.closePosition === true;
    if (closePosition && req.quantity !== undefined) throw E.notRequired('quantity');
    const qty = closePosition ? 0 : this.checkQuantity(m, req.quantity, m.maxQty);
    const isLimit = type === 'STOP' || type === 'TAKE_PROFIT';
    if (isLimit && !(req.price !== undefined && req.price > 0)) throw E.missingParam('price');
    const mark = this.markPrice(req.symbol);
    if (this.triggered(type, req.side, req.triggerPrice, mark)) throw new PaperApiError(-2021, 'Order would immediately trigger.');
    const algo: AlgoOrderRecord = {
      algoId: this.nextOrderId++,
      clientAlgoId: req.clientAlgoId ?? `paper-${randomBytes(8).toString('hex')}`,
      algoType: 'CONDITIONAL',
      orderType: type,
      symbol: req.symbol,
      side: req.side,
      positionSide,
      timeInForce: req.timeInForce ?? 'GTC',
      quantity: qty,
      algoStatus: 'NEW',
      triggerPrice: req.triggerPrice,
      price: isLimit ? req.price! : 0,
      workingType: req.workingType ?? 'CONTRACT_PRICE',
      closePosition,
      reduceOnly: req.reduceOnly === true,
      createTime: this.time,
      updateTime: this.time,
      triggerTime: 0,
      actualOrderId: null,
      executedQty: 0,
      avgPrice: 0,
    };
    acc.algoOrders.set(algo.algoId, algo);
    acc.openAlgoOrders.set(algo.algoId, algo);
    return algo;
  }

  private triggered(type: AlgoOrderType, side: Side, trigger: number, mark: number): boolean {
    const stop = type === 'STOP' || type === 'STOP_MARKET';
    // Stops fire when the price moves against a position closed by `side`; take-profits the other way.
    return stop === (side === 'BUY') ? mark >= trigger : mark <= trigger;
  }

  cancelAlgoOrder(acc: PaperAccount, ref: { algoId?: number; clientAlgoId?: string }): AlgoOrderRecord {
    if (ref.algoId === undefined && ref.clientAlgoId === undefined) throw E.missingParam('algoId');
    let algo: AlgoOrderRecord | undefined;
    if (ref.algoId !== undefined) algo = acc.algoOrders.get(ref.algoId);
    else for (const a of acc.algoOrders.values()) if (a.clientAlgoId === ref.clientAlgoId) algo = a;
    if (algo === undefined || !acc.openAlgoOrders.has(algo.algoId)) throw E.unknownOrder();
    acc.openAlgoOrders.delete(algo.algoId);
    algo.algoStatus = 'CANCELED';
    algo.updateTime = this.time;
    return algo;
  }

  getAlgoOrder(acc: PaperAccount, ref: { algoId?: number; clientAlgoId?: string }): AlgoOrderRecord {
    if (ref.algoId !== undefined) {
      const a = acc.algoOrders.get(ref.algoId);
      if (a !== undefined) return a;
    } else if (ref.clientAlgoId !== undefined) {
      for (const a of acc.algoOrders.values()) if (a.clientAlgoId === ref.clientAlgoId) return a;
    } else throw E.missingParam('algoId');
    throw E.orderDoesNotExist();
  }

  /** DELETE /fapi/v1/algoOpenOrders. */
  cancelAllAlgoOpenOrders(acc: PaperAccount, symbol: string): number {
    this.market(symbol);
    let n = 0;
    for (const a of [...acc.openAlgoOrders.values()]) {
      if (a.symbol !== symbol) continue;
      acc.openAlgoOrders.delete(a.algoId);
      a.algoStatus = 'CANCELED';
      a.updateTime = this.time;
      n++;
    }
    return n;
  }

  listOpenAlgoOrders(acc: PaperAccount, symbol?: string): AlgoOrderRecord[] {
    if (symbol !== undefined) this.market(symbol);
    return [...acc.openAlgoOrders.values()].filter((a) => symbol === undefined || a.symbol === symbol);
  }

  // ───────────────────────────── history ─────────────────────────────

  private addIncome(acc: PaperAccount, symbol: string, type: IncomeRecord['incomeType'], amount: number, info: string, tradeId = ''): void {
    acc.income.push({ symbol, incomeType: type, income: amount, asset: 'USDT', info, time: this.time, tranId: this.nextTranId++, tradeId, visibleAt: this.time + this.historyDelayMs });
    acc.updateTime = this.time;
  }

  /**
   * GET /fapi/v1/income semantics: time-filtered, ascending; with startTime the first `limit`
   * records from it, otherwise the last `limit` of the recent 7 days (of market time).
   */
  incomeHistory(acc: PaperAccount, q: { symbol?: string; incomeType?: string; startTime?: number; endTime?: number; limit?: number }): IncomeRecord[] {
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const from = q.startTime ?? (q.endTime === undefined ? this.time - FORCE_ORDER_WINDOW_MS : -Infinity);
    const rows = acc.income.filter(
      (r) =>
        (q.symbol === undefined || r.symbol === q.symbol) &&
        (q.incomeType === undefined || r.incomeType === q.incomeType) &&
        r.visibleAt <= this.time &&
        r.time >= from &&
        (q.endTime === undefined || r.time <= q.endTime),
    );
    return q.startTime !== undefined ? rows.slice(0, limit) : rows.slice(-limit);
  }

  /**
   * GET /fapi/v1/forceOrders semantics: liquidations (clientOrderId "autoclose-…") and ADL
   * closes ("adl_autoclose"); rows carry no autoCloseType, the query parameter filters by it.
   */
  forceOrderHistory(acc: PaperAccount, q: { symbol?: string; autoCloseType?: string; startTime?: number; endTime?: number; limit?: number }): OrderRecord[] {
    const limit = Math.min(Math.max(q.limit ?? 50, 1), 100);
    const from = q.startTime ?? (q.endTime === undefined ? this.time - FORCE_ORDER_WINDOW_MS : -Infinity);
    const isAdl = (o: OrderRecord) => o.clientOrderId === 'adl_autoclose';
    const rows = acc.forceOrders.filter(
      (o) =>
        (q.symbol === undefined || o.symbol === q.symbol) &&
        (q.autoCloseType === undefined || (q.autoCloseType === 'ADL') === isAdl(o)) &&
        (acc.forceOrderVisibleAt.get(o.orderId) ?? o.time) <= this.time &&
        o.time >= from &&
        (q.endTime === undefined || o.time <= q.endTime),
    );
    return rows.slice(-limit);
  }

  userTrades(acc: PaperAccount, q: { symbol: string; startTime?: number; endTime?: number; limit?: number; fromId?: number }): TradeRecord[] {
    this.market(q.symbol);
    const limit = Math.min(Math.max(q.limit ?? 500, 1), 1000);
    const rows = acc.trades.filter(
      (t) =>
        t.symbol === q.symbol &&
        (q.fromId === undefined || t.id >= q.fromId) &&
        (q.startTime === undefined || t.time >= q.startTime) &&
        (q.endTime === undefined || t.time <= q.endTime),
    );
    return q.startTime !== undefined || q.fromId !== undefined ? rows.slice(0, limit) : rows.slice(-limit);
  }

  // ───────────────────────────── per-step processing ─────────────────────────────

  /** Triggers, limit fills and liquidations for every account at the current prices. */
  private process(): LiquidationEvent[] {
    const events: LiquidationEvent[] = [];
    for (const acc of this.accounts.values()) {
      if (acc.openAlgoOrders.size > 0) this.processAlgoOrders(acc);
      if (acc.openOrders.size > 0) this.processLimitOrders(acc);
      if (acc.positions.size > 0) events.push(...this.checkAccount(acc));
    }
    return events;
  }

  private processAlgoOrders(acc: PaperAccount): void {
    for (const a of [...acc.openAlgoOrders.values()]) {
      const mark = this.marks.get(a.symbol)?.price;
      if (mark === undefined || !this.triggered(a.orderType, a.side, a.triggerPrice, mark)) continue;
      acc.openAlgoOrders.delete(a.algoId);
      a.triggerTime = this.time;
      a.updateTime = this.time;
      try {
        let qty = a.quantity;
        if (a.closePosition) {
          const pos = acc.positions.get(posKey(a.symbol, a.positionSide));
          const closes = pos !== undefined && this.isClosing(acc, a.symbol, a.side, a.positionSide);
          if (!closes) {
            a.algoStatus = 'EXPIRED';
            continue;
          }
          qty = Math.abs(pos.amt);
        }
        const isLimit = a.orderType === 'STOP' || a.orderType === 'TAKE_PROFIT';
        const reduceOnly = a.closePosition || a.reduceOnly;
        const order = this.placeOrder(acc, {
          symbol: a.symbol,
          side: a.side,
          type: isLimit ? 'LIMIT' : 'MARKET',
          quantity: qty,
          price: isLimit ? a.price : undefined,
          positionSide: acc.dualSide ? a.positionSide : undefined,
          reduceOnly: acc.dualSide ? undefined : reduceOnly || undefined,
          timeInForce: isLimit ? a.timeInForce : undefined,
        });
        a.actualOrderId = order.orderId;
        a.executedQty = order.executedQty;
        a.avgPrice = order.avgPrice;
        a.algoStatus = order.status === 'NEW' ? 'TRIGGERED' : 'FINISHED';
      } catch (e) {
        if (!(e instanceof PaperApiError)) throw e;
        a.algoStatus = 'REJECTED';
      }
    }
  }

  private processLimitOrders(acc: PaperAccount): void {
    for (const o of [...acc.openOrders.values()]) {
      const mark = this.marks.get(o.symbol)?.price;
      if (mark === undefined) continue;
      if (o.side === 'BUY' ? mark > o.price : mark < o.price) continue;
      acc.openOrders.delete(o.orderId);
      let qty = o.origQty - o.executedQty;
      if (o.reduceOnly) {
        const pos = acc.positions.get(posKey(o.symbol, 'BOTH'));
        const can = pos !== undefined && (pos.amt > 0) === (o.side === 'SELL') ? Math.abs(pos.amt) : 0;
        qty = Math.min(qty, can);
        if (qty <= 0) {
          o.status = 'EXPIRED';
          o.updateTime = this.time;
          continue;
        }
      }
      try {
        this.fill(acc, o, qty, o.price, true);
        o.status = o.executedQty >= o.origQty - 1e-12 ? 'FILLED' : 'EXPIRED';
      } catch (e) {
        if (!(e instanceof PaperApiError)) throw e;
        o.status = 'EXPIRED';
        o.updateTime = this.time;
      }
    }
  }

  /**
   * The liquidation engine for one account. Cross pool: liquidated as a whole when its
   * maintenance margin ≥ its margin balance (cross wallet + cross uPnL). Isolated position:
   * liquidated alone when isolated wallet + uPnL ≤ its maintenance margin.
   */
  private checkAccount(acc: PaperAccount): LiquidationEvent[] {
    let crossMB = acc.crossWallet;
    let crossMM = 0;
    let crossCount = 0;
    const isolatedDue: Position[] = [];
    for (const p of acc.positions.values()) {
      const mark = this.markOr(p.symbol, p.entryPrice);
      const upnl = p.amt * (mark - p.entryPrice);
      const { mm } = maintenanceMargin(this.market(p.symbol).brackets, Math.abs(p.amt) * mark);
      if (p.marginType === 'ISOLATED') {
        if (p.isolatedWallet + upnl <= mm) isolatedDue.push(p);
      } else {
        crossMB += upnl;
        crossMM += mm;
        crossCount++;
      }
    }
    const events: LiquidationEvent[] = [];
    for (const p of isolatedDue) events.push(this.liquidateIsolated(acc, p));
    if (crossCount > 0 && crossMM >= crossMB) events.push(...this.liquidateCross(acc));
    for (const e of events) {
      this.liquidationLog.push(e);
      for (const l of this.listeners) l(e);
    }
    return events;
  }

  private cancelForLiquidation(acc: PaperAccount, symbols: Set<string>): void {
    for (const o of [...acc.openOrders.values()]) {
      if (!symbols.has(o.symbol)) continue;
      acc.openOrders.delete(o.orderId);
      o.status = 'CANCELED';
      o.updateTime = this.time;
    }
    for (const a of [...acc.openAlgoOrders.values()]) {
      if (!symbols.has(a.symbol)) continue;
      acc.openAlgoOrders.delete(a.algoId);
      a.algoStatus = 'CANCELED';
      a.updateTime = this.time;
    }
  }

  /** Closes one position (or `qty` of it, ADL) at the mark, books REALIZED_PNL and a force order. */
  private closeByLiquidation(acc: PaperAccount, p: Position, adl?: { qty: number; price: number }): { notional: number; realized: number; price: number } {
    const price = adl?.price ?? this.markOr(p.symbol, p.entryPrice);
    const qty = adl?.qty ?? Math.abs(p.amt);
    const closedAmt = Math.sign(p.amt) * qty;
    const realized = closedAmt * (price - p.entryPrice);
    const side: Side = p.amt > 0 ? 'SELL' : 'BUY';
    const order: OrderRecord = {
      orderId: this.nextOrderId++,
      // As Binance's docs example: liquidations "autoclose-<ms><seq>", ADL "adl_autoclose" (GTC).
      clientOrderId: adl ? 'adl_autoclose' : `autoclose-${this.time}${String(this.nextOrderId % 1_000_000).padStart(6, '0')}`,
      symbol: p.symbol,
      side,
      positionSide: p.positionSide,
      type: 'LIMIT',
      origType: 'LIMIT',
      price,
      avgPrice: price,
      origQty: qty,
      executedQty: qty,
      cumQuote: qty * price,
      status: 'FILLED',
      timeInForce: adl ? 'GTC' : 'IOC',
      reduceOnly: false,
      closePosition: false,
      stopPrice: 0,
      workingType: 'CONTRACT_PRICE',
      time: this.time,
      updateTime: this.time,
    };
    acc.orders.set(order.orderId, order);
    acc.forceOrders.push(order);
    if (this.historyDelayMs > 0) acc.forceOrderVisibleAt.set(order.orderId, this.time + this.historyDelayMs);
    const tradeId = this.nextTradeId++;
    acc.trades.push({
      id: tradeId,
      orderId: order.orderId,
      symbol: p.symbol,
      side,
      positionSide: p.positionSide,
      price,
      qty,
      quoteQty: qty * price,
      realizedPnl: realized,
      commission: 0,
      buyer: side === 'BUY',
      maker: false,
      time: this.time,
    });
    this.addIncome(acc, p.symbol, 'REALIZED_PNL', realized, '', String(tradeId));
    if (adl && qty < Math.abs(p.amt) - 1e-12) {
      if (p.marginType === 'ISOLATED') p.isolatedWallet *= 1 - qty / Math.abs(p.amt);
      p.amt -= closedAmt;
      p.updateTime = this.time;
    } else acc.positions.delete(posKey(p.symbol, p.positionSide));
    return { notional: qty * price, realized, price };
  }

  /**
   * Auto-deleveraging: the venue closes `qty` (default all) of a profitable position against a
   * bankrupt counterparty, at the mark (Binance uses the bankruptcy price of the other side; the
   * mark keeps the model simple). Recorded as Binance does: a force order with clientOrderId
   * "adl_autoclose" and REALIZED_PNL income; no clearance fee. Returns the realized PnL.
   */
  autoDeleverage(acc: PaperAccount, symbol: string, opts: { positionSide?: PositionSide; qty?: number } = {}): number {
    this.market(symbol);
    const p = [...acc.positions.values()].find((x) => x.symbol === symbol && (opts.positionSide === undefined || x.positionSide === opts.positionSide));
    if (p === undefined) throw new Error(`no ${symbol} position to auto-deleverage`);
    const qty = Math.min(opts.qty ?? Math.abs(p.amt), Math.abs(p.amt));
    if (!(qty > 0)) throw new Error('ADL quantity must be > 0');
    this.cancelForLiquidation(acc, new Set([symbol]));
    const wasIsolated = p.marginType === 'ISOLATED';
    const wallet = p.isolatedWallet;
    const { realized } = this.closeByLiquidation(acc, p, { qty, price: this.markOr(symbol, p.entryPrice) });
    const closedAll = !acc.positions.has(posKey(p.symbol, p.positionSide));
    if (wasIsolated) {
      // What the closed part's isolated margin and PnL leave returns to the cross wallet.
      const released = closedAll ? wallet : wallet * (qty / (qty + Math.abs(p.amt)));
      acc.crossWallet += released + realized;
    } else acc.crossWallet += realized;
    acc.updateTime = this.time;
    this.process();
    return realized;
  }

  private liquidateIsolated(acc: PaperAccount, p: Position): LiquidationEvent {
    this.cancelForLiquidation(acc, new Set([p.symbol]));
    const amt = p.amt;
    const { notional, realized, price } = this.closeByLiquidation(acc, p);
    let pool = p.isolatedWallet + realized;
    const fee = Math.min(notional * this.clearanceFee, Math.max(0, pool));
    if (fee > 0) this.addIncome(acc, p.symbol, 'INSURANCE_CLEAR', -fee, '');
    pool -= fee;
    const writtenOff = pool < 0 ? -pool : 0;
    acc.crossWallet += Math.max(0, pool);
    return { accountId: acc.id, kind: 'isolated', symbol: p.symbol, positionSide: p.positionSide, amt, price, notional, realizedPnl: realized, clearanceFee: fee, writtenOff, time: this.time };
  }

  private liquidateCross(acc: PaperAccount): LiquidationEvent[] {
    const cross = [...acc.positions.values()].filter((p) => p.marginType === 'CROSSED');
    const crossSymbols = new Set<string>();
    for (const [symbol, cfg] of acc.symbolConfig) if (cfg.marginType === 'CROSSED') crossSymbols.add(symbol);
    for (const p of cross) crossSymbols.add(p.symbol);
    this.cancelForLiquidation(acc, crossSymbols);
    const closed = cross.map((p) => ({ p, amt: p.amt, ...this.closeByLiquidation(acc, p) }));
    acc.crossWallet += closed.reduce((s, c) => s + c.realized, 0);
    const events: LiquidationEvent[] = [];
    for (const c of closed) {
      const fee = Math.min(c.notional * this.clearanceFee, Math.max(0, acc.crossWallet));
      if (fee > 0) this.addIncome(acc, c.p.symbol, 'INSURANCE_CLEAR', -fee, '');
      acc.crossWallet -= fee;
      events.push({ accountId: acc.id, kind: 'cross', symbol: c.p.symbol, positionSide: c.p.positionSide, amt: c.amt, price: c.price, notional: c.notional, realizedPnl: c.realized, clearanceFee: fee, writtenOff: 0, time: this.time });
    }
    if (acc.crossWallet < 0) {
      // A gap beyond bankruptcy: the insurance fund absorbs the negative balance.
      events[events.length - 1]!.writtenOff = -acc.crossWallet;
      acc.crossWallet = 0;
    }
    acc.updateTime = this.time;
    return events;
  }
}
