import type { Position } from '../../domain/snapshot.ts';
import type { PositionRow } from './schemas.ts';

/**
 * One Orderly position row (one leg: a symbol in one margin mode) as riskguard's position.
 * Orderly reports the leg's maintenance margin RATE at its current size (`mmr`; the rate grows
 * with size); riskguard takes maintenance margin = |notional| × mmr, which is the venue's own
 * requirement — its account "margin ratio" (collateral / Σ|notional|, higher is safer) is not
 * relabelled: the guard computes MM / equity (1.0 = liquidation) per pool from these figures.
 */
export function legFromRow(r: PositionRow, mode: 'cross' | 'isolated', indexPrice: number | undefined): Position {
  return {
    symbol: r.symbol,
    side: r.position_qty > 0 ? 'long' : 'short',
    contracts: Math.abs(r.position_qty),
    entryPrice: r.average_open_price,
    markPrice: r.mark_price,
    marginMode: mode,
    ...(r.leverage !== undefined ? { leverage: r.leverage } : {}),
    maintenanceMarginRate: r.mmr,
    maintenanceAmount: 0,
    ...(mode === 'isolated' ? { isolatedWallet: r.margin ?? 0 } : {}),
    markTimestamp: r.timestamp,
    ...(indexPrice !== undefined && indexPrice > 0 ? { indexPrice } : {}),
  };
}
