import type { Evaluation } from '../../domain/risk-types.ts';
import { AccountSnapshotSchema, type AccountSnapshot, type MaintenanceTier, type Position } from '../../domain/snapshot.ts';
import { ExchangeDataError } from '../../errors.ts';
import { formatIssues } from '../../validation.ts';
import {
  UserAbstractionSchema,
  type ClearinghouseState,
  type MetaAndAssetCtxs,
  type PerpMeta,
  type SpotClearinghouseState,
  type UniverseAsset,
  type UserAbstraction,
} from './schemas.ts';
import { HYPERLIQUID_FACTS } from './facts.ts';

/**
 * Hyperliquid's margin model mapped onto the domain's: maintenance tiers from the venue's margin
 * tables, and the account (clearinghouseState, plus spotClearinghouseState for a unified account)
 * as an AccountSnapshot. Pure: the adapter reads and validates, this maps.
 */

const VENUE = 'hyperliquid';

/**
 * Maintenance tiers of one margin table, per "Margin tiers"
 * (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers):
 * maintenance_margin = notional × rate − deduction, rate(n) = (initial margin rate at the tier's max
 * leverage) / 2 = 1 / (2 × maxLeverage(n)), deduction(0) = 0 and deduction(n) = deduction(n − 1) +
 * lowerBound(n) × (rate(n) − rate(n − 1)), so MM is continuous in the notional. The domain's
 * MaintenanceTier has the same form (MM = notional × rate − amount).
 * @example tiersFromTable({ marginTiers: [{ lowerBound: 0, maxLeverage: 40 }, { lowerBound: 150e6, maxLeverage: 20 }] })
 *   → [{ notionalFloor: 0, rate: 0.0125, amount: 0 }, { notionalFloor: 150e6, rate: 0.025, amount: 1_875_000 }]
 */
export function tiersFromTable(table: { marginTiers: readonly { lowerBound: number; maxLeverage: number }[] }): MaintenanceTier[] {
  const rows = [...table.marginTiers].sort((a, b) => a.lowerBound - b.lowerBound);
  if (rows.length === 0) throw new ExchangeDataError(`${VENUE} margin table has no tiers`);
  if (rows[0]!.lowerBound !== 0) throw new ExchangeDataError(`${VENUE} margin table starts at ${rows[0]!.lowerBound}, not 0`);
  const out: MaintenanceTier[] = [];
  for (const [n, row] of rows.entries()) {
    if (!(row.maxLeverage > 0)) throw new ExchangeDataError(`${VENUE} margin tier ${n} has max leverage ${row.maxLeverage}`);
    if (n > 0 && row.lowerBound === rows[n - 1]!.lowerBound) throw new ExchangeDataError(`${VENUE} margin table has two tiers at ${row.lowerBound}`);
    const rate = 1 / (2 * row.maxLeverage);
    const prev = out[n - 1];
    const amount = prev === undefined ? 0 : prev.amount + row.lowerBound * (rate - prev.rate);
    out.push({ notionalFloor: row.lowerBound, rate, amount });
  }
  return out;
}

/** Table ids below this are a single tier at that max leverage and are not listed in `meta` (margin tiers docs). */
export const FLAT_TABLES_BELOW = 50;

/** The maintenance tiers of one asset: its listed margin table, a flat table by id, or its maxLeverage. */
export function tiersForAsset(asset: UniverseAsset, meta: Pick<PerpMeta, 'marginTables'>): MaintenanceTier[] {
  const id = asset.marginTableId;
  if (id === undefined) return tiersFromTable({ marginTiers: [{ lowerBound: 0, maxLeverage: asset.maxLeverage }] });
  const listed = meta.marginTables.find(([tableId]) => tableId === id);
  if (listed) return tiersFromTable(listed[1]);
  if (id > 0 && id < FLAT_TABLES_BELOW) return tiersFromTable({ marginTiers: [{ lowerBound: 0, maxLeverage: id }] });
  throw new ExchangeDataError(`${VENUE}: ${asset.name} names margin table ${id}, which meta does not list`);
}

