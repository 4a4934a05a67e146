import type { AccountRisk, OrderRecord, PaperAccount, PaperEngine, PositionRisk } from '../../core/index.ts';
import { marginInfo, orderlyImr } from './markets.ts';

/**
 * Orderly's JSON shapes (field names as GET /v1/positions, /v1/client/holding, /v1/orders,
 * /v1/public/info and /v1/public/futures answer them; ccxt's woofipro.js quotes each response).
 * Every success is wrapped `{ success: true, data, timestamp }`.
 */

export interface DataFaults {
  zeroBalance?: boolean;
  emptyPositions?: boolean;
  /** ms added to mark/position timestamps (negative: stale). */
  markTimeShift?: number;
  /** Marks multiplied by this (bad-mark). */
  markFactor?: number;
}

export const ok = (data: unknown, timestamp: number): { success: true; data: unknown; timestamp: number } => ({ success: true, data, timestamp });

export const orderlyMode = (m: 'CROSSED' | 'ISOLATED' | undefined): 'CROSS' | 'ISOLATED' => (m === 'ISOLATED' ? 'ISOLATED' : 'CROSS');

/** GET /v1/public/info row. */
export function marketInfo(engine: PaperEngine, symbol: string, now: number) {
  const m = engine.market(symbol);
  const mi = marginInfo(symbol);
  return {
    symbol,
    quote_min: 0,
    quote_max: 10_000_000,
    quote_tick: m.tickSize,
    base_min: m.minQty,
    base_max: m.marketMaxQty,
    base_tick: m.stepSize,
    min_notional: m.minNotional,
    price_range: 0.03,
    price_scope: 0.4,
    std_liquidation_fee: 0.024,
    liquidator_fee: 0.012,
    claim_insurance_fund_discount: 0.006,
    funding_period: 8,
    cap_funding: 0.0075,
    floor_funding: -0.0075,
    interest_rate: 0.0001,
    created_time: now - 365 * 86_400_000,
    updated_time: now,
    base_mmr: mi.baseMmr,
    base_imr: mi.baseImr,
    imr_factor: mi.imrFactor,
    liquidation_tier: '1',
  };
}

/** GET /v1/public/futures row (mark, index, funding). */
export function futuresRow(engine: PaperEngine, symbol: string, f: DataFaults) {
  const mark = engine.markPrice(symbol) * (f.markFactor ?? 1);
  return {
    symbol,
    index_price: engine.markPrice(symbol),
    mark_price: mark,
    sum_unitary_funding: 0,
    est_funding_rate: engine.fundingRate(symbol),
    last_funding_rate: engine.fundingRate(symbol),
    next_funding_time: engine.nextFundingTime(),
    open_interest: null,
    '24h_open': mark,
    '24h_close': mark,
    '24h_high': mark,
    '24h_low': mark,
    '24h_volume': 0,
    '24h_amount': 0,
  };
}

/** One row of GET /v1/positions: a (symbol, margin mode) leg. */
export function positionRow(r: PositionRisk, pendingLong: number, pendingShort: number, markTime: number, f: DataFaults) {
  const p = r.position;
  const mark = r.markPrice * (f.markFactor ?? 1);
  const isolated = p.marginType === 'ISOLATED';
  return {
    symbol: p.symbol,
    margin_mode: orderlyMode(p.marginType),
    position_qty: p.amt,
    cost_position: p.amt * p.entryPrice,
    last_sum_unitary_funding: 0,
    pending_long_qty: pendingLong,
    pending_short_qty: pendingShort,
    settle_price: p.entryPrice,
    average_open_price: p.entryPrice,
    unsettled_pnl: r.unrealizedPnl,
    mark_price: mark,
    est_liq_price: r.liquidationPrice,
    // The time of the row's figures (its mark); the stale-mark fault shifts it back.
    timestamp: markTime + (f.markTimeShift ?? 0),
    // Orderly's size-dependent rates at the leg's notional (the engine's maintenance model is orderlyMmr).
    mmr: r.maintMarginRatio,
    imr: orderlyImr(p.symbol, r.notional, r.leverage),
    IMR_withdraw_orders: orderlyImr(p.symbol, r.notional, r.leverage),
    MMR_with_orders: r.maintMarginRatio,
    pnl_24_h: 0,
    fee_24_h: 0,
    leverage: r.leverage,
    // The collateral of an isolated leg (its own pool, without uPnL); 0 for cross.
    margin: isolated ? p.isolatedWallet : 0,
  };
}

