/**
 * Binance USDⓈ-M leverage brackets (maintenance-margin tiers).
 *
 * Maintenance margin of a position = notional × maintMarginRatio − cum, where the bracket is the
 * one with notionalFloor ≤ notional < notionalCap (notional at the mark price).
 *
 * Source of the real tables: the Binance `GET /fapi/v1/leverageBracket` snapshot that freqtrade
 * ships as `freqtrade/exchange/binance_leverage_tiers.json`, read from the public fork
 * `yongc2025/freqtrade` at commit 46e319a1ac5741b9b0043f0307d743e7cebcbf58 (the snapshot already
 * lists the BTC/ETH 2026-03 quarterlies and symbols listed in autumn 2025, so it was taken in late
 * 2025). Every `cum` was checked against cum(n) = cum(n−1) + floor(n) × (mmr(n) − mmr(n−1)).
 * Binance changes these tables from time to time; they are a faithful snapshot, not live data.
 */

/** One bracket, in Binance's own field names (`GET /fapi/v1/leverageBracket`). */
export interface Bracket {
  bracket: number;
  initialLeverage: number;
  /** Inclusive lower bound of the notional, USDT. */
  notionalFloor: number;
  /** Exclusive upper bound of the notional, USDT. */
  notionalCap: number;
  /** Fraction: 0.004 = 0.4 %. */
  maintMarginRatio: number;
  /** Maintenance amount ("cum"), USDT. */
  cum: number;
}

/** [notionalFloor, notionalCap, initialLeverage, maintMarginRatio, cum] */
type Row = readonly [number, number, number, number, number];

const table = (rows: readonly Row[]): Bracket[] =>
  rows.map(([notionalFloor, notionalCap, initialLeverage, maintMarginRatio, cum], i) => ({
    bracket: i + 1,
    initialLeverage,
    notionalFloor,
    notionalCap,
    maintMarginRatio,
    cum,
  }));

// WIF and WLD share one table in the snapshot.
const WIF_WLD: Row[] = [
  [0, 20_000, 75, 0.01, 0],
  [20_000, 200_000, 50, 0.015, 100],
  [200_000, 1_000_000, 25, 0.02, 1_100],
  [1_000_000, 2_000_000, 20, 0.025, 6_100],
  [2_000_000, 5_000_000, 10, 0.05, 56_100],
  [5_000_000, 7_500_000, 5, 0.1, 306_100],
  [7_500_000, 10_000_000, 4, 0.125, 493_600],
  [10_000_000, 12_500_000, 2, 0.25, 1_743_600],
  [12_500_000, 15_000_000, 1, 0.5, 4_868_600],
];

