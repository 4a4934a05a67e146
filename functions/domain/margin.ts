import type { AccountSnapshot, MaintenanceCurve, MaintenanceTier, Position } from './snapshot.ts';
import type { AccountRisk, Evaluation, PoolRisk, PositionRisk, StressConfig } from './risk-types.ts';
import { scratchF64, scratchI32 } from './scratch.ts';
import { runStress, type StressBook } from './stress.ts';

export { baseAsset, DEFAULT_STRESS } from './stress.ts';

/**
 * The margin engine: pools, maintenance margin, liquidation prices and stress, from one snapshot.
 * Pure: no I/O, no clock. Money in quote currency, ratios as fractions.
 *
 * Model (linear contracts): a pool's equity is its wallet plus the mark-based unrealized PnL of its
 * positions; it is liquidated when equity ≤ maintenance margin. The cross pool holds the cross
 * wallet, haircut collateral and every cross position; each isolated position is its own pool.
 */

/** Maintenance schedule of one position, resolved once. */
interface Schedule {
  floors: number[];
  rates: number[];
  amounts: number[];
  /** MM fixed at the entry notional (basis "entry"); null when MM follows the price. */
  fixed: number | null;
  /** A size-dependent rate (maintenanceCurve) instead of the tiers; null for tiers. */
  curve: MaintenanceCurve | null;
}

type MaintenanceSpec = Pick<
  Position,
  'contracts' | 'entryPrice' | 'maintenanceMarginRate' | 'maintenanceAmount' | 'maintenanceTiers' | 'maintenanceCurve' | 'maintenanceMarginBasis'
>;

/** Index of the tier with the highest floor ≤ notional (the first tier below every floor). */
function tierAt(floors: readonly number[], notional: number): number {
  let t = 0;
  for (let u = 1; u < floors.length; u++) if (floors[u]! <= notional) t = u;
  return t;
}

/** The rate of a maintenance curve at a notional: max(floorRate, coefficient × notional^exponent). */
export function curveRate(c: MaintenanceCurve, notional: number): number {
  return Math.max(c.floorRate, c.coefficient * Math.abs(notional) ** c.exponent);
}

function variableMM(s: Schedule, notional: number): number {
  if (s.curve !== null) return Math.max(0, notional) * curveRate(s.curve, notional);
  const t = tierAt(s.floors, notional);
  return Math.max(0, notional * s.rates[t]! - s.amounts[t]!);
}

/**
 * Schedules of tier lists already seen: a snapshot's tiers are immutable data, shared by every
 * copy the pre-trade solver makes of it, so the three arrays are built once per list, not once
 * per evaluation (the solver evaluates a 50-position book a few times per answer).
 */
const tierSchedules = new WeakMap<readonly MaintenanceTier[] | MaintenanceCurve, Schedule>();

function scheduleOf(p: MaintenanceSpec): Schedule {
  const key = p.maintenanceCurve ?? p.maintenanceTiers;
  if (key !== undefined && p.maintenanceMarginBasis !== 'entry') {
    let cached = tierSchedules.get(key);
    if (cached === undefined) {
      cached = freshSchedule(p);
      tierSchedules.set(key, cached);
    }
    return cached;
  }
  return freshSchedule(p);
}

function freshSchedule(p: MaintenanceSpec): Schedule {
  let s: Schedule;
  if (p.maintenanceCurve !== undefined) {
    // One tier at the floor rate keeps the tier readers (stress book, breakpoints) well defined.
    s = { floors: [0], rates: [p.maintenanceCurve.floorRate], amounts: [0], fixed: null, curve: p.maintenanceCurve };
  } else if (p.maintenanceTiers !== undefined) {
    s = {
      floors: p.maintenanceTiers.map((t) => t.notionalFloor),
      rates: p.maintenanceTiers.map((t) => t.rate),
      amounts: p.maintenanceTiers.map((t) => t.amount),
      fixed: null,
      curve: null,
    };
  } else if (p.maintenanceMarginRate !== undefined) {
    s = { floors: [0], rates: [p.maintenanceMarginRate], amounts: [p.maintenanceAmount ?? 0], fixed: null, curve: null };
  } else {
    // The snapshot schema requires one of them; a silent 0 would understate the risk.
    throw new RangeError('position has neither maintenanceMarginRate nor maintenanceTiers');
  }
  if (p.maintenanceMarginBasis === 'entry') s.fixed = variableMM(s, p.contracts * p.entryPrice);
  return s;
}

