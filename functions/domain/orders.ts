/** A closing order as the guard asks a venue for it, and the venue's answer. */

export interface OrderRequest {
  symbol: string;
  side: 'buy' | 'sell';
  /** Base units. */
  amount: number;
  /** Which position this reduces (hedge mode needs it). */
  positionSide: 'long' | 'short';
  marginMode: 'cross' | 'isolated';
}

export interface OrderResult {
  id: string;
  symbol: string;
  side: 'buy' | 'sell';
  amount: number;
  filled: number;
  averagePrice: number | null;
  status: string;
}
