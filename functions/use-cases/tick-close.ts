import type { Action, Decision } from '../domain/decide.ts';
import { bookOf, positionKey, rawEquity } from '../domain/gate.ts';
import { summarizeHistory } from '../domain/history.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import type { GuardState } from '../domain/state.ts';
import { RiskGuardError } from '../errors.ts';
import { execute, type ExecuteResult, type Target } from './execute.ts';
import { writeMerged } from './state-write.ts';
import type { TickPlan } from './tick-commit.ts';
import type { TickContext } from './tick-context.ts';
import type { TickResult } from './types.ts';

/** What step 7 did. */
export interface CloseOutcome {
  /** One line per trading action (orders, or what a dry run would have done). */
  actionLines: string[];
  residuals: TickResult['residuals'];
  /** Equity after the orders; null when none were placed. */
  equityAfter: number | null;
  /** The last snapshot read: after the orders when there were any. */
  snapshot: AccountSnapshot;
  /** Whether this tick alerts what is left open (with the trip, then on a back-off). */
  residualAlertDue: boolean;
  /** The state version last written. */
  version: number;
}

/**
 * Step 7: act on a committed plan. A heartbeat on the trip before every order and read (and on a
 * timer where the caller asks for one) tells a later tick that this one is alive. Not acting, it
 * only lists what a dry run would have done.
 */
export async function closeOrAct(ctx: TickContext, plan: TickPlan, decision: Decision, snapshot: AccountSnapshot, version: number): Promise<CloseOutcome> {
  const { deps, id, now, state, opts } = ctx;
  const { exchange, store, log, clock } = deps;
  const actionLines: string[] = [];
  if (!plan.acting) {
    for (const a of plan.trades) if ('dryRun' in a && a.dryRun) actionLines.push(`[dry run] would ${a.type}: ${a.reason}`);
    return { actionLines, residuals: [], equityAfter: null, snapshot, residualAlertDue: false, version };
  }
  const trip = plan.trip!;
  const errors: string[] = [];
  let residuals: TickResult['residuals'] = [];
  let tradeSnapshot = snapshot;
  let current: GuardState = { ...plan.next, version };
  let writes = Promise.resolve();
  const save = (change: (s: GuardState) => GuardState) => {
    writes = writes.then(async () => {
      const w = await writeMerged(store, id, current, change);
      if (w) {
        current = w.state;
        version = w.version;
      }
    });
    return writes;
  };
  const ownTrip = (s: GuardState): boolean => s.trip?.id === trip.id;
  const beat = () => save((s) => (ownTrip(s) ? { ...s, trip: { ...s.trip!, heartbeatAt: clock.now() } } : s));
  const timer = opts.heartbeatEveryMs ? setInterval(() => void beat(), opts.heartbeatEveryMs) : null;
  try {
    for (const a of plan.liveTrades) {
      const target = targetOf(a, tradeSnapshot);
      const r = await execute({ exchange, log, sleep: ctx.sleep }, target, tradeSnapshot, {
        onStep: beat,
        now: () => clock.now(),
        ...(opts.actDeadline !== undefined ? { deadline: opts.actDeadline } : {}),
      });
      actionLines.push(describeExecution(a, r));
      errors.push(...r.errors);
      residuals = residuals.concat(r.residuals);
      tradeSnapshot = r.finalSnapshot;
      await store.append({
        accountId: id,
        at: now,
        type: a.type === 'closeAll' ? 'close-all' : 'action',
        level: decision.level,
        message: `${plan.resumed ? 'resumed ' : ''}${describeExecution(a, r)}`,
        data: { tripId: trip.id, orders: r.orders.length, cancelled: r.cancelled, residuals: r.residuals, errors: r.errors.slice(0, 10), ...(plan.resumed ? { resumed: true } : {}) },
      });
    }
  } finally {
    if (timer) clearInterval(timer);
    await writes;
  }
  for (const p of await liquidatedWhileClosing(ctx, snapshot, tradeSnapshot, errors)) {
    const line = `${p.symbol} ${p.side} (${p.marginMode}) was LIQUIDATED by the exchange while the guard was closing it (its orders were refused: ${errors[0]})`;
    actionLines.push(line);
    ctx.alert('liquidation', decision.level, `${p.symbol} ${p.side} LIQUIDATED by the exchange (raced the close)`, `${line}\n`);
  }
  const flatEquity = rawEquity(tradeSnapshot);
  const done = residuals.length === 0;
  const finalBook = bookOf(tradeSnapshot);
  // The trip's outcome is written whatever a human act wrote meanwhile (merged, not dropped).
  // Residuals are alerted with the trip, then on a back-off while they last (not every tick).
  const residualAlertDue = !done && (!state.halted || state.residualAlertAt === null || now - state.residualAlertAt >= residualBackoffMs(state.residualAlerts));
  await save((s) => ({
    ...s,
    trip: ownTrip(s) ? { ...s.trip!, status: done ? 'done' : 'incomplete', heartbeatAt: clock.now() } : s.trip,
    lastBook: finalBook,
    lastEquity: flatEquity,
    lastSeenEquity: flatEquity,
    ...(done ? { residualAlertAt: null, residualAlerts: 0 } : residualAlertDue ? { residualAlertAt: now, residualAlerts: s.residualAlerts + 1 } : {}),
  }));
  return { actionLines, residuals, equityAfter: flatEquity, snapshot: tradeSnapshot, residualAlertDue, version };
}

