import { AsyncLocalStorage } from 'node:async_hooks';
import type * as z from 'zod';
import { AccountSnapshotSchema, type AccountSnapshot, type Position } from '../../domain/snapshot.ts';
import type { MarketSpec } from '../../domain/pre-trade.ts';
import { ExchangeDataError } from '../../errors.ts';
import { formatIssues } from '../../validation.ts';
import type { AccountHistory, ExchangePort, KeyDiagnosis, Logger, OrderRequest, OrderResult } from '../../ports.ts';
import { classifyCcxtError, scrub, type CallContext } from '../ccxt-errors.ts';
import { hookCcxtTransport } from '../ccxt-transport.ts';
import type { RedirectFetch } from '../transport.ts';
import { ORDERLY_ERRORS } from './errors.ts';
import { historyFromOrderly } from './history.ts';
import { legFromRow } from './mapping.ts';
import { maintenanceCurveOf, MarketMarginSchema } from './margin.ts';
import type { MaintenanceCurve } from '../../domain/snapshot.ts';
import {
  AlgoOrdersSchema,
  AssetHistorySchema,
  FundingFeesSchema,
  FuturesSchema,
  HoldingSchema,
  KeyInfoSchema,
  LiquidationsSchema,
  OrderAckSchema,
  OrdersSchema,
  PositionsSchema,
  SystemInfoSchema,
  TradesSchema,
} from './schemas.ts';
import { woofipro } from './transport.ts';
import { ORDERLY_FACTS } from './facts.ts';

/**
 * Orderly through ccxt's `woofipro` class (a broker front-end of Orderly: every broker class
 * reaches the same Orderly API; the account id decides the broker). What ccxt does right is used:
 * markets (GET /v1/public/info), ed25519 request signing, error-code mapping.
 *
 * BYPASSED — ccxt's unified methods are wrong for Orderly's margin modes: woofipro's parsePosition
 * hard-codes marginMode 'cross' and fetchPositions sends no margin_mode, so it reads the CROSS leg
 * only and labels it; its createOrder does not carry margin_mode (features.createOrder.marginMode
 * false). So positions, orders, cancels, balances and history go through ccxt's IMPLICIT API
 * methods (still ccxt-signed) with the venue's own parameters, validated by zod here:
 * v1PrivateGetPositions({margin_mode}) twice, v1PrivatePostOrder({…, reduce_only, margin_mode}).
 */

type Raw = Record<string, ((params?: Record<string, unknown>) => Promise<unknown>) | undefined>;

export interface OrderlyOptions {
  accountId: string;
  orderlyKey: string;
  orderlySecret: string;
  fetchImplementation?: RedirectFetch;
  log?: Logger;
  timeoutMs?: number;
}

const inFlight = new AsyncLocalStorage<CallContext & { marketTime?: number }>();
const PAGE = 500;
/** The guard warns this long before the key expires. */
const EXPIRY_WARNING_MS = 14 * 86_400_000;

export class OrderlyExchange implements ExchangePort {
  readonly id = 'orderly';
  private readonly ccxt: InstanceType<typeof woofipro>;
  private readonly raw: Raw;
  private readonly log: Logger | undefined;
  private readonly baseUrl: string | undefined;
  private marketsLoaded: Promise<unknown> | null = null;
  private marketTimeSeen: number | undefined;
  private canWithdraw: boolean | null = null;

  constructor(opts: OrderlyOptions) {
    this.ccxt = new woofipro({
      apiKey: opts.orderlyKey,
      secret: opts.orderlySecret,
      accountId: opts.accountId,
      enableRateLimit: false,
      timeout: opts.timeoutMs ?? 10_000,
      ...(opts.fetchImplementation ? { fetchImplementation: opts.fetchImplementation } : {}),
      options: { fetchCurrencies: false },
    });
    this.raw = this.ccxt as unknown as Raw;
    this.log = opts.log;
    this.baseUrl = opts.fetchImplementation?.baseUrl;
    this.hookTransport();
  }