/** Real Binance tables, keyed by Binance symbol id. */
export const BINANCE_BRACKETS: Readonly<Record<string, Bracket[]>> = {
  BTCUSDT: table([
    [0, 300_000, 150, 0.004, 0],
    [300_000, 800_000, 100, 0.005, 300],
    [800_000, 3_000_000, 75, 0.0065, 1_500],
    [3_000_000, 12_000_000, 50, 0.01, 12_000],
    [12_000_000, 70_000_000, 25, 0.02, 132_000],
    [70_000_000, 100_000_000, 20, 0.025, 482_000],
    [100_000_000, 230_000_000, 10, 0.05, 2_982_000],
    [230_000_000, 480_000_000, 5, 0.1, 14_482_000],
    [480_000_000, 600_000_000, 4, 0.125, 26_482_000],
    [600_000_000, 800_000_000, 3, 0.15, 41_482_000],
    [800_000_000, 1_200_000_000, 2, 0.25, 121_482_000],
    [1_200_000_000, 1_800_000_000, 1, 0.5, 421_482_000],
  ]),
  ETHUSDT: table([
    [0, 300_000, 150, 0.004, 0],
    [300_000, 800_000, 100, 0.005, 300],
    [800_000, 3_000_000, 75, 0.0065, 1_500],
    [3_000_000, 12_000_000, 50, 0.01, 12_000],
    [12_000_000, 50_000_000, 25, 0.02, 132_000],
    [50_000_000, 65_000_000, 20, 0.025, 382_000],
    [65_000_000, 150_000_000, 10, 0.05, 2_007_000],
    [150_000_000, 320_000_000, 5, 0.1, 9_507_000],
    [320_000_000, 400_000_000, 4, 0.125, 17_507_000],
    [400_000_000, 530_000_000, 3, 0.15, 27_507_000],
    [530_000_000, 800_000_000, 2, 0.25, 80_507_000],
    [800_000_000, 1_200_000_000, 1, 0.5, 280_507_000],
  ]),
  SOLUSDT: table([
    [0, 50_000, 100, 0.005, 0],
    [50_000, 400_000, 75, 0.0065, 75],
    [400_000, 1_000_000, 50, 0.01, 1_475],
    [1_000_000, 4_000_000, 25, 0.02, 11_475],
    [4_000_000, 8_000_000, 20, 0.025, 31_475],
    [8_000_000, 40_000_000, 10, 0.05, 231_475],
    [40_000_000, 80_000_000, 5, 0.1, 2_231_475],
    [80_000_000, 100_000_000, 4, 0.125, 4_231_475],
    [100_000_000, 200_000_000, 2, 0.25, 16_731_475],
    [200_000_000, 400_000_000, 1, 0.5, 66_731_475],
  ]),
  AAVEUSDT: table([
    [0, 50_000, 75, 0.01, 0],
    [50_000, 150_000, 50, 0.015, 250],
    [150_000, 500_000, 25, 0.02, 1_000],
    [500_000, 600_000, 20, 0.025, 3_500],
    [600_000, 3_000_000, 10, 0.05, 18_500],
    [3_000_000, 6_000_000, 5, 0.1, 168_500],
    [6_000_000, 7_500_000, 4, 0.125, 318_500],
    [7_500_000, 15_000_000, 2, 0.25, 1_256_000],
    [15_000_000, 30_000_000, 1, 0.5, 5_006_000],
  ]),
  ATOMUSDT: table([
    [0, 10_000, 75, 0.006, 0],
    [10_000, 50_000, 50, 0.01, 40],
    [50_000, 80_000, 40, 0.015, 290],
    [80_000, 200_000, 25, 0.02, 690],
    [200_000, 600_000, 20, 0.025, 1_690],
    [600_000, 2_000_000, 10, 0.05, 16_690],
    [2_000_000, 4_000_000, 5, 0.1, 116_690],
    [4_000_000, 5_000_000, 4, 0.125, 216_690],
    [5_000_000, 12_000_000, 2, 0.25, 841_690],
    [12_000_000, 20_000_000, 1, 0.5, 3_841_690],
  ]),
  AVAXUSDT: table([
    [0, 25_000, 75, 0.005, 0],
    [25_000, 80_000, 50, 0.01, 125],
    [80_000, 160_000, 40, 0.015, 525],
    [160_000, 800_000, 25, 0.02, 1_325],
    [800_000, 1_600_000, 20, 0.025, 5_325],
    [1_600_000, 8_000_000, 10, 0.05, 45_325],
    [8_000_000, 16_000_000, 5, 0.1, 445_325],
    [16_000_000, 20_000_000, 4, 0.125, 845_325],
    [20_000_000, 40_000_000, 2, 0.25, 3_345_325],
    [40_000_000, 80_000_000, 1, 0.5, 13_345_325],
  ]),
  BCHUSDT: table([
    [0, 10_000, 75, 0.005, 0],
    [10_000, 100_000, 50, 0.01, 50],
    [100_000, 160_000, 40, 0.015, 550],
    [160_000, 800_000, 25, 0.02, 1_350],
    [800_000, 1_600_000, 20, 0.025, 5_350],
    [1_600_000, 8_000_000, 10, 0.05, 45_350],
    [8_000_000, 16_000_000, 5, 0.1, 445_350],
    [16_000_000, 20_000_000, 4, 0.125, 845_350],
    [20_000_000, 40_000_000, 2, 0.25, 3_345_350],
    [40_000_000, 80_000_000, 1, 0.5, 13_345_350],
  ]),
  DOTUSDT: table([
    [0, 10_000, 75, 0.0065, 0],
    [10_000, 50_000, 50, 0.01, 35],
    [50_000, 100_000, 40, 0.015, 285],
    [100_000, 500_000, 25, 0.02, 785],
    [500_000, 800_000, 20, 0.025, 3_285],
    [800_000, 4_000_000, 10, 0.05, 23_285],
    [4_000_000, 8_000_000, 5, 0.1, 223_285],
    [8_000_000, 10_000_000, 4, 0.125, 423_285],
    [10_000_000, 30_000_000, 2, 0.25, 1_673_285],
    // The snapshot page was cut before this cum; it follows from the cum rule.
    [30_000_000, 50_000_000, 1, 0.5, 9_173_285],
  ]),
  ETCUSDT: table([
    [0, 10_000, 75, 0.005, 0],
    [10_000, 50_000, 50, 0.01, 50],
    [50_000, 80_000, 40, 0.015, 300],
    [80_000, 400_000, 25, 0.02, 700],
    [400_000, 800_000, 20, 0.025, 2_700],
    [800_000, 3_000_000, 10, 0.05, 22_700],
    [3_000_000, 5_000_000, 5, 0.1, 172_700],
    [5_000_000, 7_000_000, 4, 0.125, 297_700],
    [7_000_000, 8_000_000, 2, 0.25, 1_172_700],
    [8_000_000, 9_000_000, 1, 0.5, 3_172_700],
  ]),
  FILUSDT: table([
    [0, 50_000, 75, 0.006, 0],
    [50_000, 250_000, 50, 0.01, 200],
    [250_000, 350_000, 40, 0.015, 1_450],
    [350_000, 600_000, 25, 0.02, 3_200],
    [600_000, 1_000_000, 20, 0.025, 6_200],
    [1_000_000, 5_000_000, 10, 0.05, 31_200],
    [5_000_000, 10_000_000, 5, 0.1, 281_200],
    [10_000_000, 12_500_000, 4, 0.125, 531_200],
    [12_500_000, 25_000_000, 2, 0.25, 2_093_700],
    [25_000_000, 50_000_000, 1, 0.5, 8_343_700],
  ]),
  TRXUSDT: table([
    [0, 10_000, 75, 0.0065, 0],
    [10_000, 90_000, 50, 0.01, 35],
    [90_000, 120_000, 40, 0.015, 485],
    [120_000, 650_000, 25, 0.02, 1_085],
    [650_000, 800_000, 20, 0.025, 4_335],
    [800_000, 3_000_000, 10, 0.05, 24_335],
    [3_000_000, 6_000_000, 5, 0.1, 174_335],
    [6_000_000, 12_000_000, 4, 0.125, 324_335],
    [12_000_000, 20_000_000, 2, 0.25, 1_824_335],
    [20_000_000, 30_000_000, 1, 0.5, 6_824_335],
  ]),
  UNIUSDT: table([
    [0, 10_000, 75, 0.006, 0],
    [10_000, 50_000, 50, 0.01, 40],
    [50_000, 100_000, 40, 0.015, 290],
    [100_000, 500_000, 25, 0.02, 790],
    [500_000, 1_000_000, 20, 0.025, 3_290],
    [1_000_000, 5_000_000, 10, 0.05, 28_290],
    [5_000_000, 10_000_000, 5, 0.1, 278_290],
    [10_000_000, 12_500_000, 4, 0.125, 528_290],
    [12_500_000, 25_000_000, 2, 0.25, 2_090_790],
    [25_000_000, 50_000_000, 1, 0.5, 8_340_790],
  ]),
  WIFUSDT: table(WIF_WLD),
  WLDUSDT: table(WIF_WLD),
  XLMUSDT: table([
    [0, 10_000, 75, 0.01, 0],
    [10_000, 100_000, 50, 0.015, 50],
    [100_000, 500_000, 25, 0.02, 550],
    [500_000, 1_000_000, 20, 0.025, 3_050],
    [1_000_000, 5_000_000, 10, 0.05, 28_050],
    [5_000_000, 10_000_000, 5, 0.1, 278_050],
    [10_000_000, 12_500_000, 4, 0.125, 528_050],
    [12_500_000, 25_000_000, 2, 0.25, 2_090_550],
    [25_000_000, 50_000_000, 1, 0.5, 8_340_550],
  ]),
};

