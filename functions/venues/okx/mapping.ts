import type { Evaluation } from '../../domain/risk-types.ts';
import type { AccountSnapshot, MaintenanceTier, Position } from '../../domain/snapshot.ts';
import { AccountSnapshotSchema } from '../../domain/snapshot.ts';
import { ExchangeDataError } from '../../errors.ts';
import { formatIssues } from '../../validation.ts';
import type { AccountConfigRow, Instrument, PositionRow } from './schemas.ts';
import { OKX_FACTS } from './facts.ts';

/**
 * OKX v5 → riskguard, pure. The boundary where OKX's units become riskguard's:
 * - sizes: OKX counts CONTRACTS of `ctVal` base units (BTC-USDT-SWAP: 0.01 BTC); riskguard counts
 *   base units. 1 BTC is 100 contracts: a mapping that forgets ctVal is 100× off.
 *   (`pos` "Quantity of positions", `ctVal` "Contract value": https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions,
 *   https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments)
 * - ratios: OKX's `mgnRatio` is equity ÷ maintenance margin ("Margin ratio = (Cross margin account
 *   balance + Cross Margin Account P&L − Trading fees of all pending orders) / Maintenance margin",
 *   forced reduction at ≤ 100 %: https://tr.okx.com/help/tier; the liquidation fee joins the
 *   maintenance margin in the denominator: https://www.okx.com/help/v-tiered-maintenance-margin-ratio-rules);
 *   riskguard's margin ratio is maintenance ÷ equity (liquidation at ≥ 1). One is the inverse of the
 *   other, not a relabelling.
 * - maintenance: `mmr` on a position is an AMOUNT in USDT, not a rate.
 * - liquidation: OKX liquidates when equity ≤ maintenance margin + liquidation fee, the fee being
 *   position value × taker fee rate ("Margin ratio = (…) / (Maintenance margin + Liquidation fee)":
 *   https://www.okx.com/help/iii-single-currency-margin-cross-margin-trading; "when your margin
 *   ratio falls to 100%, meaning your account equity is equal to or less than the required
 *   maintenance margin plus any applicable liquidation fees":
 *   https://www.okx.com/help/v-tiered-maintenance-margin-ratio-rules). So the snapshot's maintenance
 *   rate is the tier rate + the account's taker rate (GET account/trade-fee `takerU`): riskguard's
 *   ratio 1.0 is OKX's `mgnRatio` 100 %, and the engine's liquidation price is OKX's.
 */

/** Base units of `contracts` contracts. @example baseOf(100, 0.01) === 1 */
export function baseOf(contracts: number, ctVal: number): number {
  if (!(ctVal > 0)) throw new RangeError(`ctVal must be > 0, got ${ctVal}`);
  return Number((contracts * ctVal).toPrecision(15));
}

/**
 * Contracts for `base` base units, on the instrument's lot: the nearest lot (float noise such as
 * 0.6000000000000001 is not a reason to send a lot less), never more than `cap` contracts.
 * @example contractsOf(1, { ctVal: 0.01, lotSz: 0.1 }) === 100
 */
export function contractsOf(base: number, inst: { ctVal: number; lotSz: number }, cap = Infinity): number {
  if (!(inst.ctVal > 0) || !(inst.lotSz > 0)) throw new RangeError('ctVal and lotSz must be > 0');
  const lots = Math.round(Number((base / inst.ctVal / inst.lotSz).toPrecision(12)));
  const capLots = Math.floor(Number((cap / inst.lotSz).toPrecision(12)));
  const n = Math.min(lots, capLots);
  return Number((n * inst.lotSz).toPrecision(12));
}

/**
 * riskguard's margin ratio (requirement ÷ equity) from OKX's `mgnRatio` (equity ÷ (maintenance +
 * liquidation fee)); both put liquidation at 1 (100 %), as the snapshot's maintenance carries the fee.
 * null when OKX gives none ("") or one ≤ 0 (equity gone: not a ratio to invert).
 * @example marginRatioFromOkx(4) === 0.25
 */
