import * as z from 'zod';

/**
 * The raw Bybit v5 responses the guard reads, validated field by field
 * (https://bybit-exchange.github.io/docs/v5/intro): every answer is the envelope
 * `{retCode, retMsg, result, retExtInfo, time}`; numbers come as strings, and a missing or
 * unparsable one must stop the tick, not become NaN. ccxt has already turned retCode ≠ 0 into an
 * error; a 0 is still checked here.
 */

/** A decimal that Bybit sends as a string ("0.001"), or a number. */
export const num = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `not a number: ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});
/** A decimal Bybit may send empty ("" = not applicable / not set). */
export const optNum = z.union([z.literal(''), num]).transform((v) => (v === '' ? undefined : v)).optional();
/** Milliseconds, as Bybit sends them (a string of digits or a number). */
export const ms = num.pipe(z.number().int().nonnegative());

/** The v5 envelope around `result`. */
export const envelope = <T extends z.ZodType>(result: T) =>
  z.object({ retCode: z.union([z.literal(0), z.literal('0')]), retMsg: z.string(), result, time: ms });

const paged = <T extends z.ZodType>(row: T) => z.object({ list: z.array(row), nextPageCursor: z.string().optional() });

export const ServerTimeSchema = envelope(z.object({ timeSecond: z.string() }));

export const WalletBalanceSchema = envelope(
  z.object({
    list: z
      .array(
        z.object({
          accountType: z.literal('UNIFIED'),
          // Account-wide figures are "" under isolated margin (not applicable).
          accountMMRate: optNum,
          totalEquity: optNum,
          totalMarginBalance: optNum,
          totalMaintenanceMargin: optNum,
          coin: z.array(
            z.object({
              coin: z.string(),
              walletBalance: num,
              equity: num,
              unrealisedPnl: num,
              totalPositionMM: optNum,
              totalPositionIM: optNum,
            }),
          ),
        }),
      )
      .length(1),
  }),
);
export type WalletBalance = z.output<typeof WalletBalanceSchema>;

export const PositionRowSchema = z.object({
  symbol: z.string().min(1),
  positionIdx: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  side: z.enum(['Buy', 'Sell', '']),
  size: num,
  avgPrice: num,
  markPrice: num,
  leverage: optNum,
  positionBalance: optNum,
  /** The venue's maintenance margin of the position (ccxt drops it when liqPrice is set: bustPrice is ""). */
  positionMM: optNum,
  positionIM: optNum,
  liqPrice: optNum,
  tradeMode: z.number().int().optional(),
  updatedTime: ms.optional(),
});
export type PositionRow = z.output<typeof PositionRowSchema>;
export const PositionListSchema = envelope(paged(PositionRowSchema).extend({ category: z.literal('linear') }));

export const TickersSchema = envelope(
  z.object({
    category: z.literal('linear'),
    list: z.array(z.object({ symbol: z.string(), markPrice: num, indexPrice: optNum })),
  }),
);

export const RiskLimitRowSchema = z.object({
  symbol: z.string(),
  riskLimitValue: num,
  maintenanceMargin: num,
  mmDeduction: optNum,
  isLowestRisk: z.number().int().optional(),
});
export type RiskLimitRow = z.output<typeof RiskLimitRowSchema>;
export const RiskLimitSchema = envelope(paged(RiskLimitRowSchema));

export const MARGIN_MODES = ['REGULAR_MARGIN', 'ISOLATED_MARGIN', 'PORTFOLIO_MARGIN'] as const;
export const AccountInfoSchema = envelope(z.object({ marginMode: z.enum(MARGIN_MODES), unifiedMarginStatus: z.number().int().optional() }));

export const ApiKeyInfoSchema = envelope(
  z.object({
    readOnly: z.union([z.literal(0), z.literal(1)]),
    permissions: z.record(z.string(), z.array(z.string())),
    ips: z.array(z.string()).optional(),
    expiredAt: z.string().optional(),
    uta: z.number().int().optional(),
  }),
);
export type ApiKeyInfo = z.output<typeof ApiKeyInfoSchema>;

export const OpenOrdersSchema = envelope(paged(z.object({ symbol: z.string(), orderId: z.string(), stopOrderType: z.string().optional() })));

export const OrderCreateSchema = envelope(z.object({ orderId: z.string().min(1), orderLinkId: z.string().optional() }));

export const OrderRowSchema = z.object({
  orderId: z.string(),
  symbol: z.string(),
  orderStatus: z.string(),
  qty: num,
  cumExecQty: num,
  avgPrice: optNum,
});
export const OrderQuerySchema = envelope(paged(OrderRowSchema));

export const CancelAllSchema = envelope(z.object({ list: z.array(z.object({ orderId: z.string() })) }));

export const TransactionRowSchema = z.object({
  id: z.string().min(1),
  symbol: z.string(),
  type: z.string().min(1),
  category: z.string().optional(),
  transactionTime: ms,
  currency: z.string(),
  change: num,
  cashFlow: optNum,
  funding: optNum,
  fee: optNum,
});
export type TransactionRow = z.output<typeof TransactionRowSchema>;
export const TransactionLogSchema = envelope(paged(TransactionRowSchema));
