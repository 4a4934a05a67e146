import { defaultMarkets, type MarketSpec } from '../../markets.ts';

/**
 * Orderly's perpetuals, named PERP_<BASE>_USDC, each with the venue's margin parameters as
 * GET /v1/public/info answers them (base_imr, base_mmr, imr_factor). The figures are the market
 * table of Orderly's "Margin, Leverage and PnL" page
 * (https://orderly.network/docs/introduction/trade-on-orderly/perpetual-futures/margin-leverage-and-pnl):
 * BTC-PERP 1 % (100x) / 0.6 % / 0.0000003750, ETH-PERP 1 % / 0.6 % / 0.0000003846, SOL-PERP
 * 1 % / 0.6 % / 0.0000010667. The paper's other markets are not in that table: they take its 10x
 * row (ARB-PERP, OP-PERP: 10 % / 5 % / 0.0000021481) as a stand-in.
 */
export interface OrderlyMarketInfo {
  baseImr: number;
  baseMmr: number;
  imrFactor: number;
}

/** BTC and ETH allow 100x (the issue asks for at least 20x). */
export const ORDERLY_MARGIN: Record<string, OrderlyMarketInfo> = {
  BTC: { baseImr: 0.01, baseMmr: 0.006, imrFactor: 0.000000375 },
  ETH: { baseImr: 0.01, baseMmr: 0.006, imrFactor: 0.0000003846 },
  SOL: { baseImr: 0.01, baseMmr: 0.006, imrFactor: 0.0000010667 },
};
const DEFAULT_MARGIN: OrderlyMarketInfo = { baseImr: 0.1, baseMmr: 0.05, imrFactor: 0.0000021481 };

/** Orderly's exponent of |notional| in the size terms of IMR and MMR ("^(4/5)"). */
export const IMR_FACTOR_POWER = 4 / 5;

export const orderlySymbol = (base: string): string => `PERP_${base}_USDC`;
export const ORDERLY_SYMBOL = /^PERP_[A-Z0-9]{1,20}_USDC$/;

export const marginInfo = (symbol: string): OrderlyMarketInfo => ORDERLY_MARGIN[symbol.split('_')[1] ?? ''] ?? DEFAULT_MARGIN;

/**
 * A leg's maintenance margin ratio at `notional` (USDC):
 * MMR_i = max(Base MMR_i, Base MMR_i / Base IMR_i × IMR Factor_i × |notional_i|^(4/5)).
 * @example orderlyMmr('PERP_ETH_USDC', 3_000_000) ≈ 0.0352 (the size term; base 0.006)
 */
export function orderlyMmr(symbol: string, notional: number): number {
  const m = marginInfo(symbol);
  return Math.max(m.baseMmr, (m.baseMmr / m.baseImr) * m.imrFactor * Math.abs(notional) ** IMR_FACTOR_POWER);
}

/**
 * A leg's initial margin ratio at `notional` and its leverage:
 * IMR_i = max(1 / leverage, Base IMR_i, IMR Factor_i × |notional_i|^(4/5)) (the docs write the
 * account's max leverage; Orderly's SDK, account/imr.ts, the symbol's leverage per margin mode).
 */
export function orderlyImr(symbol: string, notional: number, leverage: number): number {
  const m = marginInfo(symbol);
  return Math.max(1 / leverage, m.baseImr, m.imrFactor * Math.abs(notional) ** IMR_FACTOR_POWER);
}

/** The paper exchange's markets under Orderly's names, quoted and settled in USDC (filters as the engine's default markets). */
export function orderlyMarkets(): MarketSpec[] {
  return defaultMarkets().map((m) => ({ ...m, symbol: orderlySymbol(m.baseAsset), quoteAsset: 'USDC' }));
}
