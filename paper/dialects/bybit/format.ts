import type { AccountRisk, AlgoOrderRecord, OrderRecord, PaperAccount, PaperEngine, PositionRisk } from '../../core/index.ts';
import type { MarketSpec } from '../../markets.ts';

/**
 * Engine state → Bybit v5 JSON shapes (UTA, category=linear). Bybit sends every number as a
 * string and every time as a string of ms (`"createdTime": "1676538056258"`), except the
 * envelope's `time` and a few integers (positionIdx, tradeMode, riskId). Shapes follow the v5 docs
 * (https://bybit-exchange.github.io/docs/v5/intro) and the samples quoted in ccxt 4.5.84 bybit.js.
 */

/** Fixed-decimal string without "-0.00…". */
export function dec(x: number, dp: number): string {
  const s = x.toFixed(dp);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}
const usd = (x: number): string => dec(x, 8);
const qty = (m: MarketSpec, x: number): string => dec(x, m.quantityPrecision);
const px = (m: MarketSpec, x: number): string => dec(x, m.pricePrecision);

/** The v5 success envelope. */
export const ok = (result: unknown, time: number): unknown => ({ retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time });

/** Bybit order ids are UUIDs: the engine's numeric id in the last group; conditional orders in a group of their own. */
const PLAIN = '4000-8000';
const CONDITIONAL = '4000-9000';
export const orderIdOf = (n: number, conditional = false): string =>
  `00000000-0000-${conditional ? CONDITIONAL : PLAIN}-${n.toString(16).padStart(12, '0')}`;
/** The engine id of a Bybit order id, or null when it is not one the paper issued. */
export function parseOrderId(id: string): { n: number; conditional: boolean } | null {
  const m = /^00000000-0000-(4000-[89]000)-([0-9a-f]{12})$/.exec(id);
  if (m === null) return null;
  return { n: parseInt(m[2]!, 16), conditional: m[1] === CONDITIONAL };
}

/** GET /v5/market/instruments-info?category=linear row. */
export function instrument(m: MarketSpec, launchTime: number): unknown {
  const maxLev = Math.max(...m.brackets.map((b) => b.initialLeverage));
  return {
    symbol: m.symbol,
    contractType: 'LinearPerpetual',
    status: 'Trading',
    baseCoin: m.baseAsset,
    quoteCoin: 'USDT',
    launchTime: String(launchTime),
    deliveryTime: '0',
    deliveryFeeRate: '',
    priceScale: String(m.pricePrecision),
    leverageFilter: { minLeverage: '1', maxLeverage: dec(maxLev, 2), leverageStep: '0.01' },
    priceFilter: { minPrice: px(m, m.tickSize), maxPrice: px(m, 1_999_999), tickSize: px(m, m.tickSize) },
    lotSizeFilter: {
      maxOrderQty: qty(m, m.maxQty),
      minOrderQty: qty(m, m.minQty),
      qtyStep: qty(m, m.stepSize),
      postOnlyMaxOrderQty: qty(m, m.maxQty),
      // The largest market order; a larger one is refused (the adapter splits its closes by it).
      maxMktOrderQty: qty(m, m.marketMaxQty),
      minNotionalValue: String(m.minNotional),
    },
    unifiedMarginTrade: true,
    fundingInterval: 480,
    settleCoin: 'USDT',
    copyTrading: 'both',
    upperFundingRate: '0.005',
    lowerFundingRate: '-0.005',
    isPreListing: false,
    preListingInfo: null,
    riskParameters: { priceLimitRatioX: '0.01', priceLimitRatioY: '0.02' },
    displayName: '',
  };
}

export interface DataFaults {
  zeroBalance?: boolean;
  emptyPositions?: boolean;
  markTimeShift?: number;
  markFactor?: number;
}

/** GET /v5/market/tickers?category=linear row (a flat day at the mark: the paper has no tape). */
export function ticker(engine: PaperEngine, symbol: string, price: number, f: DataFaults): unknown {
  const m = engine.market(symbol);
  const mark = px(m, price * (f.markFactor ?? 1));
  const p = px(m, price);
  return {
    symbol,
    lastPrice: p,
    indexPrice: p,
    markPrice: mark,
    prevPrice24h: p,
    price24hPcnt: '0',
    highPrice24h: p,
    lowPrice24h: p,
    prevPrice1h: p,
    openInterest: '0',
    openInterestValue: '0',
    turnover24h: '0',
    volume24h: '0',
    fundingRate: dec(engine.fundingRate(symbol), 6),
    nextFundingTime: String(engine.nextFundingTime()),
    predictedDeliveryPrice: '',
    basisRate: '',
    deliveryFeeRate: '',
    deliveryTime: '0',
    ask1Size: '1',
    bid1Price: p,
    ask1Price: p,
    bid1Size: '1',
    basis: '',
  };
}

