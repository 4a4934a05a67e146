import * as z from 'zod';

/**
 * The exchange-agnostic account snapshot: what every exchange adapter produces and what
 * `riskguard eval` reads. Money is in the quote currency (USDT for Binance USDⓈ-M); ratios are
 * fractions (0.025 = 2.5 %); times are Unix epoch milliseconds.
 *
 * Only linear contracts are modelled: `contracts` is the position size in base units, so
 * notional = contracts × price. A position's identity is (venue, symbol, margin mode, side): on
 * some venues one symbol holds a cross and an isolated position at once, and they are judged apart.
 */

/**
 * Bounds on every figure: an exchange answer with a size of 1e300 is bad data, not a position
 * (it would make an infinite peak that no store can write). 1e15 is far beyond any real account.
 */
export const ABSURD = 1e15;
const finite = () => z.number().finite().min(-ABSURD).max(ABSURD);
const positive = () => z.number().finite().positive().max(ABSURD);

/** One maintenance-margin bracket: applies to notional ≥ notionalFloor; MM = notional × rate − amount. */
export const MaintenanceTierSchema = z
  .object({
    notionalFloor: finite().nonnegative(),
    rate: finite().min(0).max(1),
    amount: finite().default(0),
  })
  .strict();
export type MaintenanceTier = z.output<typeof MaintenanceTierSchema>;

/**
 * A size-dependent maintenance rate: rate(notional) = max(floorRate, coefficient × notional^exponent),
 * MM = notional × rate (Orderly: floorRate = base MMR, coefficient = base MMR / base IMR × IMR
 * factor, exponent 4/5). Not piecewise-linear: the engine solves liquidation prices numerically.
 * @example { floorRate: 0.006, coefficient: 0.6 * 3.75e-7, exponent: 0.8 } at 1,000,000 → 0.006 (the floor)
 */
export const MaintenanceCurveSchema = z
  .object({
    floorRate: finite().min(0).max(1),
    coefficient: finite().nonnegative(),
    exponent: finite().positive().max(4),
  })
  .strict();
export type MaintenanceCurve = z.output<typeof MaintenanceCurveSchema>;

const positionShape = {
  symbol: z.string().min(1),
  side: z.enum(['long', 'short']),
  /**
   * Position size in BASE units (BTC, ETH), never the venue's contract count: a venue module whose
   * contracts carry a multiplier (OKX `ctVal`, Bybit inverse) converts before it builds a snapshot.
   * notional = contracts × price.
   */
  contracts: positive(),
  entryPrice: positive(),
  markPrice: positive(),
  marginMode: z.enum(['cross', 'isolated']),
  leverage: positive().optional(),
  maintenanceMarginRate: finite().min(0).max(1).optional(),
  maintenanceAmount: finite().optional(),
  maintenanceTiers: z.array(MaintenanceTierSchema).min(1).optional(),
  maintenanceCurve: MaintenanceCurveSchema.optional(),
  maintenanceMarginBasis: z.enum(['mark', 'entry']).optional(),
  isolatedWallet: finite().optional(),
  markTimestamp: z.number().int().nonnegative().optional(),
  /** The venue's index price for the symbol, when it reports one: corroborates the mark. */
  indexPrice: positive().optional(),
};

type PositionLike = {
  marginMode: 'cross' | 'isolated';
  isolatedWallet?: number | undefined;
  maintenanceMarginRate?: number | undefined;
  maintenanceAmount?: number | undefined;
  maintenanceTiers?: MaintenanceTier[] | undefined;
  maintenanceCurve?: MaintenanceCurve | undefined;
};

function checkPosition(p: PositionLike, ctx: z.RefinementCtx, requireMaintenance: boolean): void {
  if (p.marginMode === 'isolated' && p.isolatedWallet === undefined) {
    ctx.addIssue({ code: 'custom', path: ['isolatedWallet'], message: 'required when marginMode is "isolated"' });
  }
  if (p.marginMode === 'cross' && p.isolatedWallet !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['isolatedWallet'], message: 'only allowed when marginMode is "isolated"' });
  }
  if (p.maintenanceTiers !== undefined && (p.maintenanceMarginRate !== undefined || p.maintenanceAmount !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['maintenanceTiers'],
      message: 'give either maintenanceTiers or maintenanceMarginRate/maintenanceAmount, not both',
    });
  }
  if (p.maintenanceCurve !== undefined && (p.maintenanceTiers !== undefined || p.maintenanceMarginRate !== undefined || p.maintenanceAmount !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['maintenanceCurve'],
      message: 'give one maintenance model: maintenanceCurve, maintenanceTiers or maintenanceMarginRate/maintenanceAmount',
    });
  }
  if (p.maintenanceTiers !== undefined) {
    const floors = p.maintenanceTiers.map((t) => t.notionalFloor);
    if (floors[0] !== 0) {
      ctx.addIssue({ code: 'custom', path: ['maintenanceTiers', 0, 'notionalFloor'], message: 'the first tier must start at 0' });
    }
    for (let i = 1; i < floors.length; i++) {
      if (floors[i]! <= floors[i - 1]!) {
        ctx.addIssue({
          code: 'custom',
          path: ['maintenanceTiers', i, 'notionalFloor'],
          message: 'tiers must be sorted by strictly increasing notionalFloor',
        });
      }
    }
  }
  if (requireMaintenance && p.maintenanceTiers === undefined && p.maintenanceMarginRate === undefined && p.maintenanceCurve === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['maintenanceMarginRate'],
      message: 'required (or give maintenanceTiers or maintenanceCurve)',
    });
  }
}

export const PositionSchema = z
  .object(positionShape)
  .strict()
  .superRefine((p, ctx) => checkPosition(p, ctx, true));
export type Position = z.output<typeof PositionSchema>;

export const CollateralSchema = z
  .object({
    asset: z.string().min(1),
    amount: finite().nonnegative(),
    price: finite().nonnegative(),
    haircut: finite().min(0).max(1),
  })
  .strict();
export type Collateral = z.output<typeof CollateralSchema>;

export const ExchangeTotalsSchema = z
  .object({
    maintenanceMargin: finite().nonnegative(),
    marginBalance: finite(),
  })
  .strict();

const snapshotShape = {
  exchange: z.string().min(1).optional(),
  /** The asset its amounts are in (the venue's settlement: USDT, USDC); absent = USDT. Labels only. */
  currency: z.string().regex(/^[A-Z][A-Z0-9]{1,9}$/).optional(),
  timestamp: z.number().int().nonnegative().optional(),
  crossWalletBalance: finite(),
  netTransfers: finite().optional(),
  exchangeTotals: ExchangeTotalsSchema.optional(),
  collateral: z.array(CollateralSchema).optional(),
};

/** A live account as the venue reports it. */
export const AccountSnapshotSchema = z
  .object({ ...snapshotShape, positions: z.array(PositionSchema) })
  .strict();
export type AccountSnapshot = z.output<typeof AccountSnapshotSchema>;

/**
 * The replay variant: marks, entries and maintenance figures may be left out, to be filled from
 * price data (entry = first price of the replay) and the venue's brackets.
 */
export const PortfolioPositionSchema = z
  .object({
    ...positionShape,
    entryPrice: positive().optional(),
    markPrice: positive().optional(),
  })
  .strict()
  .superRefine((p, ctx) => checkPosition(p, ctx, false));
export type PortfolioPosition = z.output<typeof PortfolioPositionSchema>;

export const PortfolioSchema = z
  .object({ ...snapshotShape, positions: z.array(PortfolioPositionSchema) })
  .strict();
export type Portfolio = z.output<typeof PortfolioSchema>;
