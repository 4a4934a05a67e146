import { randomBytes } from 'node:crypto';
import { maxNotionalAtLeverage } from '../brackets.ts';
import { isMultipleOf, roundTo, type MarketSpec } from '../markets.ts';
import { findPosition, posKey, type PaperAccount } from './account.ts';
import { PaperReject } from './reject.ts';
import { RiskBook } from './risk.ts';
import type { ExecOptions, MarginType, OrderRecord, OrderRequest, PositionSide, Side } from './types.ts';

/** Regular orders: MARKET and LIMIT, reduce-only, hedge-mode legs, fills and fees. */
export abstract class OrderBook extends RiskBook {

  /**
   * New regular order (POST /fapi/v1/order): MARKET fills at once at mark ± slippage; LIMIT fills
   * at once when marketable, else rests until the mark crosses its price. Throws PaperReject
   * (a dialect words it as its venue's error).
   */
  placeOrder(acc: PaperAccount, req: OrderRequest, exec: ExecOptions = {}): OrderRecord {
    const m = this.market(req.symbol);
    if (req.side !== 'BUY' && req.side !== 'SELL') throw new PaperReject('invalid-side');
    if (['STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'].includes(req.type)) {
      throw new PaperReject('trigger-type-on-plain-order');
    }
    if (req.type !== 'MARKET' && req.type !== 'LIMIT') throw new PaperReject('invalid-order-type');
    const positionSide = this.resolvePositionSide(acc, req.positionSide);
    if (acc.dualSide && req.reduceOnly !== undefined) throw new PaperReject('parameter-not-allowed', { param: 'reduceOnly' });
    let qty = this.checkQuantity(m, req.quantity, req.type === 'MARKET' ? m.marketMaxQty : m.maxQty);
    let price = 0;
    if (req.type === 'LIMIT') {
      if (req.price === undefined) throw new PaperReject('missing-parameter', { param: 'price' });
      if (!(req.price > 0)) throw new PaperReject('invalid-price');
      if (!isMultipleOf(req.price, m.tickSize)) throw new PaperReject('price-off-tick');
      price = req.price;
    }
    const mark = this.markPrice(req.symbol);
    const reduceOnly = req.reduceOnly === true;
    const closing = this.isClosing(acc, req.symbol, req.side, positionSide, req.marginType);
    if ((reduceOnly || (acc.dualSide && closing)) && exec.takeReduceOnlyReject?.() === true) throw new PaperReject('reduce-only-increases');
    if (reduceOnly) qty = this.clipReduceOnly(acc, m, req.symbol, req.side, qty, req.marginType);
    if (acc.dualSide && closing) {
      const pos = findPosition(acc, req.symbol, positionSide, req.marginType);
      if (pos === undefined || qty > Math.abs(pos.amt) + 1e-12) throw new PaperReject('reduce-only-increases');
    }
    if (!reduceOnly && !(acc.dualSide && closing)) {
      const refPrice = req.type === 'MARKET' ? mark : price;
      if (qty * refPrice < m.minNotional - 1e-9) throw new PaperReject('below-min-notional', { minNotional: m.minNotional });
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
      ...(req.marginType !== undefined ? { marginType: req.marginType } : {}),
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
        if (tif === 'GTX') throw new PaperReject('post-only-would-take');
        const fillPrice = req.side === 'BUY' ? Math.min(price, mark * (1 + this.slippage)) : Math.max(price, mark * (1 - this.slippage));
        this.fill(acc, order, qty, fillPrice, true);
        order.status = 'FILLED';
      } else if (tif === 'IOC' || tif === 'FOK') {
        order.status = 'EXPIRED';
      } else {
        if (!reduceOnly && !(acc.dualSide && closing)) {
          const mode = req.marginType ?? this.symbolConfig(acc, req.symbol).marginType;
          const leverage = this.leverageOf(acc, req.symbol, mode);
          const leg = Math.abs(findPosition(acc, req.symbol, order.positionSide, mode)?.amt ?? 0) * mark;
          const im = this.initialRate === undefined ? (qty * price) / leverage : qty * price * this.initialRate(req.symbol, leg + qty * price, leverage);
          if (im > this.accountRisk(acc).availableBalance + 1e-9) throw new PaperReject('insufficient-margin');
        }
        acc.openOrders.set(order.orderId, order);
      }
    }
    acc.orders.set(order.orderId, order);
    this.checkAccount(acc);
    return order;
  }

  protected resolvePositionSide(acc: PaperAccount, requested: PositionSide | undefined): PositionSide {
    if (acc.dualSide) {
      if (requested !== 'LONG' && requested !== 'SHORT') throw new PaperReject('position-side-mismatch');
      return requested;
    }
    if (requested !== undefined && requested !== 'BOTH') throw new PaperReject('position-side-mismatch');
    return 'BOTH';
  }

  protected checkQuantity(m: MarketSpec, quantity: number | undefined, max: number): number {
    if (quantity === undefined || Number.isNaN(quantity)) throw new PaperReject('missing-parameter', { param: 'quantity' });
    if (!(quantity > 0)) throw new PaperReject('invalid-quantity');
    if (!isMultipleOf(quantity, m.stepSize)) throw new PaperReject('quantity-off-step');
    if (quantity > max + 1e-12) throw new PaperReject('quantity-above-max');
    return roundTo(quantity, m.quantityPrecision);
  }

  /** True when the order reduces the position it targets (in `marginType` when the order carries one). */
  protected isClosing(acc: PaperAccount, symbol: string, side: Side, positionSide: PositionSide, marginType?: MarginType): boolean {
    if (positionSide === 'LONG') return side === 'SELL';
    if (positionSide === 'SHORT') return side === 'BUY';
    const pos = findPosition(acc, symbol, 'BOTH', marginType);
    return pos !== undefined && (pos.amt > 0 ? side === 'SELL' : side === 'BUY');
  }

  /**
   * One-way reduce-only: -2022 when there is nothing to reduce in that direction; -4118 when
   * resting reduce-only orders already cover the position; otherwise the quantity is clipped to
   * what is left to close (Binance shrinks an oversized reduce-only order instead of flipping).
   */
  protected clipReduceOnly(acc: PaperAccount, m: MarketSpec, symbol: string, side: Side, qty: number, marginType?: MarginType): number {
    const pos = findPosition(acc, symbol, 'BOTH', marginType);
    if (pos === undefined || pos.amt === 0 || (pos.amt > 0) === (side === 'BUY')) throw new PaperReject('reduce-only-increases');
    let resting = 0;
    for (const o of acc.openOrders.values()) {
      if (o.symbol === symbol && o.reduceOnly && o.side === side && (o.marginType ?? pos.marginType) === pos.marginType) resting += o.origQty - o.executedQty;
    }
    const closable = roundTo(Math.abs(pos.amt) - resting, m.quantityPrecision);
    if (closable <= 0) throw new PaperReject('reduce-only-covered');
    return Math.min(qty, closable);
  }

  /**
   * Executes `qty` of an order at `price` against the account's position: realizes PnL on the
   * reducing part, opens/increases with the rest, charges the taker fee, checks margin for the
   * increasing part (throws before changing anything).
   */
  protected fill(acc: PaperAccount, order: OrderRecord, requestedQty: number, price: number, checkMargin: boolean): void {
    const m = this.market(order.symbol);
    const cfg = this.symbolConfig(acc, order.symbol);
    // The position this order trades: its own margin mode when it carries one, else the symbol's
    // position (one mode per symbol) or, opening, the symbol's configured mode.
    const existing = findPosition(acc, order.symbol, order.positionSide, order.marginType);
    const marginType: MarginType = order.marginType ?? existing?.marginType ?? cfg.marginType;
    const key = posKey(order.symbol, order.positionSide, marginType);
    const pos = acc.positions.get(key);
    let qty = requestedQty;
    if (order.positionSide !== 'BOTH' && (order.side === 'BUY') !== (order.positionSide === 'LONG')) {
      // A hedge-mode close never opens the other way: a LONG leg cannot go short.
      qty = Math.min(qty, Math.abs(pos?.amt ?? 0));
      if (qty <= 0) throw new PaperReject('reduce-only-increases');
    }
    const signed = order.side === 'BUY' ? qty : -qty;
    const a = pos?.amt ?? 0;
    const reducing = a !== 0 && Math.sign(signed) !== Math.sign(a);
    const closeQty = reducing ? Math.min(qty, Math.abs(a)) : 0;
    const openQty = roundTo(qty - closeQty, m.quantityPrecision + 3);
    const fee = qty * price * this.takerFee;
    const leverage = this.leverageOf(acc, order.symbol, marginType);
    // The leg's initial margin rises by `im` (notional / leverage; a size-dependent model charges the
    // whole leg's rise, as Orderly's IMR grows with |notional|^(4/5)).
    const heldAbs = reducing ? 0 : Math.abs(a);
    const im = openQty > 0 ? this.initialMarginAt(order.symbol, (heldAbs + openQty) * price, leverage) - this.initialMarginAt(order.symbol, heldAbs * price, leverage) : 0;
    if (openQty > 0 && checkMargin) {
      const newAbs = heldAbs + openQty;
      if (this.initialRate === undefined && newAbs * price > maxNotionalAtLeverage(m.brackets, leverage) + 1e-6) throw new PaperReject('position-above-leverage-cap');
      if (im + fee > this.accountRisk(acc).availableBalance + 1e-9) throw new PaperReject('insufficient-margin');
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
    if (o === undefined || !acc.openOrders.has(o.orderId)) throw new PaperReject('unknown-order');
    acc.openOrders.delete(o.orderId);
    o.status = 'CANCELED';
    o.updateTime = this.time;
    return o;
  }

  getOrder(acc: PaperAccount, symbol: string, ref: { orderId?: number; clientOrderId?: string }): OrderRecord {
    this.market(symbol);
    const o = this.findOrder(acc, symbol, ref);
    if (o === undefined) throw new PaperReject('order-not-found');
    return o;
  }

  protected findOrder(acc: PaperAccount, symbol: string, ref: { orderId?: number; clientOrderId?: string }): OrderRecord | undefined {
    if (ref.orderId === undefined && ref.clientOrderId === undefined) throw new PaperReject('missing-parameter', { param: 'orderId' });
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
}
