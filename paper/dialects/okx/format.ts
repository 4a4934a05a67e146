import { maintenanceMargin } from '../../brackets.ts';
import type { AccountRisk, AlgoOrderRecord, IncomeRecord, OrderRecord, PaperAccount, PaperEngine, PositionRisk } from '../../core/index.ts';
import { instrumentOf, num, toContracts, type OkxInstrument } from './instruments.ts';

/**
 * OKX v5 JSON shapes of the paper's state: every number a string, every list inside the
 * `{code:"0", msg:"", data:[…]}` envelope (built by the caller). Field lists follow the docs of each
 * endpoint (https://www.okx.com/docs-v5/en/ "Response Parameters"); fields the paper has no value
 * for are "" as OKX answers them in that account mode.
 */

export interface DataFaults {
  zeroBalance?: boolean;
  emptyPositions?: boolean;
  /** ms added to mark / update times (negative = stale). */
  markTimeShift?: number;
  markFactor?: number;
}

export const instrument = (engine: PaperEngine, symbol: string): OkxInstrument => instrumentOf(engine.market(symbol));

/** GET /api/v5/public/instruments?instType=SWAP row. */
export function instrumentRow(inst: OkxInstrument, maxLever: number, listTime: number): Record<string, string> {
  return {
    alias: '',
    baseCcy: '',
    category: '1',
    ctMult: '1',
    ctType: 'linear',
    ctVal: num(inst.ctVal),
    ctValCcy: inst.base,
    expTime: '',
    instFamily: `${inst.base}-USDT`,
    instId: inst.instId,
    instType: 'SWAP',
    lever: String(maxLever),
    listTime: String(listTime),
    lotSz: num(inst.lotSz),
    maxIcebergSz: num(inst.maxLmtSz),
    maxLmtAmt: '20000000',
    maxLmtSz: num(inst.maxLmtSz),
    maxMktAmt: '',
    maxMktSz: num(inst.maxMktSz),
    maxStopSz: num(inst.maxMktSz),
    maxTriggerSz: num(inst.maxLmtSz),
    maxTwapSz: num(inst.maxLmtSz),
    minSz: num(inst.minSz),
    optType: '',
    quoteCcy: '',
    ruleType: 'normal',
    settleCcy: 'USDT',
    state: 'live',
    stk: '',
    tickSz: num(inst.tickSz),
    uly: `${inst.base}-USDT`,
  };
}

/** posSide as OKX names it: net in net mode, long / short in long/short mode. */
export const posSideOf = (p: { positionSide: string }): 'net' | 'long' | 'short' =>
  p.positionSide === 'LONG' ? 'long' : p.positionSide === 'SHORT' ? 'short' : 'net';

/** The cross pool's liquidation fee: Σ position value × taker fee rate over its positions. */
const crossLiquidationFee = (risk: AccountRisk): number =>
  risk.positions.reduce((s, r) => s + (r.position.marginType === 'ISOLATED' ? 0 : r.liquidationFee), 0);

/**
 * GET /api/v5/account/positions row. `pos` in contracts (signed in net mode), `mmr` the
 * maintenance margin AMOUNT in USDT (tier rate × value), `mgnRatio` = equity ÷ (maintenance margin
 * + liquidation fee) of the position's pool (the isolated position; the cross pool for cross): OKX
 * liquidates at ≤ 100 % ("Margin ratio = … / (Maintenance margin + Liquidation fee)", the fee =
 * position value × taker fee rate: https://www.okx.com/help/iii-single-currency-margin-cross-margin-trading,
 * https://www.okx.com/help/v-tiered-maintenance-margin-ratio-rules). Whether OKX's own `mmr` field
 * includes the fee the docs do not say; here it does not, so `mgnRatio` ≠ equity ÷ `mmr`.
 */