/** How the guard models an account, from its `userAbstraction`. */
export type AccountModel = 'standard' | 'unified';

/**
 * The account's margin model from its raw `userAbstraction` answer. A failed or absent read is an
 * error (the guard's state UNKNOWN), never a default: a unified account read as standard would
 * value its collateral wrongly.
 */
export function accountModel(raw: unknown): AccountModel {
  if (raw === undefined || raw === null) {
    throw new ExchangeDataError(`${VENUE}: the account's userAbstraction was not read, so its margin model is unknown; riskguard does not assume one`);
  }
  const r = UserAbstractionSchema.safeParse(raw);
  if (!r.success) {
    throw new ExchangeDataError(
      `${VENUE}: userAbstraction answered ${JSON.stringify(raw)}, which riskguard does not know (it knows ${UserAbstractionSchema.options.join(', ')}); refusing to guess the account's margin model`,
    );
  }
  return modelOf(r.data);
}

function modelOf(a: UserAbstraction): AccountModel {
  switch (a) {
    // ccxt 4.5.84 also reads every value but "unifiedAccount" as separate spot and perp balances.
    case 'disabled':
    case 'default':
      return 'standard';
    case 'unifiedAccount':
      return 'unified';
    case 'portfolioMargin':
      throw new ExchangeDataError(
        `${VENUE}: the account uses portfolio margin (userAbstraction "portfolioMargin"), which margins HYPE, BTC, USDC and USDT together with borrowing; riskguard cannot compute its maintenance margin or liquidation prices. Switch the account to standard ("disabled") or unified ("unifiedAccount") mode in Hyperliquid's settings, or remove it from the guard.`,
      );
    case 'dexAbstraction':
      throw new ExchangeDataError(
        `${VENUE}: the account uses DEX abstraction (userAbstraction "dexAbstraction"), which Hyperliquid is discontinuing and whose cross margin across HIP-3 dexes riskguard cannot model. Switch the account to unified ("unifiedAccount") or standard ("disabled") mode in Hyperliquid's settings.`,
      );
  }
}

/** One perp dex as read: its clearinghouseState and its metaAndAssetCtxs. `dex` is "" for the main dex. */
export interface DexRead {
  dex: string;
  state: ClearinghouseState;
  meta: MetaAndAssetCtxs;
}

/** What the adapter read for one snapshot (every part validated with schemas.ts). */
export interface HyperliquidReads {
  /** The raw `userAbstraction` answer, or undefined when the read failed. */
  abstraction: unknown;
  /** The main dex first; further dexes only when they may hold positions. */
  dexes: readonly DexRead[];
  /** `spotClearinghouseState`: required for a unified account. */
  spot?: SpotClearinghouseState | undefined;
}

/** The venue's own liquidation price of a position, for {@link liquidationDivergences}. */
export interface VenueLiquidation {
  symbol: string;
  marginMode: 'cross' | 'isolated';
  /** null where the venue says none exists. */
  price: number | null;
}

/** The collateral asset the guard models (spot token index 0). */
export const QUOTE = 'USDC';
const USDC_TOKEN = 0;

/**
 * The AccountSnapshot of a Hyperliquid account, and the venue's liquidation prices to compare with the
 * engine's. Positions with size 0 are dropped; `contracts` is |szi| (base units, Hyperliquid's sizes
 * are in the coin); the symbol is the venue's coin name ("BTC", "xyz:TSLA").
 *
 * - standard (`disabled`/`default`): each perp dex is its own margin pool, so only the main dex may
 *   hold positions (another dex's are refused). Cross wallet = crossMarginSummary.accountValue − the
 *   cross positions' uPnL (the venue's, same answer); an isolated position's wallet is its
 *   marginUsed − unrealizedPnl (= rawUsd + szi × entryPx: marginUsed already includes its uPnL,
 *   ccxt parsePosition reads it so too). The venue's totals corroborate the equity.
 * - unified (`unifiedAccount`): one USDC balance, reported in spotClearinghouseState, collateralizes
 *   every cross position of every USDC dex; the perp states' balances are not meaningful (LI.FI's
 *   Hyperliquid notes: "all balances and holds are reported in the spot clearinghouse state").
 *   Cross wallet = USDC total − the isolated positions' wallets (isolated margin is taken to be held
 *   within the USDC total; see the report's open questions). No venue totals are given.
 */
