import { money as moneyIn } from '../domain/alert-format.ts';
import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import type { GroupConfigSchema } from '../config.ts';
import { bookOf, rawEquity } from '../domain/gate.ts';
import { applyTransfers, drawdownOf } from '../domain/peak.ts';
import { initialState, type GuardState, type Level } from '../domain/state.ts';
import type { Clock, ExchangePort, Logger, Notifier, StateStore } from '../ports.ts';
import { execute } from './execute.ts';
import { realSleep } from './retry.ts';
import type { TickResult } from './types.ts';

/**
 * One drawdown budget across several accounts: the group's total equity against the group's
 * trailing peak. When the group falls `maxDrawdown` from its peak, every member is closed and
 * halted together, and one alert says so.
 *
 * The group's peak lives in the StateStore as a GuardState with accountId `group:<id>` (same
 * optimistic versioning, same re-arm: `riskguard rearm --account group:<id>`). It runs after the
 * members' own ticks and reads only their TickResults: no extra exchange request unless it trips.
 */

export type GroupConfig = z.output<typeof GroupConfigSchema>;

/** The store key of a group's state. */
export const groupStateId = (groupId: string): string => `group:${groupId}`;

/** What the group tick needs from each member's tick (a TickResult has all of it). */
export interface GroupMember {
  accountId: string;
  status: TickResult['status'];
  /** The member's equity this tick (quote currency); null when its data could not be trusted. */
  equity: number | null;
  /** Equity after the member's own orders this tick (fills and fees in), when it placed any. */
  equityAfter?: number | null;
  halted: boolean;
  /**
   * Deposits − withdrawals the member's tick applied (quote currency). Absent counts as 0, so a
   * withdrawal would read as a group loss: run-guard-tick must report it (docs/scale.md).
   */
  netTransfers?: number;
  /** The asset its amounts are in (TickResult.currency); absent = USDT. */
  currency?: string;
}

// ---------------------------------------------------------------------------------------------
// Pure part: the group's decision. No I/O, no clock.

