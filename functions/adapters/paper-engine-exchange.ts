/**
 * ExchangePort straight over the paper exchange's engine, in process: no HTTP, no ccxt, no
 * signatures. Replays use it to run thousands of guard ticks a second; what it returns is what
 * the ccxt Binance USDⓈ-M adapter makes of the same engine state over the wire.
 */
import { randomBytes } from 'node:crypto';
import { asBinanceError, maintenanceMargin, type PaperAccount, type PaperEngine } from '../../paper/index.ts';
import { historyFromBinance, incomeId, readAllPagesSync } from '../venues/binanceusdm/history.ts';
import { backstopOfAlgoOrder } from '../venues/binanceusdm/schemas.ts';
import { AccountSnapshotSchema, type AccountSnapshot, type MaintenanceTier, type Position } from '../domain/snapshot.ts';
import { ExchangeAuthError, ExchangeDataError, ExchangeUnavailableError, type RiskGuardError } from '../errors.ts';
import type { BackstopStatus, ExchangePort, KeyDiagnosis, OrderRequest, OrderResult, AccountHistory, VenueBackstop, WantedBackstop } from '../ports.ts';
import { BACKSTOP_PREFIX } from '../domain/backstop.ts';
import { formatIssues } from '../validation.ts';

/** One order the venue executed for the guard (for replay reports). */
export type PaperOrderEvent = Omit<OrderResult, 'id'> & {
  /** Market time of the fill, ms. */
  at: number;
  /** The account had no position left after this order. */
  flatAfter: boolean;
};

export interface PaperEngineExchangeOptions {
  readonly engine: PaperEngine;
  /** The engine account this port reads and trades (PaperAccount.id). */
  readonly accountId: string;
  /**
   * Market time one venue round trip takes (ms): half passes before the venue reads or fills,
   * half after. Parallel requests (a snapshot's three reads) count as one round trip, sequential
   * ones (cancel-all's per-symbol reads and cancels) one each, as the ccxt adapter sends them.
   * @default 0 (the venue answers in no market time)
   */
  readonly latencyMs?: number;
  /** Moves market time forward by `ms` (a replay's stepper). @default engine.advanceBy */
  readonly advance?: (ms: number) => void;
  /** The asset the account's amounts are in, as a venue adapter's snapshot names it. @default none (USDT) */
  readonly currency?: string;
  /** Called after every order the engine executed. */
  readonly onOrder?: (o: PaperOrderEvent) => void;
  /** Parse each snapshot with AccountSnapshotSchema, as the ccxt adapter does. @default true */
  readonly validate?: boolean;
}

const AUTH_CODES = new Set([-2014, -2015, -1022]);
/** Binance order statuses as ccxt unifies them. */
const STATUS: Record<string, string> = { NEW: 'open', PARTIALLY_FILLED: 'open', FILLED: 'closed', CANCELED: 'canceled', EXPIRED: 'expired', REJECTED: 'rejected' };

export class PaperEngineExchange implements ExchangePort {
  readonly id = 'paper-engine';
  private readonly engine: PaperEngine;
  private readonly account: PaperAccount;
  private readonly halfLatency: number;
  private readonly advance: (ms: number) => void;
  private readonly onOrder: ((o: PaperOrderEvent) => void) | undefined;
  private readonly validate: boolean;
  private readonly currency: string | undefined;
  private readonly tiers = new Map<string, MaintenanceTier[]>();

  constructor(opts: PaperEngineExchangeOptions) {
    const latency = opts.latencyMs ?? 0;
    if (!(latency >= 0 && Number.isFinite(latency))) throw new RangeError(`latencyMs must be ≥ 0, got ${latency}`);
    this.engine = opts.engine;
    this.account = opts.engine.getAccount(opts.accountId);
    this.halfLatency = latency / 2;
    this.advance = opts.advance ?? ((ms) => void opts.engine.advanceBy(ms));
    this.onOrder = opts.onOrder;
    this.validate = opts.validate ?? true;
    this.currency = opts.currency;
  }

  /** One venue round trip: half the latency, the venue's work, the other half. */
  private trip<T>(what: string, fn: () => T): T {
    if (this.halfLatency > 0) this.advance(this.halfLatency);
    let out: T;
    try {
      out = fn();
    } catch (err) {
      throw this.classify(err, what);
    }
    if (this.halfLatency > 0) this.advance(this.halfLatency);
    return out;
  }

  private classify(err: unknown, what: string): RiskGuardError {
    // The engine rejects in neutral reasons; this port stands for the Binance venue, so in Binance's words.
    const api = asBinanceError(err);
    const message = api?.message ?? (err instanceof Error ? err.message : String(err));
    if (api !== undefined) {
      const text = `${this.id} ${what}: ${api.code} ${message}`;
      if (AUTH_CODES.has(api.code)) return new ExchangeAuthError(text, { cause: err });
      if (api.code === -1003 || api.httpStatus >= 500) return new ExchangeUnavailableError(text, { cause: err });
      return new ExchangeDataError(text, { cause: err });
    }
    return new ExchangeDataError(`${this.id} ${what}: ${message}`, { cause: err });
  }

