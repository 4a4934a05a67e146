import { randomBytes } from 'node:crypto';
import { legKey, type PaperAccount } from './account.ts';
import { OrderBook } from './orders.ts';
import { PaperReject } from './reject.ts';
import type { AlgoOrderRecord, AlgoOrderRequest, AlgoOrderType, Side } from './types.ts';

/**
 * Trigger (conditional) orders — Binance's algo service: stop / take-profit, market or limit,
 * closePosition — and the per-step work of resting orders: triggers fire, limits fill.
 */
export abstract class TriggerOrderBook extends OrderBook {
  /** New conditional order (POST /fapi/v1/algoOrder, algoType=CONDITIONAL). */
  placeAlgoOrder(acc: PaperAccount, req: AlgoOrderRequest): AlgoOrderRecord {
    const m = this.market(req.symbol);
    if (req.side !== 'BUY' && req.side !== 'SELL') throw new PaperReject('invalid-side');
    const types: AlgoOrderType[] = ['STOP_MARKET', 'TAKE_PROFIT_MARKET', 'STOP', 'TAKE_PROFIT'];
    if (!types.includes(req.type as AlgoOrderType)) throw new PaperReject('invalid-order-type');
    const type = req.type as AlgoOrderType;
    const positionSide = this.resolvePositionSide(acc, req.positionSide);
    if (acc.dualSide && req.reduceOnly !== undefined) throw new PaperReject('parameter-not-allowed', { param: 'reduceOnly' });
    if (req.triggerPrice === undefined || !(req.triggerPrice > 0)) throw new PaperReject('missing-parameter', { param: 'triggerPrice' });
    const closePosition = req.closePosition === true;
    if (closePosition && req.quantity !== undefined) throw new PaperReject('parameter-not-allowed', { param: 'quantity' });
    const qty = closePosition ? 0 : this.checkQuantity(m, req.quantity, m.maxQty);
    const isLimit = type === 'STOP' || type === 'TAKE_PROFIT';
    if (isLimit && !(req.price !== undefined && req.price > 0)) throw new PaperReject('missing-parameter', { param: 'price' });
    const mark = this.markPrice(req.symbol);
    if (this.triggered(type, req.side, req.triggerPrice, mark)) throw new PaperReject('would-trigger-immediately');
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
      ...(acc.marginModePerOrder ? { marginType: req.marginType ?? 'CROSSED' } : {}),
    };
    acc.algoOrders.set(algo.algoId, algo);
    acc.openAlgoOrders.set(algo.algoId, algo);
    return algo;
  }

  protected triggered(type: AlgoOrderType, side: Side, trigger: number, mark: number): boolean {
    const stop = type === 'STOP' || type === 'STOP_MARKET';
    // Stops fire when the price moves against a position closed by `side`; take-profits the other way.
    return stop === (side === 'BUY') ? mark >= trigger : mark <= trigger;
  }

  cancelAlgoOrder(acc: PaperAccount, ref: { algoId?: number; clientAlgoId?: string }): AlgoOrderRecord {
    if (ref.algoId === undefined && ref.clientAlgoId === undefined) throw new PaperReject('missing-parameter', { param: 'algoId' });
    let algo: AlgoOrderRecord | undefined;
    if (ref.algoId !== undefined) algo = acc.algoOrders.get(ref.algoId);
    else for (const a of acc.algoOrders.values()) if (a.clientAlgoId === ref.clientAlgoId) algo = a;
    if (algo === undefined || !acc.openAlgoOrders.has(algo.algoId)) throw new PaperReject('unknown-order');
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
    } else throw new PaperReject('missing-parameter', { param: 'algoId' });
    throw new PaperReject('order-not-found');
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

  protected processAlgoOrders(acc: PaperAccount): void {
    for (const a of [...acc.openAlgoOrders.values()]) {
      const mark = this.marks.get(a.symbol)?.price;
      if (mark === undefined || !this.triggered(a.orderType, a.side, a.triggerPrice, mark)) continue;
      acc.openAlgoOrders.delete(a.algoId);
      a.triggerTime = this.time;
      a.updateTime = this.time;
      try {
        let qty = a.quantity;
        if (a.closePosition) {
          const pos = acc.positions.get(legKey(acc, a.symbol, a.positionSide, a.marginType));
          const closes = pos !== undefined && this.isClosing(acc, a.symbol, a.side, a.positionSide, a.marginType);
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
          ...(a.marginType !== undefined ? { marginType: a.marginType } : {}),
        });
        a.actualOrderId = order.orderId;
        a.executedQty = order.executedQty;
        a.avgPrice = order.avgPrice;
        a.algoStatus = order.status === 'NEW' ? 'TRIGGERED' : 'FINISHED';
      } catch (e) {
        if (!(e instanceof PaperReject)) throw e;
        a.algoStatus = 'REJECTED';
      }
    }
  }

  protected processLimitOrders(acc: PaperAccount): void {
    for (const o of [...acc.openOrders.values()]) {
      const mark = this.marks.get(o.symbol)?.price;
      if (mark === undefined) continue;
      if (o.side === 'BUY' ? mark > o.price : mark < o.price) continue;
      acc.openOrders.delete(o.orderId);
      let qty = o.origQty - o.executedQty;
      if (o.reduceOnly) {
        const pos = acc.positions.get(legKey(acc, o.symbol, 'BOTH', o.marginType));
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
        if (!(e instanceof PaperReject)) throw e;
        o.status = 'EXPIRED';
        o.updateTime = this.time;
      }
    }
  }

  /**
   * The liquidation engine for one account. Cross pool: liquidated as a whole when its
   * maintenance margin ≥ its margin balance (cross wallet + cross uPnL). Isolated position:
   * liquidated alone when isolated wallet + uPnL ≤ its maintenance margin.
   */}