const mmAt = (s: Schedule, notional: number): number => s.fixed ?? variableMM(s, notional);

/**
 * Maintenance margin of a position at a notional (quote currency): notional × rate − amount, with
 * the tier of highest `notionalFloor` ≤ notional, never below 0; with a maintenanceCurve,
 * notional × curveRate(notional). With basis "entry" (Bybit classic) it is computed on
 * contracts × entryPrice and ignores `notional`.
 * @example maintenanceFor({ contracts: 1, entryPrice: 20_000, maintenanceMarginRate: 0.005 }, 20_000) === 100
 */
export function maintenanceFor(position: MaintenanceSpec, notional: number): number {
  return mmAt(scheduleOf(position), notional);
}

/** One position of a liquidation group: everything needed to price it at any mark. */
interface Leg {
  q: number;
  sq: number;
  entry: number;
  schedule: Schedule;
}

/** Equity − MM contributed by the legs when their symbol is at `price`. */
function legsValue(legs: readonly Leg[], price: number): number {
  let v = 0;
  for (const l of legs) v += l.sq * (price - l.entry) - mmAt(l.schedule, l.q * price);
  return v;
}

/** equity − MM = a + b × price on the piece of the price axis containing `price`: [a, b] into `out` (no garbage per piece). */
function lineAt(c: number, legs: readonly Leg[], price: number, out: Float64Array): void {
  let a = c;
  let b = 0;
  for (const l of legs) {
    a -= l.sq * l.entry;
    b += l.sq;
    const s = l.schedule;
    if (s.fixed !== null) {
      a -= s.fixed;
      continue;
    }
    const n = l.q * price;
    const t = tierAt(s.floors, n);
    if (n * s.rates[t]! - s.amounts[t]! > 0) {
      a += s.amounts[t]!;
      b -= l.q * s.rates[t]!;
    }
  }
  out[0] = a;
  out[1] = b;
}

/**
 * 0, `ref`, and the prices where some leg changes tier or its MM leaves 0 (equity − MM is linear
 * between them), sorted, distinct, then +∞. A typed array: sorted numerically without a comparator.
 */
function breakpoints(legs: readonly Leg[], ref: number): Float64Array {
  let count = 3;
  for (const l of legs) if (l.schedule.fixed === null) count += 2 * l.schedule.floors.length;
  const out = scratchF64(7, count);
  let n = 0;
  out[n++] = 0;
  out[n++] = ref;
  const add = (x: number): void => {
    if (Number.isFinite(x) && x > 0) out[n++] = x;
  };
  for (const l of legs) {
    const s = l.schedule;
    if (s.fixed !== null) continue;
    for (let t = 0; t < s.floors.length; t++) {
      if (t > 0) add(s.floors[t]! / l.q);
      if (s.amounts[t]! > 0 && s.rates[t]! > 0) add(s.amounts[t]! / (s.rates[t]! * l.q));
    }
  }
  const pts = out.subarray(0, n).sort();
  let m = 0;
  for (let i = 0; i < n; i++) if (i === 0 || pts[i]! !== pts[m - 1]!) pts[m++] = pts[i]!;
  out[m] = Number.POSITIVE_INFINITY;
  return out.subarray(0, m + 1);
}

/** Legs whose long and short sizes cancel: no single price liquidates them. */
function netsToZero(legs: readonly Leg[]): boolean {
  let net = 0;
  let gross = 0;
  for (const l of legs) {
    net += l.sq;
    gross += l.q;
  }
  return Math.abs(net) <= 1e-12 * gross;
}

/**
 * The price of one symbol at which a pool's equity equals its maintenance margin, all the pool's
 * legs of that symbol moving together and everything else fixed (`c` = wallet + the rest's
 * uPnL − MM). Solves the piecewise-linear equation piece by piece, walking out from `ref` in both
 * directions to the first price where the pool's state flips (safe → liquidatable, or back when
 * it is already liquidatable), and returns the nearer one; null when there is none above 0.
 */
