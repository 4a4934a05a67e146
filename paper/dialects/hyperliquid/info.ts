import { createHash } from 'node:crypto';
import type { MarketSpec } from '../../markets.ts';
import type { IncomeRecord, LiquidationEvent, PaperAccount, PaperEngine } from '../../core/index.ts';
import type { ActiveFault } from '../../faults.ts';
import { walletsOf } from './keys.ts';
import { HL_ASSETS, marginTable, type HlAsset } from './markets.ts';
import type { HyperliquidState } from './state.ts';

/**
 * POST /info: the reads ccxt 4.5.84's hyperliquid class and riskguard make, in Hyperliquid's shapes
 * ("Info endpoint", https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint,
 * …/info-endpoint/perpetuals and …/spot; examples quoted in ccxt's hyperliquid.js). Decimals are
 * strings; an address the paper does not know (or an agent's) reads as an empty account.
 */

/** A decimal as Hyperliquid writes it: "100.0", "0.00123", "-5.5". */
export function dec(x: number, maxDecimals = 8): string {
  if (!Number.isFinite(x)) return '0.0';
  const s = String(Number(x.toFixed(maxDecimals)));
  const t = s === '-0' ? '0' : s;
  return t.includes('.') || t.includes('e') ? t : `${t}.0`;
}

/** A transaction-hash-like id for a history row (deterministic). */
export const hashOf = (key: string): string => `0x${createHash('sha256').update(key).digest('hex')}`;

/** The universe entry of a listed market (the table's, or a runtime one's from its spec). */
export function assetOf(m: MarketSpec): HlAsset {
  const known = HL_ASSETS.find((a) => a.name === m.symbol);
  if (known !== undefined) return known;
  const lev = m.brackets[0]?.initialLeverage ?? 10;
  return { name: m.symbol, szDecimals: m.quantityPrecision, maxLeverage: lev, marginTableId: lev };
}

/** The paper's universe in asset-index order (the table first, then markets listed at runtime). */
export function universe(engine: PaperEngine): HlAsset[] {
  return engine.listMarkets().map(assetOf);
}

export interface InfoCtx {
  engine: PaperEngine;
  state: HyperliquidState;
  /** Wall-clock ms of the venue. */
  wallNow: number;
  take: (kind: ActiveFault['kind']) => ActiveFault | undefined;
}

function meta(engine: PaperEngine) {
  const u = universe(engine);
  const tableIds = [...new Set(u.map((a) => a.marginTableId).filter((id) => id >= 50))].sort((a, b) => a - b);
  return {
    universe: u.map((a) => ({ szDecimals: a.szDecimals, name: a.name, maxLeverage: a.maxLeverage, marginTableId: a.marginTableId, ...(a.onlyIsolated ? { onlyIsolated: true } : {}) })),
    marginTables: tableIds.map((id) => {
      const t = marginTable(id);
      return [id, { description: t.description, marginTiers: t.marginTiers.map((x) => ({ lowerBound: dec(x.lowerBound), maxLeverage: x.maxLeverage })) }];
    }),
    collateralToken: 0,
  };
}

function assetCtxs(ctx: InfoCtx) {
  const bad = ctx.take('bad-mark');
  return universe(ctx.engine).map((a) => {
    const mark = ctx.engine.mark(a.name)?.price ?? 0;
    const rate = ctx.engine.fundingRate(a.name);
    const px = (x: number) => (x > 0 ? dec(x, 6) : '0.0');
    return {
      funding: dec(rate, 10),
      openInterest: '0.0',
      prevDayPx: px(mark),
      dayNtlVlm: '0.0',
      premium: '0.0',
      oraclePx: px(mark),
      markPx: px(bad !== undefined ? mark * bad.factor : mark),
      midPx: px(mark),
      impactPxs: [px(mark), px(mark)],
      dayBaseVlm: '0.0',
    };
  });
}

const USDC_TOKEN = { name: 'USDC', szDecimals: 8, weiDecimals: 8, index: 0, tokenId: '0x6d1e7cde53ba9467b783cb7c530ce054', isCanonical: true, evmContract: null, fullName: null };

