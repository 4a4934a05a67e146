import type {
  AccountRisk,
  AlgoOrderRecord,
  IncomeRecord,
  OrderRecord,
  PaperAccount,
  PaperEngine,
  PositionRisk,
  TradeRecord,
} from '../../core/index.ts';
import type { MarketSpec } from '../../markets.ts';
import { maxNotionalAtLeverage } from '../../brackets.ts';

/**
 * Engine state → Binance USDⓈ-M JSON shapes. Numbers are strings where Binance uses strings
 * (prices, quantities, money), integers where Binance uses integers (ids, times, leverage in
 * symbolConfig, bracket fields). Shapes follow the Binance docs and the response samples quoted
 * in ccxt 4.5.84 binance.js.
 */

/** Fixed-decimal string without "-0.00…". */
export function dec(x: number, dp: number): string {
  const s = x.toFixed(dp);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}
const usd = (x: number): string => dec(x, 8);
const qty = (m: MarketSpec, x: number): string => dec(x, m.quantityPrecision);
const px = (m: MarketSpec, x: number): string => dec(x, m.pricePrecision);

const ORDER_TYPES = ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'];

/** GET /fapi/v1/exchangeInfo */
export function exchangeInfo(engine: PaperEngine, serverTime: number, weightLimit: number): unknown {
  return {
    timezone: 'UTC',
    serverTime,
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: weightLimit },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
    symbols: engine.listMarkets().map((m) => ({
      symbol: m.symbol,
      pair: m.symbol,
      contractType: 'PERPETUAL',
      deliveryDate: 4133404800000,
      onboardDate: 1569398400000,
      status: 'TRADING',
      maintMarginPercent: '2.5000',
      requiredMarginPercent: '5.0000',
      baseAsset: m.baseAsset,
      quoteAsset: 'USDT',
      marginAsset: 'USDT',
      pricePrecision: m.pricePrecision,
      quantityPrecision: m.quantityPrecision,
      baseAssetPrecision: 8,
      quotePrecision: 8,
      underlyingType: 'COIN',
      underlyingSubType: [],
      settlePlan: 0,
      triggerProtect: '0.0500',
      liquidationFee: dec(engine.clearanceFee, 6),
      marketTakeBound: '0.05',
      maxMoveOrderLimit: 10000,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: px(m, m.tickSize), maxPrice: px(m, 10_000_000), tickSize: px(m, m.tickSize) },
        { filterType: 'LOT_SIZE', minQty: qty(m, m.minQty), maxQty: qty(m, m.maxQty), stepSize: qty(m, m.stepSize) },
        { filterType: 'MARKET_LOT_SIZE', minQty: qty(m, m.minQty), maxQty: qty(m, m.marketMaxQty), stepSize: qty(m, m.stepSize) },
        { filterType: 'MAX_NUM_ORDERS', limit: 200 },
        { filterType: 'MIN_NOTIONAL', notional: String(m.minNotional) },
        { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
      ],
      orderTypes: ORDER_TYPES,
      timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
      permissionSets: ['GRID', 'COPY'],
    })),
  };
}

/**
 * GET /fapi/v1/premiumIndex entry. `time` is market time (shifted back by the stale-mark fault);
 * a bad-mark fault multiplies the mark only: the index (spot composite) stays right.
 */
export function premiumIndex(
  symbol: string,
  price: number,
  time: number,
  funding: { rate: number; nextFundingTime: number },
  f: DataFaults = {},
): unknown {
  return {
    symbol,
    markPrice: usd(price * (f.markFactor ?? 1)),
    indexPrice: usd(price),
    estimatedSettlePrice: usd(price),
    lastFundingRate: dec(funding.rate, 8),
    interestRate: '0.00010000',
    nextFundingTime: funding.nextFundingTime,
    time,
  };
}

/** GET /fapi/v1/leverageBracket entry. */
export function leverageBracket(m: MarketSpec): unknown {
  return {
    symbol: m.symbol,
    // No notionalCoef: Binance shows it only for a user whose brackets were adjusted.
    brackets: m.brackets.map((b) => ({
      bracket: b.bracket,
      initialLeverage: b.initialLeverage,
      notionalCap: b.notionalCap,
      notionalFloor: b.notionalFloor,
      maintMarginRatio: b.maintMarginRatio,
      cum: b.cum,
    })),
  };
}

