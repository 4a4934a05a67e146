import { randomUUID } from 'node:crypto';
import { backstopsArmed, describeBackstops, type VenueBackstop } from '../domain/backstop.ts';
import type { Level } from '../domain/state.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import type { GuardState } from '../domain/state.ts';
import { applyBackstops, backstopPlan, canBackstop, checkBackstops, type BackstopCheck } from './backstop-sync.ts';
import { writeMerged } from './state-write.ts';
import type { TickContext } from './tick-context.ts';

/**
 * The tick's side of the backstops (issue 16): before deciding, account for the stops it knew
 * (a fired one is the trip, a vanished one an alert); after its state is written, keep them in
 * step with the book. Nothing at all on a venue module without the port's backstop members.
 */

/** A lease older than this (ms) belongs to a tick that died in its sync. */
const LEASE_MS = 30_000;

/**
 * Before the decision: lists the guard's stops (only when it keeps some or should), and alerts
 * each known one that vanished while its side is open — once: the state written next no longer
 * knows it. Null when there is nothing to list or the venue cannot; a failed read is a note (the
 * tick goes on without backstops).
 */
export async function checkTickBackstops(ctx: TickContext, snapshot: AccountSnapshot, level: Level, notes: string[]): Promise<BackstopCheck | null> {
  const exchange = ctx.deps.exchange;
  if (!canBackstop(exchange)) return null;
  const known = ctx.state.backstops ?? [];
  const armed = backstopsArmed(ctx.policy, ctx.state, ctx.now);
  if (!armed && known.length === 0) return null;
  let check: BackstopCheck;
  try {
    check = await ctx.retry(() => checkBackstops(exchange, { snapshot, known, armed }));
  } catch (err) {
    ctx.deps.log.warn('backstop check failed', { account: ctx.id, error: (err as Error).message });
    notes.push(`the backstop stops could not be listed (${(err as Error).message}): checked again next tick`);
    return null;
  }
  if (check.vanished.length > 0) {
    const again = armed ? 'placing them again' : 'not placed again (backstops are off for this account now)';
    const summary = `backstop stop(s) gone from the exchange while the position is open: ${describeBackstops(check.vanished)} — ${again}`;
    ctx.alert(
      'info',
      level,
      summary,
      `${summary}\nThe guard did not cancel them: someone (the owner, an agent, another tool) cancelled them on the exchange, or the exchange refused their close when they triggered. While the guard is not ticking, nothing on the exchange protects these positions.\nThis is alerted once per disappearance.`,
    );
  }
  if (check.gone.length > 0) notes.push(`backstop stop(s) gone without acting, their side now flat: ${describeBackstops(check.gone)}`);
  return check;
}

class LeaseBusy extends Error {}

/**
 * After the state is written (and the tick's orders, if any): places missing stops, re-places those
 * past the band, cancels them when the account is no longer armed (halted, paused, dry run, off),
 * and after a re-arm renews them. A change is made under a lease in the state, re-listing first,
 * so two overlapping ticks never place a side twice; a tick that finds nothing to change writes nothing.
 */
export async function syncTickBackstops(
  ctx: TickContext,
  t: { check: BackstopCheck | null; state: GuardState; snapshot: AccountSnapshot; acted: boolean; notes: string[] },
): Promise<number | null> {
  const exchange = ctx.deps.exchange;
  if (!canBackstop(exchange)) return null;
  const { id, now, policy } = ctx;
  const { store, log } = ctx.deps;
  const armed = backstopsArmed(policy, t.state, now);
  // What the check listed, else what the state knew (a failed check): any change re-lists first.
  const known = t.check?.listed ?? t.state.backstops ?? [];
  if (!armed && known.length === 0) return null;
  const renew = armed && t.state.rearmedAt !== null && (t.state.backstopsAt ?? null) !== null && t.state.rearmedAt > t.state.backstopsAt!;
  const sync = { snapshot: t.snapshot, peakEquity: t.state.peakEquity, policy, armed };
  const plan = backstopPlan({ ...sync, listed: known });
  if (!t.acted && !renew && plan.place.length === 0 && plan.cancel.length === 0) return null;

  const lease = randomUUID();
  const holder = (s: GuardState) => s.backstopLease != null && s.backstopLease.by !== lease && now - s.backstopLease.at < LEASE_MS;
  const current = (await store.get(id)) ?? t.state;
  let held: { state: GuardState; version: number } | null;
  try {
    held = await writeMerged(store, id, current, (s) => {
      if (holder(s)) throw new LeaseBusy();
      return { ...s, backstopLease: { by: lease, at: now } };
    });
  } catch (err) {
    if (!(err instanceof LeaseBusy)) throw err;
    t.notes.push('another tick is changing the backstop stops: left to it');
    return null;
  }
  if (held === null) return null;
  let stops: VenueBackstop[] = known;
  let version: number | null = held.version;
  try {
    // Under the lease, from the venue's own list: what another tick placed meanwhile is kept.
    const fresh = await checkBackstops(exchange, { snapshot: t.snapshot, known, armed });
    let listed = fresh.listed;
    if (renew && listed.length > 0) {
      const off = await applyBackstops(exchange, { ...sync, armed: false, listed }, log);
      listed = off.stops;
      t.notes.push(`re-armed: ${off.cancelled.length} backstop stop(s) cancelled to be placed afresh`);
    }
    const r = await applyBackstops(exchange, { ...sync, listed }, log);
    stops = r.stops;
    if (r.placed.length > 0) t.notes.push(`backstop stop(s) placed on the exchange: ${describeBackstops(r.placed)}`);
    if (r.cancelled.length > 0 && !renew) t.notes.push(`backstop stop(s) cancelled: ${describeBackstops(r.cancelled)}${armed ? '' : ' (the account is not armed: halted, paused, dry run or backstops off)'}`);
    t.notes.push(...r.errors);
  } catch (err) {
    log.warn('backstop sync failed', { account: id, error: (err as Error).message });
    t.notes.push(`the backstop stops could not be synced (${(err as Error).message}): tried again next tick`);
  } finally {
    const done = await writeMerged(store, id, held.state, (s) => ({
      ...s,
      backstops: stops,
      backstopsAt: now,
      backstopLease: s.backstopLease?.by === lease ? null : (s.backstopLease ?? null),
    }));
    if (done === null) log.warn('backstop sync result not recorded in the state: it kept changing', { account: id });
    else version = done.version;
  }
  return version;
}
