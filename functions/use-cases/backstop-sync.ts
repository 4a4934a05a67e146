import { diffBackstops, missingBackstops, wantedBackstops, type VenueBackstop, type WantedBackstop } from '../domain/backstop.ts';
import type { Policy } from '../domain/policy.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import type { ExchangePort, Logger } from '../ports.ts';

/**
 * Keeps the venue's backstop stops in step with the book (issue 16, domain/backstop.ts): lists the
 * guard's own stops, tells which known ones fired or vanished, cancels what the diff drops, then
 * places what it adds (cancels first, so a side never holds two). Not yet called by the tick: the
 * caller keeps `known` (the stops after the last sync) in its state and acts on `fired` (the trip)
 * and `vanished` (one alert).
 */

export interface BackstopSyncInput {
  snapshot: AccountSnapshot;
  peakEquity: number | null;
  policy: Pick<Policy, 'thresholds' | 'stress' | 'backstop' | 'backstopBand' | 'dryRun'>;
  /** The guard's stops after the previous sync (from its state). */
  known: readonly VenueBackstop[];
}

export interface BackstopSyncResult {
  /** The stops resting on the venue after this sync: the next sync's `known`. */
  stops: VenueBackstop[];
  placed: VenueBackstop[];
  cancelled: VenueBackstop[];
  fired: VenueBackstop[];
  vanished: VenueBackstop[];
  /** Orders the venue refused, as sentences (the tick goes on; the next sync tries again). */
  errors: string[];
}

/**
 * Symbols to list: every held one and every known one, one request each (Binance weight 1), or the
 * venue's whole list (weight 40) when that is cheaper.
 */
const ALL_AT = 40;

/** Null when the venue cannot rest backstops (the port members are absent). */
export async function syncBackstops(exchange: ExchangePort, input: BackstopSyncInput, log?: Logger): Promise<BackstopSyncResult | null> {
  const { listBackstops, placeBackstop, cancelBackstop } = exchange;
  if (!listBackstops || !placeBackstop || !cancelBackstop) return null;
  const { snapshot, peakEquity, policy, known } = input;
  const on = policy.backstop && !policy.dryRun;
  if (!on && known.length === 0) return { stops: [], placed: [], cancelled: [], fired: [], vanished: [], errors: [] };

  const symbols = [...new Set([...(on ? snapshot.positions.map((p) => p.symbol) : []), ...known.map((k) => k.symbol)])];
  const listed = symbols.length === 0 ? [] : await listBackstops.call(exchange, symbols.length >= ALL_AT ? 'all' : symbols);
  const { fired, vanished } = missingBackstops(known, listed, snapshot);
  const wanted: WantedBackstop[] = on ? wantedBackstops({ snapshot, peakEquity, policy }) : [];
  const plan = diffBackstops(wanted, listed, policy.backstopBand);

  const errors: string[] = [];
  const cancelled: VenueBackstop[] = [];
  const kept = new Map(plan.keep.map((k) => [k.id, k]));
  const failedCancel = new Set<string>();
  await Promise.all(
    plan.cancel.map(async (c) => {
      try {
        await cancelBackstop.call(exchange, c);
        cancelled.push(c);
      } catch (err) {
        errors.push(`cancelling the backstop ${c.symbol} ${c.side} (${c.id}) failed: ${(err as Error).message}`);
        failedCancel.add(`${c.symbol}:${c.side}`);
        kept.set(c.id, c);
      }
    }),
  );
  const placed: VenueBackstop[] = [];
  await Promise.all(
    plan.place.map(async (w) => {
      // A stop of this side that could not be cancelled still rests there: never a second one.
      if (failedCancel.has(`${w.symbol}:${w.side}`)) return;
      try {
        placed.push(await placeBackstop.call(exchange, w));
      } catch (err) {
        errors.push(`placing the backstop ${w.symbol} ${w.side} at ${w.stopPrice} failed: ${(err as Error).message}`);
      }
    }),
  );
  for (const e of errors) log?.warn('backstop', { exchange: exchange.id, error: e });
  return { stops: [...kept.values(), ...placed], placed, cancelled, fired, vanished, errors };
}