/** GET /v5/market/risk-limit?category=linear rows of one symbol: the engine's tiers as Bybit's risk limits. */
export function riskLimits(m: MarketSpec): unknown[] {
  return m.brackets.map((b, i) => ({
    id: b.bracket,
    symbol: m.symbol,
    // The tier's upper bound of position value (USDT).
    riskLimitValue: String(b.notionalCap),
    maintenanceMargin: String(b.maintMarginRatio),
    initialMargin: String(1 / b.initialLeverage),
    isLowestRisk: i === 0 ? 1 : 0,
    maxLeverage: dec(b.initialLeverage, 2),
    // MM = position value × maintenanceMargin − mmDeduction (Binance's "cum").
    mmDeduction: b.cum === 0 ? '' : String(b.cum),
  }));
}

/** The account-level margin mode of /v5/account/info, from the account's positions and settings. */
export function marginModeOf(acc: PaperAccount): 'REGULAR_MARGIN' | 'ISOLATED_MARGIN' | 'PORTFOLIO_MARGIN' {
  if (acc.portfolioMargin) return 'PORTFOLIO_MARGIN';
  for (const p of acc.positions.values()) if (p.marginType === 'ISOLATED') return 'ISOLATED_MARGIN';
  for (const c of acc.symbolConfig.values()) if (c.marginType === 'ISOLATED') return 'ISOLATED_MARGIN';
  return 'REGULAR_MARGIN';
}

/** GET /v5/account/wallet-balance?accountType=UNIFIED result. */
export function walletBalance(acc: PaperAccount, risk: AccountRisk, f: DataFaults): unknown {
  const z = f.zeroBalance === true;
  const v = (x: number): string => usd(z ? 0 : x);
  const marginBalance = risk.walletBalance + risk.unrealizedPnl;
  const im = risk.positionInitialMargin + risk.openOrderInitialMargin;
  // Account-wide rates are "not applicable" under isolated margin (docs: wallet-balance): empty.
  const accountWide = marginModeOf(acc) === 'REGULAR_MARGIN';
  const rate = (x: number): string => (!accountWide ? '' : z || !(marginBalance > 0) ? '0' : dec(x / marginBalance, 4));
  return {
    list: [
      {
        accountType: 'UNIFIED',
        accountIMRate: rate(im),
        accountMMRate: rate(risk.totalMaintMargin),
        accountIMRateByMp: rate(im),
        accountMMRateByMp: rate(risk.totalMaintMargin),
        totalEquity: v(marginBalance),
        totalWalletBalance: v(risk.walletBalance),
        totalMarginBalance: v(marginBalance),
        totalAvailableBalance: v(risk.availableBalance),
        totalPerpUPL: v(risk.unrealizedPnl),
        totalInitialMargin: v(im),
        totalInitialMarginByMp: v(im),
        totalMaintenanceMargin: v(risk.totalMaintMargin),
        totalMaintenanceMarginByMp: v(risk.totalMaintMargin),
        accountLTV: '0',
        coin: [
          {
            coin: 'USDT',
            equity: v(marginBalance),
            usdValue: v(marginBalance),
            walletBalance: v(risk.walletBalance),
            free: '',
            locked: '0',
            spotHedgingQty: '0',
            borrowAmount: '0',
            availableToWithdraw: '',
            availableToBorrow: '',
            accruedInterest: '0',
            totalOrderIM: v(risk.openOrderInitialMargin),
            totalPositionIM: v(risk.positionInitialMargin),
            totalPositionMM: v(risk.totalMaintMargin),
            unrealisedPnl: v(risk.unrealizedPnl),
            cumRealisedPnl: v(acc.income.filter((r) => r.incomeType === 'REALIZED_PNL').reduce((s, r) => s + r.income, 0)),
            bonus: '0',
            marginCollateral: true,
            collateralSwitch: true,
            spotBorrow: '0',
          },
        ],
      },
    ],
  };
}

/** positionIdx of a position: 0 one-way, 1 the long (Buy) side and 2 the short side in hedge mode. */
export const positionIdxOf = (side: 'BOTH' | 'LONG' | 'SHORT'): 0 | 1 | 2 => (side === 'LONG' ? 1 : side === 'SHORT' ? 2 : 0);