function liquidationPriceOf(c: number, legs: readonly Leg[], ref: number): number | null {
  if (legs.some((l) => l.schedule.curve !== null && l.schedule.fixed === null)) return curveLiquidationPrice(c, legs, ref);
  if (netsToZero(legs)) return null;

  const f0 = c + legsValue(legs, ref);
  if (f0 === 0) return ref;
  const sigma = f0 > 0 ? 1 : -1;
  // g = sigma × (equity − MM) is > 0 at ref; look for the nearest price where g ≤ 0.
  const pts = breakpoints(legs, ref);
  const r = pts.indexOf(ref);
  const line = scratchF64(12, 2);

  let down: number | null = null;
  for (let k = r - 1; k >= 0 && down === null; k--) {
    const lo = pts[k]!;
    const hi = pts[k + 1]!;
    lineAt(c, legs, (lo + hi) / 2, line);
    const a = line[0]!;
    const b = line[1]!;
    if (sigma * (a + b * hi) <= 0) down = hi;
    else if (sigma * (a + b * lo) <= 0) {
      const x = Math.min(hi, Math.max(lo, -a / b));
      if (x <= 0) break;
      down = x;
    }
  }

  let up: number | null = null;
  for (let k = r; k < pts.length - 1 && up === null; k++) {
    const lo = pts[k]!;
    const hi = pts[k + 1]!;
    lineAt(c, legs, hi === Number.POSITIVE_INFINITY ? lo * 2 + 1 : (lo + hi) / 2, line);
    const a = line[0]!;
    const b = line[1]!;
    // A tier table whose amounts do not join up makes equity − MM jump at a floor.
    if (k > r && sigma * (a + b * lo) <= 0) up = lo;
    else if (hi === Number.POSITIVE_INFINITY) {
      if (sigma * b < 0) up = Math.max(lo, -a / b);
    } else if (sigma * (a + b * hi) <= 0) up = Math.min(hi, Math.max(lo, -a / b));
  }

  if (down === null) return up;
  if (up === null) return down;
  return ref - down <= up - ref ? down : up;
}

/** Scan ratio of the numeric solver: equity − MM is sampled at ref × 1.05^±k until its sign flips. */
const SCAN_STEP = 1.05;
/** The scan stops this far from ref (a factor): no liquidation within 10⁹× of the mark is "none". */
const SCAN_RANGE = 1e9;

/**
 * {@link liquidationPriceOf} for legs whose MM is not piecewise-linear in the price (a
 * maintenanceCurve: MM = n × max(floor, k × n^e) is convex in the price). Samples equity − MM
 * outwards from `ref` on a geometric grid to the first sign flip on each side, then bisects it to
 * 1e-13 relative; returns the flip nearer to `ref`, null when there is none.
 */
function curveLiquidationPrice(c: number, legs: readonly Leg[], ref: number): number | null {
  if (netsToZero(legs)) return null;
  const f0 = c + legsValue(legs, ref);
  if (f0 === 0) return ref;
  const sigma = f0 > 0 ? 1 : -1;
  const flipped = (x: number): boolean => sigma * (c + legsValue(legs, x)) <= 0;
  /** The flip between `safe` (not flipped) and `past` (flipped). */
  const bisect = (safe: number, past: number): number => {
    for (let k = 0; k < 200 && Math.abs(past - safe) > 1e-13 * Math.max(safe, past); k++) {
      const mid = (safe + past) / 2;
      if (flipped(mid)) past = mid;
      else safe = mid;
    }
    return (safe + past) / 2;
  };
  let down: number | null = null;
  for (let hi = ref; hi > ref / SCAN_RANGE; hi /= SCAN_STEP) {
    const lo = hi / SCAN_STEP;
    if (flipped(lo)) {
      down = bisect(hi, lo);
      break;
    }
  }
  // No need to look above the mirror of the downward flip: it could not be nearer.
  const upLimit = down === null ? ref * SCAN_RANGE : 2 * ref - down;
  let up: number | null = null;
  for (let lo = ref; lo < upLimit; lo *= SCAN_STEP) {
    const hi = Math.min(lo * SCAN_STEP, upLimit);
    if (flipped(hi)) {
      up = bisect(lo, hi);
      break;
    }
  }
  if (down === null) return up;
  if (up === null) return down;
  return ref - down <= up - ref ? down : up;
}

