/**
 * Why the paper venue refused a request, in words of no venue. The core engine throws a
 * PaperReject; each dialect maps its reason to the venue's own error (Binance: `{"code":-2019,
 * "msg":"Margin is insufficient."}`), so one engine can answer like several venues.
 */
export const REJECT_REASONS = [
  'unknown-symbol',
  'no-mark-price',
  'invalid-side',
  'invalid-order-type',
  /** A trigger (stop / take-profit) type sent as a plain order: the venue wants its trigger-order endpoint. */
  'trigger-type-on-plain-order',
  'missing-parameter',
  'parameter-not-allowed',
  'invalid-quantity',
  'quantity-off-step',
  'quantity-above-max',
  'invalid-price',
  'price-off-tick',
  'below-min-notional',
  'insufficient-margin',
  'position-above-leverage-cap',
  'invalid-leverage',
  /** A reduce-only order (or a hedge-mode close) that would open or increase a position. */
  'reduce-only-increases',
  /** Resting reduce-only orders already cover the whole position. */
  'reduce-only-covered',
  'post-only-would-take',
  'position-side-mismatch',
  'would-trigger-immediately',
  'unknown-order',
  'order-not-found',
  'margin-mode-unchanged',
  'margin-mode-open-orders',
  'margin-mode-open-position',
  'position-mode-unchanged',
  'position-mode-blocked',
  'no-isolated-position',
  'isolated-margin-insufficient',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

/** What a dialect may quote in its message: the parameter at fault, the venue's minimum, the symbol. */
export interface RejectDetails {
  param?: string;
  minNotional?: number;
  symbol?: string;
}

/** A request the venue refuses; `reason` is neutral, the dialect picks the words and code. */
export class PaperReject extends Error {
  override readonly name = 'PaperReject';
  constructor(
    readonly reason: RejectReason,
    readonly details: RejectDetails = {},
  ) {
    super(`${reason}${Object.keys(details).length ? ` ${JSON.stringify(details)}` : ''}`);
  }
}
