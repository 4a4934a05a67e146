import { breachFindings } from './decide.ts';
import { evaluateAccount } from './margin.ts';
import { drawdownOf } from './peak.ts';
import type { Policy } from './policy.ts';
import type { AccountSnapshot } from './snapshot.ts';
import { levelRank, type Level } from './state.ts';

/**
 * The mark watch's question, pure: an account last seen at OK — would the venue's newer marks put
 * it above OK? Its last accepted snapshot is re-valued at the marks (positions, wallets and tiers
 * as they were; only the mark moves) and judged by the policy's margin, drawdown and stress
 * thresholds from its last peak. Not a decision: a "yes" only means "look now".
 */

/** A re-valuation's answer: `look` with the reasons (sentences with numbers), or not. */
export interface Revaluation {
  look: boolean;
  reasons: string[];
  /** The highest level the new breaches reach ('OK' when none; 'EMERGENCY' when in doubt): who looks first. */
  level: Level;
}

/**
 * The snapshot with each held symbol's mark replaced by `marks[symbol]` (quote per base unit) where
 * that is a positive number; a symbol the marks do not name keeps its mark.
 */
export function atMarks(snapshot: AccountSnapshot, marks: Readonly<Record<string, number>>): AccountSnapshot {
  return {
    ...snapshot,
    positions: snapshot.positions.map((p) => {
      const m = marks[p.symbol];
      return m !== undefined && Number.isFinite(m) && m > 0 ? { ...p, markPrice: m } : p;
    }),
  };
}

/** What a snapshot breaches from a peak (margin, drawdown, stress at WARNING or above), by level, metric and scope. */
function breaches(snapshot: AccountSnapshot, peakEquity: number | null, policy: Policy): Map<string, { level: Level; reason: string }> {
  const ev = evaluateAccount(snapshot, policy.stress);
  const found = breachFindings(ev, drawdownOf(peakEquity, ev.account.equity), policy);
  return new Map(found.map((f) => [`${f.level} ${f.metric} ${JSON.stringify(f.scope)}`, { level: f.level, reason: f.reason }]));
}

/**
 * Whether an account the guard last judged OK may have left OK at the new marks: `look` when the
 * re-valued snapshot breaches a threshold (WARNING or higher; metric, level and scope) that the
 * snapshot at its own marks did not — the marks moved it. So a disagreement with the tick (which
 * also knows the history, the limits and the hysteresis) cannot make the watch ask again every
 * time it reads. Any doubt (a snapshot that cannot be valued) is a look.
 *
 * @param peakEquity the account's trailing peak after its last tick (quote currency), null if none
 * @example revalue(btcLong3x, 10_000, { BTCUSDT: 96_000 }, policy) // 0.3 BTC from 100,000 on 10,000
 *   // { look: true, reasons: ['drawdown 12.0 % from trailing peak ≥ WARNING 5.0 %', …] }
 */
export function revalue(snapshot: AccountSnapshot, peakEquity: number | null, marks: Readonly<Record<string, number>>, policy: Policy): Revaluation {
  try {
    const was = breaches(snapshot, peakEquity, policy);
    const fresh = [...breaches(atMarks(snapshot, marks), peakEquity, policy)].filter(([k]) => !was.has(k)).map(([, f]) => f);
    const level = fresh.reduce<Level>((top, f) => (levelRank(f.level) > levelRank(top) ? f.level : top), 'OK');
    return { look: fresh.length > 0, reasons: fresh.map((f) => f.reason), level };
  } catch (err) {
    return { look: true, reasons: [`the last snapshot could not be re-valued at the new marks: ${(err as Error).message}`], level: 'EMERGENCY' };
  }
}