/**
 * CONSERVATIVE GENERIC ALT TABLE — not any one symbol's real table. It is the template Binance
 * applies to many small caps in the same snapshot (e.g. ACE, AERGO, AVA, FOLKS, FORTH, XAN,
 * XPIN use it verbatim): 50x at most, 1.5 % maintenance from the first USDT. Used for any symbol
 * without a real table above.
 */
export const GENERIC_ALT_BRACKETS: Bracket[] = table([
  [0, 5_000, 50, 0.015, 0],
  [5_000, 10_000, 20, 0.025, 50],
  [10_000, 20_000, 10, 0.05, 300],
  [20_000, 50_000, 5, 0.1, 1_300],
  [50_000, 250_000, 4, 0.125, 2_550],
  [250_000, 500_000, 3, 0.1667, 12_975],
  [500_000, 7_500_000, 2, 0.25, 54_625],
  [7_500_000, 12_500_000, 1, 0.5, 1_929_625],
]);

/** Human-readable provenance, echoed by the control API so users know what they rehearse with. */
export const BRACKET_SOURCE =
  'Binance GET /fapi/v1/leverageBracket snapshot (late 2025) via freqtrade binance_leverage_tiers.json, ' +
  'fork yongc2025/freqtrade@46e319a1; symbols without a table use GENERIC_ALT_BRACKETS';