export function snapshotFromHyperliquid(reads: HyperliquidReads): { snapshot: AccountSnapshot; venueLiquidations: VenueLiquidation[]; model: AccountModel } {
  const model = accountModel(reads.abstraction);
  const main = reads.dexes.find((d) => d.dex === '');
  if (!main) throw new ExchangeDataError(`${VENUE}: the main dex's clearinghouseState was not read`);

  const positions: Position[] = [];
  const venueLiquidations: VenueLiquidation[] = [];
  let crossUpnl = 0;
  let isolatedWallets = 0;
  let isolatedMM = 0;
  let timestamp = 0;

  for (const d of reads.dexes) {
    const open = d.state.assetPositions.filter((a) => a.position.szi !== 0);
    timestamp = Math.max(timestamp, d.state.time);
    if (open.length === 0) continue;
    if (model === 'standard' && d.dex !== '') {
      throw new ExchangeDataError(
        `${VENUE}: positions on HIP-3 dex "${d.dex}" (${open.map((a) => a.position.coin).join(', ')}) in a standard account, where each dex is its own margin pool; riskguard models one pool per account. Guard them as a unified account ("unifiedAccount") or close them.`,
      );
    }
    const [meta, ctxs] = d.meta;
    if (model === 'unified' && meta.collateralToken !== undefined && meta.collateralToken !== USDC_TOKEN) {
      throw new ExchangeDataError(
        `${VENUE}: positions on dex "${d.dex}", whose collateral is spot token ${meta.collateralToken}, not USDC; riskguard models one USDC pool per account`,
      );
    }
    for (const { position: p } of open) {
      const i = meta.universe.findIndex((u) => u.name === p.coin);
      const asset = meta.universe[i];
      const ctx = ctxs[i];
      if (!asset || !ctx) throw new ExchangeDataError(`${VENUE}: ${p.coin} is held but not in dex "${d.dex}"'s meta`);
      if (!(ctx.markPx > 0)) throw new ExchangeDataError(`${VENUE}: ${p.coin} has mark price ${ctx.markPx}`);
      const tiers = tiersForAsset(asset, meta);
      const isolated = p.leverage.type === 'isolated';
      const wallet = p.marginUsed - p.unrealizedPnl;
      if (isolated) {
        isolatedWallets += wallet;
        isolatedMM += maintenanceAt(tiers, p.positionValue);
      } else {
        crossUpnl += p.unrealizedPnl;
      }
      positions.push({
        symbol: p.coin,
        side: p.szi > 0 ? 'long' : 'short',
        contracts: Math.abs(p.szi),
        entryPrice: p.entryPx,
        markPrice: ctx.markPx,
        marginMode: isolated ? 'isolated' : 'cross',
        leverage: p.leverage.value,
        maintenanceTiers: tiers,
        ...(isolated ? { isolatedWallet: wallet } : {}),
        markTimestamp: d.state.time,
        ...(ctx.oraclePx > 0 ? { indexPrice: ctx.oraclePx } : {}),
      });
      venueLiquidations.push({ symbol: p.coin, marginMode: isolated ? 'isolated' : 'cross', price: p.liquidationPx });
    }
  }

  let crossWalletBalance: number;
  let exchangeTotals: AccountSnapshot['exchangeTotals'];
  if (model === 'standard') {
    crossWalletBalance = main.state.crossMarginSummary.accountValue - crossUpnl;
    exchangeTotals = {
      maintenanceMargin: main.state.crossMaintenanceMarginUsed + isolatedMM,
      marginBalance: main.state.marginSummary.accountValue,
    };
  } else {
    if (!reads.spot) throw new ExchangeDataError(`${VENUE}: a unified account's spotClearinghouseState was not read; its collateral is unknown`);
    const usdc = reads.spot.balances.filter((b) => b.token === USDC_TOKEN || b.coin === QUOTE);
    if (usdc.length > 1) throw new ExchangeDataError(`${VENUE}: spotClearinghouseState lists USDC ${usdc.length} times`);
    crossWalletBalance = (usdc[0]?.total ?? 0) - isolatedWallets;
  }

  const snapshot = {
    exchange: VENUE,
    currency: HYPERLIQUID_FACTS.settlement,
    ...(timestamp > 0 ? { timestamp } : {}),
    crossWalletBalance,
    ...(exchangeTotals ? { exchangeTotals } : {}),
    positions,
  };
  const r = AccountSnapshotSchema.safeParse(snapshot);
  if (!r.success) {
    throw new ExchangeDataError(`${VENUE}: the account does not map to a valid snapshot (bad data from the venue, not a position to act on):\n${formatIssues(r.error)}`);
  }
  return { snapshot: r.data, venueLiquidations, model };
}

