import { binanceusdm } from './binanceusdm/index.ts';
import { bybit } from './bybit/index.ts';
import { okx } from './okx/index.ts';
import { hyperliquid } from './hyperliquid/index.ts';
import { orderly } from './orderly/index.ts';
import { PAPER_VENUES, type PaperDialect, type PaperVenue } from './types.ts';

export { PAPER_VENUES, type PaperDialect, type PaperVenue } from './types.ts';

/**
 * The dialect registry: venue id → dialect. A venue riskguard knows but the paper exchange cannot
 * speak yet has no entry; adding one (say Hyperliquid, with its POST /info and /exchange surface,
 * wallet credentials and coin naming) is a new folder here and one line below.
 */
export const DIALECTS: Readonly<Partial<Record<PaperVenue, PaperDialect>>> = {
  binanceusdm,
  bybit,
  okx,
  hyperliquid,
  orderly,
};

/** Venues that have a dialect, in PAPER_VENUES order. */
export const venuesWithDialect = (): PaperVenue[] => PAPER_VENUES.filter((v) => DIALECTS[v] !== undefined);

/** Thrown for a venue without a dialect, or an unknown venue id; the message is one line for a user. */
export class UnknownVenueError extends Error {
  override readonly name = 'UnknownVenueError';
}

/**
 * The dialect of `venue`. Throws UnknownVenueError naming the venues that have one, e.g.
 * `the paper exchange has no okx dialect yet; venues with one: binanceusdm`.
 */
export function dialectFor(venue: string): PaperDialect {
  const d = (DIALECTS as Record<string, PaperDialect | undefined>)[venue];
  if (d !== undefined) return d;
  const have = venuesWithDialect().join(', ');
  if ((PAPER_VENUES as readonly string[]).includes(venue)) {
    throw new UnknownVenueError(`the paper exchange has no ${venue} dialect yet; venues with one: ${have}`);
  }
  throw new UnknownVenueError(`unknown venue "${venue}" (known: ${PAPER_VENUES.join(', ')}); venues with a paper dialect: ${have}`);
}
