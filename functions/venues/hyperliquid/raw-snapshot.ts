import * as z from 'zod';
import type { AccountSnapshot } from '../../domain/snapshot.ts';
import { snapshotFromHyperliquid, type VenueLiquidation } from './margin.ts';
import { ClearinghouseStateSchema, MetaAndAssetCtxsSchema, SpotClearinghouseStateSchema, UserAbstractionSchema } from './schemas.ts';

/**
 * A Hyperliquid account as the venue answers it, for `riskguard eval --snapshot`: the raw /info
 * answers pasted into one file, so a user (or an agent) can evaluate what Hyperliquid shows without
 * converting it by hand. `userAbstraction` is required: the margin model is never assumed.
 * @example { "venue": "hyperliquid", "userAbstraction": "default",
 *            "clearinghouseState": { …POST /info {"type":"clearinghouseState"}… },
 *            "metaAndAssetCtxs": [ { "universe": […] }, [ … ] ] }
 */
export const HyperliquidRawSnapshotSchema = z
  .object({
    venue: z.literal('hyperliquid'),
    userAbstraction: UserAbstractionSchema,
    clearinghouseState: ClearinghouseStateSchema,
    metaAndAssetCtxs: MetaAndAssetCtxsSchema,
    /** Required for a unified account (its collateral lives there). */
    spotClearinghouseState: SpotClearinghouseStateSchema.optional(),
    /** HIP-3 dexes with positions (unified accounts), each as read with `"dex": name`. */
    dexes: z
      .array(z.object({ dex: z.string().min(1), clearinghouseState: ClearinghouseStateSchema, metaAndAssetCtxs: MetaAndAssetCtxsSchema }).strict())
      .optional(),
  })
  .strict();

/** The project's AccountSnapshot of a raw Hyperliquid file, and the venue's own liquidation prices. */
export function snapshotFromRawHyperliquid(raw: z.output<typeof HyperliquidRawSnapshotSchema>): { snapshot: AccountSnapshot; venueLiquidations: VenueLiquidation[] } {
  const { snapshot, venueLiquidations } = snapshotFromHyperliquid({
    abstraction: raw.userAbstraction,
    dexes: [
      { dex: '', state: raw.clearinghouseState, meta: raw.metaAndAssetCtxs },
      ...(raw.dexes ?? []).map((d) => ({ dex: d.dex, state: d.clearinghouseState, meta: d.metaAndAssetCtxs })),
    ],
    spot: raw.spotClearinghouseState,
  });
  return { snapshot, venueLiquidations };
}