export function positionRow(engine: PaperEngine, acc: PaperAccount, r: PositionRisk, risk: AccountRisk, f: DataFaults): Record<string, string> {
  const p = r.position;
  const inst = instrument(engine, p.symbol);
  const mark = engine.mark(p.symbol);
  const factor = f.markFactor ?? 1;
  const isolated = p.marginType === 'ISOLATED';
  const pos = toContracts(inst, p.amt);
  const side = posSideOf(p);
  const shownPos = side === 'net' ? pos : Math.abs(pos);
  const poolEquity = isolated ? p.isolatedWallet + r.unrealizedPnl : risk.crossMarginBalance;
  const poolMM = isolated ? r.maintMargin + r.liquidationFee : risk.crossMaintMargin + crossLiquidationFee(risk);
  const mgnRatio = poolMM > 0 ? poolEquity / poolMM : Infinity;
  const uTime = (mark?.time ?? p.updateTime) + (f.markTimeShift ?? 0);
  return {
    adl: '1',
    availPos: num(Math.abs(shownPos)),
    avgPx: num(p.entryPrice),
    baseBal: '',
    baseBorrowed: '',
    bePx: num(r.breakEvenPrice),
    cTime: String(p.updateTime),
    ccy: 'USDT',
    deltaBS: '',
    fee: '0',
    fundingFee: '0',
    idxPx: num(r.markPrice),
    imr: isolated ? '' : num(r.initialMargin),
    instId: inst.instId,
    instType: 'SWAP',
    interest: '',
    last: num(r.markPrice),
    lever: String(r.leverage),
    liqPenalty: '0',
    liqPx: r.liquidationPrice > 0 ? num(r.liquidationPrice) : '',
    margin: isolated ? num(p.isolatedWallet) : '',
    markPx: num(r.markPrice * factor),
    mgnMode: isolated ? 'isolated' : 'cross',
    mgnRatio: Number.isFinite(mgnRatio) ? num(mgnRatio) : '',
    mmr: num(r.maintMargin),
    notionalUsd: num(r.notional),
    optVal: '',
    pendingCloseOrdLiabVal: '',
    pnl: '0',
    pos: num(shownPos),
    posCcy: '',
    posId: String(hash(`${acc.id}:${p.symbol}:${p.positionSide}:${p.marginType}`)),
    posSide: side,
    quoteBal: '',
    realizedPnl: '0',
    tradeId: '',
    uTime: String(uTime),
    upl: num(r.unrealizedPnl),
    uplLastPx: num(r.unrealizedPnl),
    uplRatio: num(r.unrealizedPnl / Math.max(1e-12, r.initialMargin)),
    usdPx: '',
  };
}

const hash = (s: string): number => {
  let h = 7;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) % 2_147_483_647;
  return 1_000_000_000 + h;
};

/**
 * GET /api/v5/account/balance: one object with account totals and a USDT detail. In the futures
 * mode (acctLv 2) the account-level imr / mmr / mgnRatio are "" (they apply to the multi-currency
 * and portfolio modes); the USDT detail carries the cross pool's figures.
 */
