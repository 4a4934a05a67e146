import * as z from 'zod';

/**
 * Orderly's answers as the adapter reads them, validated at the boundary: every success is
 * `{ success: true, data, timestamp }`; a row the guard reads that does not parse is "cannot see".
 * Field names as ccxt 4.5.84's woofipro.js quotes the venue's responses and Orderly's docs.
 */
const num = () => z.number().finite();

export const envelope = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true), data, timestamp: z.number().int().nonnegative().optional() });

const page = <T extends z.ZodType>(row: T) => envelope(z.object({ meta: z.object({ total: z.number().int().nonnegative() }).partial().optional(), rows: z.array(row) }));

export const MarginModeSchema = z.enum(['CROSS', 'ISOLATED']);

export const PositionRowSchema = z.object({
  symbol: z.string().min(1),
  position_qty: num(),
  average_open_price: num(),
  mark_price: num(),
  timestamp: z.number().int().nonnegative(),
  /** Maintenance margin rate of the position at its size (Orderly's grows with size). */
  mmr: num().min(0).max(1),
  imr: num().min(0).max(1).optional(),
  unsettled_pnl: num().optional(),
  est_liq_price: num().nullable().optional(),
  leverage: num().positive().optional(),
  /** Absent on a venue that answers one mode only; the adapter then knows it from the request. */
  margin_mode: MarginModeSchema.optional(),
  /** Isolated legs: the collateral of the leg's own pool. */
  margin: num().optional(),
});
export type PositionRow = z.output<typeof PositionRowSchema>;

export const PositionsSchema = envelope(
  z.object({
    margin_ratio: num(),
    maintenance_margin_ratio: num(),
    total_collateral_value: num(),
    free_collateral: num(),
    rows: z.array(PositionRowSchema),
  }),
);

export const HoldingSchema = envelope(
  z.object({
    holding: z.array(z.object({ token: z.string(), holding: num(), frozen: num().optional(), isolated_margin: num().optional(), updated_time: z.number().optional() })),
  }),
);

export const FuturesSchema = envelope(z.object({ rows: z.array(z.object({ symbol: z.string(), mark_price: num().positive(), index_price: num().positive().optional() })) }));

export const OrdersSchema = page(z.object({ order_id: z.number().int(), symbol: z.string(), status: z.string() }));
export const AlgoOrdersSchema = page(z.object({ algo_order_id: z.number().int(), symbol: z.string() }));

export const OrderAckSchema = envelope(z.object({ order_id: z.number().int(), order_quantity: num().optional() }));

export const KeyInfoSchema = envelope(z.object({ scope: z.string(), expiration: z.number().int().nonnegative().optional(), key_status: z.string().optional() }));

export const SystemInfoSchema = z.object({ success: z.literal(true), timestamp: z.number().int().nonnegative() });

export const AssetHistorySchema = page(z.object({ id: z.union([z.string(), z.number()]), side: z.string(), token: z.string(), amount: num(), trans_status: z.string(), created_time: z.number().int() }));

export const LiquidationsSchema = page(
  z.object({
    liquidation_id: z.union([z.string(), z.number()]),
    timestamp: z.number().int(),
    positions_by_perp: z.array(z.object({ symbol: z.string(), margin_mode: MarginModeSchema.optional(), position_qty: num(), cost_position_transfer: num().optional() })),
  }),
);

export const FundingFeesSchema = page(z.object({ id: z.union([z.string(), z.number()]), symbol: z.string(), funding_fee: num(), created_time: z.number().int() }));

export const TradesSchema = page(z.object({ id: z.union([z.string(), z.number()]), symbol: z.string(), fee: num(), realized_pnl: num().optional(), executed_timestamp: z.number().int() }));
