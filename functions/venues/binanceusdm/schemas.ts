import * as z from 'zod';

/**
 * The raw Binance USDⓈ-M responses the guard reads, validated field by field: the venue sends
 * numbers as strings, and a missing or unparsable one must stop the tick, not become NaN.
 */

/** A decimal that Binance sends as a string (or, rarely, a number). */
export const num = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `not a number: ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

export const AccountV3Schema = z.object({
  totalMaintMargin: num,
  totalMarginBalance: num,
  totalWalletBalance: num,
  totalCrossWalletBalance: num.optional(),
  assets: z.array(
    z.object({
      asset: z.string(),
      walletBalance: num,
      crossWalletBalance: num,
      marginBalance: num.optional(),
      maintMargin: num.optional(),
    }),
  ),
});
export type AccountV3 = z.output<typeof AccountV3Schema>;

export const PositionRiskV3Schema = z.array(
  z.object({
    symbol: z.string(),
    positionSide: z.enum(['BOTH', 'LONG', 'SHORT']),
    positionAmt: num,
    entryPrice: num,
    markPrice: num,
    isolatedWallet: num.optional(),
    isolatedMargin: num.optional(),
    marginAsset: z.string().optional(),
    maintMargin: num.optional(),
    updateTime: num.optional(),
  }),
);
export type PositionRiskV3 = z.output<typeof PositionRiskV3Schema>;

export const SymbolConfigSchema = z.array(
  z.object({
    symbol: z.string(),
    marginType: z.enum(['CROSSED', 'ISOLATED', 'cross', 'isolated']),
    leverage: num,
  }),
);

export const LeverageBracketSchema = z.array(
  z.object({
    symbol: z.string(),
    /**
     * "user symbol bracket multiplier, only appears when user's symbol bracket is adjusted" (docs,
     * Notional-and-Leverage-Brackets): the ratio of this user's brackets to the symbol's default.
     * The endpoint answers the USER's brackets, so the bounds are already scaled; see tiersOf().
     */
    notionalCoef: num.optional(),
    brackets: z
      .array(
        z.object({
          notionalFloor: num,
          notionalCap: num,
          maintMarginRatio: num,
          cum: num,
          initialLeverage: num,
        }),
      )
      .min(1),
  }),
);

export const PremiumIndexSchema = z.array(
  z.object({
    symbol: z.string(),
    markPrice: num,
    /** Binance's index (spot composite): not moved by a bad mark, so it can corroborate one. */
    indexPrice: num.optional(),
    lastFundingRate: num.optional(),
    nextFundingTime: num.optional(),
    time: num,
  }),
);

export const IncomeSchema = z.array(
  z.object({
    symbol: z.string().optional(),
    incomeType: z.string(),
    income: num,
    asset: z.string(),
    time: num,
    // Ids past 2^53 arrive as strings (ccxt re-quotes unsafe integers).
    tranId: z.union([z.string(), z.number()]).optional(),
  }),
);

export const ForceOrdersSchema = z.array(
  z.object({
    symbol: z.string(),
    orderId: z.union([z.string(), z.number()]).optional(),
    // Real rows carry no autoCloseType; the kind is in the clientOrderId ("adl_autoclose" / "autoclose-…").
    clientOrderId: z.string().optional(),
    autoCloseType: z.string().optional(),
    time: num.optional(),
    updateTime: num.optional(),
    executedQty: num.optional(),
  }),
);

export const ApiRestrictionsSchema = z.object({
  enableReading: z.boolean().optional(),
  enableFutures: z.boolean().optional(),
  enableWithdrawals: z.boolean().optional(),
  enablePortfolioMarginTrading: z.boolean().optional(),
  ipRestrict: z.boolean().optional(),
});

/** One open order (GET /fapi/v1/openOrders) or open conditional order (GET /fapi/v1/openAlgoOrders): only what cancelling needs. */
export const OpenOrdersSchema = z.array(z.object({ symbol: z.string().min(1) }));

/**
 * One conditional order of Binance's algo service (POST /fapi/v1/algoOrder, GET
 * /fapi/v1/openAlgoOrders): what a backstop needs.
 * https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Algo-Order
 */
export const AlgoOrderSchema = z.object({
  algoId: z.number().int().nonnegative(),
  clientAlgoId: z.string(),
  symbol: z.string().min(1),
  side: z.enum(['BUY', 'SELL']),
  positionSide: z.enum(['BOTH', 'LONG', 'SHORT']),
  orderType: z.string().min(1),
  triggerPrice: num,
});
/** GET /fapi/v1/openAlgoOrders: only the id is read from every row; the guard's own are then read in full. */
export const AlgoOrdersSchema = z.array(z.object({ clientAlgoId: z.string() }).loose());
export const OwnAlgoOrdersSchema = z.array(AlgoOrderSchema);

/** The position side a closePosition stop closes: its positionSide in hedge mode, else the side its SELL/BUY reduces. */
export function backstopOfAlgoOrder(r: z.infer<typeof AlgoOrderSchema>): { id: string; symbol: string; side: 'long' | 'short'; stopPrice: number } {
  const side = r.positionSide === 'LONG' ? 'long' : r.positionSide === 'SHORT' ? 'short' : r.side === 'SELL' ? 'long' : 'short';
  return { id: String(r.algoId), symbol: r.symbol, side, stopPrice: r.triggerPrice };
}
/**
 * GET /fapi/v1/algoOrder: a conditional order's life (NEW, TRIGGERING, TRIGGERED, FINISHED,
 * CANCELED, EXPIRED, REJECTED — developers.binance.com, user-data-streams Event-Algo-Order-Update).
 */
export const AlgoStatusSchema = z.object({ algoId: z.number().int().nonnegative(), algoStatus: z.string().min(1) }).loose();

/** GET /fapi/v1/time */
export const ServerTimeSchema = z.object({ serverTime: z.number().int().positive() });