/** GET /v5/position/list row. `bustPrice` is empty, as the venue now sends it. */
export function position(engine: PaperEngine, acc: PaperAccount, r: PositionRisk, f: DataFaults): unknown {
  const p = r.position;
  const m = engine.market(p.symbol);
  const isolated = p.marginType === 'ISOLATED';
  const tier = m.brackets.find((b) => r.notional >= b.notionalFloor && r.notional < b.notionalCap) ?? m.brackets[m.brackets.length - 1]!;
  const realized = acc.income.filter((x) => x.symbol === p.symbol && x.incomeType === 'REALIZED_PNL').reduce((s, x) => s + x.income, 0);
  const updated = p.updateTime + (f.markTimeShift ?? 0);
  return {
    positionIdx: positionIdxOf(p.positionSide),
    riskId: tier.bracket,
    riskLimitValue: String(tier.notionalCap),
    symbol: p.symbol,
    side: p.amt > 0 ? 'Buy' : 'Sell',
    size: qty(m, Math.abs(p.amt)),
    avgPrice: usd(p.entryPrice),
    positionValue: usd(Math.abs(p.amt) * p.entryPrice),
    // UTA: deprecated, the margin mode is the account's (/v5/account/info); the paper keeps 1 = isolated.
    tradeMode: isolated ? 1 : 0,
    positionStatus: 'Normal',
    autoAddMargin: 0,
    adlRankIndicator: 2,
    leverage: String(r.leverage),
    positionBalance: usd(isolated ? p.isolatedWallet : r.initialMargin),
    markPrice: px(m, r.markPrice * (f.markFactor ?? 1)),
    liqPrice: r.liquidationPrice > 0 ? px(m, r.liquidationPrice) : '',
    bustPrice: '',
    positionMM: usd(r.maintMargin),
    positionMMByMp: usd(r.maintMargin),
    positionIM: usd(r.initialMargin),
    positionIMByMp: usd(r.initialMargin),
    tpslMode: 'Full',
    takeProfit: '0',
    stopLoss: '0',
    trailingStop: '0',
    sessionAvgPrice: '',
    delta: '',
    gamma: '',
    vega: '',
    theta: '',
    unrealisedPnl: usd(r.unrealizedPnl),
    curRealisedPnl: usd(realized),
    cumRealisedPnl: usd(realized),
    seq: updated,
    isReduceOnly: false,
    mmrSysUpdatedTime: '',
    leverageSysUpdatedTime: '',
    createdTime: String(p.updateTime),
    updatedTime: String(updated),
  };
}

const ORDER_STATUS: Record<OrderRecord['status'], string> = {
  NEW: 'New',
  PARTIALLY_FILLED: 'PartiallyFilled',
  FILLED: 'Filled',
  CANCELED: 'Cancelled',
  // An IOC / market remainder that did not fill.
  EXPIRED: 'PartiallyFilledCanceled',
  REJECTED: 'Rejected',
};
const TIF: Record<string, string> = { GTC: 'GTC', IOC: 'IOC', FOK: 'FOK', GTX: 'PostOnly' };

/** GET /v5/order/realtime and /history row of a plain order. */
export function order(engine: PaperEngine, o: OrderRecord): unknown {
  const m = engine.market(o.symbol);
  const leaves = o.status === 'NEW' || o.status === 'PARTIALLY_FILLED' ? o.origQty - o.executedQty : 0;
  const status = o.status === 'EXPIRED' && o.executedQty === 0 ? 'Cancelled' : ORDER_STATUS[o.status];
  return {
    orderId: orderIdOf(o.orderId),
    orderLinkId: o.clientOrderId,
    blockTradeId: '',
    symbol: o.symbol,
    price: o.type === 'MARKET' ? '0' : px(m, o.price),
    qty: qty(m, o.origQty),
    side: o.side === 'BUY' ? 'Buy' : 'Sell',
    isLeverage: '',
    positionIdx: positionIdxOf(o.positionSide),
    orderStatus: status,
    cancelType: status === 'Cancelled' || status === 'PartiallyFilledCanceled' ? 'CancelByUser' : 'UNKNOWN',
    rejectReason: 'EC_NoError',
    avgPrice: o.executedQty > 0 ? px(m, o.avgPrice) : '',
    leavesQty: qty(m, leaves),
    leavesValue: usd(leaves * o.price),
    cumExecQty: qty(m, o.executedQty),
    cumExecValue: usd(o.cumQuote),
    cumExecFee: '0',
    timeInForce: TIF[o.timeInForce] ?? 'GTC',
    orderType: o.type === 'MARKET' ? 'Market' : 'Limit',
    stopOrderType: '',
    orderIv: '',
    triggerPrice: '',
    takeProfit: '',
    stopLoss: '',
    tpTriggerBy: '',
    slTriggerBy: '',
    triggerDirection: 0,
    triggerBy: '',
    lastPriceOnCreated: '',
    reduceOnly: o.reduceOnly,
    closeOnTrigger: false,
    smpType: 'None',
    smpGroup: 0,
    smpOrderId: '',
    tpslMode: '',
    tpLimitPrice: '',
    slLimitPrice: '',
    placeType: '',
    createdTime: String(o.time),
    updatedTime: String(o.updateTime),
  };
}

