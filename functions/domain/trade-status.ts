import type { GuardState, Level } from './state.ts';

/**
 * The answer to a trading agent's "may I trade?", read-only, from the guard state. Trading is
 * allowed only while the guard is actually protecting the account: not halted, not paused, at OK
 * or WARNING, with a successful tick recent enough. Every "no" carries its reason.
 */
export interface TradeStatus {
  accountId: string;
  mayTrade: boolean;
  level: Level | null;
  halted: boolean;
  paused: boolean;
  /** Why trading is not allowed (empty when it is). */
  reasons: string[];
  /** ms since the epoch */
  lastTickAt: number | null;
  lastOkAt: number | null;
  pausedUntil: number | null;
  checkedAt: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Pure. `staleAfterMs` is the watchdog's limit for the account (see deployed-config.ts). */
export function tradeStatus(accountId: string, state: GuardState | null, now: number, staleAfterMs: number): TradeStatus {
  if (state === null) {
    return {
      accountId,
      mayTrade: false,
      level: null,
      halted: false,
      paused: false,
      reasons: ['the guard has not ticked this account yet'],
      lastTickAt: null,
      lastOkAt: null,
      pausedUntil: null,
      checkedAt: now,
    };
  }
  const paused = state.pausedUntil !== null && state.pausedUntil > now;
  const reasons: string[] = [];
  if (state.halted) {
    reasons.push(`halted${state.haltedAt !== null ? ` since ${iso(state.haltedAt)}` : ''}: ${state.haltReason ?? 'no reason recorded'}; a human must re-arm`);
  }
  if (paused) {
    reasons.push(`guard paused by ${state.pausedBy ?? 'someone'} until ${iso(state.pausedUntil!)}: ${state.pauseReason ?? 'no reason recorded'}`);
  }
  if (state.level === 'DANGER' || state.level === 'EMERGENCY') reasons.push(`level ${state.level}: do not add risk`);
  if (state.unknownStreak > 0) {
    reasons.push(`the guard's last ${state.unknownStreak} tick(s) could not trust the account data (UNKNOWN): it cannot see the account`);
  }
  if (state.lastOkAt === null || now - state.lastOkAt > staleAfterMs) {
    const age = state.lastOkAt === null ? 'never' : `${Math.round((now - state.lastOkAt) / 1000)} s ago`;
    reasons.push(`last successful guard tick ${age} (limit ${Math.round(staleAfterMs / 1000)} s): the account is not being watched`);
  }
  return {
    accountId,
    mayTrade: reasons.length === 0,
    level: state.level,
    halted: state.halted,
    paused,
    reasons,
    lastTickAt: state.lastTickAt,
    lastOkAt: state.lastOkAt,
    pausedUntil: state.pausedUntil,
    checkedAt: now,
  };
}