export function balanceRow(acc: PaperAccount, risk: AccountRisk, now: number, f: DataFaults): Record<string, unknown> {
  const zero = f.zeroBalance === true;
  const isoEq = risk.positions.filter((r) => r.position.marginType === 'ISOLATED').reduce((s, r) => s + r.position.isolatedWallet + r.unrealizedPnl, 0);
  const eq = zero ? 0 : risk.marginBalance;
  const crossRequirement = risk.crossMaintMargin + crossLiquidationFee(risk);
  const crossMgnRatio = crossRequirement > 0 ? risk.crossMarginBalance / crossRequirement : null;
  const detail = {
    availBal: num(zero ? 0 : Math.max(0, risk.availableBalance)),
    availEq: num(zero ? 0 : Math.max(0, risk.availableBalance)),
    borrowFroz: '',
    cashBal: num(zero ? 0 : risk.walletBalance),
    ccy: 'USDT',
    crossLiab: '',
    disEq: num(eq),
    eq: num(eq),
    eqUsd: num(eq),
    fixedBal: '0',
    frozenBal: num(zero ? 0 : Math.max(0, eq - Math.max(0, risk.availableBalance))),
    imr: num(zero ? 0 : risk.crossPositionInitialMargin),
    interest: '',
    isoEq: num(zero ? 0 : isoEq),
    isoLiab: '',
    isoUpl: num(zero ? 0 : risk.unrealizedPnl - risk.crossUnPnl),
    liab: '',
    maxLoan: '',
    mgnRatio: zero || crossMgnRatio === null ? '' : num(crossMgnRatio),
    mmr: num(zero ? 0 : risk.crossMaintMargin),
    notionalLever: '',
    ordFrozen: num(zero ? 0 : risk.openOrderInitialMargin),
    stgyEq: '0',
    twap: '0',
    uTime: String(acc.updateTime),
    upl: num(zero ? 0 : risk.unrealizedPnl),
    uplLiab: '',
  };
  return {
    adjEq: '',
    borrowFroz: '',
    details: zero ? [] : [detail],
    imr: '',
    isoEq: num(zero ? 0 : isoEq),
    mgnRatio: '',
    mmr: '',
    notionalUsd: num(zero ? 0 : risk.positions.reduce((s, r) => s + r.notional, 0)),
    ordFroz: '',
    totalEq: num(eq),
    uTime: String(now),
    upl: num(zero ? 0 : risk.unrealizedPnl),
  };
}

/** Account levels: 1 spot, 2 futures (spot and futures mode), 3 multi-currency margin, 4 portfolio margin. */
export const acctLvOf = (acc: PaperAccount): '2' | '3' | '4' => (acc.portfolioMargin ? '4' : acc.multiAssetsMargin ? '3' : '2');

/** GET /api/v5/account/config. `perm`: comma-separated read_only, trade, withdraw. */
export function configRow(acc: PaperAccount): Record<string, unknown> {
  const perm = ['read_only', ...(acc.canTrade ? ['trade'] : []), ...(acc.enableWithdrawals ? ['withdraw'] : [])].join(',');
  return {
    acctLv: acctLvOf(acc),
    acctStpMode: 'cancel_maker',
    autoLoan: false,
    ctIsoMode: 'automatic',
    enableSpotBorrow: false,
    greeksType: 'PA',
    ip: '',
    kycLv: '2',
    label: acc.label,
    level: 'Lv1',
    levelTmp: '',
    liquidationGear: '-1',
    mainUid: String(hash(acc.id)),
    mgnIsoMode: 'automatic',
    opAuth: '0',
    perm,
    posMode: acc.dualSide ? 'long_short_mode' : 'net_mode',
    roleType: '0',
    spotBorrowAutoRepay: false,
    spotOffsetType: '',
    spotRoleType: '0',
    spotTraderInsts: [],
    traderInsts: [],
    type: '0',
    uid: String(hash(acc.id)),
  };
}

const ORD_STATE: Record<string, string> = { NEW: 'live', PARTIALLY_FILLED: 'partially_filled', FILLED: 'filled', CANCELED: 'canceled', EXPIRED: 'canceled', REJECTED: 'canceled' };

/** GET /api/v5/trade/orders-pending (and trade/order) row. */
export function orderRow(engine: PaperEngine, o: OrderRecord, tdMode: string): Record<string, string> {
  const inst = instrument(engine, o.symbol);
  return {
    accFillSz: num(toContracts(inst, o.executedQty)),
    algoClOrdId: '',
    algoId: '',
    avgPx: o.executedQty > 0 ? num(o.avgPrice) : '',
    cTime: String(o.time),
    category: 'normal',
    ccy: '',
    clOrdId: o.clientOrderId,
    fee: '0',
    feeCcy: 'USDT',
    fillPx: o.executedQty > 0 ? num(o.avgPrice) : '',
    fillSz: num(toContracts(inst, o.executedQty)),
    fillTime: o.executedQty > 0 ? String(o.updateTime) : '',
    instId: inst.instId,
    instType: 'SWAP',
    lever: '',
    ordId: String(o.orderId),
    ordType: o.type === 'MARKET' ? 'market' : o.timeInForce === 'GTX' ? 'post_only' : o.timeInForce === 'IOC' ? 'ioc' : o.timeInForce === 'FOK' ? 'fok' : 'limit',
    pnl: '0',
    posSide: posSideOf(o),
    px: o.type === 'MARKET' ? '' : num(o.price),
    reduceOnly: String(o.reduceOnly),
    side: o.side === 'BUY' ? 'buy' : 'sell',
    source: '',
    state: ORD_STATE[o.status] ?? 'live',
    sz: num(toContracts(inst, o.origQty)),
    tag: '',
    tdMode,
    tgtCcy: '',
    tradeId: '',
    uTime: String(o.updateTime),
  };
}