export function marginRatioFromOkx(mgnRatio: number | null): number | null {
  if (mgnRatio === null || !(mgnRatio > 0) || !Number.isFinite(mgnRatio)) return null;
  return 1 / mgnRatio;
}

/**
 * The account modes riskguard guards: the futures mode (acctLv 2), one USDT margin pool per
 * account. The multi-currency (3) and portfolio (4) modes margin across currencies and offset
 * positions; riskguard does not model them and refuses to guard them rather than guess.
 * (acctLv: 1 spot, 2 futures, 3 multi-currency margin, 4 portfolio margin —
 * https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-account-configuration)
 */
export function accountModeProblem(cfg: Pick<AccountConfigRow, 'acctLv'>): string | null {
  switch (cfg.acctLv) {
    case '2':
      return null;
    case '1':
      return 'the account is in the spot mode (acctLv 1): it cannot hold swap positions; riskguard guards the futures mode (acctLv 2)';
    case '3':
      return 'the account is in the multi-currency margin mode (acctLv 3): margin is shared across currencies, which riskguard does not model; switch to the futures mode (acctLv 2) to guard it';
    case '4':
      return 'the account is in the portfolio margin mode (acctLv 4): margin is computed on the portfolio, which riskguard does not model; switch to the futures mode (acctLv 2) to guard it';
  }
}

/** The key's permissions (`perm`: read_only, trade, withdraw, comma-separated). */
export function permissionsOf(perm: string): { canRead: boolean; canTrade: boolean; canWithdraw: boolean } {
  const p = new Set(perm.split(',').map((s) => s.trim()).filter(Boolean));
  return { canRead: p.has('read_only') || p.has('trade'), canTrade: p.has('trade'), canWithdraw: p.has('withdraw') };
}

/** One tier of GET /api/v5/public/position-tiers: sizes in contracts, `mmr` a RATE there. */
export interface OkxTier {
  minSz: number;
  maxSz: number;
  mmr: number;
}

/**
 * Maintenance tiers by notional from OKX's tiers by size (contracts), at `mark`: a tier from
 * minSz contracts is a tier from minSz × ctVal × mark of notional. OKX's maintenance margin is the
 * position value × the rate of its tier, no deduction (amount 0). Floors move with the mark: they
 * are right at the mark read, which is where the guard judges the position.
 */
export function tiersFromOkx(tiers: readonly OkxTier[], ctVal: number, mark: number): MaintenanceTier[] {
  const sorted = [...tiers].sort((a, b) => a.minSz - b.minSz);
  if (sorted.length === 0) throw new ExchangeDataError('okx position-tiers: no tiers');
  return sorted.map((t, i) => ({ notionalFloor: i === 0 ? 0 : t.minSz * ctVal * mark, rate: t.mmr, amount: 0 }));
}

/**
 * Tiers whose rate includes OKX's liquidation fee (position value × taker fee rate): what the
 * account must keep to stay clear of liquidation.
 * @example withLiquidationFee([{ notionalFloor: 0, rate: 0.004, amount: 0 }], 0.0005)[0].rate === 0.0045
 */
export function withLiquidationFee(tiers: readonly MaintenanceTier[], feeRate: number): MaintenanceTier[] {
  if (!(feeRate >= 0 && feeRate < 1)) throw new RangeError(`liquidation fee rate must be in [0, 1), got ${feeRate}`);
  return tiers.map((t) => ({ ...t, rate: t.rate + feeRate }));
}

/**
 * The liquidation fee rate of an account from its `takerU` (negative = commission). A rebate
 * (positive) is no fee.
 * @example liquidationFeeRateOf(-0.0005) === 0.0005
 */
export const liquidationFeeRateOf = (takerU: number): number => Math.max(0, -takerU);

