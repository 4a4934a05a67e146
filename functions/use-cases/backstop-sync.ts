import { diffBackstops, missingBackstops, wantedBackstops, backstopKey, type BackstopPlan, type VenueBackstop, type WantedBackstop } from '../domain/backstop.ts';
import type { Policy } from '../domain/policy.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import type { ExchangePort, Logger } from '../ports.ts';

/**
 * Keeps the venue's backstop stops in step with the book (issue 16, domain/backstop.ts), in two
 * steps the tick calls apart: {@link checkBackstops} lists the guard's own stops and tells which
 * known ones fired or vanished (before the tick decides: a fired stop is the trip);
 * {@link applyBackstops} cancels what the diff drops, then places what it adds (cancels first, so
 * a side never holds two). {@link syncBackstops} is both at once.
 */

type BackstopPort = Required<Pick<ExchangePort, 'listBackstops' | 'placeBackstop' | 'cancelBackstop'>> & ExchangePort;

/** Whether the venue module can rest backstops (the port members are present). */
export const canBackstop = (exchange: ExchangePort): exchange is BackstopPort =>
  exchange.listBackstops !== undefined && exchange.placeBackstop !== undefined && exchange.cancelBackstop !== undefined;

export interface BackstopCheck {
  /** The guard's stops resting on the venue now. */
  listed: VenueBackstop[];
  /** Known stops that fired since the last sync (the tick records the trip). */
  fired: VenueBackstop[];
  /** Known stops gone while their side is still held, or whose close the venue refused: alert once, place again. */
  vanished: VenueBackstop[];
  /** Known stops gone without acting on a side that is flat now (cancelled, or expired by the venue): nothing to do. */
  gone: VenueBackstop[];
}

/**
 * Symbols to list: every held one (when armed) and every known one, one request each (Binance
 * weight 1), or the venue's whole list (weight 40) when that is cheaper.
 */
const ALL_AT = 40;

/**
 * Lists the guard's stops and accounts for every known one the venue no longer lists: by the
 * venue's own word where the module can ask it (backstopStatus), else a gone stop on a flat side
 * reads as fired (domain/backstop.ts missingBackstops). No request when there is nothing to list.
 */
export async function checkBackstops(
  exchange: BackstopPort,
  input: { snapshot: AccountSnapshot; known: readonly VenueBackstop[]; armed: boolean },
): Promise<BackstopCheck> {
  const { snapshot, known, armed } = input;
  const symbols = [...new Set([...(armed ? snapshot.positions.map((p) => p.symbol) : []), ...known.map((k) => k.symbol)])];
  const listed = symbols.length === 0 ? [] : await exchange.listBackstops(symbols.length >= ALL_AT ? 'all' : symbols);
  const { fired, vanished } = missingBackstops(known, listed, snapshot);
  if (!exchange.backstopStatus) return { listed, fired, vanished, gone: [] };
  const held = new Set(snapshot.positions.map((p) => backstopKey(p)));
  const out: BackstopCheck = { listed: [...listed], fired: [], vanished: [], gone: [] };
  for (const k of [...fired, ...vanished]) {
    const status = await exchange.backstopStatus(k);
    if (status === 'open') out.listed.push(k);
    else if (status === 'fired') out.fired.push(k);
    else if (held.has(backstopKey(k))) out.vanished.push(k);
    else out.gone.push(k);
  }
  return out;
}

export interface BackstopApplyInput {
  snapshot: AccountSnapshot;
  peakEquity: number | null;
  policy: Pick<Policy, 'thresholds' | 'stress' | 'backstopBand'>;
  /** Whether the guard keeps stops now (domain/backstop.ts backstopsArmed); when not, its stops are cancelled. */
  armed: boolean;
  /** The guard's stops on the venue, freshly listed. */
  listed: readonly VenueBackstop[];
}

/** What to change on the venue: none when the stops are where the band allows. */
export function backstopPlan(input: BackstopApplyInput): BackstopPlan {
  const wanted: WantedBackstop[] = input.armed ? wantedBackstops(input) : [];
  return diffBackstops(wanted, input.listed, input.policy.backstopBand);
}

export interface BackstopApplyResult {
  /** The stops resting on the venue after this sync: the next sync's `known`. */
  stops: VenueBackstop[];
  placed: VenueBackstop[];
  cancelled: VenueBackstop[];
  /** Orders the venue refused, as sentences (the tick goes on; the next sync tries again). */
  errors: string[];
}

/** Carries out {@link backstopPlan}: cancels first, then places (never two stops on a side). */
export async function applyBackstops(exchange: BackstopPort, input: BackstopApplyInput, log?: Logger): Promise<BackstopApplyResult> {
  const plan = backstopPlan(input);
  const errors: string[] = [];
  const cancelled: VenueBackstop[] = [];
  const kept = new Map(plan.keep.map((k) => [k.id, k]));
  const failedCancel = new Set<string>();
  await Promise.all(
    plan.cancel.map(async (c) => {
      try {
        await exchange.cancelBackstop(c);
        cancelled.push(c);
      } catch (err) {
        errors.push(`cancelling the backstop ${c.symbol} ${c.side} (${c.id}) failed: ${(err as Error).message}`);
        failedCancel.add(backstopKey(c));
        kept.set(c.id, c);
      }
    }),
  );
  const placed: VenueBackstop[] = [];
  await Promise.all(
    plan.place.map(async (w) => {
      // A stop of this side that could not be cancelled still rests there: never a second one.
      if (failedCancel.has(backstopKey(w))) return;
      try {
        placed.push(await exchange.placeBackstop(w));
      } catch (err) {
        errors.push(`placing the backstop ${w.symbol} ${w.side} at ${w.stopPrice} failed: ${(err as Error).message}`);
      }
    }),
  );
  for (const e of errors) log?.warn('backstop', { exchange: exchange.id, error: e });
  return { stops: [...kept.values(), ...placed], placed, cancelled, errors };
}

export interface BackstopSyncInput {
  snapshot: AccountSnapshot;
  peakEquity: number | null;
  policy: Pick<Policy, 'thresholds' | 'stress' | 'backstop' | 'backstopBand' | 'dryRun'>;
  /** The guard's stops after the previous sync (from its state). */
  known: readonly VenueBackstop[];
}

export type BackstopSyncResult = BackstopApplyResult & Pick<BackstopCheck, 'fired' | 'vanished'>;

/** Check and apply at once (armed = the policy's `backstop` and not a dry run). Null when the venue cannot rest backstops. */
export async function syncBackstops(exchange: ExchangePort, input: BackstopSyncInput, log?: Logger): Promise<BackstopSyncResult | null> {
  if (!canBackstop(exchange)) return null;
  const { snapshot, peakEquity, policy, known } = input;
  const armed = policy.backstop && !policy.dryRun;
  if (!armed && known.length === 0) return { stops: [], placed: [], cancelled: [], fired: [], vanished: [], errors: [] };
  const check = await checkBackstops(exchange, { snapshot, known, armed });
  const applied = await applyBackstops(exchange, { snapshot, peakEquity, policy, armed, listed: check.listed }, log);
  return { ...applied, fired: check.fired, vanished: check.vanished };
}