export interface DataFaults {
  /** Wallet/margin figures of the USDT asset and the totals all report 0. */
  zeroBalance?: boolean;
  /** Position lists are empty. */
  emptyPositions?: boolean;
  /** Shift applied to mark-related times (stale mark price). */
  markTimeShift?: number;
  /** bad-mark fault: mark prices served × this factor. */
  markFactor?: number;
}

function accountTotals(risk: AccountRisk, zero: boolean): Record<string, string> {
  const v = (x: number): string => usd(zero ? 0 : x);
  return {
    totalInitialMargin: v(risk.positionInitialMargin + risk.openOrderInitialMargin),
    totalMaintMargin: v(risk.totalMaintMargin),
    totalWalletBalance: v(risk.walletBalance),
    totalUnrealizedProfit: v(risk.unrealizedPnl),
    totalMarginBalance: v(risk.marginBalance),
    totalPositionInitialMargin: v(risk.positionInitialMargin),
    totalOpenOrderInitialMargin: v(risk.openOrderInitialMargin),
    totalCrossWalletBalance: v(risk.crossWallet),
    totalCrossUnPnl: v(risk.crossUnPnl),
    availableBalance: v(risk.availableBalance),
    maxWithdrawAmount: v(risk.maxWithdrawAmount),
  };
}

function usdtAsset(acc: PaperAccount, risk: AccountRisk, zero: boolean): Record<string, unknown> {
  const v = (x: number): string => usd(zero ? 0 : x);
  return {
    asset: 'USDT',
    walletBalance: v(risk.walletBalance),
    unrealizedProfit: v(risk.unrealizedPnl),
    marginBalance: v(risk.marginBalance),
    maintMargin: v(risk.totalMaintMargin),
    initialMargin: v(risk.positionInitialMargin + risk.openOrderInitialMargin),
    positionInitialMargin: v(risk.positionInitialMargin),
    openOrderInitialMargin: v(risk.openOrderInitialMargin),
    crossWalletBalance: v(risk.crossWallet),
    crossUnPnl: v(risk.crossUnPnl),
    availableBalance: v(risk.availableBalance),
    maxWithdrawAmount: v(risk.maxWithdrawAmount),
    marginAvailable: true,
    // ccxt drops assets whose updateTime is 0, so a live account must never report 0 here.
    updateTime: Math.max(1, acc.updateTime),
  };
}

/** GET /fapi/v3/account (and /fapi/v2/account with the v2 extras). */
export function account(engine: PaperEngine, acc: PaperAccount, risk: AccountRisk, v2: boolean, f: DataFaults): unknown {
  const zero = f.zeroBalance === true;
  const rows = f.emptyPositions ? [] : risk.positions;
  const positions: unknown[] = rows.map((r) => {
    const m = engine.market(r.position.symbol);
    const base: Record<string, unknown> = {
      symbol: r.position.symbol,
      positionSide: r.position.positionSide,
      positionAmt: qty(m, r.position.amt),
      unrealizedProfit: usd(r.unrealizedPnl),
      isolatedMargin: usd(r.isolatedMargin),
      notional: usd(r.position.amt * r.markPrice),
      isolatedWallet: usd(r.position.isolatedWallet),
      initialMargin: usd(r.initialMargin),
      maintMargin: usd(r.maintMargin),
      updateTime: r.position.updateTime + (f.markTimeShift ?? 0),
    };
    if (v2) {
      Object.assign(base, {
        positionInitialMargin: usd(r.initialMargin),
        openOrderInitialMargin: '0',
        leverage: String(r.leverage),
        isolated: r.position.marginType === 'ISOLATED',
        entryPrice: usd(r.position.entryPrice),
        breakEvenPrice: usd(r.breakEvenPrice),
        maxNotional: String(maxNotionalAtLeverage(m.brackets, r.leverage)),
        bidNotional: '0',
        askNotional: '0',
      });
    }
    return base;
  });
  const body: Record<string, unknown> = {
    ...accountTotals(risk, zero),
    assets: [usdtAsset(acc, risk, zero)],
    positions,
  };
  if (v2) {
    Object.assign(body, {
      feeTier: 0,
      feeBurn: false,
      canTrade: acc.canTrade,
      canDeposit: true,
      canWithdraw: true,
      updateTime: 0,
      multiAssetsMargin: false,
      tradeGroupId: -1,
    });
  }
  return body;
}

