import { FORCE_ORDER_WINDOW_MS, posKey, type PaperAccount } from './account.ts';
import { TriggerOrderBook } from './trigger-orders.ts';
import type { IncomeRecord, LiquidationEvent, OrderRecord, Position, PositionSide, Side, TradeRecord } from './types.ts';

/**
 * The paper venue's engine: accounts, positions, orders, mark prices, a market clock, funding and
 * a liquidation engine, venue-neutral (no HTTP, no venue error codes: requests it refuses throw a
 * PaperReject). Dialects (paper/dialects/) put a venue's API on it; replays drive it in process.
 *
 * Layers, each in its own file: VenueState (clock, prices, funding) → AccountBook → RiskBook →
 * OrderBook → TriggerOrderBook → PaperEngine (history, per-step processing, liquidation, ADL).
 */
export class PaperEngine extends TriggerOrderBook {
  // ───────────────────────────── history ─────────────────────────────

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
  protected process(): LiquidationEvent[] {
    const events: LiquidationEvent[] = [];
    for (const acc of this.accounts.values()) {
      if (acc.openAlgoOrders.size > 0) this.processAlgoOrders(acc);
      if (acc.openOrders.size > 0) this.processLimitOrders(acc);
      if (acc.positions.size > 0) events.push(...this.checkAccount(acc));
    }
    return events;
  }

  protected checkAccount(acc: PaperAccount): LiquidationEvent[] {
    let crossMB = acc.crossWallet;
    let crossMM = 0;
    let crossCount = 0;
    const isolatedDue: { p: Position; pool: { marginBalance: number; maintMargin: number } }[] = [];
    for (const p of acc.positions.values()) {
      const mark = this.markOr(p.symbol, p.entryPrice);
      const upnl = p.amt * (mark - p.entryPrice);
      const notional = Math.abs(p.amt) * mark;
      const mm = this.maintenanceAt(p.symbol, notional).mm + notional * this.liquidationFeeRate;
      if (p.marginType === 'ISOLATED') {
        if (p.isolatedWallet + upnl <= mm) isolatedDue.push({ p, pool: { marginBalance: p.isolatedWallet + upnl, maintMargin: mm } });
      } else {
        crossMB += upnl;
        crossMM += mm;
        crossCount++;
      }
    }
    const events: LiquidationEvent[] = [];
    for (const { p, pool } of isolatedDue) events.push(this.liquidateIsolated(acc, p, pool));
    if (crossCount > 0 && crossMM >= crossMB) events.push(...this.liquidateCross(acc, { marginBalance: crossMB, maintMargin: crossMM }));
    for (const e of events) {
      this.liquidationLog.push(e);
      for (const l of this.listeners) l(e);
    }
    return events;
  }

  protected cancelForLiquidation(acc: PaperAccount, symbols: Set<string>): void {
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
  protected closeByLiquidation(acc: PaperAccount, p: Position, adl?: { qty: number; price: number }): { notional: number; realized: number; price: number } {
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
    } else acc.positions.delete(posKey(p.symbol, p.positionSide, p.marginType));
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
    const closedAll = !acc.positions.has(posKey(p.symbol, p.positionSide, p.marginType));
    if (wasIsolated) {
      // What the closed part's isolated margin and PnL leave returns to the cross wallet.
      const released = closedAll ? wallet : wallet * (qty / (qty + Math.abs(p.amt)));
      acc.crossWallet += released + realized;
    } else acc.crossWallet += realized;
    acc.updateTime = this.time;
    this.process();
    return realized;
  }

  /** True when a pool liquidated at `pool` goes to the backstop liquidator (see EngineOptions.backstopRatio). */
  protected isBackstop(pool: { marginBalance: number; maintMargin: number } | undefined): boolean {
    return this.backstopRatio !== undefined && pool !== undefined && pool.marginBalance < this.backstopRatio * pool.maintMargin;
  }

  protected liquidateIsolated(acc: PaperAccount, p: Position, at?: { marginBalance: number; maintMargin: number }): LiquidationEvent {
    this.cancelForLiquidation(acc, new Set([p.symbol]));
    const amt = p.amt;
    const backstop = this.isBackstop(at);
    const { notional, realized, price } = this.closeByLiquidation(acc, p);
    let pool = p.isolatedWallet + realized;
    // A backstop takes the position with its margin: nothing returns to the account.
    const fee = backstop ? Math.max(0, pool) : Math.min(notional * this.clearanceFee, Math.max(0, pool));
    if (fee > 0) this.addIncome(acc, p.symbol, 'INSURANCE_CLEAR', -fee, '');
    pool -= fee;
    const writtenOff = pool < 0 ? -pool : 0;
    acc.crossWallet += Math.max(0, pool);
    return {
      accountId: acc.id, kind: 'isolated', symbol: p.symbol, positionSide: p.positionSide, amt, price, notional, realizedPnl: realized, clearanceFee: fee, writtenOff, time: this.time,
      ...(at !== undefined && this.backstopRatio !== undefined ? { method: backstop ? 'backstop' : 'market', accountValue: at.marginBalance } : {}),
    };
  }

  protected liquidateCross(acc: PaperAccount, at?: { marginBalance: number; maintMargin: number }): LiquidationEvent[] {
    const backstop = this.isBackstop(at);
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
      events.push({
        accountId: acc.id, kind: 'cross', symbol: c.p.symbol, positionSide: c.p.positionSide, amt: c.amt, price: c.price, notional: c.notional, realizedPnl: c.realized, clearanceFee: fee, writtenOff: 0, time: this.time,
        ...(at !== undefined && this.backstopRatio !== undefined ? { method: backstop ? 'backstop' : 'market', accountValue: at.marginBalance } : {}),
      });
    }
    if (backstop && acc.crossWallet > 0 && events.length > 0) {
      // The backstop liquidator takes the cross positions with all cross margin (Hyperliquid docs, Liquidations).
      this.addIncome(acc, events[events.length - 1]!.symbol, 'INSURANCE_CLEAR', -acc.crossWallet, '');
      events[events.length - 1]!.clearanceFee += acc.crossWallet;
      acc.crossWallet = 0;
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
