import type { Action, Decision } from '../domain/decide.ts';
import type { TripRecord } from '../domain/state.ts';

/** The trip kind of a trading action; null for an alert or anything that places no order. */
export const tradeKind = (a: Action): TripRecord['kind'] | null =>
  a.type === 'closeAll' ? 'close-all' : a.type === 'reduce' ? 'reduce' : a.type === 'closePosition' ? 'close-position' : null;

/** A decision's trading actions that would really place orders (not dry-run). */
export const liveTradesOf = (d: Decision): Action[] => d.actions.filter((a) => tradeKind(a) !== null && !('dryRun' in a && a.dryRun));

/** Whether a decision wants a live order. */
export const wantsTrade = (d: Decision): boolean => liveTradesOf(d).length > 0;
