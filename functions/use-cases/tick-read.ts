import { decide, type Decision } from '../domain/decide.ts';
import { DEFAULT_GATE, type GateVerdict } from '../domain/gate.ts';
import { evaluateAccount } from '../domain/margin.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import type { VenueBackstop } from '../domain/backstop.ts';
import type { BackstopCheck } from './backstop-sync.ts';
import { AccountReader, type HistoryCursor } from './read-account.ts';
import type { TickContext } from './tick-context.ts';
import { wantsTrade } from './tick-trades.ts';

/** What the tick read and decided before writing anything. */
export type TickRead =
  | { kind: 'unknown'; why: string; seen: AccountSnapshot | null; auth: boolean }
  | {
      kind: 'ok';
      /** The snapshot the decision (and any order) stands on: the confirming read's when there was one. */
      snapshot: AccountSnapshot;
      verdict: Extract<GateVerdict, { kind: 'ok' }>;
      decision: Decision;
      /** The cap on the peak the decision used (the confirming read may not raise it). */
      peakCap: number | null;
      /** Whether a confirming read backs the decision (an order may be placed on it). */
      confirmed: boolean;
      notes: string[];
      /** The history cursor to store with the accepted state. */
      cursor: HistoryCursor;
      /** The guard's backstop stops as listed before the decision (tick-backstops.ts); absent when not listed. */
      backstops?: BackstopCheck | null;
      /** Backstops that fired since the last tick and make this tick's trip (the decision already says so). */
      fired?: VenueBackstop[];
    };

/**
 * Steps 1–5: read the account and its history, judged by the data gate (never trade on a
 * guess), decide, and before any order read again: act only if the breach holds.
 */
export async function readAndDecide(ctx: TickContext): Promise<TickRead> {
  const { opts, state, policy, now } = ctx;
  const reader = new AccountReader(ctx.deps.exchange, state, now, ctx.retry, {
    gate: opts.gate ?? DEFAULT_GATE,
    historyEveryMs: opts.historyEveryMs ?? 60_000,
    historyOverlapMs: opts.historyOverlapMs ?? 120_000,
    peakRiseTolerance: opts.peakRiseTolerance ?? 0.002,
    equityOf: (s) => evaluateAccount(s, policy.stress).account.equity,
  });
  const read = await reader.read();
  if (read.kind === 'unknown') return read;
  let snapshot = read.snapshot;
  let verdict = read.verdict;
  const notes = [...read.notes];

  let capNow: number | null = read.peakCap;
  let decision = decide({ ...snapshot, netTransfers: verdict.transfers }, state, policy, now, { peakCap: capNow, drawdownUnknown: verdict.drawdownUnknown });
  // A confirming read may not raise the peak above what the first read established.
  const peakCap = read.peakCap ?? decision.evaluation.account.equity;
  for (const v of verdict.liquidated) {
    ctx.alert('liquidation', decision.level, `${v.symbol} ${v.side} LIQUIDATED by the exchange`, `${verdict.notes.join('\n')}\n`);
  }

  let confirmed = false;
  if (wantsTrade(decision)) {
    confirmed = true;
    capNow = peakCap;
    const again = await reader.confirm(snapshot);
    if (again.kind === 'unknown') return again;
    const d2 = decide({ ...again.snapshot, netTransfers: again.verdict.transfers }, state, policy, now, {
      peakCap,
      drawdownUnknown: again.verdict.drawdownUnknown,
    });
    if (!wantsTrade(d2)) notes.push('the breach did not hold on a confirming read: no order placed');
    decision = d2;
    snapshot = again.snapshot;
    verdict = again.verdict;
  }
  return { kind: 'ok', snapshot, verdict, decision, peakCap: capNow, confirmed, notes, cursor: reader.cursor(snapshot) };
}