export interface GroupDecision {
  /** 'unknown': a member's equity is untrusted, so no peak update and no new trip. */
  kind: 'ok' | 'trip' | 'halted' | 'unknown';
  level: Level;
  /** Σ member equity, null when unknown. */
  equity: number | null;
  peakEquity: number | null;
  /** Fraction (0.1 = 10 %); null when unknown or no positive peak. */
  drawdown: number | null;
  /** Members to close and halt now (all of them on a trip; any not yet halted while the group is halted). */
  close: string[];
  reasons: string[];
  /** The group state to write (version unchanged: the store bumps it). */
  state: GuardState;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** The members' common currency; "USDT+USDC" when they differ (the group sums them at par). */
export const groupCurrency = (members: readonly { currency?: string }[]): string => [...new Set(members.map((m) => m.currency ?? 'USDT'))].sort().reverse().join('+') || 'USDT';

/**
 * The group's drawdown decision from its members' equities.
 * @param maxDrawdown fraction (0.1 = trip when the group is 10 % below its peak)
 * @param now ms since epoch
 * @example
 * // group peak 20,000; members now 8,600 + 9,200 = 17,800: 11 % down
 * decideGroup(state, [a, b], 0.1, now).kind === 'trip'
 */
export function decideGroup(state: GuardState, members: readonly GroupMember[], maxDrawdown: number, now: number): GroupDecision {
  const money = (x: number) => moneyIn(x, groupCurrency(members));
  const notHalted = members.filter((m) => !m.halted).map((m) => m.accountId);
  const blind = members.filter((m) => m.status === 'UNKNOWN' || m.equity === null);

  if (blind.length > 0) {
    const reasons = [`equity of ${blind.map((m) => m.accountId).join(', ')} could not be trusted this tick: group drawdown not evaluated`];
    if (state.halted && notHalted.length > 0) reasons.push(`group is HALTED: closing member(s) not halted: ${notHalted.join(', ')}`);
    return {
      kind: state.halted ? 'halted' : 'unknown',
      level: state.level,
      equity: null,
      peakEquity: state.peakEquity,
      drawdown: null,
      close: state.halted ? notHalted : [],
      reasons,
      state: { ...state, lastTickAt: now, unknownStreak: state.unknownStreak + 1 },
    };
  }

  const equity = members.reduce((s, m) => s + (m.equityAfter ?? m.equity!), 0);
  const transfers = members.reduce((s, m) => s + (m.netTransfers ?? 0), 0);
  const peak = applyTransfers(state.peakEquity, state.peakAt, equity, transfers, now);
  const drawdown = drawdownOf(peak.peakEquity, equity);
  const base: GuardState = {
    ...state,
    peakEquity: peak.peakEquity,
    peakAt: peak.peakAt,
    lastEquity: equity,
    lastSeenEquity: equity,
    lastTickAt: now,
    lastOkAt: now,
    unknownStreak: 0,
  };
  const measure = `group equity ${money(equity)}, ${drawdown === null ? 'no peak' : `drawdown ${pct(drawdown)} from peak ${money(peak.peakEquity!)}`}`;

  if (state.halted) {
    return {
      kind: 'halted',
      level: 'EMERGENCY',
      equity,
      peakEquity: peak.peakEquity,
      drawdown,
      close: notHalted,
      reasons: [
        `group is HALTED since ${state.haltReason ?? 'a trip'}`,
        ...(notHalted.length ? [`closing member(s) not halted: ${notHalted.join(', ')}`] : []),
        measure,
      ],
      state: { ...base, level: 'EMERGENCY' },
    };
  }
  if (drawdown !== null && drawdown >= maxDrawdown) {
    const reason = `group drawdown ${pct(drawdown)} ≥ limit ${pct(maxDrawdown)} (equity ${money(equity)}, peak ${money(peak.peakEquity!)})`;
    return {
      kind: 'trip',
      level: 'EMERGENCY',
      equity,
      peakEquity: peak.peakEquity,
      drawdown,
      close: members.map((m) => m.accountId),
      reasons: [reason],
      state: { ...base, level: 'EMERGENCY', halted: true, haltedAt: now, haltReason: reason },
    };
  }
  return { kind: 'ok', level: 'OK', equity, peakEquity: peak.peakEquity, drawdown, close: [], reasons: [measure], state: { ...base, level: 'OK' } };
}

// ---------------------------------------------------------------------------------------------
// Orchestration.

export interface GroupDeps {
  store: StateStore;
  notifier: Notifier;
  clock: Clock;
  log: Logger;
  /** The exchange port of a member account (the same one its own tick uses). */
  exchange(accountId: string): ExchangePort;
  sleep?: (ms: number) => Promise<void>;
}

export interface MemberClose {
  accountId: string;
  done: boolean;
  orders: number;
  residuals: { symbol: string; side: string; contracts: number }[];
  equity: number | null;
  /** The asset `equity` is in (the member's snapshot); absent = USDT. */
  currency?: string;
  error?: string;
}

export interface GroupTickResult {
  groupId: string;
  at: number;
  /** The asset its amounts are in: the members' common one, or "USDT+USDC" (groupCurrency). */
  currency: string;
  kind: GroupDecision['kind'];
  level: Level;
  equity: number | null;
  peakEquity: number | null;
  /** Percent (10 = 10 %). */
  drawdownPct: number | null;
  reasons: string[];
  closed: MemberClose[];
  alertsSent: number;
  /** The group state version written, or null when another group tick wrote first. */
  stateVersion: number | null;
}

/** Conditional writes to a member's state retried when its own tick writes in between. */
const MEMBER_WRITE_ATTEMPTS = 4;

/**
 * The group tick: after the members' ticks, sum their equities, keep the group's peak, and when
 * the group drawdown reaches `maxDrawdown`, close every member (reduce-only, confirmed by a fresh
 * read), halt each, and alert once.
 */
export async function runGroupTick(
  deps: GroupDeps,
  group: GroupConfig,
  members: readonly GroupMember[],
  opts: { transfersTotal?: number } = {},
): Promise<GroupTickResult> {
  const { store, clock, log } = deps;
  const id = groupStateId(group.id);
  const now = clock.now();
  const state = (await store.get(id)) ?? initialState(id);
  const d = decideGroup(state, members, group.maxDrawdown, now);
  const tripId = d.close.length > 0 ? randomUUID() : null;
  const by = id;

  let next: GuardState = opts.transfersTotal === undefined ? d.state : { ...d.state, transfersTotal: opts.transfersTotal };
  if (tripId !== null) {
    next = { ...next, trip: { id: tripId, kind: 'close-all', startedAt: now, by, reason: d.reasons[0] ?? '', status: 'pending' } };
  }
  // The group's state (and its trip) is written before any order: a concurrent group tick loses here.
  let version: number | null = null;
  if (!(await store.put(next, state.version))) {
    log.warn('group state write lost to another group tick: nothing done', { group: group.id });
    return resultOf([], 0);
  }
  version = state.version + 1;
  if (tripId === null) return resultOf([], 0);

  const reason = d.reasons[0] ?? 'group drawdown limit';
  const closed = await Promise.all(d.close.map((accountId) => closeMember(accountId, tripId, reason)));
  const done = closed.every((c) => c.done);
  if (await store.put({ ...next, version, trip: { ...next.trip!, status: done ? 'done' : 'incomplete' } }, version)) version += 1;

  const lines = closed.map((c) =>
    c.done
      ? `  ${c.accountId}: flat, ${c.orders} order(s), equity ${c.equity === null ? '—' : moneyIn(c.equity, c.currency)}`
      : `  ${c.accountId}: INCOMPLETE${c.error ? ` (${c.error})` : ''}${c.residuals.map((r) => `; still open ${r.symbol} ${r.side} ${r.contracts}`).join('')}`,
  );
  const summary =
    d.kind === 'trip'
      ? `group ${group.id}: ${reason}; ${done ? `closed all ${closed.length} account(s)` : `INCOMPLETE, ${closed.filter((c) => !c.done).length} account(s) not flat`}`
      : `group ${group.id} is HALTED: closed member(s) that were not halted (${closed.map((c) => c.accountId).join(', ')})${done ? '' : '; INCOMPLETE'}`;
  const body = [
    summary,
    '',
    ...d.reasons,
    '',
    'Members:',
    ...lines,
    '',
    `Every member is HALTED. Re-arm the group and each member by hand once it is safe: riskguard rearm --account ${id} --by NAME --reason TEXT (then each member).`,
  ].join('\n');
  await store.append({ accountId: id, at: now, type: 'close-all', by, level: 'EMERGENCY', message: summary, data: { tripId, members: closed } });
  let sent = 0;
  try {
    await deps.notifier.notify({ accountId: id, kind: done ? 'trip' : 'residual', level: 'EMERGENCY', summary, body, at: now });
    sent = 1;
    await store.append({ accountId: id, at: now, type: 'alert', level: 'EMERGENCY', message: `${done ? 'trip' : 'residual'}: ${summary}` });
  } catch (err) {
    log.error('group alert delivery failed', { group: group.id, error: (err as Error).message });
  }
  return resultOf(closed, sent);

  function resultOf(closedMembers: MemberClose[], alertsSent: number): GroupTickResult {
    return {
      groupId: group.id,
      at: now,
      currency: groupCurrency(members),
      kind: d.kind,
      level: d.level,
      equity: d.equity,
      peakEquity: d.peakEquity,
      drawdownPct: d.drawdown === null ? null : d.drawdown * 100,
      reasons: d.reasons,
      closed: closedMembers,
      alertsSent,
      stateVersion: version,
    };
  }

  /** Halt (trip record first, like closeAllByHand), close everything, confirm, record. */
  async function closeMember(accountId: string, tripId: string, why: string): Promise<MemberClose> {
    const exchange = deps.exchange(accountId);
    const haltReason = `group ${group.id}: ${why}`;
    try {
      let written: GuardState | null = null;
      for (let attempt = 0; attempt < MEMBER_WRITE_ATTEMPTS && written === null; attempt++) {
        const s = (await store.get(accountId)) ?? initialState(accountId);
        const pending: GuardState = {
          ...s,
          level: 'EMERGENCY',
          halted: true,
          haltedAt: s.halted ? s.haltedAt : now,
          haltReason: s.halted ? s.haltReason : haltReason,
          trip: { id: tripId, kind: 'close-all', startedAt: now, by, reason: haltReason, status: 'pending' },
        };
        if (await store.put(pending, s.version)) written = { ...pending, version: s.version + 1 };
      }
      // Closing is reduce-only and cannot add risk: go on even if the member's own tick kept
      // winning the write (its next tick sees the group halted it, or the next group tick does).
      const snapshot = await exchange.fetchSnapshot();
      const r = await execute({ exchange, log, sleep: deps.sleep ?? realSleep }, { kind: 'close-all' }, snapshot);
      const equity = rawEquity(r.finalSnapshot);
      if (written !== null) {
        await store.put(
          {
            ...written,
            trip: { ...written.trip!, status: r.done ? 'done' : 'incomplete' },
            lastBook: bookOf(r.finalSnapshot),
            lastEquity: equity,
            lastSeenEquity: equity,
          },
          written.version,
        );
      }
      await store.append({
        accountId,
        at: now,
        type: 'close-all',
        by,
        level: 'EMERGENCY',
        message: `${r.done ? 'closed all' : 'close-all INCOMPLETE'} for ${haltReason}`,
        data: { tripId, orders: r.orders.length, cancelled: r.cancelled, residuals: r.residuals, errors: r.errors.slice(0, 10), halted: written !== null },
      });
      return {
        accountId,
        done: r.done && written !== null,
        orders: r.orders.length,
        residuals: r.residuals,
        equity,
        ...(r.finalSnapshot.currency !== undefined ? { currency: r.finalSnapshot.currency } : {}),
        ...(written === null ? { error: 'could not record the halt (state kept changing)' } : {}),
      };
    } catch (err) {
      log.error('group close failed for a member', { group: group.id, account: accountId, error: (err as Error).message });
      return { accountId, done: false, orders: 0, residuals: [], equity: null, error: (err as Error).message };
    }
  }
}