/** GET /fapi/v3/balance (and v2). */
export function balance(acc: PaperAccount, risk: AccountRisk, f: DataFaults): unknown {
  const zero = f.zeroBalance === true;
  const v = (x: number): string => usd(zero ? 0 : x);
  return [
    {
      accountAlias: 'SgsR',
      asset: 'USDT',
      balance: v(risk.walletBalance),
      crossWalletBalance: v(risk.crossWallet),
      crossUnPnl: v(risk.crossUnPnl),
      availableBalance: v(risk.availableBalance),
      maxWithdrawAmount: v(risk.maxWithdrawAmount),
      marginAvailable: true,
      updateTime: Math.max(1, acc.updateTime),
    },
  ];
}

/** GET /fapi/v3/positionRisk entry (only non-zero positions, as Binance v3 does). */
export function positionRiskV3(engine: PaperEngine, r: PositionRisk, openOrderIM: number, f: DataFaults): unknown {
  const m = engine.market(r.position.symbol);
  return {
    symbol: r.position.symbol,
    positionSide: r.position.positionSide,
    positionAmt: qty(m, r.position.amt),
    entryPrice: usd(r.position.entryPrice),
    breakEvenPrice: usd(r.breakEvenPrice),
    markPrice: usd(r.markPrice * (f.markFactor ?? 1)),
    unRealizedProfit: usd(r.unrealizedPnl),
    liquidationPrice: usd(r.liquidationPrice),
    isolatedMargin: usd(r.isolatedMargin),
    notional: usd(r.position.amt * r.markPrice),
    marginAsset: 'USDT',
    isolatedWallet: usd(r.position.isolatedWallet),
    initialMargin: usd(r.initialMargin + openOrderIM),
    maintMargin: usd(r.maintMargin),
    positionInitialMargin: usd(r.initialMargin),
    openOrderInitialMargin: usd(openOrderIM),
    adl: 0,
    bidNotional: '0',
    askNotional: '0',
    updateTime: r.position.updateTime + (f.markTimeShift ?? 0),
  };
}

/** GET /fapi/v2/positionRisk entry. */
export function positionRiskV2(engine: PaperEngine, r: PositionRisk, f: DataFaults): unknown {
  const m = engine.market(r.position.symbol);
  return {
    symbol: r.position.symbol,
    positionAmt: qty(m, r.position.amt),
    entryPrice: usd(r.position.entryPrice),
    breakEvenPrice: usd(r.breakEvenPrice),
    markPrice: usd(r.markPrice * (f.markFactor ?? 1)),
    unRealizedProfit: usd(r.unrealizedPnl),
    liquidationPrice: usd(r.liquidationPrice),
    leverage: String(r.leverage),
    maxNotionalValue: String(maxNotionalAtLeverage(m.brackets, r.leverage)),
    marginType: r.position.marginType === 'ISOLATED' ? 'isolated' : 'cross',
    isolatedMargin: usd(r.isolatedMargin),
    isAutoAddMargin: 'false',
    positionSide: r.position.positionSide,
    notional: usd(r.position.amt * r.markPrice),
    isolatedWallet: usd(r.position.isolatedWallet),
    updateTime: r.position.updateTime + (f.markTimeShift ?? 0),
    isolated: r.position.marginType === 'ISOLATED',
    adlQuantile: 0,
  };
}

