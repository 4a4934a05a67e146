import { ConfigError } from '../errors.ts';
import type { ExchangePort } from '../ports.ts';
import { addRedactionHints } from '../redact.ts';
import { VENUE_MODULES } from '#venues';
import type { CreateExchangeOptions, VenueAccount, VenueModule, VenueShared } from './venue.ts';

/**
 * The venue registry: `accounts[].exchange` → its module. Shared code asks here and never names a
 * venue. In the Lambda bundle `#venues` holds only the configured venues (lib/bundle.ts).
 */
export function venueModule(id: string): VenueModule {
  const m = VENUE_MODULES.find((v) => v.id === id);
  if (!m) {
    const have = VENUE_MODULES.map((v) => v.id).join(', ');
    throw new ConfigError(`exchange "${id}" has no venue module in this build (have: ${have})`);
  }
  return m;
}

/** The ids of the venue modules in this build. */
export const venueIds = (): string[] => VENUE_MODULES.map((v) => v.id);

/**
 * Markets and brackets shared by every account of one venue and base URL, one per process:
 * pass the same instance to every `createExchange` of a run or a Lambda container.
 */
export class VenueSharing {
  private readonly byKey = new Map<string, VenueShared>();

  for(venue: VenueModule['id'], baseUrl: string | undefined): VenueShared {
    const key = `${venue} ${baseUrl ?? ''}`;
    let s = this.byKey.get(key);
    if (!s) {
      s = { venue, baseUrl, slots: new Map() };
      this.byKey.set(key, s);
    }
    return s;
  }
}

/** An account as the registry needs it: which venue, and where its requests go. */
export interface ExchangeAccount extends VenueAccount {
  readonly exchange: string;
}

/**
 * The exchange port of one account, built by its venue's module; `baseUrl` (paper exchange,
 * testnet) redirects the venue's hosts. The venue's redaction hints are installed first.
 */
export function createExchange(
  account: ExchangeAccount,
  creds: Record<string, string>,
  opts: CreateExchangeOptions & { sharing?: VenueSharing } = {},
): ExchangePort {
  const m = venueModule(account.exchange);
  addRedactionHints(m.redaction);
  const { sharing, ...rest } = opts;
  return m.createExchange(account, creds, { ...rest, ...(sharing ? { shared: sharing.for(m.id, account.baseUrl) } : {}) });
}

/** Each venue's per-IP request budget, for the local loop (guard-loop's `budgets`). */
export function venueBudgets(): Record<string, { perMinute: number; tickCost: number; marksCost?: number; closeCost: number }> {
  return Object.fromEntries(
    VENUE_MODULES.map((m) => [
      m.id,
      {
        perMinute: m.budget.perMinute,
        tickCost: m.budget.tickCost,
        ...(m.budget.marksCost !== undefined ? { marksCost: m.budget.marksCost } : {}),
        // One close: a two-symbol book closed in one round (its confirming read included).
        closeCost: m.budget.closeAllWeight(2, 1),
      },
    ]),
  );
}
