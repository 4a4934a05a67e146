import { closeOrAct } from './tick-close.ts';
import { commitTick } from './tick-commit.ts';
import { openTick, type TickContext, type TickOptions } from './tick-context.ts';
import { readAndDecide } from './tick-read.ts';
import { reportTick, tickResult } from './tick-report.ts';
import { unknownTick } from './tick-unknown.ts';
import type { GuardDeps, GuardedAccount, TickResult } from './types.ts';

export type { TickOptions } from './tick-context.ts';
export { residualBackoffMs } from './tick-close.ts';

/**
 * One guard tick for one account: fetch, gate, decide, confirm, conditional state write, act,
 * alert, audit. The same function runs in the local loop, the demo, replays and the Lambda.
 * Each step is its own module: tick-read (read, gate, decide, confirm), tick-commit (the state
 * written before any order), tick-close (the orders), tick-report (alerts, audit, result);
 * tick-unknown handles a tick whose data could not be trusted.
 */
export async function runGuardTick(deps: GuardDeps, account: GuardedAccount, opts: TickOptions = {}): Promise<TickResult> {
  const ctx = await openTick(deps, account, opts);
  const r = await tick(ctx);
  // The venue's per-IP limit concerns every account the caller runs there: say it was hit.
  const hit = ctx.rateLimit();
  return hit && !r.rateLimit ? { ...r, rateLimit: hit } : r;
}

async function tick(ctx: TickContext): Promise<TickResult> {
  const { caller, account, opts } = ctx;
  const read = await readAndDecide(ctx);
  if (read.kind === 'unknown') return unknownTick(ctx, read.why, read.seen, read.auth);

  const commit = await commitTick(ctx, read);
  if (commit.kind === 'again') return runGuardTick(caller, account, { ...opts, retried: true });
  const notes = read.notes;
  if (commit.kind === 'lost') {
    const action = commit.humanAct
      ? 'the state kept changing under human acts: this tick did nothing, the next one decides'
      : 'another tick wrote the state first: this tick did nothing';
    return tickResult(ctx, { status: commit.decision.level, decision: commit.decision, netTransfers: read.verdict.transfers, actions: [action], version: null });
  }

  const { plan, base, decision } = commit;
  if (plan.liveTrades.length > 0 && plan.tripBusy) notes.push(`trip ${base.trip!.id} is still in progress in another tick: not acting twice`);
  if (plan.resumed) {
    const r = plan.resumed;
    notes.push(
      `trip ${r.id} (${r.kind}, started ${new Date(r.startedAt).toISOString()}) was left unfinished by a tick that stopped: ${plan.resumingClose ? 'finishing it now' : 'the account is judged afresh'}`,
    );
  }
  const close = await closeOrAct(ctx, plan, decision, read.snapshot, base.version + 1);
  return reportTick(ctx, { decision, plan, keyAlert: commit.keyAlert, before: read.snapshot, netTransfers: read.verdict.transfers, notes, close });
}
