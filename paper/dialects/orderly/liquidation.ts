import type { PaperEngine } from '../../core/index.ts';

/**
 * Orderly's decentralised liquidation, as the paper shows it to the account: when the engine
 * liquidates a pool (its orders cancelled, its positions transferred at the mark with the
 * liquidation fee — std_liquidation_fee 2.4 % = liquidator 1.2 % + insurance fund 1.2 %, as
 * /v1/public/info and /v1/liquidations carry them — not through the book), the account is under
 * liquidation for a while: its balance shows as frozen and every order or cancel is refused with
 * -1012 ("rejected by internal module, it may because the account is in liquidation … Please try
 * again in a few seconds", https://orderly.network/docs/build-on-omnichain/error-codes). How long
 * Orderly keeps an account frozen is not documented: the window is the paper's choice.
 */
export const LIQUIDATION_FREEZE_MS = 10_000;

/** Per account: until when (market time) it is frozen by a liquidation. */
export class LiquidationFreeze {
  private readonly until = new Map<string, number>();

  constructor(private readonly engine: PaperEngine) {
    engine.onLiquidation((e) => this.until.set(e.accountId, e.time + LIQUIDATION_FREEZE_MS));
  }

  /** Whether the account is under liquidation now. */
  frozen(accountId: string): boolean {
    const t = this.until.get(accountId);
    return t !== undefined && this.engine.now() < t;
  }
}