/** Maintenance margin under tiers at a notional. */
export function mmUnder(tiers: readonly MaintenanceTier[], notional: number): number {
  let t = tiers[0]!;
  for (const x of tiers) if (x.notionalFloor <= notional) t = x;
  return Math.max(0, notional * t.rate - t.amount);
}

/** How far the venue's own maintenance figure may be from the tiers' before the venue's decides (fraction). */
export const MM_TOLERANCE = 0.01;

export interface OkxReads {
  /** USDT detail of GET account/balance. */
  usdt: { eq: number; cashBal: number };
  positions: readonly PositionRow[];
  /** instId → instrument (ctVal, lotSz). */
  instruments: ReadonlyMap<string, Pick<Instrument, 'ctVal' | 'lotSz'>>;
  /** instId → tiers by size, when read. */
  tiers: ReadonlyMap<string, readonly OkxTier[]>;
  /** instId → mark price and its time (GET public/mark-price). */
  marks: ReadonlyMap<string, { price: number; ts: number }>;
  /** The venue's market clock (ms). */
  timestamp: number;
  /** Liquidation fee rate (the account's USDT-swap taker rate, ≥ 0), added to every maintenance rate. */
  liquidationFeeRate: number;
}

/** A position the venue's figures and the tiers disagree on (the venue's figure was used). */
export interface MaintenanceOverride {
  symbol: string;
  marginMode: 'cross' | 'isolated';
  venue: number;
  tiers: number;
}

/**
 * The AccountSnapshot of an OKX futures-mode account. A position is (instId, mgnMode, posSide):
 * one instrument may hold a cross and an isolated position at once, judged apart. Positions with
 * pos 0 are dropped. Cross wallet = USDT cashBal − the isolated positions' `margin`; the venue's
 * USDT equity corroborates the equity (cashBal + uPnL).
 */