/** A pool before its totals are known (its report's own key order, filled in place: no second object per pool). */
const openPool = (kind: PoolRisk['kind'], walletBalance: number): PoolRisk => ({
  kind,
  positions: [],
  walletBalance,
  unrealizedPnl: 0,
  equity: 0,
  maintenanceMargin: 0,
  initialMargin: 0,
  marginRatio: null,
  liquidatable: false,
});

const ratio = (num: number, equity: number): number | null => (equity > 0 ? num / equity : null);

function isolatedWalletOf(p: Position, index: number): number {
  if (p.isolatedWallet === undefined) throw new RangeError(`isolated position ${index} has no isolatedWallet`);
  return p.isolatedWallet;
}

/** Options of {@link evaluateAccount}. */
export interface EvaluateOptions {
  /**
   * Compute liquidation prices only for positions of these symbols (the others read null). The
   * pre-trade solver needs one symbol's, hundreds of times. @default every symbol
   */
  liquidationSymbols?: ReadonlySet<string>;
}

/**
 * Evaluates an account: per position, per pool (cross first, then one per isolated position in
 * input order), account totals and the stress grid. `positions[i].index === i`.
 * Expects a parsed snapshot; throws RangeError for what the schema rejects (a position without a
 * maintenance rate or tiers, an isolated position without `isolatedWallet`).
 */
export function evaluateAccount(snapshot: AccountSnapshot, stress: StressConfig, opts: EvaluateOptions = {}): Evaluation {
  return evaluate(snapshot, stress, opts.liquidationSymbols, false) as Evaluation;
}

/** An evaluation whose `positions` holds only some positions (the others are absent). */
export type PartialEvaluation = Omit<Evaluation, 'positions'> & { positions: ReadonlyArray<PositionRisk | undefined> };

/**
 * {@link evaluateAccount} with the per-position report kept only for the positions of `symbols`
 * and the isolated ones; every total, pool and stress figure is the full evaluation's, to the bit.
 * The pre-trade solver evaluates a book several times per answer and reads no other position.
 */
export function evaluateFor(snapshot: AccountSnapshot, stress: StressConfig, symbols: ReadonlySet<string>): PartialEvaluation {
  return evaluate(snapshot, stress, symbols, true);
}