  private tiersOf(symbol: string): MaintenanceTier[] {
    let t = this.tiers.get(symbol);
    if (t === undefined) {
      t = [...this.engine.market(symbol).brackets]
        .sort((a, b) => a.notionalFloor - b.notionalFloor)
        .map((b) => ({ notionalFloor: b.notionalFloor, rate: b.maintMarginRatio, amount: b.cum }));
      this.tiers.set(symbol, t);
    }
    return t;
  }

  async fetchSnapshot(): Promise<AccountSnapshot> {
    const snapshot = this.trip('fetchSnapshot', () => this.read());
    if (!this.validate) return snapshot;
    const r = AccountSnapshotSchema.safeParse(snapshot);
    if (!r.success) throw new ExchangeDataError(`${this.id}: the account does not map to a valid snapshot:\n${formatIssues(r.error)}`);
    return r.data;
  }

  /** account v3 + positionRisk v3 + premiumIndex, as the ccxt adapter maps them. */
  private read(): AccountSnapshot {
    const e = this.engine;
    const acc = this.account;
    const positions: Position[] = [];
    let maintenance = 0;
    let marginBalance = acc.crossWallet;
    for (const p of acc.positions.values()) {
      if (p.amt === 0) continue;
      const mark = e.mark(p.symbol);
      const markPrice = mark?.price ?? p.entryPrice;
      const brackets = e.market(p.symbol).brackets;
      maintenance += maintenanceMargin(brackets, Math.abs(p.amt) * markPrice).mm;
      marginBalance += p.isolatedWallet + p.amt * (markPrice - p.entryPrice);
      const isolated = p.marginType === 'ISOLATED';
      positions.push({
        symbol: p.symbol,
        side: p.positionSide === 'LONG' ? 'long' : p.positionSide === 'SHORT' ? 'short' : p.amt > 0 ? 'long' : 'short',
        contracts: Math.abs(p.amt),
        entryPrice: p.entryPrice,
        markPrice,
        marginMode: isolated ? 'isolated' : 'cross',
        leverage: e.leverageOf(acc, p.symbol, p.marginType),
        maintenanceTiers: this.tiersOf(p.symbol),
        ...(isolated ? { isolatedWallet: p.isolatedWallet } : {}),
        ...(mark !== null ? { markTimestamp: mark.time, indexPrice: mark.price } : {}),
      });
    }
    return {
      exchange: this.id,
      ...(this.currency !== undefined ? { currency: this.currency } : {}),
      timestamp: e.now(),
      crossWalletBalance: acc.crossWallet,
      exchangeTotals: { maintenanceMargin: maintenance, marginBalance },
      positions,
    };
  }

  async fetchHistory(since: number): Promise<AccountHistory> {
    return this.trip('fetchHistory', () => {
      const e = this.engine;
      // As the ccxt adapter: Binance's income (limit 1000) and forceOrders (limit 100) over
      // [since, market now], every page.
      const end = Math.max(since, e.now());
      const income = readAllPagesSync(`${this.id} income`, (startTime, endTime) => e.incomeHistory(this.account, { startTime, endTime, limit: 1000 }), incomeId, since, end, 1000, (i) => i.time);
      const forced = readAllPagesSync(`${this.id} forceOrders`, (startTime, endTime) => e.forceOrderHistory(this.account, { startTime, endTime, limit: 100 }), (o) => `force:${o.orderId}`, since, end, 100);
      return historyFromBinance(income, forced, since, 'USDT', end);
    });
  }

  async cancelAllOrders(symbols: string[] | 'all'): Promise<number> {
    let n = 0;
    const targets =
      symbols === 'all'
        ? this.trip('fetchOpenOrders (all symbols)', () => [
            ...new Set([...this.engine.listOpenOrders(this.account), ...this.engine.listOpenAlgoOrders(this.account)].map((o) => o.symbol)),
          ])
        : symbols;
    for (const s of targets) {
      // As the ccxt adapter: list plain and conditional orders, cancel each kind if any.
      const plain = this.trip(`fetchOpenOrders ${s}`, () => this.engine.listOpenOrders(this.account, s).length);
      const algo = this.trip(`fetchOpenOrders ${s} (conditional)`, () => this.engine.listOpenAlgoOrders(this.account, s).length);
      if (plain > 0) this.trip(`cancelAllOrders ${s}`, () => this.engine.cancelAllOpenOrders(this.account, s));
      if (algo > 0) this.trip(`cancelAllOrders ${s} (conditional)`, () => this.engine.cancelAllAlgoOpenOrders(this.account, s));
      n += plain + algo;
    }
    return n;
  }

