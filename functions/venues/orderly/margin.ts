import * as z from 'zod';
import type { MaintenanceCurve } from '../../domain/snapshot.ts';

/**
 * Orderly's maintenance margin, as riskguard's engine computes it. A leg's rate grows with its
 * size: MMR_i = max(Base MMR_i, Base MMR_i / Base IMR_i × IMR Factor_i × |notional_i|^(4/5))
 * (https://orderly.network/docs/introduction/trade-on-orderly/perpetual-futures/margin-leverage-and-pnl;
 * Orderly's SDK: js-sdk packages/perp/src/positions/positionMMR.ts). The account is liquidated when
 * its margin ratio, total collateral / Σ|notional_i| (higher is safer), falls below
 * Σ(|notional_i| × MMR_i) / Σ|notional_i| — that is when collateral ≤ Σ MM_i, riskguard's
 * MM / equity = 1.0. The guard does not relabel the venue's ratio: it computes MM per leg from
 * this curve and MM / equity per pool (the cross pool, each isolated leg), and the curve is
 * re-chosen at every notional (liquidation prices, stress, pre-trade checks).
 */

/** Orderly's exponent of |notional| in the size terms ("^(4/5)"). */
export const IMR_FACTOR_POWER = 4 / 5;

/** The margin fields of a GET /v1/public/info row (ccxt keeps the row as market.info). */
export const MarketMarginSchema = z.object({
  base_mmr: z.number().finite().min(0).max(1),
  base_imr: z.number().finite().positive().max(1),
  imr_factor: z.number().finite().nonnegative(),
});
export type MarketMargin = z.output<typeof MarketMarginSchema>;

/**
 * The maintenance curve of a market: floorRate = base MMR, coefficient = base MMR / base IMR ×
 * IMR factor, exponent 4/5.
 * @example maintenanceCurveOf({ base_mmr: 0.05, base_imr: 0.1, imr_factor: 0.0000002512 }) → { floorRate: 0.05, coefficient: 0.0000001256, exponent: 0.8 }
 */
export function maintenanceCurveOf(m: MarketMargin): MaintenanceCurve {
  return { floorRate: m.base_mmr, coefficient: (m.base_mmr / m.base_imr) * m.imr_factor, exponent: IMR_FACTOR_POWER };
}