/** How the paper keeps an OKX algo order's own type (the engine's trigger orders are neutral). */
export interface AlgoMeta {
  ordType: 'conditional' | 'trigger';
  tdMode: string;
  kind: 'sl' | 'tp' | 'trigger';
}

/** GET /api/v5/trade/orders-algo-pending row. */
export function algoRow(engine: PaperEngine, a: AlgoOrderRecord, meta: AlgoMeta): Record<string, string> {
  const inst = instrument(engine, a.symbol);
  const px = a.price > 0 ? num(a.price) : '-1';
  return {
    activePx: '',
    actualPx: '',
    actualSide: '',
    actualSz: '0',
    algoClOrdId: a.clientAlgoId,
    algoId: String(a.algoId),
    cTime: String(a.createTime),
    ccy: '',
    closeFraction: a.closePosition ? '1' : '',
    instId: inst.instId,
    instType: 'SWAP',
    last: '',
    lever: '',
    ordId: '',
    ordPx: meta.kind === 'trigger' ? px : '',
    ordType: meta.ordType,
    posSide: posSideOf(a),
    reduceOnly: String(a.reduceOnly || a.closePosition),
    side: a.side === 'BUY' ? 'buy' : 'sell',
    slOrdPx: meta.kind === 'sl' ? px : '',
    slTriggerPx: meta.kind === 'sl' ? num(a.triggerPrice) : '',
    slTriggerPxType: meta.kind === 'sl' ? 'mark' : '',
    state: 'live',
    sz: a.closePosition ? '' : num(toContracts(inst, a.quantity)),
    tag: '',
    tdMode: meta.tdMode,
    tgtCcy: '',
    tpOrdPx: meta.kind === 'tp' ? px : '',
    tpTriggerPx: meta.kind === 'tp' ? num(a.triggerPrice) : '',
    tpTriggerPxType: meta.kind === 'tp' ? 'mark' : '',
    triggerPx: meta.kind === 'trigger' ? num(a.triggerPrice) : '',
    triggerPxType: meta.kind === 'trigger' ? 'mark' : '',
    triggerTime: '',
    uTime: String(a.updateTime),
  };
}

/**
 * One ledger row as an OKX bill (GET /api/v5/account/bills, "Bill type" / "Bill subtype" in
 * https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-bills-details-last-7-days):
 * type 1 transfer (subType 11 in, 12 out), 2 trade (3/4 open long/short, 5/6 close long/short),
 * 5 liquidation (104 liquidation long, 105 liquidation short, 110 liquidation transfer in),
 * 8 funding fee (173 expense, 174 income), 9 ADL (125 ADL close long, 126 ADL close short).
 * `balChg` is the row's effect on the USDT balance; `pnl` and `fee` (negative = paid) split it.
 */
