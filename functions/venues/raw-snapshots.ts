import * as z from 'zod';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import { HyperliquidRawSnapshotSchema, snapshotFromRawHyperliquid } from './hyperliquid/raw-snapshot.ts';

/**
 * Snapshot files in a venue's own shape (`{"venue": "<id>", …the venue's raw answers…}`) for
 * `riskguard eval`, by venue: pure parsing, no venue client is loaded. A file without `venue` is
 * the project's own AccountSnapshot (README: snapshot format).
 */
const RAW_SNAPSHOTS: Record<string, (raw: unknown) => { snapshot: AccountSnapshot; venueLiquidations: { symbol: string; price: number | null }[] }> = {
  hyperliquid: (raw) => snapshotFromRawHyperliquid(HyperliquidRawSnapshotSchema.parse(raw)),
};

/** The venue a snapshot file names, or null for the project's own format. */
export function rawSnapshotVenue(raw: unknown): string | null {
  const r = z.object({ venue: z.string() }).safeParse(raw);
  return r.success ? r.data.venue : null;
}

/** Converts a venue-shaped snapshot file; throws a ZodError on a bad shape and an Error for an unknown venue. */
export function snapshotFromVenueFile(venue: string, raw: unknown): { snapshot: AccountSnapshot; venueLiquidations: { symbol: string; price: number | null }[] } {
  const convert = RAW_SNAPSHOTS[venue];
  if (!convert) throw new Error(`snapshot file names venue "${venue}"; riskguard reads venue-shaped snapshots of ${Object.keys(RAW_SNAPSHOTS).join(', ')}`);
  return convert(raw);
}