/** Regular order (POST/GET/DELETE /fapi/v1/order, openOrders, allOrders, forceOrders). */
export function order(engine: PaperEngine, o: OrderRecord): unknown {
  const m = engine.market(o.symbol);
  return {
    orderId: o.orderId,
    symbol: o.symbol,
    status: o.status,
    clientOrderId: o.clientOrderId,
    price: px(m, o.price),
    avgPrice: o.executedQty > 0 ? dec(o.avgPrice, Math.max(m.pricePrecision, 5)) : '0',
    origQty: qty(m, o.origQty),
    executedQty: qty(m, o.executedQty),
    cumQty: qty(m, o.executedQty),
    cumQuote: usd(o.cumQuote),
    timeInForce: o.timeInForce,
    type: o.type,
    reduceOnly: o.reduceOnly,
    closePosition: o.closePosition,
    side: o.side,
    positionSide: o.positionSide,
    stopPrice: px(m, o.stopPrice),
    workingType: o.workingType,
    priceProtect: false,
    origType: o.origType,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    time: o.time,
    updateTime: o.updateTime,
  };
}

/** Conditional order of the algo service (POST/GET/DELETE /fapi/v1/algoOrder, openAlgoOrders). */
export function algoOrder(engine: PaperEngine, a: AlgoOrderRecord): unknown {
  const m = engine.market(a.symbol);
  return {
    algoId: a.algoId,
    clientAlgoId: a.clientAlgoId,
    algoType: a.algoType,
    orderType: a.orderType,
    symbol: a.symbol,
    side: a.side,
    positionSide: a.positionSide,
    timeInForce: a.timeInForce,
    quantity: qty(m, a.quantity),
    algoStatus: a.algoStatus,
    triggerPrice: px(m, a.triggerPrice),
    price: px(m, a.price),
    icebergQuantity: null,
    selfTradePreventionMode: 'EXPIRE_MAKER',
    workingType: a.workingType,
    priceMatch: 'NONE',
    closePosition: a.closePosition,
    priceProtect: false,
    reduceOnly: a.reduceOnly,
    createTime: a.createTime,
    updateTime: a.updateTime,
    triggerTime: a.triggerTime,
    goodTillDate: 0,
    actualOrderId: a.actualOrderId === null ? '' : String(a.actualOrderId),
    actualPrice: a.executedQty > 0 ? px(m, a.avgPrice) : '0',
  };
}

/** GET /fapi/v1/income entry. */
export function income(r: IncomeRecord): unknown {
  return {
    symbol: r.symbol,
    incomeType: r.incomeType,
    income: usd(r.income),
    asset: r.asset,
    info: r.info,
    time: r.time,
    tranId: r.tranId,
    tradeId: r.tradeId,
  };
}

/** GET /fapi/v1/userTrades entry. */
export function trade(engine: PaperEngine, t: TradeRecord): unknown {
  const m = engine.market(t.symbol);
  return {
    buyer: t.buyer,
    commission: usd(t.commission),
    commissionAsset: 'USDT',
    id: t.id,
    maker: t.maker,
    orderId: t.orderId,
    price: dec(t.price, Math.max(m.pricePrecision, 5)),
    qty: qty(m, t.qty),
    quoteQty: usd(t.quoteQty),
    realizedPnl: usd(t.realizedPnl),
    side: t.side,
    positionSide: t.positionSide,
    symbol: t.symbol,
    time: t.time,
  };
}

/** GET /fapi/v1/symbolConfig entry. */
export function symbolConfig(engine: PaperEngine, acc: PaperAccount, m: MarketSpec): unknown {
  const cfg = engine.symbolConfig(acc, m.symbol);
  return {
    symbol: m.symbol,
    marginType: cfg.marginType,
    isAutoAddMargin: 'false',
    leverage: cfg.leverage,
    maxNotionalValue: String(maxNotionalAtLeverage(m.brackets, cfg.leverage)),
  };
}

/** GET /sapi/v1/account/apiRestrictions */
export function apiRestrictions(acc: PaperAccount): unknown {
  return {
    ipRestrict: false,
    createTime: acc.createTime,
    enableReading: true,
    enableFutures: acc.canTrade,
    enableWithdrawals: acc.enableWithdrawals,
    enableInternalTransfer: false,
    permitsUniversalTransfer: false,
    enableVanillaOptions: false,
    enableSpotAndMarginTrading: false,
    enableMargin: false,
    enablePortfolioMarginTrading: acc.portfolioMargin,
    enableFixApiTrade: false,
    enableFixReadOnly: false,
  };
}