export function billRow(engine: PaperEngine, acc: PaperAccount, r: IncomeRecord, balance: number): Record<string, string> {
  const trade = r.tradeId !== '' ? acc.trades.find((t) => String(t.id) === r.tradeId) : undefined;
  const order = trade ? acc.orders.get(trade.orderId) : undefined;
  const forced = order !== undefined && acc.forceOrders.includes(order);
  const adl = forced && order.clientOrderId === 'adl_autoclose';
  // A sell that closes closed a long.
  const closedLong = trade ? trade.side === 'SELL' : true;
  let type = '2';
  let subType = '';
  let pnl = 0;
  let fee = 0;
  switch (r.incomeType) {
    case 'TRANSFER':
      type = '1';
      subType = r.income >= 0 ? '11' : '12';
      break;
    case 'FUNDING_FEE':
      type = '8';
      subType = r.income >= 0 ? '174' : '173';
      break;
    case 'REALIZED_PNL':
      pnl = r.income;
      if (adl) {
        type = '9';
        subType = closedLong ? '125' : '126';
      } else if (forced) {
        type = '5';
        subType = closedLong ? '104' : '105';
      } else {
        type = '2';
        subType = closedLong ? '5' : '6';
      }
      break;
    case 'COMMISSION': {
      fee = r.income;
      type = '2';
      const pos = trade ? trade.realizedPnl !== 0 : false;
      subType = pos ? (closedLong ? '5' : '6') : trade?.side === 'BUY' ? '3' : '4';
      break;
    }
    case 'INSURANCE_CLEAR':
      // The liquidation penalty, charged as the liquidation's fee.
      fee = r.income;
      type = '5';
      subType = '104';
      break;
  }
  const inst = r.symbol !== '' && engine.hasMarket(r.symbol) ? instrument(engine, r.symbol) : undefined;
  return {
    bal: num(balance),
    balChg: num(r.income),
    billId: String(r.tranId),
    ccy: 'USDT',
    clOrdId: '',
    execType: trade ? 'T' : '',
    fee: num(fee),
    fillFwdPx: '',
    fillIdxPx: '',
    fillMarkPx: '',
    fillMarkVol: '',
    fillPxUsd: '',
    fillPxVol: '',
    fillTime: String(r.time),
    from: '',
    instId: inst?.instId ?? '',
    instType: inst ? 'SWAP' : '',
    interest: '0',
    mgnMode: inst ? (order?.marginType === 'ISOLATED' ? 'isolated' : 'cross') : '',
    notes: '',
    ordId: order ? String(order.orderId) : '',
    pnl: num(pnl),
    posBal: '',
    posBalChg: '',
    px: trade ? num(trade.price) : '',
    subType,
    sz: trade && inst ? num(toContracts(inst, trade.qty)) : '',
    tag: '',
    to: '',
    tradeId: trade ? String(trade.id) : '',
    ts: String(r.time),
    type,
  };
}

/**
 * GET /api/v5/public/position-tiers rows for one instrument family: OKX states tiers by SIZE in
 * contracts (minSz, maxSz) with the tier's maintenance margin rate `mmr`; the paper's brackets are
 * by notional, so the sizes are the notional bounds at the current mark (they move with it).
 */
export function tierRows(engine: PaperEngine, symbol: string, tdMode: string): Record<string, string>[] {
  const m = engine.market(symbol);
  const inst = instrumentOf(m);
  const mark = engine.mark(symbol)?.price ?? 1;
  return m.brackets.map((b, i) => ({
    baseMaxLoan: '',
    imr: num(1 / b.initialLeverage),
    instFamily: `${inst.base}-USDT`,
    instId: '',
    maxLever: String(b.initialLeverage),
    maxSz: num(toContracts(inst, b.notionalCap / mark)),
    minSz: num(toContracts(inst, b.notionalFloor / mark)),
    mmr: num(b.maintMarginRatio),
    optMgnFactor: '0',
    quoteMaxLoan: '',
    tier: String(i + 1),
    uly: `${inst.base}-USDT`,
    ...(tdMode === 'isolated' || tdMode === 'cross' ? {} : {}),
  }));
}

/** Maintenance margin of `symbol` at a notional (for tests of the dialect). */
export const mmAt = (engine: PaperEngine, symbol: string, notional: number): number => maintenanceMargin(engine.market(symbol).brackets, notional).mm;