/**
 * Legs that vanished during a close whose orders were refused, and that the venue's liquidation
 * records name: the venue's liquidation raced the close (Orderly refuses every order of an account
 * under liquidation with -1012, then transfers its positions to a liquidator). Not bad data and not
 * the guard's own close: a venue liquidation, alerted as one. Reads history only when an order or
 * cancel of the close failed and a leg is gone; a failed read leaves the next tick's gate to judge.
 */
async function liquidatedWhileClosing(ctx: TickContext, before: AccountSnapshot, after: AccountSnapshot, errors: string[]): Promise<AccountSnapshot['positions']> {
  if (errors.length === 0) return [];
  const left = new Set(after.positions.map(positionKey));
  const gone = before.positions.filter((p) => !left.has(positionKey(p)));
  if (gone.length === 0) return [];
  try {
    // A minute back: the venue's clock and the tick's may differ a little.
    const h = summarizeHistory((await ctx.deps.exchange.fetchHistory(ctx.now - 60_000)).events);
    return gone.filter((p) => h.liquidations.some((l) => l.symbol === p.symbol));
  } catch {
    return [];
  }
}

/** 1 min after the first residual alert, then doubling, at most 30 min apart. */
export function residualBackoffMs(alertsSoFar: number): number {
  return Math.min(30 * 60_000, 60_000 * 2 ** Math.max(0, alertsSoFar - 1));
}

function targetOf(a: Action, s: AccountSnapshot): Target {
  if (a.type === 'closeAll') return { kind: 'close-all' };
  if (a.type === 'reduce') {
    return { kind: 'reduce', fraction: a.fraction, keys: a.positions.map((i) => s.positions[i]).filter((p) => p !== undefined).map(positionKey) };
  }
  if (a.type === 'closePosition') {
    const p = s.positions[a.position];
    return { kind: 'close-position', keys: p ? [positionKey(p)] : [] };
  }
  throw new RiskGuardError(`not a trading action: ${a.type}`);
}

/** One line of what an execution did: orders, cancels, rounds, and what is left. */
export function describeExecution(a: Action, r: ExecuteResult): string {
  const what = a.type === 'closeAll' ? 'close-all' : a.type === 'reduce' ? `reduce by ${Math.round(a.fraction * 100)} %` : 'close one position';
  const head = `${what}: ${r.orders.length} reduce-only order(s), ${r.cancelled} open order(s) cancelled, ${r.rounds} round(s)`;
  return r.done ? `${head}; confirmed by a fresh read` : `${head}; INCOMPLETE, ${r.residuals.length} position(s) left: ${r.residuals.map((x) => `${x.symbol} ${x.side} ${x.contracts}`).join(', ')}`;
}