function evaluate(snapshot: AccountSnapshot, stress: StressConfig, wanted: ReadonlySet<string> | undefined, partial: boolean): PartialEvaluation {
  const list = snapshot.positions;
  const n = list.length;
  const collateral = (snapshot.collateral ?? []).map((c) => ({
    asset: c.asset,
    value: c.amount * c.price * (1 - c.haircut),
  }));
  const pools: PoolRisk[] = [openPool('cross', snapshot.crossWalletBalance + collateral.reduce((s, c) => s + c.value, 0))];
  const schedules: Schedule[] = new Array(n);
  const positions: (PositionRisk | undefined)[] = new Array(n);
  // Per position, for the groups below whatever `partial` left out.
  const pnls = scratchF64(10, n);
  const mms = scratchF64(11, n);
  let net = 0;
  let gross = 0;

  for (let index = 0; index < n; index++) {
    const p = list[index]!;
    const schedule = scheduleOf(p);
    schedules[index] = schedule;
    const sign = p.side === 'long' ? 1 : -1;
    const notional = p.contracts * p.markPrice;
    const unrealizedPnl = sign * p.contracts * (p.markPrice - p.entryPrice);
    const maintenanceMargin = mmAt(schedule, notional);
    pnls[index] = unrealizedPnl;
    mms[index] = maintenanceMargin;
    net += p.side === 'long' ? notional : -notional;
    gross += notional;
    let pool = 0;
    if (p.marginMode === 'isolated') {
      pool = pools.length;
      pools.push(openPool('isolated', isolatedWalletOf(p, index)));
    }
    const initialMargin =
      p.leverage !== undefined ? notional / p.leverage : p.marginMode === 'isolated' ? isolatedWalletOf(p, index) : null;
    const d = pools[pool]!;
    d.positions.push(index);
    d.unrealizedPnl += unrealizedPnl;
    d.maintenanceMargin += maintenanceMargin;
    d.initialMargin = d.initialMargin === null || initialMargin === null ? null : d.initialMargin + initialMargin;
    if (partial && pool === 0 && !wanted!.has(p.symbol)) continue;
    positions[index] = {
      index,
      symbol: p.symbol,
      side: p.side,
      marginMode: p.marginMode,
      contracts: p.contracts,
      entryPrice: p.entryPrice,
      markPrice: p.markPrice,
      notional,
      unrealizedPnl,
      maintenanceMargin,
      initialMargin,
      liquidationPrice: null,
      liquidationDistance: null,
      pool,
    };
  }

  for (const d of pools) {
    const equity = d.walletBalance + d.unrealizedPnl;
    d.equity = equity;
    d.marginRatio = ratio(d.maintenanceMargin, equity);
    d.liquidatable = equity <= 0 || (d.positions.length > 0 && equity <= d.maintenanceMargin);
  }

  for (const pool of pools) {
    // Grouped only for the symbols asked for: the solver asks for one, hundreds of times.
    let bySymbol: Map<string, number[]> | null = null;
    for (const i of pool.positions) {
      const symbol = list[i]!.symbol;
      if (wanted && !wanted.has(symbol)) continue;
      bySymbol ??= new Map();
      const group = bySymbol.get(symbol);
      if (group === undefined) bySymbol.set(symbol, [i]);
      else group.push(i);
    }
    if (bySymbol === null) continue;
    for (const group of bySymbol.values()) {
      const legs: Leg[] = group.map((i) => {
        const p = list[i]!;
        return { q: p.contracts, sq: p.side === 'long' ? p.contracts : -p.contracts, entry: p.entryPrice, schedule: schedules[i]! };
      });
      let c = pool.equity - pool.maintenanceMargin;
      for (const i of group) c -= pnls[i]! - mms[i]!;
      const liq = liquidationPriceOf(c, legs, list[group[0]!]!.markPrice);
      for (const i of group) {
        const pr = positions[i]!;
        pr.liquidationPrice = liq;
        // Signed by the pool's state rather than the side, so a position hedged by a larger
        // opposite one in its pool still reads "positive while safe".
        const d = liq === null ? null : Math.abs(pr.markPrice - liq) / pr.markPrice;
        pr.liquidationDistance = d === null ? null : pool.liquidatable ? 0 - d : d;
      }
    }
  }

  const account = accountRisk(pools, net, gross, stressBook(snapshot, pools, schedules, collateral), stress);
  return snapshot.currency === undefined ? { account, pools, positions } : { account, pools, positions, currency: snapshot.currency };
}

/**
 * The account's equity exactly as {@link evaluateAccount} sums it (the cross pool, then each
 * isolated pool floored at 0, in input order), without the rest of the evaluation: the pre-trade
 * solver needs only this of the account before the order.
 */
export function accountEquity(snapshot: AccountSnapshot): number {
  let crossWallet = snapshot.crossWalletBalance;
  if (snapshot.collateral !== undefined) {
    let v = 0;
    for (const c of snapshot.collateral) v += c.amount * c.price * (1 - c.haircut);
    crossWallet += v;
  }
  const list = snapshot.positions;
  const pnlOf = (p: Position): number => (p.side === 'long' ? 1 : -1) * p.contracts * (p.markPrice - p.entryPrice);
  // Two passes, summed in evaluateAccount's order, so the two agree to the last bit.
  let crossPnl = 0;
  for (const p of list) if (p.marginMode !== 'isolated') crossPnl += pnlOf(p);
  let equity = crossWallet + crossPnl;
  for (let index = 0; index < list.length; index++) {
    const p = list[index]!;
    if (p.marginMode === 'isolated') equity += Math.max(0, isolatedWalletOf(p, index) + pnlOf(p));
  }
  return equity;
}