export function snapshotFromOkx(r: OkxReads): { snapshot: AccountSnapshot; overrides: MaintenanceOverride[] } {
  const overrides: MaintenanceOverride[] = [];
  let isolatedMargin = 0;
  const positions: Position[] = [];
  for (const row of r.positions) {
    if (row.pos === 0) continue;
    const where = `okx position ${row.instId} ${row.mgnMode} ${row.posSide}`;
    if (row.instType !== 'SWAP') throw new ExchangeDataError(`${where}: instType ${row.instType}; riskguard guards USDT swaps only`);
    if (row.ccy !== 'USDT') throw new ExchangeDataError(`${where}: margined in ${row.ccy}; riskguard models one USDT pool per account`);
    const inst = r.instruments.get(row.instId);
    if (!inst) throw new ExchangeDataError(`${where}: instrument not listed (no ctVal to convert contracts)`);
    const mark = r.marks.get(row.instId) ?? (row.markPx !== null ? { price: row.markPx, ts: row.uTime } : undefined);
    if (!mark || !(mark.price > 0)) throw new ExchangeDataError(`${where}: no mark price`);
    if (row.avgPx === null || !(row.avgPx > 0)) throw new ExchangeDataError(`${where}: no average entry price`);
    const side: 'long' | 'short' = row.posSide === 'long' ? 'long' : row.posSide === 'short' ? 'short' : row.pos > 0 ? 'long' : 'short';
    if (row.posSide !== 'net' && row.pos < 0) throw new ExchangeDataError(`${where}: negative pos in long/short mode`);
    const contracts = baseOf(Math.abs(row.pos), inst.ctVal);
    const notional = contracts * mark.price;
    const isolated = row.mgnMode === 'isolated';
    if (isolated) {
      if (row.margin === null) throw new ExchangeDataError(`${where}: isolated position without margin`);
      isolatedMargin += row.margin;
    }
    let maintenance: Pick<Position, 'maintenanceTiers' | 'maintenanceMarginRate' | 'maintenanceAmount'>;
    const okxTiers = r.tiers.get(row.instId);
    const tiers = okxTiers ? tiersFromOkx(okxTiers, inst.ctVal, mark.price) : undefined;
    if (row.mmr === null && !tiers) throw new ExchangeDataError(`${where}: neither a maintenance margin (mmr) nor tiers`);
    // OKX's docs do not say whether a position's `mmr` includes the liquidation fee: it agrees with
    // the tiers either way (with or without notional × fee); the requirement is tiers + fee once.
    const near = (mm: number) => Math.abs(mm - row.mmr!) <= MM_TOLERANCE * Math.max(row.mmr!, 1e-9) + 0.01;
    const tierMM = tiers ? mmUnder(tiers, notional) : 0;
    if (tiers && (row.mmr === null || near(tierMM) || near(tierMM + notional * r.liquidationFeeRate))) {
      maintenance = { maintenanceTiers: withLiquidationFee(tiers, r.liquidationFeeRate) };
    } else {
      // The venue's own amount decides: as a rate of the position's notional at the mark.
      maintenance = { maintenanceMarginRate: (notional > 0 ? row.mmr! / notional : 0) + r.liquidationFeeRate, maintenanceAmount: 0 };
      if (tiers) overrides.push({ symbol: row.instId, marginMode: row.mgnMode, venue: row.mmr!, tiers: mmUnder(tiers, notional) });
    }
    positions.push({
      symbol: row.instId,
      side,
      contracts,
      entryPrice: row.avgPx,
      markPrice: mark.price,
      marginMode: row.mgnMode,
      ...(row.lever !== null && row.lever > 0 ? { leverage: row.lever } : {}),
      ...maintenance,
      ...(isolated ? { isolatedWallet: row.margin! } : {}),
      markTimestamp: mark.ts,
      ...(row.idxPx != null && row.idxPx > 0 ? { indexPrice: row.idxPx } : {}),
    });
  }
  const maintenance = r.positions.reduce((s, p) => s + (p.pos !== 0 ? (p.mmr ?? 0) : 0), 0);
  const snapshot = {
    exchange: 'okx',
    currency: OKX_FACTS.settlement,
    timestamp: r.timestamp,
    crossWalletBalance: r.usdt.cashBal - isolatedMargin,
    exchangeTotals: { maintenanceMargin: maintenance, marginBalance: r.usdt.eq },
    positions,
  };
  const parsed = AccountSnapshotSchema.safeParse(snapshot);
  if (!parsed.success) throw new ExchangeDataError(`okx: the account does not map to a valid snapshot (bad data from the venue, not a position to act on):\n${formatIssues(parsed.error)}`);
  return { snapshot: parsed.data, overrides };
}

/** Tolerance of {@link ratioDivergences}, in ratio points (0.02 = 2 % of equity). */
export const RATIO_TOLERANCE = 0.02;

/**
 * Where the margin engine's pool ratio (maintenance ÷ equity, on the mapped snapshot) and OKX's
 * `mgnRatio` inverted differ by more than `tolerance`. Logged by the adapter: a model gap shows
 * before it matters.
 */
export function ratioDivergences(
  evaluation: Pick<Evaluation, 'pools' | 'positions'>,
  rows: readonly PositionRow[],
  tolerance = RATIO_TOLERANCE,
): { symbol: string; marginMode: 'cross' | 'isolated'; engine: number | null; venue: number | null }[] {
  const out: { symbol: string; marginMode: 'cross' | 'isolated'; engine: number | null; venue: number | null }[] = [];
  for (const pr of evaluation.positions) {
    const row = rows.find((r) => r.instId === pr.symbol && r.mgnMode === pr.marginMode && r.pos !== 0);
    if (!row) continue;
    const venue = marginRatioFromOkx(row.mgnRatio);
    const engine = evaluation.pools[pr.pool]?.marginRatio ?? null;
    if (venue === null && engine === null) continue;
    if (venue === null || engine === null || Math.abs(venue - engine) > tolerance) out.push({ symbol: pr.symbol, marginMode: pr.marginMode, engine, venue });
  }
  return out;
}