const ALGO_STATUS: Record<AlgoOrderRecord['algoStatus'], string> = {
  NEW: 'Untriggered',
  TRIGGERED: 'Triggered',
  FINISHED: 'Filled',
  CANCELED: 'Deactivated',
  REJECTED: 'Rejected',
  EXPIRED: 'Deactivated',
};

/** A conditional order (triggerPrice set) as GET /v5/order/realtime shows it (`stopOrderType: "Stop"`). */
export function conditional(engine: PaperEngine, a: AlgoOrderRecord): unknown {
  const m = engine.market(a.symbol);
  const market = a.orderType === 'STOP_MARKET' || a.orderType === 'TAKE_PROFIT_MARKET';
  // Rises to trigger: a buy stop or a sell take-profit.
  const rising = (a.side === 'BUY') === (a.orderType === 'STOP_MARKET' || a.orderType === 'STOP');
  return {
    orderId: orderIdOf(a.algoId, true),
    orderLinkId: a.clientAlgoId,
    blockTradeId: '',
    symbol: a.symbol,
    price: market ? '0' : px(m, a.price),
    qty: qty(m, a.quantity),
    side: a.side === 'BUY' ? 'Buy' : 'Sell',
    isLeverage: '',
    positionIdx: positionIdxOf(a.positionSide),
    orderStatus: ALGO_STATUS[a.algoStatus],
    cancelType: 'UNKNOWN',
    rejectReason: 'EC_NoError',
    avgPrice: a.executedQty > 0 ? px(m, a.avgPrice) : '',
    leavesQty: qty(m, a.algoStatus === 'NEW' ? a.quantity : 0),
    leavesValue: '0',
    cumExecQty: qty(m, a.executedQty),
    cumExecValue: '0',
    cumExecFee: '0',
    timeInForce: market ? 'IOC' : (TIF[a.timeInForce] ?? 'GTC'),
    orderType: market ? 'Market' : 'Limit',
    stopOrderType: 'Stop',
    orderIv: '',
    triggerPrice: px(m, a.triggerPrice),
    takeProfit: '',
    stopLoss: '',
    tpTriggerBy: '',
    slTriggerBy: '',
    triggerDirection: rising ? 1 : 2,
    triggerBy: a.workingType === 'MARK_PRICE' ? 'MarkPrice' : 'LastPrice',
    lastPriceOnCreated: '',
    reduceOnly: a.reduceOnly,
    closeOnTrigger: a.closePosition,
    smpType: 'None',
    smpGroup: 0,
    smpOrderId: '',
    tpslMode: '',
    tpLimitPrice: '',
    slLimitPrice: '',
    placeType: '',
    createdTime: String(a.createTime),
    updatedTime: String(a.updateTime),
  };
}

/** GET /v5/user/query-api result for `acc`'s key. */
export function apiKeyInfo(acc: PaperAccount): unknown {
  const day = 86_400_000;
  return {
    id: acc.id.replace(/\D/g, '') || '1',
    note: 'riskguard paper',
    apiKey: acc.apiKey,
    readOnly: acc.canTrade ? 0 : 1,
    secret: '',
    permissions: {
      ContractTrade: acc.canTrade ? ['Order', 'Position'] : [],
      Spot: [],
      Wallet: acc.enableWithdrawals ? ['AccountTransfer', 'SubMemberTransfer', 'Withdraw'] : ['AccountTransfer'],
      Options: [],
      Derivatives: [],
      CopyTrading: [],
      BlockTrade: [],
      Exchange: [],
      NFT: [],
      Affiliate: [],
      Earn: [],
    },
    ips: ['*'],
    type: 1,
    deadlineDay: 90,
    expiredAt: new Date(acc.createTime + 90 * day).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    createdAt: new Date(acc.createTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    unified: 0,
    uta: 1,
    userID: 100_000_000 + Number(acc.id.replace(/\D/g, '') || 0),
    inviterID: 0,
    vipLevel: 'No VIP',
    mktMakerLevel: '0',
    affiliateID: 0,
    rsaPublicKey: '',
    isMaster: true,
    parentUid: '0',
    kycLevel: 'LEVEL_DEFAULT',
    kycRegion: '',
  };
}
