import { BINANCE_FACTS } from './binanceusdm/facts.ts';
import { BYBIT_FACTS } from './bybit/facts.ts';
import { OKX_FACTS } from './okx/facts.ts';
import { HYPERLIQUID_FACTS } from './hyperliquid/facts.ts';
import { ORDERLY_FACTS } from './orderly/facts.ts';
import type { VenueFacts, VenueId } from './venue.ts';

/**
 * The venues with a module, as the config, the deployment checks and the redactor need them:
 * facts only, so parsing a config never loads a venue's client. The modules themselves are in
 * functions/venues/index.ts; test/venues/registry.test.ts keeps the two lists equal.
 */
export const VENUE_CATALOG = Object.freeze({
  binanceusdm: BINANCE_FACTS,
  bybit: BYBIT_FACTS,
  okx: OKX_FACTS,
  hyperliquid: HYPERLIQUID_FACTS,
  orderly: ORDERLY_FACTS,
}) satisfies Partial<Record<VenueId, VenueFacts>>;

export type SupportedVenue = keyof typeof VENUE_CATALOG;

/** `accounts[].exchange` values a config may use today. */
export const SUPPORTED_VENUES = Object.keys(VENUE_CATALOG) as SupportedVenue[];

/** The facts of a configured venue. */
export const venueFacts = (id: SupportedVenue): VenueFacts => VENUE_CATALOG[id] as VenueFacts;

/** The asset amounts are counted in on `exchange` (USDT where the venue is unknown, as for replays of Binance data). */
export const settlementOf = (exchange: string | undefined): string =>
  exchange !== undefined && exchange in VENUE_CATALOG ? venueFacts(exchange as SupportedVenue).settlement : 'USDT';
