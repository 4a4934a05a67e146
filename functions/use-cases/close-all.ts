import { randomUUID } from 'node:crypto';
import { bookOf, rawEquity } from '../domain/gate.ts';
import { initialState, type GuardState } from '../domain/state.ts';
import { RiskGuardError } from '../errors.ts';
import { execute, type ExecuteResult } from './execute.ts';
import { realSleep } from './retry.ts';
import type { GuardDeps } from './types.ts';
import type { HumanAct } from './admin.ts';

/**
 * The panic button: the same confirmed close-all the guard uses, by hand, audited, leaving the
 * account HALTED until a person re-arms it. Reduce-only orders cannot add risk, so it acts on
 * the venue's live positions without waiting for the data gate.
 */
export async function closeAllByHand(deps: GuardDeps, act: HumanAct): Promise<ExecuteResult & { tripId: string; equity: number }> {
  const { exchange, store, notifier, clock, log } = deps;
  const now = clock.now();
  const state = (await store.get(act.accountId)) ?? initialState(act.accountId);
  const tripId = randomUUID();
  const pending: GuardState = {
    ...state,
    halted: true,
    haltedAt: state.halted ? state.haltedAt : now,
    haltReason: `close-all by ${act.by}: ${act.reason}`,
    trip: { id: tripId, kind: 'close-all', startedAt: now, by: act.by, reason: act.reason, status: 'pending' },
  };
  if (!(await store.put(pending, state.version))) {
    throw new RiskGuardError(`account ${act.accountId}: a guard tick wrote the state at the same moment; run close-all again`);
  }
  const snapshot = await exchange.fetchSnapshot();
  const r = await execute({ exchange, log, sleep: deps.sleep ?? realSleep }, { kind: 'close-all' }, snapshot);
  const equity = rawEquity(r.finalSnapshot);
  const done: GuardState = {
    ...pending,
    version: state.version + 1,
    level: 'EMERGENCY',
    trip: { ...pending.trip!, status: r.done ? 'done' : 'incomplete' },
    lastBook: bookOf(r.finalSnapshot),
    lastEquity: equity,
    lastSeenEquity: equity,
  };
  await store.put(done, state.version + 1);
  const summary = r.done
    ? `closed all by hand (${act.by}): flat, equity ${equity.toFixed(2)}`
    : `close-all by hand INCOMPLETE: ${r.residuals.length} position(s) left`;
  await store.append({
    accountId: act.accountId,
    at: now,
    type: 'close-all',
    by: act.by,
    level: 'EMERGENCY',
    message: `${summary} — ${act.reason}`,
    data: { tripId, orders: r.orders.length, cancelled: r.cancelled, residuals: r.residuals, errors: r.errors.slice(0, 10) },
  });
  await notifier.notify({
    accountId: act.accountId,
    kind: r.done ? 'trip' : 'residual',
    level: 'EMERGENCY',
    summary,
    body: `${summary}\nReason: ${act.reason}\nOrders: ${r.orders.length}, cancelled: ${r.cancelled}\n${r.residuals.map((x) => `Still open: ${x.symbol} ${x.side} ${x.contracts}`).join('\n')}\nThe account is HALTED. Re-arm: riskguard rearm --account ${act.accountId} --by NAME --reason TEXT`,
    at: now,
  });
  return { ...r, tripId, equity };
}