/** Account totals; `net` and `gross` are Σ ±notional and Σ notional over the positions, in input order. */
function accountRisk(pools: PoolRisk[], net: number, gross: number, book: StressBook, stress: StressConfig): AccountRisk {
  let equity = 0;
  let maintenanceMargin = 0;
  let initialMargin: number | null = 0;
  for (const pool of pools) {
    // An isolated position can lose its own margin and no more.
    equity += pool.kind === 'isolated' ? Math.max(0, pool.equity) : pool.equity;
    maintenanceMargin += pool.maintenanceMargin;
    initialMargin = initialMargin === null || pool.initialMargin === null ? null : initialMargin + pool.initialMargin;
  }
  const marginRatio = ratio(maintenanceMargin, equity);
  const healthScore = marginRatio === null ? 0 : Math.min(100, Math.max(0, 100 * (1 - marginRatio)));
  return {
    equity,
    maintenanceMargin,
    initialMargin,
    marginRatio,
    utilization: initialMargin === null ? null : ratio(initialMargin, equity),
    liquidationBuffer: ratio(equity - maintenanceMargin, equity),
    netExposure: ratio(net, equity),
    grossExposure: ratio(gross, equity),
    healthScore,
    stress: runStress(book, stress),
  };
}

function stressBook(
  snapshot: AccountSnapshot,
  pools: PoolRisk[],
  schedules: Schedule[],
  collateral: { asset: string; value: number }[],
): StressBook {
  const list = snapshot.positions;
  const n = list.length;
  const symbolAt = new Array<string>(n);
  // Scratch buffers (scratch.ts), possibly longer than needed: the book lives only while runStress reads it.
  const poolStart = scratchI32(0, pools.length + 1);
  const poolBase = scratchF64(0, pools.length);
  const signedMarkValue = scratchF64(1, n);
  const markNotional = scratchF64(2, n);
  const fixedMM = scratchF64(3, n);
  const tierStart = scratchI32(1, n);
  const tierEnd = scratchI32(2, n);
  // Sized first and filled in place: growing plain arrays tier by tier was most of this function's garbage.
  let tiers = 0;
  for (const s of schedules) tiers += s.floors.length;
  const floors = scratchF64(4, tiers);
  const rates = scratchF64(5, tiers);
  const amounts = scratchF64(6, tiers);
  const curveFloor = scratchF64(13, n);
  const curveCoefficient = scratchF64(14, n);
  const curveExponent = scratchF64(15, n);
  let t = 0;
  let k = 0;
  for (let p = 0; p < pools.length; p++) {
    const pool = pools[p]!;
    poolStart[p] = k;
    let base = p === 0 ? snapshot.crossWalletBalance : pool.walletBalance;
    for (const i of pool.positions) {
      const pr = list[i]!;
      const signed = pr.side === 'long' ? pr.contracts : -pr.contracts;
      base -= signed * pr.entryPrice;
      symbolAt[k] = pr.symbol;
      signedMarkValue[k] = signed * pr.markPrice;
      markNotional[k] = pr.contracts * pr.markPrice;
      const s = schedules[i]!;
      fixedMM[k] = s.fixed ?? Number.NaN;
      // Every entry written: a scratch buffer holds the last evaluation's values.
      curveFloor[k] = s.curve?.floorRate ?? 0;
      curveCoefficient[k] = s.curve?.coefficient ?? Number.NaN;
      curveExponent[k] = s.curve?.exponent ?? 0;
      tierStart[k] = t;
      for (let x = 0; x < s.floors.length; x++, t++) {
        floors[t] = s.floors[x]!;
        rates[t] = s.rates[x]!;
        amounts[t] = s.amounts[x]!;
      }
      tierEnd[k] = t;
      k++;
    }
    poolBase[p] = base;
  }
  poolStart[pools.length] = k;
  return {
    symbolAt,
    nPool: pools.length,
    poolStart,
    poolBase,
    signedMarkValue,
    markNotional,
    fixedMM,
    tierStart,
    tierEnd,
    floors,
    rates,
    amounts,
    curveFloor,
    curveCoefficient,
    curveExponent,
    collateral,
  };
}
