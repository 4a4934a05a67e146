/**
 * Liquidation prices Hyperliquid reported for real isolated positions, shared by the domain's
 * documented-case table (test/domain/margin-documented.test.ts) and `riskguard eval` on
 * Hyperliquid-shaped snapshots (test/cli/eval-hyperliquid.test.ts).
 *
 * Hyperliquid: maintenance margin is half the initial margin at max leverage, i.e. rate
 * 1 / (2 × maxLeverage) (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations).
 * The liquidation prices below were reported by Hyperliquid for real positions (via ccxt) and are
 * kept in freqtrade's tests/exchange/test_hyperliquid.py::test_hyperliquid_dry_run_liquidation_price
 * (https://github.com/freqtrade/freqtrade/blob/develop/tests/exchange/test_hyperliquid.py), with
 * max leverage BTC/ETH 50, SOL/DOGE 20. As there, collateral is the position's margin and the mark
 * is taken at entry; the tolerance (relative 1e-4) is freqtrade's.
 */
export const HYPERLIQUID_MAX_LEVERAGE: Record<string, number> = { BTC: 50, ETH: 50, SOL: 20, DOGE: 20 };

export const HYPERLIQUID_REPORTED_CASES = [
  { coin: 'ETH', entry: 2458.5, side: 'long', contracts: 0.015, collateral: 36.864593, leverage: 1, liq: 0.86915825 },
  { coin: 'BTC', entry: 63287.0, side: 'long', contracts: 0.00039, collateral: 24.673292, leverage: 1, liq: 22.37166537 },
  { coin: 'SOL', entry: 146.82, side: 'long', contracts: 0.16, collateral: 23.482979, leverage: 1, liq: 0.05269872 },
  { coin: 'SOL', entry: 145.83, side: 'long', contracts: 0.33, collateral: 24.045107, leverage: 2, liq: 74.83696193 },
  { coin: 'ETH', entry: 2459.5, side: 'long', contracts: 0.0199, collateral: 24.454895, leverage: 2, liq: 1243.0411908 },
  { coin: 'BTC', entry: 62739.0, side: 'long', contracts: 0.00077, collateral: 24.137992, leverage: 2, liq: 31708.03843631 },
  { coin: 'DOGE', entry: 0.11586, side: 'long', contracts: 437.0, collateral: 25.29769, leverage: 2, liq: 0.05945697 },
  { coin: 'ETH', entry: 2642.8, side: 'short', contracts: 0.019, collateral: 25.091876, leverage: 2, liq: 3924.18322043 },
  { coin: 'SOL', entry: 155.89, side: 'short', contracts: 0.32, collateral: 24.924941, leverage: 2, liq: 228.07847866 },
  { coin: 'DOGE', entry: 0.14333, side: 'short', contracts: 351.0, collateral: 25.136807, leverage: 2, liq: 0.20970228 },
  { coin: 'BTC', entry: 68595.0, side: 'short', contracts: 0.00069, collateral: 23.64871, leverage: 2, liq: 101849.99354283 },
  { coin: 'BTC', entry: 65536.0, side: 'short', contracts: 0.00099, collateral: 21.604172, leverage: 3, liq: 86493.46174617 },
  { coin: 'SOL', entry: 173.06, side: 'long', contracts: 0.6, collateral: 20.735658, leverage: 5, liq: 142.05186667 },
  { coin: 'ETH', entry: 2545.5, side: 'long', contracts: 0.0329, collateral: 20.909894, leverage: 4, liq: 1929.23322895 },
  { coin: 'BTC', entry: 67400.0, side: 'short', contracts: 0.00031, collateral: 20.887308, leverage: 1, liq: 133443.97317151 },
  { coin: 'ETH', entry: 2552.0, side: 'short', contracts: 0.0327, collateral: 20.833393, leverage: 4, liq: 3157.53150453 },
  { coin: 'BTC', entry: 66930.0, side: 'long', contracts: 0.0015, collateral: 20.043862, leverage: 5, liq: 54108.51043771 },
  { coin: 'BTC', entry: 67033.0, side: 'long', contracts: 0.00121, collateral: 20.251817, leverage: 4, liq: 50804.00091827 },
  { coin: 'ETH', entry: 2521.9, side: 'long', contracts: 0.0237, collateral: 19.902091, leverage: 3, liq: 1699.14071943 },
  { coin: 'BTC', entry: 68139.0, side: 'short', contracts: 0.00145, collateral: 19.72573, leverage: 5, liq: 80933.61590987 },
  { coin: 'SOL', entry: 178.29, side: 'short', contracts: 0.11, collateral: 19.605036, leverage: 1, liq: 347.82205322 },
  { coin: 'SOL', entry: 176.23, side: 'long', contracts: 0.33, collateral: 19.364946, leverage: 3, liq: 120.56240404 },
  { coin: 'SOL', entry: 173.08, side: 'short', contracts: 0.33, collateral: 19.01881, leverage: 3, liq: 225.08561715 },
  { coin: 'BTC', entry: 68240.0, side: 'short', contracts: 0.00105, collateral: 17.887922, leverage: 4, liq: 84431.79820839 },
  { coin: 'ETH', entry: 2518.4, side: 'short', contracts: 0.007, collateral: 17.62263, leverage: 1, liq: 4986.05799151 },
  { coin: 'ETH', entry: 2533.2, side: 'long', contracts: 0.0347, collateral: 17.555195, leverage: 5, liq: 2047.7642302 },
  { coin: 'DOGE', entry: 0.13284, side: 'long', contracts: 360.0, collateral: 15.943218, leverage: 3, liq: 0.09082388 },
  { coin: 'SOL', entry: 163.11, side: 'short', contracts: 0.48, collateral: 15.650731, leverage: 5, liq: 190.94213618 },
  { coin: 'BTC', entry: 67141.0, side: 'long', contracts: 0.00067, collateral: 14.979079, leverage: 3, liq: 45236.52992613 },
] as const;