  async reduceOnlyMarket(o: OrderRequest): Promise<OrderResult> {
    const what = `createOrder ${o.symbol}`;
    if (!this.account.canTrade) throw new ExchangeAuthError(`${this.id} ${what}: -2015 the key cannot trade`);
    const m = this.market(o.symbol, what);
    // Nearest lot, as the ccxt adapter: a reduce-only order a hair too large is shrunk, never flipped.
    const amount = Number((Math.round(o.amount / m.stepSize) * m.stepSize).toFixed(m.quantityPrecision));
    if (!(amount > 0)) throw new ExchangeDataError(`${this.id}: ${o.amount} ${o.symbol} rounds to zero at the venue's lot size`);
    const hedged = this.account.dualSide;
    const order = this.trip(what, () =>
      this.engine.placeOrder(this.account, {
        symbol: o.symbol,
        side: o.side === 'buy' ? 'BUY' : 'SELL',
        type: 'MARKET',
        quantity: amount,
        ...(hedged ? { positionSide: o.positionSide === 'long' ? 'LONG' : 'SHORT' } : { reduceOnly: true }),
      }),
    );
    const result: OrderResult = {
      id: String(order.orderId),
      symbol: o.symbol,
      side: o.side,
      amount,
      filled: order.executedQty,
      averagePrice: order.avgPrice > 0 ? order.avgPrice : null,
      status: STATUS[order.status] ?? order.status.toLowerCase(),
    };
    this.onOrder?.({
      at: order.updateTime,
      symbol: o.symbol,
      side: o.side,
      amount,
      filled: result.filled,
      averagePrice: result.averagePrice,
      status: result.status,
      flatAfter: this.account.positions.size === 0,
    });
    return result;
  }

  async maxMarketQuantity(symbol: string): Promise<number | null> {
    return this.market(symbol, 'maxMarketQuantity').marketMaxQty;
  }

  async quantityStep(symbol: string): Promise<number | null> {
    return this.market(symbol, 'quantityStep').stepSize;
  }

  /** exchangeInfo, which ccxt loads once: no round trip. */
  /** The guard's backstops (client id prefix rg-bs-), as the ccxt adapter lists them. */
  async listBackstops(symbols: string[] | 'all'): Promise<VenueBackstop[]> {
    const rows = this.trip('fetchOpenAlgoOrders', () =>
      symbols === 'all' ? this.engine.listOpenAlgoOrders(this.account) : symbols.flatMap((s) => this.engine.listOpenAlgoOrders(this.account, s)),
    );
    return rows
      .filter((r) => r.clientAlgoId.startsWith(BACKSTOP_PREFIX) && r.orderType === 'STOP_MARKET')
      .map(backstopOfAlgoOrder);
  }

  /** A closePosition STOP_MARKET on the mark, as the ccxt adapter places it. */
  async placeBackstop(stop: WantedBackstop): Promise<VenueBackstop> {
    const what = `createAlgoOrder ${stop.symbol}`;
    if (!this.account.canTrade) throw new ExchangeAuthError(`${this.id} ${what}: -2015 the key cannot trade`);
    const m = this.market(stop.symbol, what);
    const triggerPrice = Number(stop.stopPrice.toFixed(m.pricePrecision));
    const a = this.trip(what, () =>
      this.engine.placeAlgoOrder(this.account, {
        symbol: stop.symbol,
        side: stop.side === 'long' ? 'SELL' : 'BUY',
        type: 'STOP_MARKET',
        triggerPrice,
        closePosition: true,
        workingType: 'MARK_PRICE',
        clientAlgoId: `${BACKSTOP_PREFIX}${randomBytes(10).toString('hex')}`,
        ...(this.account.dualSide ? { positionSide: stop.side === 'long' ? 'LONG' : 'SHORT' } : {}),
      }),
    );
    return { id: String(a.algoId), symbol: stop.symbol, side: stop.side, stopPrice: a.triggerPrice };
  }

  async cancelBackstop(stop: VenueBackstop): Promise<void> {
    this.trip(`cancelAlgoOrder ${stop.symbol}`, () => this.engine.cancelAlgoOrder(this.account, { algoId: Number(stop.id) }));
  }

  async backstopStatus(stop: VenueBackstop): Promise<BackstopStatus> {
    const a = this.trip(`fetchAlgoOrder ${stop.symbol}`, () => this.engine.getAlgoOrder(this.account, { algoId: Number(stop.id) }));
    if (a.algoStatus === 'NEW') return 'open';
    if (a.algoStatus === 'CANCELED' || a.algoStatus === 'EXPIRED') return 'cancelled';
    return a.algoStatus === 'REJECTED' ? 'rejected' : 'fired';
  }

  private market(symbol: string, what: string): ReturnType<PaperEngine['market']> {
    try {
      return this.engine.market(symbol);
    } catch (err) {
      throw this.classify(err, what);
    }
  }

  keyCanWithdraw(): boolean | null {
    return this.account.enableWithdrawals;
  }

  async diagnose(): Promise<KeyDiagnosis> {
    return {
      canRead: true,
      canTrade: this.account.canTrade,
      canWithdraw: this.account.enableWithdrawals,
      clockSkewMs: 0,
      notes: ['in-process paper engine: no network, market time is the engine clock'],
    };
  }
}
