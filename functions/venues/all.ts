import { BINANCE_MODULE } from './binanceusdm/index.ts';
import { BYBIT_MODULE } from './bybit/index.ts';
import { OKX_MODULE } from './okx/index.ts';
import { HYPERLIQUID_MODULE } from './hyperliquid/index.ts';
import { ORDERLY_MODULE } from './orderly/index.ts';
import type { VenueModule } from './venue.ts';

/**
 * Every venue module, imported as `#venues` (package.json "imports"). The Lambda bundle replaces
 * `#venues` with a list of just the venues its config uses (lib/bundle.ts), so it carries only
 * their ccxt classes.
 */
export const VENUE_MODULES: readonly VenueModule[] = [
  BINANCE_MODULE as unknown as VenueModule,
  BYBIT_MODULE as unknown as VenueModule,
  OKX_MODULE as unknown as VenueModule,
  HYPERLIQUID_MODULE as unknown as VenueModule,
  ORDERLY_MODULE as unknown as VenueModule,
];