/** `clearinghouseState`: the main dex's summary and positions (another dex: an empty state). */
export function clearinghouseState(ctx: InfoCtx, acc: PaperAccount | undefined, dex: string) {
  const { engine } = ctx;
  const empty = ctx.take('empty-positions') !== undefined;
  const zero = ctx.take('zero-balance') !== undefined;
  const stale = ctx.take('stale-mark');
  const time = engine.now() - (stale?.staleMs ?? 0);
  const summary = (accountValue: number, ntl: number, rawUsd: number, used: number) => ({ accountValue: dec(accountValue, 6), totalNtlPos: dec(ntl, 6), totalRawUsd: dec(rawUsd, 6), totalMarginUsed: dec(used, 6) });
  if (acc === undefined || dex !== '') {
    return { marginSummary: summary(0, 0, 0, 0), crossMarginSummary: summary(0, 0, 0, 0), crossMaintenanceMarginUsed: '0.0', withdrawable: '0.0', assetPositions: [], time };
  }
  const risk = engine.accountRisk(acc);
  let ntl = 0, signedNtl = 0, used = 0, crossNtl = 0, crossSigned = 0, crossUsed = 0;
  const positions = risk.positions.map((r) => {
    const p = r.position;
    const a = assetOf(engine.market(p.symbol));
    const isolated = p.marginType === 'ISOLATED';
    const marginUsed = isolated ? p.isolatedWallet + r.unrealizedPnl : r.initialMargin;
    ntl += r.notional;
    signedNtl += p.amt * r.markPrice;
    used += marginUsed;
    if (!isolated) {
      crossNtl += r.notional;
      crossSigned += p.amt * r.markPrice;
      crossUsed += marginUsed;
    }
    const entryMargin = (Math.abs(p.amt) * p.entryPrice) / r.leverage;
    return {
      type: 'oneWay',
      position: {
        coin: p.symbol,
        szi: dec(p.amt, a.szDecimals),
        leverage: isolated ? { type: 'isolated', value: r.leverage, rawUsd: dec(p.isolatedWallet - p.amt * p.entryPrice, 6) } : { type: 'cross', value: r.leverage },
        entryPx: dec(p.entryPrice, 6),
        positionValue: dec(r.notional, 6),
        unrealizedPnl: dec(r.unrealizedPnl, 6),
        returnOnEquity: dec(entryMargin > 0 ? r.unrealizedPnl / entryMargin : 0, 8),
        liquidationPx: r.liquidationPrice > 0 ? dec(r.liquidationPrice, 6) : null,
        marginUsed: dec(marginUsed, 6),
        maxLeverage: a.maxLeverage,
        cumFunding: { allTime: '0.0', sinceOpen: '0.0', sinceChange: '0.0' },
      },
    };
  });
  const open = new Set(risk.positions.map((r) => r.position.symbol));
  for (const coin of ctx.state.closedCoins.get(acc.id) ?? []) {
    if (open.has(coin) || !engine.hasMarket(coin)) continue;
    const cfg = engine.symbolConfig(acc, coin);
    const zero = { coin, szi: '0.0', leverage: cfg.marginType === 'ISOLATED' ? { type: 'isolated', value: cfg.leverage, rawUsd: '0.0' } : { type: 'cross', value: cfg.leverage }, entryPx: '0.0', positionValue: '0.0', unrealizedPnl: '0.0', returnOnEquity: '0.0', liquidationPx: null, marginUsed: '0.0', maxLeverage: assetOf(engine.market(coin)).maxLeverage, cumFunding: { allTime: '0.0', sinceOpen: '0.0', sinceChange: '0.0' } };
    positions.push({ type: 'oneWay', position: zero as (typeof positions)[number]['position'] });
  }
  // A unified account keeps its USDC in the spot clearinghouse: the perp summary then holds no
  // collateral, only the positions' PnL and isolated margin ("not meaningful" for the balance).
  const collateral = acc.unifiedAccount ? 0 : risk.crossWallet;
  const accountValue = zero ? 0 : collateral + risk.isolatedWallets + risk.unrealizedPnl;
  const crossValue = zero ? 0 : collateral + risk.crossUnPnl;
  return {
    marginSummary: summary(accountValue, ntl, accountValue - signedNtl, used),
    crossMarginSummary: summary(crossValue, crossNtl, crossValue - crossSigned, crossUsed),
    crossMaintenanceMarginUsed: dec(risk.crossMaintMargin, 6),
    withdrawable: dec(zero || acc.unifiedAccount ? 0 : risk.maxWithdrawAmount, 6),
    assetPositions: empty ? [] : positions,
    time,
  };
}

