import * as z from 'zod';

/**
 * zod schemas of every OKX v5 answer the adapter reads: a shape that does not parse is "cannot
 * see", never a guess. OKX writes numbers as strings, "" where a figure does not apply.
 * Field meanings: https://www.okx.com/docs-v5/en/ (each endpoint's "Response Parameters").
 */

/** A decimal string → number. */
export const dec = z
  .string()
  .regex(/^-?\d+(\.\d+)?(e-?\d+)?$/i, 'a decimal string')
  .transform(Number)
  .pipe(z.number().finite());
/** A decimal string, or "" (not applicable) → null. */
export const optDec = z.union([z.literal('').transform(() => null), dec]);
const ms = z
  .string()
  .regex(/^\d{1,15}$/, 'ms since the epoch')
  .transform(Number);

/** The `{code, msg, data}` envelope of a successful answer (ccxt throws on a non-"0" code). */
export const envelope = <T extends z.ZodType>(row: T) => z.object({ code: z.literal('0'), msg: z.string(), data: z.array(row) });

export const TimeSchema = envelope(z.object({ ts: ms })).refine((e) => e.data.length === 1, 'one row');

/** GET /api/v5/public/instruments?instType=SWAP. */
export const InstrumentSchema = z.object({
  instId: z.string().min(1),
  instType: z.literal('SWAP'),
  ctType: z.string(),
  ctVal: dec.pipe(z.number().positive()),
  ctValCcy: z.string(),
  settleCcy: z.string(),
  lotSz: dec.pipe(z.number().positive()),
  minSz: dec.pipe(z.number().positive()),
  maxMktSz: optDec,
  tickSz: dec.pipe(z.number().positive()),
  state: z.string(),
  instFamily: z.string().optional(),
  uly: z.string().optional(),
});
export type Instrument = z.output<typeof InstrumentSchema>;
export const InstrumentsSchema = envelope(InstrumentSchema);

/** GET /api/v5/public/mark-price?instType=SWAP. */
export const MarkPriceSchema = envelope(z.object({ instId: z.string().min(1), markPx: dec.pipe(z.number().positive()), ts: ms }));

/** GET /api/v5/account/config: the account level, the position mode and the key's permissions. */
export const ConfigSchema = envelope(
  z.object({
    acctLv: z.enum(['1', '2', '3', '4']),
    posMode: z.enum(['net_mode', 'long_short_mode']),
    perm: z.string(),
    /** IP addresses the key is bound to; "" = none. */
    ip: z.string().optional(),
  }),
).refine((e) => e.data.length === 1, 'one account config');
export type AccountConfigRow = z.output<typeof ConfigSchema>['data'][number];

/** GET /api/v5/account/balance: one object, its USDT detail. */
export const BalanceDetailSchema = z.object({
  ccy: z.string(),
  eq: dec,
  cashBal: dec,
  upl: optDec,
  isoEq: optDec,
  availBal: optDec,
  mgnRatio: optDec,
  mmr: optDec,
  uTime: ms,
});
export const BalanceSchema = envelope(
  z.object({
    totalEq: dec,
    isoEq: optDec,
    mmr: optDec,
    mgnRatio: optDec,
    uTime: ms,
    details: z.array(BalanceDetailSchema),
  }),
).refine((e) => e.data.length === 1, 'one balance object');

/**
 * GET /api/v5/account/positions row. `pos` is CONTRACTS (signed in net mode), `mmr` the
 * maintenance margin AMOUNT (USDT), `mgnRatio` equity ÷ maintenance margin, `margin` the
 * isolated position's collateral ("" for cross).
 */
export const PositionRowSchema = z.object({
  instId: z.string().min(1),
  instType: z.string(),
  mgnMode: z.enum(['cross', 'isolated']),
  posSide: z.enum(['net', 'long', 'short']),
  pos: dec,
  avgPx: optDec,
  markPx: optDec,
  idxPx: optDec.optional(),
  lever: optDec,
  margin: optDec,
  mmr: optDec,
  mgnRatio: optDec,
  notionalUsd: optDec,
  upl: optDec,
  ccy: z.string(),
  uTime: ms,
  liqPx: optDec.optional(),
});
export type PositionRow = z.output<typeof PositionRowSchema>;
export const PositionsSchema = envelope(PositionRowSchema);

/** GET /api/v5/public/position-tiers row (sizes in contracts for SWAP). */
export const TierSchema = envelope(z.object({ tier: z.string(), minSz: dec, maxSz: dec, mmr: dec, maxLever: dec, instFamily: z.string().optional(), uly: z.string().optional() }));

/**
 * GET /api/v5/account/trade-fee?instType=SWAP: `takerU` the taker fee rate of USDT-margined
 * contracts, negative for a commission ("-0.0005" = 0.05 % charged).
 */
export const TradeFeeSchema = envelope(z.object({ instType: z.string(), level: z.string(), takerU: dec })).refine((e) => e.data.length >= 1, 'a fee row');

/** GET /api/v5/trade/orders-pending row: enough to cancel it. */
export const PendingOrdersSchema = envelope(z.object({ instId: z.string().min(1), ordId: z.string().min(1), reduceOnly: z.enum(['true', 'false']).optional(), side: z.string(), posSide: z.string().optional() }));
/** GET /api/v5/trade/orders-algo-pending row. */
export const PendingAlgosSchema = envelope(z.object({ instId: z.string().min(1), algoId: z.string().min(1), ordType: z.string() }));

/** An order / cancel item's result. */
export const ItemSchema = z.object({ sCode: z.string(), sMsg: z.string(), ordId: z.string().optional(), algoId: z.string().optional() });
/** POST answers: code "0", "1" (all failed) or "2" (partly); ccxt throws on "1". */
export const ItemsSchema = z.object({ code: z.enum(['0', '1', '2']), msg: z.string(), data: z.array(ItemSchema) });

/** GET /api/v5/trade/order row: the fill of one order. */
export const OrderSchema = envelope(z.object({ ordId: z.string(), state: z.string(), accFillSz: optDec, avgPx: optDec, sz: dec }));

/** GET /api/v5/account/bills row (newest first). */
export const BillSchema = z.object({
  billId: z.string().regex(/^\d+$/),
  type: z.string(),
  subType: z.string(),
  ccy: z.string(),
  balChg: dec,
  pnl: optDec,
  fee: optDec,
  instId: z.string(),
  ts: ms,
});
export type Bill = z.output<typeof BillSchema>;
export const BillsSchema = envelope(BillSchema);
