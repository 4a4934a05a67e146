import { randomUUID } from 'node:crypto';
import { money } from '../domain/alert-format.ts';
import { bookOf, rawEquity } from '../domain/gate.ts';
import { initialState, type GuardState } from '../domain/state.ts';
import { CloseAllIncompleteError, RiskGuardError } from '../errors.ts';
import { execute, type ExecuteResult } from './execute.ts';
import { realSleep } from './retry.ts';
import type { GuardDeps } from './types.ts';
import { recordAct, type HumanAct } from './admin.ts';

type Left = { symbol: string; side: string; contracts: number };
const listLeft = (left: Left[]) => left.map((x) => `${x.symbol} ${x.side} ${x.contracts}`).join(', ');

/**
 * The panic button: the same confirmed close-all the guard uses, by hand, audited and alerted,
 * leaving the account HALTED until a person re-arms it. Reduce-only orders cannot add risk, so it
 * acts on the venue's live positions without waiting for the data gate. When the exchange cannot
 * be reached, the failure is audited and alerted with what is left (the last accepted book) and
 * thrown as a CloseAllIncompleteError.
 */
export async function closeAllByHand(deps: GuardDeps, act: HumanAct): Promise<ExecuteResult & { tripId: string; equity: number }> {
  const { exchange, store, clock, log } = deps;
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
  const rearmHint = `The account is HALTED. Re-arm: riskguard rearm --account ${act.accountId} --by NAME --reason TEXT`;

  let r: ExecuteResult;
  try {
    const snapshot = await exchange.fetchSnapshot();
    r = await execute({ exchange, log, sleep: deps.sleep ?? realSleep }, { kind: 'close-all' }, snapshot);
  } catch (err) {
    const why = (err as Error).message;
    const left: Left[] = state.lastBook.map((p) => ({ symbol: p.symbol, side: p.side, contracts: p.contracts }));
    await settle(deps, act.accountId, (s) => ({ ...s, level: 'EMERGENCY', trip: s.trip?.id === tripId ? { ...s.trip, status: 'incomplete' } : s.trip }));
    const summary = `close-all by hand FAILED (${act.by}): exchange unreachable, ${left.length} position(s) may be open`;
    const alertError = await recordAct(
      deps,
      { accountId: act.accountId, at: now, type: 'close-all', by: act.by, level: 'EMERGENCY', message: `${summary} — ${act.reason}`, data: { tripId, error: why, lastKnown: left } },
      summary,
      `${summary}\nReason: ${act.reason}\nError: ${why}\nNo order could be placed. Last accepted positions: ${left.length ? listLeft(left) : 'none'}.\nClose them on the exchange by hand NOW, or run close-all again when the exchange answers.\n${rearmHint}`,
      'residual',
    );
    throw new CloseAllIncompleteError(
      `${act.accountId}: close-all FAILED, no order placed: ${why}. Last known positions: ${left.length ? listLeft(left) : 'none'}. Audited${alertError ? `; the alert was NOT delivered: ${alertError}` : ' and alerted'}.`,
      { cause: err },
    );
  }
  const equity = rawEquity(r.finalSnapshot);
  await settle(deps, act.accountId, (s) => ({
    ...s,
    halted: true,
    level: 'EMERGENCY',
    trip: s.trip?.id === tripId ? { ...s.trip, status: r.done ? 'done' : 'incomplete' } : s.trip,
    lastBook: bookOf(r.finalSnapshot),
    lastEquity: equity,
    lastSeenEquity: equity,
  }));
  const summary = r.done
    ? `closed all by hand (${act.by}): flat, equity ${money(equity, r.finalSnapshot.currency)}`
    : `close-all by hand INCOMPLETE: ${r.residuals.length} position(s) left: ${listLeft(r.residuals)}`;
  await recordAct(
    deps,
    {
      accountId: act.accountId,
      at: now,
      type: 'close-all',
      by: act.by,
      level: 'EMERGENCY',
      message: `${summary} — ${act.reason}`,
      data: { tripId, orders: r.orders.length, cancelled: r.cancelled, residuals: r.residuals, errors: r.errors.slice(0, 10) },
    },
    summary,
    `${summary}\nReason: ${act.reason}\nOrders: ${r.orders.length}, cancelled: ${r.cancelled}\n${r.residuals.map((x) => `Still open: ${x.symbol} ${x.side} ${x.contracts}`).join('\n')}\n${rearmHint}`,
    r.done ? 'trip' : 'residual',
  );
  return { ...r, tripId, equity };
}

/** Writes the outcome on top of whatever a tick wrote meanwhile (bounded re-reads). */
async function settle(deps: GuardDeps, accountId: string, change: (s: GuardState) => GuardState): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const base = (await deps.store.get(accountId)) ?? initialState(accountId);
    if (await deps.store.put(change(base), base.version)) return;
  }
  deps.log.error('close-all outcome not recorded in the state: it kept changing', { account: accountId });
}
