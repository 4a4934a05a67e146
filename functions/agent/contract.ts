import * as z from 'zod';

/**
 * The agent contract, defined once: what `riskguard check`, the MCP tools and the status
 * function's `get_status` / `check_order` routes accept and answer. Names are exact (agents and
 * gateways depend on them). Money in the quote currency, ratios as fractions, times in ms.
 */

const accountId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an account id: letters, digits, _ and - (1–64)');
const amount = z.number().finite().positive().max(1e15);
const fresh = z.boolean().optional().describe('read the account now through the venue module instead of the guard\'s last accepted snapshot');

export const GetStatusInput = {
  account: accountId.describe('the guarded account id from riskguard.config.json'),
  fresh,
};

export const CheckOrderInput = {
  account: accountId.describe('the guarded account id'),
  symbol: z.string().min(1).max(40).describe("the venue's symbol, e.g. BTCUSDT"),
  side: z.enum(['buy', 'sell']),
  size: amount.optional().describe('base units (give size or notional)'),
  notional: amount.optional().describe('quote currency at the mark, rounded down to the lot step (give size or notional)'),
  leverage: z.number().finite().min(1).max(200).optional().describe('required for a new isolated position'),
  marginMode: z.enum(['cross', 'isolated']),
  reduceOnly: z.boolean().optional(),
  fresh,
};

export const MaxOrderSizeInput = {
  account: accountId,
  symbol: z.string().min(1).max(40),
  side: z.enum(['buy', 'sell']),
  marginMode: z.enum(['cross', 'isolated']),
  leverage: z.number().finite().min(1).max(200).optional(),
  fresh,
};

export const RequestHaltInput = {
  account: accountId,
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
};

/** One order request, checked: exactly one of size and notional. */
export const CheckOrderSchema = z
  .object(CheckOrderInput)
  .strict()
  .refine((o) => (o.size === undefined) !== (o.notional === undefined), { message: 'give exactly one of size and notional', path: ['size'] });
export type CheckOrderRequest = z.output<typeof CheckOrderSchema>;
export const MaxOrderSizeSchema = z.object(MaxOrderSizeInput).strict();
export type MaxOrderSizeRequest = z.output<typeof MaxOrderSizeSchema>;
export const GetStatusSchema = z.object(GetStatusInput).strict();
export const RequestHaltSchema = z.object(RequestHaltInput).strict();

const ratio = z.number().nullable();
const level = z.enum(['OK', 'WARNING', 'DANGER', 'EMERGENCY']).nullable();
const maxAllowed = z.object({ size: z.number(), notional: z.number() });
const source = z.enum(['stored', 'fresh', 'none']).describe('stored: the guard\'s last accepted snapshot; fresh: read now; none: no snapshot');

export const StatusOutput = {
  accountId: z.string(),
  mayTrade: z.boolean().describe('true: new risk may be added (within check_order); false: reduce-only'),
  level,
  halted: z.boolean(),
  paused: z.boolean(),
  reasons: z.array(z.string()).describe('why not (empty when mayTrade)'),
  equity: z.number().nullable(),
  peakEquity: z.number().nullable(),
  drawdown: ratio.describe('fraction below the trailing peak'),
  drawdownBudgetLeft: z.number().nullable().describe('money between equity and the nearest EMERGENCY level: the drawdown below the peak, the equity floor, the day\'s or week\'s loss limit'),
  marginRatio: z.object({
    account: ratio,
    cross: ratio,
    isolated: z.array(z.object({ symbol: z.string(), side: z.string(), marginRatio: ratio })),
  }),
  liquidationBuffer: ratio,
  dataAgeSeconds: z.number().nullable(),
  stale: z.boolean(),
  lastTickAt: z.number().nullable(),
  source,
  checkedAt: z.number(),
};
export const StatusSchema = z.object(StatusOutput);
export type AgentStatus = z.output<typeof StatusSchema>;

export const CheckOrderOutput = {
  decisionId: z.string().describe('written to the audit log'),
  decision: z.enum(['allow', 'reduce_only', 'deny']),
  mayPlace: z.boolean().describe('allow, or reduce_only for an order marked reduceOnly'),
  reasons: z.array(z.string()),
  order: z.object({
    symbol: z.string(),
    side: z.enum(['buy', 'sell']),
    size: z.number(),
    marginMode: z.enum(['cross', 'isolated']),
    leverage: z.number().nullable(),
    reduceOnly: z.boolean(),
  }),
  postTrade: z
    .object({
      fillPrice: z.number(),
      fee: z.number(),
      equity: z.number(),
      accountMarginRatio: ratio,
      crossMarginRatio: ratio,
      isolatedMarginRatios: z.array(z.object({ symbol: z.string(), side: z.string(), marginRatio: ratio })),
      position: z
        .object({
          symbol: z.string(),
          side: z.string(),
          marginMode: z.string(),
          contracts: z.number(),
          liquidationPrice: z.number().nullable(),
          liquidationDistance: z.number().nullable(),
        })
        .nullable(),
      crossStressSurvival: ratio,
      worstScenario: z.string().nullable(),
      worstScenarioLoss: z.number(),
      drawdownBudgetLeft: z.number().nullable(),
    })
    .nullable(),
  maxAllowed,
  limitedBy: z.array(z.string()),
  validUntil: z.number().describe('ms: the answer holds until then'),
  dataAgeSeconds: z.number().nullable(),
  source,
};
export const CheckOrderResultSchema = z.object(CheckOrderOutput);
export type CheckOrderResult = z.output<typeof CheckOrderResultSchema>;

export const MaxOrderSizeOutput = {
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  marginMode: z.enum(['cross', 'isolated']),
  maxAllowed,
  limitedBy: z.array(z.string()),
  dataAgeSeconds: z.number().nullable(),
  source,
};
export type MaxOrderSizeResult = z.output<z.ZodObject<typeof MaxOrderSizeOutput>>;

export const RequestHaltOutput = {
  accountId: z.string(),
  halted: z.boolean(),
  flat: z.boolean(),
  orders: z.number(),
  residuals: z.array(z.object({ symbol: z.string(), side: z.string(), contracts: z.number() })),
  message: z.string(),
};
export type RequestHaltResult = z.output<z.ZodObject<typeof RequestHaltOutput>>;

/** The status function's POST body: `{ "tool": "get_status" | "check_order", "arguments": {...} }`. */
export const CloudRequestSchema = z.discriminatedUnion('tool', [
  z.object({ tool: z.literal('get_status'), arguments: GetStatusSchema }).strict(),
  z.object({ tool: z.literal('check_order'), arguments: CheckOrderSchema }).strict(),
  z.object({ tool: z.literal('max_order_size'), arguments: MaxOrderSizeSchema }).strict(),
]);