  private hookTransport(): void {
    hookCcxtTransport(this.ccxt, inFlight, {
      realUrl: (url) => url.split('?')[0]!.replace(ORDERLY_ERRORS.origins!, this.baseUrl ?? '$&'),
      onMarketTime: (t) => (this.marketTimeSeen = t),
    });
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const ctx: CallContext & { marketTime?: number } = this.baseUrl ? { baseUrl: this.baseUrl } : {};
    try {
      return await inFlight.run(ctx, fn);
    } catch (err) {
      throw classifyCcxtError(err, ORDERLY_ERRORS, what, ctx);
    }
  }

  /** One implicit-API call, its answer validated. */
  private async rawCall<S extends z.ZodType>(method: string, schema: S, params: Record<string, unknown> = {}): Promise<z.output<S>> {
    const body = await this.call(method, () => this.raw[method]!.call(this.ccxt, params));
    const r = schema.safeParse(body);
    if (!r.success) throw new ExchangeDataError(`${this.id} ${method}: unexpected response:\n${formatIssues(r.error)}`, { cause: r.error });
    return r.data;
  }

  private loadMarkets(): Promise<unknown> {
    this.marketsLoaded ??= this.call('loadMarkets', () => this.ccxt.loadMarkets()).catch((err: unknown) => {
      this.marketsLoaded = null;
      throw err;
    });
    return this.marketsLoaded;
  }

  private venueNow(): number {
    return this.marketTimeSeen ?? Date.now();
  }

  async fetchMarks(): Promise<Record<string, number>> {
    const r = await this.rawCall('v1PublicGetPublicFutures', FuturesSchema);
    return Object.fromEntries(r.data.rows.map((m) => [m.symbol, m.mark_price]));
  }

  /**
   * Both legs of every symbol: GET /v1/positions answers ONE margin mode per call (CROSS when
   * margin_mode is not sent), so the adapter asks for CROSS and for ISOLATED and keeps each row's
   * mode from the request it answered (https://orderly.network/docs/build-on-omnichain/user-flows/isolated-margin).
   */
  async fetchSnapshot(): Promise<AccountSnapshot> {
    await this.loadMarkets();
    const [holding, cross, isolated, futures] = await Promise.all([
      this.rawCall('v1PrivateGetClientHolding', HoldingSchema),
      this.rawCall('v1PrivateGetPositions', PositionsSchema, { margin_mode: 'CROSS' }),
      this.rawCall('v1PrivateGetPositions', PositionsSchema, { margin_mode: 'ISOLATED' }),
      this.rawCall('v1PublicGetPublicFutures', FuturesSchema),
    ]);
    const usdc = holding.data.holding.find((h) => h.token === 'USDC');
    if (usdc === undefined) throw new ExchangeDataError(`${this.id}: the account holds no USDC entry (Orderly's collateral)`);
    const index = new Map(futures.data.rows.map((r) => [r.symbol, r.index_price]));
    const wrongMode = [...cross.data.rows.filter((r) => r.margin_mode === 'ISOLATED'), ...isolated.data.rows.filter((r) => r.margin_mode === 'CROSS')];
    if (wrongMode.length) throw new ExchangeDataError(`${this.id}: positions answered for the other margin mode than asked (${wrongMode.map((r) => r.symbol).join(', ')})`);
    const open = [...cross.data.rows, ...isolated.data.rows].filter((r) => r.position_qty !== 0);
    const curves = new Map(await Promise.all([...new Set(open.map((r) => r.symbol))].map(async (s) => [s, await this.maintenanceCurve(s)] as const)));
    const positions: Position[] = [
      ...cross.data.rows.filter((r) => r.position_qty !== 0).map((r) => legFromRow(r, 'cross', index.get(r.symbol), curves.get(r.symbol)!)),
      ...isolated.data.rows.filter((r) => r.position_qty !== 0).map((r) => legFromRow(r, 'isolated', index.get(r.symbol), curves.get(r.symbol)!)),
    ];
    // The holding counts the isolated legs' collateral too; the cross pool's wallet is the rest.
    const isolatedMargin = positions.reduce((s, p) => s + (p.isolatedWallet ?? 0), 0);
    const snapshot = {
      exchange: this.id,
      currency: ORDERLY_FACTS.settlement,
      timestamp: this.venueNow(),
      crossWalletBalance: usdc.holding - isolatedMargin,
      positions,
    };
    const r = AccountSnapshotSchema.safeParse(snapshot);
    if (!r.success) throw new ExchangeDataError(`${this.id}: the account does not map to a valid snapshot (bad data from the venue, not a position to act on):\n${formatIssues(r.error)}`);
    return r.data;
  }

