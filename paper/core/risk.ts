import { bracketFor, maintenanceMargin } from '../brackets.ts';
import type { PaperAccount } from './account.ts';
import { AccountBook } from './accounts.ts';
import type { AccountRisk, Position, PositionRisk } from './types.ts';

/** Risk figures: per position, per account (Binance single-asset USDT mode), liquidation price. */
export abstract class RiskBook extends AccountBook {
  protected symbolPositions(acc: PaperAccount, symbol: string): Position[] {
    return [...acc.positions.values()].filter((p) => p.symbol === symbol);
  }

  /** The fee rate a venue adds to the maintenance rate before liquidating (OKX: the taker fee), else 0. */
  protected get liquidationFeeRate(): number {
    return this.liquidationFeeInMaintenance ? this.takerFee : 0;
  }

  /** Maintenance margin of `notional` on `symbol`: the venue's model (maintenanceRate) or the market's brackets. */
  protected maintenanceAt(symbol: string, notional: number): { mm: number; rate: number; cum: number } {
    if (this.maintenanceRate === undefined) return maintenanceMargin(this.market(symbol).brackets, notional);
    const rate = this.maintenanceRate(symbol, notional);
    return { mm: notional * rate, rate, cum: 0 };
  }

  /** Initial margin of a leg of `notional` at `leverage`: the venue's model (initialRate) or notional / leverage. */
  protected initialMarginAt(symbol: string, notional: number, leverage: number): number {
    return this.initialRate === undefined ? notional / leverage : notional * this.initialRate(symbol, notional, leverage);
  }

  /** Risk figures of one position at the current mark. */
  positionRisk(acc: PaperAccount, pos: Position): PositionRisk {
    this.market(pos.symbol);
    const mark = this.markOr(pos.symbol, pos.entryPrice);
    const notional = Math.abs(pos.amt) * mark;
    const { mm, rate, cum } = this.maintenanceAt(pos.symbol, notional);
    const leverage = this.leverageOf(acc, pos.symbol, pos.marginType);
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
      initialMargin: this.initialMarginAt(pos.symbol, notional, leverage),
      isolatedMargin: pos.marginType === 'ISOLATED' ? pos.isolatedWallet + upnl : 0,
      liquidationPrice: this.liquidationPrice(acc, pos),
      // Price at which closing (taker) leaves the position flat after the opening fee.
      breakEvenPrice: pos.amt > 0 ? (pos.entryPrice * (1 + feeRate)) / (1 - feeRate) : (pos.entryPrice * (1 - feeRate)) / (1 + feeRate),
      liquidationFee: notional * this.liquidationFeeRate,
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
      const mode = o.marginType ?? this.symbolConfig(acc, o.symbol).marginType;
      const notional = (o.origQty - o.executedQty) * o.price;
      const leverage = this.leverageOf(acc, o.symbol, mode);
      if (this.initialRate === undefined) openOrderIM += notional / leverage;
      else {
        // A size-dependent rate is read where the order would take its leg (leg + order notional).
        const leg = positions.reduce((a, r) => (r.position.symbol === o.symbol && r.position.marginType === mode ? a + r.notional : a), 0);
        openOrderIM += notional * this.initialRate(o.symbol, leg + notional, leverage);
      }
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
   * is its own pool. Brackets are re-chosen at the candidate price until stable. With a
   * liquidation fee (OKX) the requirement is MM + notional × fee rate.
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
        otherMM += this.maintenanceAt(p.symbol, Math.abs(p.amt) * mark).mm + Math.abs(p.amt) * mark * this.liquidationFeeRate;
        otherUpnl += p.amt * (mark - p.entryPrice);
      }
    }
    if (this.maintenanceRate !== undefined) return this.solveLiquidationPrice(pos.symbol, group, wallet + otherUpnl - otherMM);
    const brackets = this.market(pos.symbol).brackets;
    let price = this.markOr(pos.symbol, pos.entryPrice);
    for (let iter = 0; iter < 8; iter++) {
      let num = otherMM - otherUpnl - wallet;
      let den = 0;
      for (const p of group) {
        const b = bracketFor(brackets, Math.abs(p.amt) * price);
        num += p.amt * p.entryPrice - b.cum;
        den += p.amt - Math.abs(p.amt) * (b.maintMarginRatio + this.liquidationFeeRate);
      }
      if (Math.abs(den) < 1e-12) return 0;
      const next = num / den;
      if (!(next > 0) || !Number.isFinite(next)) return 0;
      if (Math.abs(next - price) <= 1e-9 * price) return next;
      price = next;
    }
    return price;
  }

  /**
   * The liquidation price under a venue maintenance model (not piecewise-linear, so no bracket
   * walk): the pool's margin balance minus MM, as a function of the symbol's price, is sampled from
   * the mark away from it (down for a net long, up for a net short, as Orderly's SDK liqPrice
   * searches) on a 1.05× grid, and its sign change bisected to 1e-12 relative.
   * `base` = the pool's wallet + the other symbols' uPnL − their MM. @returns 0 when none.
   */
  private solveLiquidationPrice(symbol: string, group: Position[], base: number): number {
    const net = group.reduce((s, p) => s + p.amt, 0);
    if (net === 0) return 0;
    const value = (price: number): number => {
      let v = base;
      for (const p of group) v += p.amt * (price - p.entryPrice) - this.maintenanceAt(symbol, Math.abs(p.amt) * price).mm;
      return v;
    };
    const mark = this.markOr(symbol, group[0]!.entryPrice);
    if (value(mark) <= 0) return mark;
    const step = net > 0 ? 1 / 1.05 : 1.05;
    let safe = mark;
    let past = mark * step;
    for (let k = 0; value(past) > 0; k++) {
      if (k > 500) return 0;
      safe = past;
      past *= step;
    }
    while (Math.abs(past - safe) > 1e-12 * Math.max(safe, past)) {
      const mid = (safe + past) / 2;
      if (value(mid) > 0) safe = mid;
      else past = mid;
    }
    return (safe + past) / 2;
  }
}
