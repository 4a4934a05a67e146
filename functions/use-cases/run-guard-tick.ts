import { closeOrAct } from './tick-close.ts';
import { commitTick } from './tick-commit.ts';
import { openTick, type TickContext, type TickOptions } from './tick-context.ts';
import { readAndDecide, type TickRead } from './tick-read.ts';
import { checkTickBackstops, syncTickBackstops } from './tick-backstops.ts';
import { backstopFiredWhilePaused, backstopTripDecision, describeBackstops } from '../domain/backstop.ts';
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
  const first = await readAndDecide(ctx);
  if (first.kind === 'unknown') return unknownTick(ctx, first.why, first.seen, first.auth);
  const read = await withBackstops(ctx, first);

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
  const acted = await closeOrAct(ctx, plan, decision, read.snapshot, base.version + 1);
  const synced = await syncTickBackstops(ctx, {
    check: read.backstops ?? null,
    state: { ...plan.next, version: acted.version },
    snapshot: acted.snapshot,
    acted: plan.acting,
    notes,
  });
  const close = synced === null ? acted : { ...acted, version: synced };
  const r = await reportTick(ctx, { decision, plan, keyAlert: commit.keyAlert, before: read.snapshot, netTransfers: read.verdict.transfers, notes, close });
  return read.fired?.length && plan.acting ? { ...r, backstop: true } : r;
}

/**
 * The backstops the guard knew, accounted for before anything is written: one that fired between
 * ticks makes this tick's decision the trip it stood in for (domain/backstop.ts backstopTripDecision).
 */
async function withBackstops(ctx: TickContext, read: Extract<TickRead, { kind: 'ok' }>): Promise<Extract<TickRead, { kind: 'ok' }>> {
  const check = await checkTickBackstops(ctx, read.snapshot, read.decision.level, read.notes);
  const fired = check?.fired ?? [];
  if (fired.length === 0) return { ...read, backstops: check };
  if (ctx.policy.dryRun || ctx.state.halted) {
    read.notes.push(`backstop stop(s) fired on the exchange: ${describeBackstops(fired)}`);
    return { ...read, backstops: check };
  }
  // Paused: alerted, but no close-all and no halt (a pause places no automatic order).
  if (ctx.state.pausedUntil !== null && ctx.state.pausedUntil > ctx.now) return { ...read, backstops: check, decision: backstopFiredWhilePaused(read.decision, fired, ctx.state, ctx.now) };
  return { ...read, backstops: check, fired, decision: backstopTripDecision(read.decision, ctx.state, fired, ctx.now) };
}