  async fetchHistory(since: number): Promise<AccountHistory> {
    await this.rawCall('v1PublicGetPublicSystemInfo', SystemInfoSchema);
    const end = Math.max(since, this.venueNow());
    const q = { start_t: since, end_t: end, size: PAGE, page: 1 };
    const all = async <S extends z.ZodType<{ data: { rows: unknown[] } }>>(method: string, schema: S): Promise<z.output<S>['data']['rows']> => {
      const rows: unknown[] = [];
      for (let page = 1; page <= 50; page++) {
        const r = (await this.rawCall(method, schema, { ...q, page })) as { data: { rows: unknown[] } };
        rows.push(...r.data.rows);
        if (r.data.rows.length < PAGE) return rows as z.output<S>['data']['rows'];
      }
      throw new ExchangeDataError(`${this.id} ${method}: more than 50 pages of history since ${since}`);
    };
    const [assets, liquidations, funding, trades] = await Promise.all([
      all('v1PrivateGetAssetHistory', AssetHistorySchema),
      all('v1PrivateGetLiquidations', LiquidationsSchema),
      all('v1PrivateGetFundingFeeHistory', FundingFeesSchema),
      all('v1PrivateGetTrades', TradesSchema),
    ]);
    return historyFromOrderly({ assets, liquidations, funding, trades } as Parameters<typeof historyFromOrderly>[0], since, end);
  }

  /** Plain and conditional (algo) orders, per symbol: DELETE /v1/orders and /v1/algo/orders cancel both modes' orders of a symbol. */
  async cancelAllOrders(symbols: string[] | 'all'): Promise<number> {
    const [plain, algo] = await Promise.all([
      this.rawCall('v1PrivateGetOrders', OrdersSchema, { status: 'INCOMPLETE', size: PAGE }),
      this.rawCall('v1PrivateGetAlgoOrders', AlgoOrdersSchema, { status: 'INCOMPLETE', size: PAGE }),
    ]);
    const want = (s: string) => symbols === 'all' || symbols.includes(s);
    const plainSyms = new Set(plain.data.rows.filter((o) => want(o.symbol)).map((o) => o.symbol));
    const algoSyms = new Set(algo.data.rows.filter((o) => want(o.symbol)).map((o) => o.symbol));
    await Promise.all([
      ...[...plainSyms].map((symbol) => this.call(`cancelAllOrders ${symbol}`, () => this.raw.v1PrivateDeleteOrders!.call(this.ccxt, { symbol }))),
      ...[...algoSyms].map((symbol) => this.call(`cancelAllOrders ${symbol} (conditional)`, () => this.raw.v1PrivateDeleteAlgoOrders!.call(this.ccxt, { symbol }))),
    ]);
    return plain.data.rows.filter((o) => want(o.symbol)).length + algo.data.rows.filter((o) => want(o.symbol)).length;
  }

  /** A reduce-only MARKET order carrying the leg's own margin mode (bypasses ccxt's createOrder, which drops margin_mode). */
  async reduceOnlyMarket(o: OrderRequest): Promise<OrderResult> {
    const step = await this.quantityStep(o.symbol);
    const amount = step ? Number((Math.round(o.amount / step) * step).toFixed(12)) : o.amount;
    if (!(amount > 0)) throw new ExchangeDataError(`${this.id}: ${o.amount} ${o.symbol} rounds to zero at the venue's lot size`);
    const ack = await this.rawCall('v1PrivatePostOrder', OrderAckSchema, {
      symbol: o.symbol,
      order_type: 'MARKET',
      side: o.side === 'buy' ? 'BUY' : 'SELL',
      order_quantity: amount,
      reduce_only: true,
      margin_mode: o.marginMode === 'isolated' ? 'ISOLATED' : 'CROSS',
    });
    this.log?.info('order placed', { exchange: this.id, symbol: o.symbol, side: o.side, amount, marginMode: o.marginMode, id: ack.data.order_id });
    // Orderly acknowledges a market order without its fills; the close loop re-reads the legs.
    return { id: String(ack.data.order_id), symbol: o.symbol, side: o.side, amount, filled: 0, averagePrice: null, status: 'submitted' };
  }