/** `spotClearinghouseState`: USDC only; a unified account's whole collateral lives here. */
export function spotClearinghouseState(ctx: InfoCtx, acc: PaperAccount | undefined) {
  const zero = ctx.take('zero-balance') !== undefined;
  let total = 0;
  let hold = 0;
  if (acc !== undefined && acc.unifiedAccount && !zero) {
    const risk = ctx.engine.accountRisk(acc);
    total = risk.walletBalance;
    hold = risk.crossPositionInitialMargin + risk.isolatedWallets + risk.openOrderInitialMargin;
  }
  return { balances: [{ coin: 'USDC', token: 0, total: dec(total, 8), hold: dec(hold, 8), entryNtl: '0.0' }] };
}

/** `userAbstraction`: a bare JSON string ("Query a user's abstraction state"). */
export function userAbstraction(acc: PaperAccount | undefined): string {
  if (acc?.portfolioMargin) return 'portfolioMargin';
  if (acc?.unifiedAccount) return 'unifiedAccount';
  return 'default';
}

const sideOf = (s: 'BUY' | 'SELL') => (s === 'BUY' ? 'B' : 'A');

/** `frontendOpenOrders`: resting limit orders and untriggered TP/SL orders. */
export function frontendOpenOrders(engine: PaperEngine, acc: PaperAccount | undefined) {
  if (acc === undefined) return [];
  const limits = engine.listOpenOrders(acc).map((o) => ({
    coin: o.symbol, side: sideOf(o.side), limitPx: dec(o.price, 6), sz: dec(o.origQty - o.executedQty), oid: o.orderId, timestamp: o.time,
    triggerCondition: 'N/A', isTrigger: false, triggerPx: '0.0', children: [], isPositionTpsl: false, reduceOnly: o.reduceOnly,
    orderType: 'Limit', origSz: dec(o.origQty), tif: o.timeInForce === 'IOC' ? 'Ioc' : o.timeInForce === 'GTX' ? 'Alo' : 'Gtc', cloid: o.clientOrderId.startsWith('0x') ? o.clientOrderId : null,
  }));
  const triggers = engine.listOpenAlgoOrders(acc).map((a) => {
    const market = a.orderType.endsWith('MARKET');
    const sl = a.orderType.startsWith('STOP');
    return {
      coin: a.symbol, side: sideOf(a.side), limitPx: dec(a.price, 6), sz: dec(a.quantity), oid: a.algoId, timestamp: a.createTime,
      triggerCondition: `Price ${(sl ? a.side === 'SELL' : a.side === 'BUY') ? 'below' : 'above'} ${dec(a.triggerPrice, 6)}`, isTrigger: true, triggerPx: dec(a.triggerPrice, 6),
      children: [], isPositionTpsl: false, reduceOnly: a.reduceOnly, orderType: `${sl ? 'Stop' : 'Take Profit'} ${market ? 'Market' : 'Limit'}`, origSz: dec(a.quantity), tif: null,
      cloid: a.clientAlgoId.startsWith('0x') ? a.clientAlgoId : null,
    };
  });
  return [...limits, ...triggers];
}

/** Rows of [startTime, endTime] (endTime default: now), ascending, the first `cap`. */
function window<T extends { time: number }>(rows: T[], startTime: unknown, endTime: unknown, now: number, cap: number): T[] {
  const from = Number(startTime ?? 0);
  const to = endTime === undefined || endTime === null ? now : Number(endTime);
  return rows.filter((r) => r.time >= from && r.time <= to).sort((a, b) => a.time - b.time).slice(0, cap);
}

/** Rows per userNonFundingLedgerUpdates / userFunding answer (the venue caps these at 500). */
export const HISTORY_PAGE = 500;

