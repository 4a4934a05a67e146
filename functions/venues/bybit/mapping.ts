import type { AccountSnapshot, MaintenanceTier, Position } from '../../domain/snapshot.ts';
import { ExchangeDataError } from '../../errors.ts';
import type { PositionRow, RiskLimitRow, WalletBalance } from './schemas.ts';
import { BYBIT_FACTS } from './facts.ts';

/**
 * Bybit v5 answers → the project's snapshot, pure. Margin mode is the account's
 * (/v5/account/info `marginMode`), not the position's: ccxt's `marginMode` is always undefined
 * (the position's `tradeMode` is deprecated for UTA), so the adapter reads the account's.
 */
export type BybitMarginMode = 'REGULAR_MARGIN' | 'ISOLATED_MARGIN' | 'PORTFOLIO_MARGIN';

/**
 * A symbol's risk-limit rows → maintenance tiers. Each row's `riskLimitValue` is the tier's upper
 * bound of position value, so a tier starts where the previous one ends; MM = value ×
 * maintenanceMargin − mmDeduction (https://bybit-exchange.github.io/docs/v5/market/risk-limit).
 * @example tiersOf([{ riskLimitValue: 2e6, maintenanceMargin: 0.005 }, { riskLimitValue: 2.3e6, maintenanceMargin: 0.0056, mmDeduction: 1200 }])
 *   → [{ notionalFloor: 0, rate: 0.005, amount: 0 }, { notionalFloor: 2e6, rate: 0.0056, amount: 1200 }]
 */
export function tiersOf(symbol: string, rows: readonly Pick<RiskLimitRow, 'riskLimitValue' | 'maintenanceMargin' | 'mmDeduction'>[]): MaintenanceTier[] {
  if (rows.length === 0) throw new ExchangeDataError(`bybit risk-limit: no tiers for ${symbol}`);
  const sorted = [...rows].sort((a, b) => a.riskLimitValue - b.riskLimitValue);
  const tiers: MaintenanceTier[] = [];
  let floor = 0;
  for (const r of sorted) {
    if (!(r.maintenanceMargin >= 0 && r.maintenanceMargin <= 1)) {
      throw new ExchangeDataError(`bybit risk-limit: ${symbol} maintenanceMargin ${r.maintenanceMargin} is not a rate`);
    }
    if (tiers.length > 0 && r.riskLimitValue <= floor) throw new ExchangeDataError(`bybit risk-limit: ${symbol} tiers overlap at ${r.riskLimitValue}`);
    tiers.push({ notionalFloor: floor, rate: r.maintenanceMargin, amount: r.mmDeduction ?? 0 });
    floor = r.riskLimitValue;
  }
  return tiers;
}

/** Refuses what riskguard cannot model: a portfolio-margin account (one margin across products and options). */
export function checkMarginMode(mode: BybitMarginMode): 'cross' | 'isolated' {
  if (mode === 'PORTFOLIO_MARGIN') {
    throw new ExchangeDataError(
      'bybit: the account is in PORTFOLIO MARGIN mode (one margin across derivatives, spot and options, with offsets riskguard cannot compute); riskguard refuses to guard it — switch the account to REGULAR_MARGIN (cross) or ISOLATED_MARGIN, or do not guard it with riskguard',
    );
  }
  return mode === 'ISOLATED_MARGIN' ? 'isolated' : 'cross';
}

export interface SnapshotInput {
  wallet: WalletBalance['result'];
  positions: readonly PositionRow[];
  marginMode: BybitMarginMode;
  tiers: ReadonlyMap<string, MaintenanceTier[]>;
  /** Mark and index per symbol, with the time the venue served them (ms). */
  marks: ReadonlyMap<string, { mark: number; index?: number | undefined; at: number }>;
  quote: string;
  venueNow: number;
}

/** The side of a non-zero position row: `side` (Buy long, Sell short), or positionIdx 1/2 in hedge mode. */
export function sideOf(p: Pick<PositionRow, 'side' | 'positionIdx' | 'symbol'>): 'long' | 'short' {
  if (p.side === 'Buy') return 'long';
  if (p.side === 'Sell') return 'short';
  if (p.positionIdx === 1) return 'long';
  if (p.positionIdx === 2) return 'short';
  throw new ExchangeDataError(`bybit: position ${p.symbol} has a size but no side`);
}

/** The raw answers as an (unvalidated) snapshot; the adapter validates it with AccountSnapshotSchema. */
export function snapshotOf(i: SnapshotInput): AccountSnapshot {
  const mode = checkMarginMode(i.marginMode);
  const account = i.wallet.list[0]!;
  const coin = account.coin.find((c) => c.coin === i.quote);
  if (!coin) throw new ExchangeDataError(`bybit: the unified wallet has no ${i.quote} entry`);
  const foreign = account.coin.filter((c) => c.coin !== i.quote && c.equity !== 0);
  if (foreign.length > 0) {
    throw new ExchangeDataError(
      `bybit: the unified wallet holds ${foreign.map((c) => c.coin).join(', ')} besides ${i.quote}; riskguard models one ${i.quote} margin pool per account (their collateral value and haircuts are not modelled)`,
    );
  }
  const open = i.positions.filter((p) => p.size !== 0);
  let isolatedWallets = 0;
  const positions = open.map((p): Position => {
    const tiers = i.tiers.get(p.symbol);
    if (!tiers) throw new ExchangeDataError(`bybit: no risk-limit tiers for ${p.symbol}`);
    const m = i.marks.get(p.symbol);
    const isolatedWallet = mode === 'isolated' ? (p.positionBalance ?? 0) : undefined;
    if (isolatedWallet !== undefined) isolatedWallets += isolatedWallet;
    return {
      symbol: p.symbol,
      side: sideOf(p),
      contracts: Math.abs(p.size),
      entryPrice: p.avgPrice,
      markPrice: p.markPrice,
      marginMode: mode,
      ...(p.leverage !== undefined && p.leverage > 0 ? { leverage: p.leverage } : {}),
      maintenanceTiers: tiers,
      ...(isolatedWallet !== undefined ? { isolatedWallet } : {}),
      ...(m !== undefined ? { markTimestamp: m.at } : {}),
      ...(m?.index !== undefined && m.index > 0 ? { indexPrice: m.index } : {}),
    };
  });
  // The venue's maintenance margin: the positions' own positionMM (ccxt leaves maintenanceMargin
  // undefined once liqPrice is set, because it derives it from bustPrice, which comes empty).
  const venueMM = open.reduce((s, p) => s + (p.positionMM ?? Number.NaN), 0);
  return {
    exchange: 'bybit',
    currency: BYBIT_FACTS.settlement,
    timestamp: i.venueNow,
    crossWalletBalance: coin.walletBalance - isolatedWallets,
    ...(Number.isFinite(venueMM) ? { exchangeTotals: { maintenanceMargin: venueMM, marginBalance: coin.equity } } : {}),
    positions,
  };
}