/** MM of a notional under tiers (the tier of highest floor ≤ notional), never below 0. */
export function maintenanceAt(tiers: readonly MaintenanceTier[], notional: number): number {
  let t = tiers[0]!;
  for (const x of tiers) if (x.notionalFloor <= notional) t = x;
  return Math.max(0, notional * t.rate - t.amount);
}

/** A position whose engine and venue liquidation prices disagree. */
export interface LiquidationDivergence {
  symbol: string;
  marginMode: 'cross' | 'isolated';
  engine: number | null;
  venue: number | null;
  /** |engine − venue| / mark; null when one side has no price. */
  relative: number | null;
  /** For the log: "BTC cross: engine liquidation 61,234.5 vs venue 60,100 (1.9 % of mark 64,000)". */
  reason: string;
}

/** Default tolerance of {@link liquidationDivergences}: 0.5 % of the mark. */
export const LIQUIDATION_TOLERANCE = 0.005;

/**
 * Where the margin engine's liquidation price (functions/domain/margin.ts, on the mapped snapshot)
 * and Hyperliquid's `liquidationPx` differ by more than `tolerance` × mark. One side null and the
 * other within `nullBand` × mark of the mark is reported too (a price far beyond it is immaterial).
 * The adapter logs these: they flag a model gap (funding, a tier table change) before it matters.
 */
export function liquidationDivergences(
  evaluation: Pick<Evaluation, 'positions'>,
  venue: readonly VenueLiquidation[],
  tolerance = LIQUIDATION_TOLERANCE,
  nullBand = 0.5,
): LiquidationDivergence[] {
  const out: LiquidationDivergence[] = [];
  const fmt = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 6 });
  for (const p of evaluation.positions) {
    const v = venue.find((x) => x.symbol === p.symbol && x.marginMode === p.marginMode);
    if (!v) continue;
    const engine = p.liquidationPrice;
    const label = `${p.symbol} ${p.marginMode}`;
    if (engine !== null && v.price !== null) {
      const relative = Math.abs(engine - v.price) / p.markPrice;
      if (relative > tolerance) {
        out.push({
          symbol: p.symbol,
          marginMode: p.marginMode,
          engine,
          venue: v.price,
          relative,
          reason: `${label}: engine liquidation ${fmt(engine)} vs venue ${fmt(v.price)} (${(relative * 100).toFixed(2)} % of mark ${fmt(p.markPrice)} > ${(tolerance * 100).toFixed(2)} %)`,
        });
      }
    } else if (engine !== v.price) {
      const only = (engine ?? v.price)!;
      if (Math.abs(only - p.markPrice) / p.markPrice <= nullBand) {
        out.push({
          symbol: p.symbol,
          marginMode: p.marginMode,
          engine,
          venue: v.price,
          relative: null,
          reason: `${label}: ${engine === null ? `venue liquidation ${fmt(only)} but the engine finds none` : `engine liquidation ${fmt(only)} but the venue reports none`} (mark ${fmt(p.markPrice)})`,
        });
      }
    }
  }
  return out;
}