/** Builds a bracket table from `[floor, cap, initialLeverage, maintMarginRatio, cum]` rows. */
export function bracketTable(rows: readonly (readonly [number, number, number, number, number])[]): Bracket[] {
  return table(rows);
}

/**
 * The bracket that applies to a notional (USDT): notionalFloor ≤ notional < notionalCap.
 * Notionals beyond the last cap stay in the last bracket.
 */
export function bracketFor(brackets: readonly Bracket[], notional: number): Bracket {
  const n = Math.abs(notional);
  for (const b of brackets) {
    if (n < b.notionalCap) return b;
  }
  return brackets[brackets.length - 1]!;
}

/**
 * Maintenance margin in USDT for one position.
 * @example maintenanceMargin(BINANCE_BRACKETS.BTCUSDT!, 1_000_000) // 1e6 × 0.0065 − 1500 = 5000
 */
export function maintenanceMargin(brackets: readonly Bracket[], notional: number): { mm: number; rate: number; cum: number } {
  const b = bracketFor(brackets, notional);
  const mm = Math.abs(notional) * b.maintMarginRatio - b.cum;
  return { mm: mm > 0 ? mm : 0, rate: b.maintMarginRatio, cum: b.cum };
}

/** Highest leverage the symbol allows (first bracket). */
export function maxLeverage(brackets: readonly Bracket[]): number {
  return brackets[0]!.initialLeverage;
}

/** Largest position notional allowed at a leverage: the cap of the last bracket still allowing it. */
export function maxNotionalAtLeverage(brackets: readonly Bracket[], leverage: number): number {
  let cap = 0;
  for (const b of brackets) {
    if (b.initialLeverage >= leverage) cap = b.notionalCap;
  }
  return cap;
}