/**
 * GET /v1/positions `data`: the account's figures and the rows of ONE margin mode. Orderly's
 * margin ratio is collateral / Σ|notional| (higher is safer); the paper computes it over the
 * cross pool (cross wallet + cross uPnL over the cross legs' notional).
 */
export function positionsData(risk: AccountRisk, rows: unknown[], f: DataFaults) {
  const cross = risk.positions.filter((r) => r.position.marginType !== 'ISOLATED');
  const notional = cross.reduce((s, r) => s + r.notional, 0);
  const collateral = f.zeroBalance ? 0 : risk.crossMarginBalance;
  const mm = cross.reduce((s, r) => s + r.maintMargin, 0);
  const im = cross.reduce((s, r) => s + r.notional * orderlyImr(r.position.symbol, r.notional, r.leverage), 0);
  return {
    margin_ratio: notional > 0 ? collateral / notional : 10,
    initial_margin_ratio: notional > 0 ? im / notional : 1,
    maintenance_margin_ratio: notional > 0 ? mm / notional : 0.05,
    open_margin_ratio: notional > 0 ? collateral / notional : 10,
    current_margin_ratio_with_orders: notional > 0 ? collateral / notional : 10,
    initial_margin_ratio_with_orders: notional > 0 ? im / notional : 1,
    maintenance_margin_ratio_with_orders: notional > 0 ? mm / notional : 0.05,
    total_collateral_value: collateral,
    free_collateral: f.zeroBalance ? 0 : risk.availableBalance,
    total_pnl_24_h: 0,
    rows: f.emptyPositions ? [] : rows,
  };
}

/** GET /v1/client/holding `data`. USDC is the collateral; the cross wallet plus isolated pools; all of it frozen while the account is under liquidation. */
export function holding(acc: PaperAccount, risk: AccountRisk, f: DataFaults, frozen = false) {
  return {
    holding: [
      {
        token: 'USDC',
        holding: f.zeroBalance ? 0 : risk.walletBalance,
        frozen: frozen && !f.zeroBalance ? Math.max(0, risk.walletBalance) : 0,
        pending_short: 0,
        isolated_margin: f.zeroBalance ? 0 : risk.isolatedWallets,
        updated_time: acc.updateTime,
      },
    ],
  };
}

const STATUS: Record<OrderRecord['status'], string> = {
  NEW: 'NEW',
  PARTIALLY_FILLED: 'PARTIAL_FILLED',
  FILLED: 'FILLED',
  CANCELED: 'CANCELLED',
  EXPIRED: 'CANCELLED',
  REJECTED: 'REJECTED',
};

/** GET /v1/orders row. */
export function orderRow(o: OrderRecord) {
  return {
    order_id: o.orderId,
    user_id: 0,
    price: o.type === 'MARKET' ? null : o.price,
    type: o.type,
    quantity: o.origQty,
    amount: null,
    executed: o.executedQty,
    visible: o.origQty,
    total_fee: 0,
    fee_asset: 'USDC',
    client_order_id: o.clientOrderId,
    average_executed_price: o.executedQty > 0 ? o.avgPrice : null,
    total_executed_quantity: o.executedQty,
    side: o.side,
    symbol: o.symbol,
    status: STATUS[o.status],
    reduce_only: o.reduceOnly,
    margin_mode: orderlyMode(o.marginType),
    created_time: o.time,
    updated_time: o.updateTime,
  };
}