  private async market(symbol: string): Promise<{ precision?: { amount?: number }; limits?: { amount?: { max?: number } }; info?: unknown } | undefined> {
    await this.loadMarkets();
    const byId = this.ccxt.markets_by_id as Record<string, { symbol: string }[]> | undefined;
    const unified = byId?.[symbol]?.[0]?.symbol;
    return unified ? (this.ccxt.markets as Record<string, never>)[unified] : undefined;
  }

  async maxMarketQuantity(symbol: string): Promise<number | null> {
    const max = (await this.market(symbol))?.limits?.amount?.max;
    return max !== undefined && max > 0 ? max : null;
  }

  async quantityStep(symbol: string): Promise<number | null> {
    const step = (await this.market(symbol))?.precision?.amount;
    return step !== undefined && step > 0 ? step : null;
  }

  /** The market's maintenance curve from its GET /v1/public/info row (base_mmr, base_imr, imr_factor). */
  private async maintenanceCurve(symbol: string): Promise<MaintenanceCurve> {
    const m = await this.market(symbol);
    if (m === undefined) throw new ExchangeDataError(`${this.id}: a position on ${symbol}, which the venue's market list (GET /v1/public/info) does not hold`);
    const r = MarketMarginSchema.safeParse(m.info);
    if (!r.success) throw new ExchangeDataError(`${this.id} ${symbol}: the market's margin parameters are unusable:\n${formatIssues(r.error)}`, { cause: r.error });
    return maintenanceCurveOf(r.data);
  }

  async marketSpec(symbol: string): Promise<MarketSpec> {
    const m = await this.market(symbol);
    const lotStep = m?.precision?.amount;
    if (m === undefined || lotStep === undefined) throw new ExchangeDataError(`${this.id}: no market ${symbol}`);
    const curve = await this.maintenanceCurve(symbol);
    const marks = await this.fetchMarks();
    const mark = marks[symbol];
    if (mark === undefined) throw new ExchangeDataError(`${this.id}: no mark for ${symbol}`);
    // The curve re-chooses MM at the order's new notional (the tier is its floor, for readers of tiers).
    return { symbol, markPrice: mark, lotStep, maintenanceTiers: [{ notionalFloor: 0, rate: curve.floorRate, amount: 0 }], maintenanceCurve: curve, takerFee: null };
  }

  keyCanWithdraw(): boolean | null {
    return this.canWithdraw;
  }

  async diagnose(): Promise<KeyDiagnosis> {
    const notes: string[] = [];
    const before = Date.now();
    const sys = await this.rawCall('v1PublicGetPublicSystemInfo', SystemInfoSchema);
    const clockSkewMs = Math.round((before + Date.now()) / 2 - sys.timestamp);
    let canRead = false;
    try {
      await this.fetchSnapshot();
      canRead = true;
    } catch (err) {
      notes.push(`read failed: ${scrub((err as Error).message)}`);
    }
    let canTrade: boolean | null = null;
    try {
      const k = await this.rawCall('v1PrivateGetClientKeyInfo', KeyInfoSchema);
      const scopes = k.data.scope.split(',').map((s) => s.trim());
      canTrade = scopes.includes('trading');
      this.canWithdraw = scopes.includes('asset');
      if (this.canWithdraw) notes.push('THE KEY HAS THE `asset` SCOPE (withdrawals): a guard needs `read` and `trading` only; register a key without it');
      if (k.data.expiration !== undefined) {
        const left = k.data.expiration - Date.now();
        if (left < EXPIRY_WARNING_MS) notes.push(`the Orderly key expires ${left <= 0 ? 'NOW (expired)' : `in ${(left / 86_400_000).toFixed(1)} days`}: register a new one with the wallet before it does`);
      }
    } catch (err) {
      notes.push(`key scopes could not be read: ${scrub((err as Error).message)}`);
    }
    return { canRead, canTrade, canWithdraw: this.canWithdraw, clockSkewMs, notes };
  }
}
