import type { MaintenanceCurve, Position } from '../../domain/snapshot.ts';
import type { PositionRow } from './schemas.ts';

/**
 * One Orderly position row (one leg: a symbol in one margin mode) as riskguard's position. Its
 * maintenance is the market's size-dependent curve (margin.ts), not the row's `mmr` (the rate at
 * today's size only: held fixed, it would understate MM as the price moves the notional up) —
 * the venue's account "margin ratio" (collateral / Σ|notional|, higher is safer) is not
 * relabelled: the guard computes MM / equity (1.0 = liquidation) per pool.
 */
export function legFromRow(r: PositionRow, mode: 'cross' | 'isolated', indexPrice: number | undefined, curve: MaintenanceCurve): Position {
  return {
    symbol: r.symbol,
    side: r.position_qty > 0 ? 'long' : 'short',
    contracts: Math.abs(r.position_qty),
    entryPrice: r.average_open_price,
    markPrice: r.mark_price,
    marginMode: mode,
    ...(r.leverage !== undefined ? { leverage: r.leverage } : {}),
    maintenanceCurve: curve,
    ...(mode === 'isolated' ? { isolatedWallet: r.margin ?? 0 } : {}),
    markTimestamp: r.timestamp,
    ...(indexPrice !== undefined && indexPrice > 0 ? { indexPrice } : {}),
  };
}