function liquidationRows(engine: PaperEngine, acc: PaperAccount): { time: number; hash: string; delta: Record<string, unknown> }[] {
  const groups = new Map<string, LiquidationEvent[]>();
  for (const e of engine.liquidations()) {
    if (e.accountId !== acc.id) continue;
    const key = `${e.time}:${e.kind}:${e.kind === 'isolated' ? e.symbol : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups.entries()].map(([key, es]) => ({
    time: es[0]!.time,
    hash: hashOf(`liq:${acc.id}:${key}`),
    delta: {
      type: 'liquidation',
      liquidatedNtlPos: dec(es.reduce((s, e) => s + e.notional, 0), 6),
      accountValue: dec(es[0]!.accountValue ?? 0, 6),
      leverageType: es[0]!.kind === 'cross' ? 'Cross' : 'Isolated',
      liquidatedPositions: es.map((e) => ({ coin: e.symbol, szi: dec(e.amt) })),
    },
  }));
}

/** `userNonFundingLedgerUpdates`: deposits, withdrawals and liquidations of [startTime, endTime], at most 500. */
export function ledgerUpdates(engine: PaperEngine, state: HyperliquidState, acc: PaperAccount | undefined, req: Record<string, unknown>) {
  if (acc === undefined) return [];
  const now = engine.now();
  const written = (state.ledgerRows.get(acc.id) ?? []).map((r) => ({ ...r, hash: hashOf(`written:${acc.id}:${r.hash}`) }));
  const transfers = acc.income
    .filter((r) => r.incomeType === 'TRANSFER' && r.visibleAt <= now && !state.replacedTransfers.has(r.tranId))
    .map((r: IncomeRecord) => ({
      time: r.time,
      hash: hashOf(`ledger:${acc.id}:${r.tranId}`),
      delta: r.income >= 0 ? { type: 'deposit', usdc: dec(r.income, 6) } : { type: 'withdraw', usdc: dec(-r.income, 6), nonce: r.tranId, fee: '0.0' },
    }));
  const liqs = liquidationRows(engine, acc).filter((r) => r.time + engine.historyDelay() <= now || engine.historyDelay() === 0);
  return window([...transfers, ...liqs, ...written], req.startTime, req.endTime, now, HISTORY_PAGE);
}

/** `userFunding`: hourly funding payments (`usdc` signed: + received, − paid). */
export function userFunding(engine: PaperEngine, acc: PaperAccount | undefined, req: Record<string, unknown>) {
  if (acc === undefined) return [];
  const now = engine.now();
  const rows = acc.income
    .filter((r) => r.incomeType === 'FUNDING_FEE' && r.visibleAt <= now)
    .map((r) => {
      const rate = engine.hasMarket(r.symbol) ? engine.fundingRate(r.symbol) : 0;
      const mark = engine.mark(r.symbol)?.price ?? 0;
      const szi = rate !== 0 && mark > 0 ? -r.income / (rate * mark) : 0;
      return { time: r.time, hash: hashOf(`funding:${acc.id}:${r.tranId}`), delta: { type: 'funding', coin: r.symbol, usdc: dec(r.income, 6), szi: dec(szi, 6), fundingRate: dec(rate, 10), nSamples: null } };
    });
  return window(rows, req.startTime, req.endTime, now, HISTORY_PAGE);
}

/**
 * `userFills` (the latest 2,000) and `userFillsByTime` (the first 2,000 of the window). `startPosition`
 * is the running sum of the account's fills in that coin: a position seeded at creation is not in it.
 */
export function userFills(engine: PaperEngine, acc: PaperAccount | undefined, req: Record<string, unknown>, byTime: boolean) {
  if (acc === undefined) return [];
  const forced = new Map(acc.forceOrders.map((o) => [o.orderId, o]));
  const running = new Map<string, number>();
  const rows = acc.trades.map((t) => {
    const start = running.get(t.symbol) ?? 0;
    const signed = t.side === 'BUY' ? t.qty : -t.qty;
    running.set(t.symbol, start + signed);
    const closing = t.realizedPnl !== 0 || (start !== 0 && Math.sign(start) !== Math.sign(signed));
    const dir = t.side === 'BUY' ? (closing ? 'Close Short' : 'Open Long') : closing ? 'Close Long' : 'Open Short';
    const liq = forced.get(t.orderId);
    return {
      coin: t.symbol, px: dec(t.price, 6), sz: dec(t.qty), side: sideOf(t.side), time: t.time, startPosition: dec(start), dir,
      closedPnl: dec(t.realizedPnl, 6), hash: hashOf(`fill:${acc.id}:${t.id}`), oid: t.orderId, crossed: true, fee: dec(t.commission, 6), tid: t.id, feeToken: 'USDC',
      ...(liq !== undefined ? { liquidation: { liquidatedUser: null, markPx: dec(t.price, 6), method: 'market' } } : {}),
    };
  });
  if (byTime) return window(rows, req.startTime, req.endTime, engine.now(), 2000);
  return rows.slice(-2000).reverse();
}

/** Answers one /info request; undefined = an unknown type (the venue: 422). */
export function answerInfo(ctx: InfoCtx, req: Record<string, unknown>, acc: PaperAccount | undefined): unknown {
  const { engine, state } = ctx;
  switch (req.type) {
    case 'meta':
      return req.dex ? { universe: [], marginTables: [], collateralToken: 0 } : meta(engine);
    case 'metaAndAssetCtxs':
      return req.dex ? [{ universe: [], marginTables: [], collateralToken: 0 }, []] : [meta(engine), assetCtxs(ctx)];
    case 'spotMeta':
      return { universe: [], tokens: [USDC_TOKEN] };
    case 'spotMetaAndAssetCtxs':
      return [{ universe: [], tokens: [USDC_TOKEN] }, []];
    case 'perpDexs':
      // null is the main dex; the paper has no builder-deployed (HIP-3) dexes.
      return [null];
    case 'allMids':
      return Object.fromEntries(universe(engine).flatMap((a) => { const m = engine.mark(a.name); return m ? [[a.name, dec(m.price, 6)]] : []; }));
    case 'exchangeStatus':
      return { time: ctx.wallNow, specialStatuses: null };
    case 'clearinghouseState':
      return clearinghouseState(ctx, acc, typeof req.dex === 'string' ? req.dex : '');
    case 'spotClearinghouseState':
      return spotClearinghouseState(ctx, acc);
    case 'userAbstraction':
      return (acc !== undefined ? state.abstractions.get(acc.id) : undefined) ?? userAbstraction(acc);
    case 'frontendOpenOrders':
      return frontendOpenOrders(engine, acc);
    case 'openOrders':
      return frontendOpenOrders(engine, acc).map((o) => ({ coin: o.coin, limitPx: o.limitPx, oid: o.oid, side: o.side, sz: o.sz, timestamp: o.timestamp }));
    case 'userNonFundingLedgerUpdates':
      return ledgerUpdates(engine, state, acc, req);
    case 'userFunding':
      return userFunding(engine, acc, req);
    case 'userFills':
      return userFills(engine, acc, req, false);
    case 'userFillsByTime':
      return userFills(engine, acc, req, true);
    case 'extraAgents':
      return acc === undefined ? [] : state.agentsOf(acc, ctx.wallNow).map((a) => ({ name: a.name, address: a.address, validUntil: a.validUntil }));
    case 'userRole': {
      if (acc !== undefined) return { role: 'user' };
      const s = typeof req.user === 'string' ? state.signerAccount(engine, req.user, ctx.wallNow) : undefined;
      return s?.role === 'agent' ? { role: 'agent', data: { user: walletAddressOf(s.acc) } } : { role: 'missing' };
    }
    case 'orderStatus':
      return orderStatus(engine, acc, req.oid);
    default:
      return undefined;
  }
}

const walletAddressOf = (acc: PaperAccount) => walletsOf(acc).master.address;

function orderStatus(engine: PaperEngine, acc: PaperAccount | undefined, oid: unknown) {
  const id = Number(oid);
  const o = acc?.orders.get(id);
  if (acc === undefined || o === undefined) return { status: 'unknownOid' };
  const status = acc.openOrders.has(id) ? 'open' : o.status === 'FILLED' ? 'filled' : o.status === 'CANCELED' ? 'canceled' : 'rejected';
  return {
    status: 'order',
    order: {
      order: { coin: o.symbol, side: sideOf(o.side), limitPx: dec(o.price, 6), sz: dec(o.origQty - o.executedQty), oid: o.orderId, timestamp: o.time, origSz: dec(o.origQty), reduceOnly: o.reduceOnly, orderType: 'Limit', tif: 'Gtc', cloid: null, triggerCondition: 'N/A', isTrigger: false, triggerPx: '0.0', children: [], isPositionTpsl: false },
      status,
      statusTimestamp: o.updateTime,
    },
  };
}
