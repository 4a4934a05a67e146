import * as z from 'zod';

/**
 * The raw Hyperliquid answers the guard reads, validated field by field. Hyperliquid sends decimals
 * as strings ("2213.9") and some integers as numbers or, in older answers quoted by ccxt, strings:
 * both are accepted; an empty, non-numeric or non-finite one fails the read instead of becoming NaN.
 *
 * Shapes: Hyperliquid's info and exchange endpoint docs
 * (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint, …/perpetuals,
 * …/spot, …/exchange-endpoint), cross-checked with the typed SDK nktkas/hyperliquid
 * (src/api/info/_methods/*.ts) and ccxt 4.5.84 hyperliquid.js (fetchPositions, fetchBalance,
 * handleErrors). Objects are not `.strict()`: the venue adds fields over time, and a new field must
 * not stop a guard; every field the guard uses is required and checked.
 */

/** A decimal that Hyperliquid sends as a string (or a number). */
export const dec = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `not a number: ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

/** A whole number (ms times, leverage, ids) sent as a number or a numeric string. */
export const int = dec.pipe(z.number().int());

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

/** `{"type":"userAbstraction","user":…}` answers a bare JSON string (docs: "Query a user's abstraction state"). */
export const USER_ABSTRACTIONS = ['default', 'disabled', 'unifiedAccount', 'portfolioMargin', 'dexAbstraction'] as const;
export const UserAbstractionSchema = z.enum(USER_ABSTRACTIONS);
export type UserAbstraction = z.output<typeof UserAbstractionSchema>;

/**
 * The `userAbstraction` answer as ccxt hands it over: ccxt 4.5.84 parses only JSON objects and arrays
 * (Exchange.js handleRestResponse), so the bare JSON string arrives as its raw text `"default"`,
 * quotes included (its own isUnifiedEnabled strips them). Unquoted here; what it means is margin.ts's
 * accountModel's to judge (an unknown value is refused there).
 */
export const UserAbstractionAnswerSchema = z.unknown().transform((v): unknown => {
  if (typeof v !== 'string' || !/^\s*".*"\s*$/.test(v)) return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
});

const MarginSummarySchema = z.object({
  accountValue: dec,
  totalNtlPos: dec,
  totalRawUsd: dec,
  totalMarginUsed: dec,
});

export const LeverageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cross'), value: dec, rawUsd: dec.optional() }),
  // rawUsd: the isolated margin less the entry notional of a long (plus it for a short); marginUsed = rawUsd + szi × mark.
  z.object({ type: z.literal('isolated'), value: dec, rawUsd: dec }),
]);

export const AssetPositionSchema = z.object({
  type: z.string().optional(),
  position: z.object({
    coin: z.string().min(1),
    /** Signed size in base units: > 0 long, < 0 short. */
    szi: dec,
    entryPx: dec,
    positionValue: dec,
    unrealizedPnl: dec,
    returnOnEquity: dec.optional(),
    /** null where no liquidation price exists (docs; DOMAIN.md). */
    liquidationPx: dec.nullable(),
    /** Cross: initial margin at the position's leverage. Isolated: the position's equity, rawUsd + szi × mark (ccxt parsePosition). */
    marginUsed: dec,
    maxLeverage: dec,
    leverage: LeverageSchema,
    cumFunding: z.object({ allTime: dec, sinceOpen: dec, sinceChange: dec }).optional(),
  }),
});

/** `clearinghouseState`: one perp dex's account summary and positions. */
export const ClearinghouseStateSchema = z.object({
  marginSummary: MarginSummarySchema,
  crossMarginSummary: MarginSummarySchema,
  crossMaintenanceMarginUsed: dec,
  withdrawable: dec,
  assetPositions: z.array(AssetPositionSchema),
  time: int,
});
export type ClearinghouseState = z.output<typeof ClearinghouseStateSchema>;

/** `spotClearinghouseState`: token balances; in a unified account also the perps' collateral. */
export const SpotClearinghouseStateSchema = z.object({
  balances: z.array(
    z.object({
      coin: z.string().min(1),
      token: int,
      total: dec,
      hold: dec,
      entryNtl: dec.optional(),
    }),
  ),
});
export type SpotClearinghouseState = z.output<typeof SpotClearinghouseStateSchema>;

export const MarginTierSchema = z.object({ lowerBound: dec, maxLeverage: dec.pipe(z.number().positive()) });
export const MarginTableSchema = z.object({ description: z.string(), marginTiers: z.array(MarginTierSchema).min(1) });
export type MarginTable = z.output<typeof MarginTableSchema>;

export const UniverseAssetSchema = z.object({
  name: z.string().min(1),
  szDecimals: int.pipe(z.number().min(0).max(8)),
  maxLeverage: dec.pipe(z.number().positive()),
  /** Absent in older answers: the asset is then held to maxLeverage at any size. */
  marginTableId: int.optional(),
  onlyIsolated: z.boolean().optional(),
  isDelisted: z.boolean().optional(),
  marginMode: z.string().optional(),
});
export type UniverseAsset = z.output<typeof UniverseAssetSchema>;

export const PerpMetaSchema = z.object({
  universe: z.array(UniverseAssetSchema),
  marginTables: z.array(z.tuple([int, MarginTableSchema])).default([]),
  /** Spot token index of the dex's collateral (0 = USDC). */
  collateralToken: int.optional(),
});
export type PerpMeta = z.output<typeof PerpMetaSchema>;

export const AssetCtxSchema = z.object({
  markPx: dec,
  oraclePx: dec,
  midPx: dec.nullable().optional(),
  funding: dec,
  openInterest: dec,
  premium: dec.nullable().optional(),
  prevDayPx: dec.optional(),
  dayNtlVlm: dec.optional(),
});
export type AssetCtx = z.output<typeof AssetCtxSchema>;

/** `metaAndAssetCtxs`: `[meta, assetCtxs]`, the contexts in universe order. */
export const MetaAndAssetCtxsSchema = z
  .tuple([PerpMetaSchema, z.array(AssetCtxSchema)])
  .refine(([meta, ctxs]) => meta.universe.length === ctxs.length, { message: 'universe and assetCtxs differ in length' });
export type MetaAndAssetCtxs = z.output<typeof MetaAndAssetCtxsSchema>;

/** `perpDexs`: `null` stands for the main dex, then one entry per HIP-3 dex. */
export const PerpDexsSchema = z.array(z.object({ name: z.string(), fullName: z.string().optional() }).nullable());

/** `frontendOpenOrders`: only what cancelling needs. */
export const FrontendOpenOrdersSchema = z.array(
  z.object({
    coin: z.string().min(1),
    oid: int,
    side: z.enum(['A', 'B']),
    sz: dec,
    reduceOnly: z.boolean().optional(),
    isTrigger: z.boolean().optional(),
    orderType: z.string().optional(),
    timestamp: int.optional(),
  }),
);

/** One `userNonFundingLedgerUpdates` row; `delta` is checked per type in history.ts. */
export const LedgerUpdateSchema = z.object({
  time: int,
  hash: z.string(),
  delta: z.object({ type: z.string().min(1) }).passthrough(),
});
export const LedgerUpdatesSchema = z.array(LedgerUpdateSchema);
export type LedgerUpdate = z.output<typeof LedgerUpdateSchema>;

/** `userFunding` rows: `usdc` is signed (+ received, − paid). */
export const FundingUpdatesSchema = z.array(
  z.object({
    time: int,
    hash: z.string(),
    delta: z.object({ type: z.literal('funding'), coin: z.string().min(1), usdc: dec, szi: dec, fundingRate: dec, nSamples: int.nullable().optional() }),
  }),
);
export type FundingUpdate = z.output<typeof FundingUpdatesSchema>[number];

/** `userFillsByTime` rows (docs; nktkas UserFillSchema). */
export const FillsSchema = z.array(
  z.object({
    coin: z.string().min(1),
    px: dec,
    sz: dec,
    side: z.enum(['A', 'B']),
    time: int,
    startPosition: dec,
    dir: z.string(),
    closedPnl: dec,
    hash: z.string(),
    oid: int,
    crossed: z.boolean(),
    /** Signed: negative is a rebate. */
    fee: dec,
    builderFee: dec.optional(),
    /** Unique per fill. */
    tid: int,
    feeToken: z.string(),
  }),
);
export type Fill = z.output<typeof FillsSchema>[number];

/** One order's fate in an /exchange `order` answer. */
export const OrderStatusSchema = z.union([
  z.object({ filled: z.object({ totalSz: dec, avgPx: dec, oid: int }) }),
  z.object({ resting: z.object({ oid: int }) }),
  z.object({ error: z.string() }),
]);
export type OrderStatus = z.output<typeof OrderStatusSchema>;

/** A cancel's fate: the literal "success" or an error (docs, "Cancel order(s)"). */
export const CancelStatusSchema = z.union([z.literal('success'), z.object({ error: z.string() })]);

/**
 * An /exchange answer: `{"status":"ok","response":{"type":"order","data":{"statuses":[…]}}}`, or
 * `{"status":"err","response":"User or API Wallet 0x… does not exist."}` for the whole action.
 */
export const ExchangeResponseSchema = z.union([
  z.object({
    status: z.literal('ok'),
    response: z.discriminatedUnion('type', [
      z.object({ type: z.literal('order'), data: z.object({ statuses: z.array(OrderStatusSchema) }) }),
      z.object({ type: z.literal('cancel'), data: z.object({ statuses: z.array(CancelStatusSchema) }) }),
      z.object({ type: z.literal('default') }),
    ]),
  }),
  z.object({ status: z.literal('err'), response: z.string() }),
]);
export type ExchangeResponse = z.output<typeof ExchangeResponseSchema>;

/** For adapters: the user address field as Hyperliquid spells it in requests. */
export const AddressSchema = address;
