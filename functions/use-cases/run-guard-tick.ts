import { randomUUID } from 'node:crypto';
import { publishSnapshot } from './publish-snapshot.ts';
import { decide, type Action, type Decision } from '../domain/decide.ts';
import { bookOf, DEFAULT_GATE, gateSnapshot, positionKey, rawEquity, type GateOptions, type GateVerdict } from '../domain/gate.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import { initialState, LEVELS, type GuardState, type Level, type TripRecord } from '../domain/state.ts';
import { ExchangeAuthError, RiskGuardError } from '../errors.ts';
import type { Alert } from '../ports.ts';
import { summarizeHistory, type HistorySummary } from '../domain/history.ts';

type TransferInfo = HistorySummary & { until: number };
import { execute, type ExecuteResult, type Target } from './execute.ts';
import { withRetry, realSleep } from './retry.ts';
import type { GuardDeps, GuardedAccount, TickResult } from './types.ts';

export interface TickOptions {
  gate?: GateOptions;
  /** Consecutive UNKNOWN ticks before "guard cannot see account" (default 3). */
  blindAfter?: number;
  /** Transfer/liquidation history is read at most this often (ms), unless the gate needs it. */
  historyEveryMs?: number;
  /** Time the tick may spend retrying reads (ms). */
  budgetMs?: number;
  /** A pending trip younger than this (ms) belongs to another live tick: do not act twice. */
  tripLeaseMs?: number;
  /** Force dry-run whatever the policy says. */
  dryRun?: boolean;
  /** A state written by a tick within this many ms counts as a live overlapping tick (default 30 s). */
  overlapMs?: number;
  /** Set on the one retry after a lost write; not for callers. */
  retried?: boolean;
}

const fmt = (x: number | null, d = 2) => (x === null ? '—' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));

const tradeKind = (a: Action): TripRecord['kind'] | null =>
  a.type === 'closeAll' ? 'close-all' : a.type === 'reduce' ? 'reduce' : a.type === 'closePosition' ? 'close-position' : null;

/**
 * One guard tick for one account: fetch, gate, decide, confirm, conditional state write, act,
 * alert, audit. The same function runs in the local loop, the demo, replays and the Lambda.
 */
export async function runGuardTick(deps: GuardDeps, account: GuardedAccount, opts: TickOptions = {}): Promise<TickResult> {
  const { exchange, store, notifier, clock, log } = deps;
  const sleep = deps.sleep ?? realSleep;
  const id = account.config.id;
  const policy = opts.dryRun ? { ...account.policy, dryRun: true } : account.policy;
  const gateOpts = opts.gate ?? DEFAULT_GATE;
  const blindAfter = opts.blindAfter ?? 3;
  const historyEveryMs = opts.historyEveryMs ?? 60_000;
  const now = clock.now();
  const deadline = now + (opts.budgetMs ?? 20_000);
  const retry = <T>(fn: () => Promise<T>) =>
    withRetry(fn, { attempts: 4, baseDelayMs: 200, now: () => clock.now(), deadline, sleep });

  const state = (await store.get(id)) ?? initialState(id);
  const alerts: Alert[] = [];
  const alert = (kind: Alert['kind'], level: string, summary: string, body: string) =>
    alerts.push({ accountId: id, kind, level, summary, body, at: now });

  // 1. Read the account.
  let snapshot: AccountSnapshot;
  try {
    snapshot = await retry(() => exchange.fetchSnapshot());
  } catch (err) {
    return unknownTick(err instanceof Error ? err.message : String(err), null, err instanceof ExchangeAuthError);
  }

  // 2. History (costly on every venue: at most once a minute unless the gate needs it).
  let history: TransferInfo | null = null;
  let historyError: string | null = null;
  // startTime is inclusive on the venues: start after what was already counted.
  const since = state.historyUntil !== null ? state.historyUntil + 1 : now - historyEveryMs;
  const readHistory = async () => {
    try {
      const h = await retry(() => exchange.fetchHistory(since));
      history = { ...summarizeHistory(h.events), until: h.until };
    } catch (err) {
      historyError = (err as Error).message;
    }
  };
  if (state.historyUntil === null || now - state.historyUntil >= historyEveryMs) await readHistory();

  // 3. Gate: never trade on a guess.
  const gate = async (s: AccountSnapshot): Promise<GateVerdict> => {
    let v = gateSnapshot(s, state, history, now, gateOpts);
    if (v.kind === 'need-history' && history === null) {
      await readHistory();
      v = gateSnapshot(s, state, history, now, gateOpts);
    }
    return v;
  };
  let verdict = await gate(snapshot);
  if (verdict.kind === 'need-history') {
    return unknownTick(`${verdict.why} and the account history could not be read: ${historyError ?? 'unknown error'}`, snapshot, false);
  }
  if (verdict.kind === 'unknown') return unknownTick(verdict.reasons.join('; '), snapshot, false);

  // 4. Decide.
  const netTransfers = (history as TransferInfo | null)?.netTransfers ?? 0;
  let decision = decide({ ...snapshot, netTransfers }, state, policy, now);
  const notes = [...verdict.notes];
  for (const v of verdict.liquidated) {
    alert('liquidation', decision.level, `${v.symbol} ${v.side} LIQUIDATED by the exchange`, `${verdict.notes.join('\n')}\n`);
  }

  // 5. Before any order: read again and act only if the breach holds.
  const wantsTrade = (d: Decision) => d.actions.some((a) => tradeKind(a) !== null && !('dryRun' in a && a.dryRun));
  let tradeSnapshot = snapshot;
  if (wantsTrade(decision)) {
    try {
      const again = await retry(() => exchange.fetchSnapshot());
      const v2 = await gate(again);
      if (v2.kind !== 'ok') {
        return unknownTick(`confirming read failed the data gate: ${v2.kind === 'unknown' ? v2.reasons.join('; ') : v2.why}`, again, false);
      }
      const d2 = decide({ ...again, netTransfers }, state, policy, now);
      if (!wantsTrade(d2)) notes.push('the breach did not hold on a confirming read: no order placed');
      decision = d2;
      tradeSnapshot = again;
      verdict = v2;
    } catch (err) {
      return unknownTick(`confirming read failed: ${(err as Error).message}`, snapshot, err instanceof ExchangeAuthError);
    }
  }

  // 6. Write the state (and the trip id) before any order: an overlapping tick loses here.
  const trades = decision.actions.filter((a) => tradeKind(a) !== null);
  const liveTrades = trades.filter((a) => !('dryRun' in a && a.dryRun));
  const tripBusy =
    state.trip !== null && state.trip.status === 'pending' && now - state.trip.startedAt < (opts.tripLeaseMs ?? 60_000);
  const acting = liveTrades.length > 0 && !tripBusy;
  if (liveTrades.length > 0 && tripBusy) notes.push(`trip ${state.trip!.id} is still in progress in another tick: not acting twice`);
  const first = liveTrades[0];
  const trip: TripRecord | null = acting && first
    ? {
        id: randomUUID(),
        kind: tradeKind(first)!,
        startedAt: now,
        by: 'guard',
        reason: 'reason' in first ? first.reason : decision.reasons[0] ?? '',
        status: 'pending',
      }
    : state.trip;
  const equity = rawEquity(tradeSnapshot);
  let next: GuardState = {
    ...decision.state,
    trip,
    lastBook: bookOf(tradeSnapshot),
    lastSeenEquity: equity,
    lastOkAt: now,
    historyUntil: (history as TransferInfo | null)?.until ?? state.historyUntil ?? now,
    transfersTotal: state.transfersTotal + netTransfers,
  };
  if (!(await store.put(next, state.version))) {
    // Someone wrote since the read. A live tick of the same moment is acting: stand back. A human
    // act or an older write (another container's, seen through a cached state) is not: decide
    // again on the fresh state, once. No order has been placed yet either way.
    const fresh = await store.get(id);
    const live = fresh?.lastTickAt != null && Math.abs(now - fresh.lastTickAt) < (opts.overlapMs ?? 30_000);
    if (!live && !opts.retried) {
      log.info('state changed since it was read: deciding again on the fresh state', { account: id });
      return runGuardTick(deps, account, { ...opts, retried: true });
    }
    log.warn('state write lost to another tick: nothing done', { account: id });
    return result({ status: decision.level, decision, actions: ['another tick wrote the state first: this tick did nothing'], version: null });
  }
  let version = state.version + 1;

  // 7. Act.
  const actionLines: string[] = [];
  let residuals: TickResult['residuals'] = [];
  let equityAfter: number | null = null;
  const tradeSnapshotBefore = tradeSnapshot;
  if (acting) {
    for (const a of liveTrades) {
      const target = targetOf(a, tradeSnapshot);
      const r = await execute({ exchange, log, sleep }, target, tradeSnapshot);
      actionLines.push(describeExecution(a, r));
      residuals = residuals.concat(r.residuals);
      tradeSnapshot = r.finalSnapshot;
      await store.append({
        accountId: id,
        at: now,
        type: a.type === 'closeAll' ? 'close-all' : 'action',
        level: decision.level,
        message: describeExecution(a, r),
        data: { tripId: trip!.id, orders: r.orders.length, cancelled: r.cancelled, residuals: r.residuals, errors: r.errors.slice(0, 10) },
      });
    }
    const flatEquity = rawEquity(tradeSnapshot);
    equityAfter = flatEquity;
    const done = residuals.length === 0;
    next = {
      ...next,
      version,
      trip: { ...trip!, status: done ? 'done' : 'incomplete' },
      lastBook: bookOf(tradeSnapshot),
      lastEquity: flatEquity,
      lastSeenEquity: flatEquity,
    };
    if (await store.put(next, version)) version++;
  } else {
    for (const a of trades) if ('dryRun' in a && a.dryRun) actionLines.push(`[dry run] would ${a.type}: ${a.reason}`);
  }

  await publishSnapshot(deps, id, tradeSnapshot, now);

  // 8. Alerts (one per tick: the decision, with what was done and what is left) and audit.
  // The outcome first: an SMS is cut at 140 characters.
  const outcome = acting
    ? residuals.length === 0
      ? `${doneLabel(liveTrades, tradeSnapshotBefore)}, confirmed by a fresh read, equity ${fmt(equityAfter)}`
      : `INCOMPLETE, ${residuals.length} position(s) still open`
    : null;
  const decisionAlerts = decision.actions.filter((a) => a.type === 'alert');
  for (const a of decisionAlerts) {
    const kind = outcome !== null && residuals.length > 0 ? 'residual' : a.kind;
    const summary = outcome !== null ? `${outcome} | ${a.message}` : a.message;
    alert(kind, decision.level, summary, alertBody(decision, summary, notes, actionLines, residuals));
  }
  if (acting && decisionAlerts.length === 0) {
    // An action without a level change (an isolated close, enforce-flat while halted).
    const summary = `${outcome} | ${decision.reasons[0] ?? ''}`;
    alert(residuals.length > 0 ? 'residual' : 'info', decision.level, summary, alertBody(decision, summary, notes, actionLines, residuals));
  }
  if (decision.level !== decision.previousLevel || trades.length > 0 || notes.length > 0) {
    await store.append({
      accountId: id,
      at: now,
      type: 'decision',
      level: decision.level,
      message: `${decision.previousLevel} → ${decision.level}${decision.reasons[0] ? `: ${decision.reasons[0]}` : ''}`,
      data: { reasons: decision.reasons, notes, equity, drawdown: decision.drawdown, marginRatio: decision.evaluation.account.marginRatio },
    });
  }
  const sent = await sendAlerts();
  return result({
    status: decision.level,
    decision,
    actions: [...actionLines, ...notes],
    version,
    residuals,
    tripId: acting ? trip!.id : null,
    tripKind: acting ? trip!.kind : null,
    alertsSent: sent,
    equityAfter,
  });

  // --- helpers (hoisted) ---

  async function sendAlerts(): Promise<number> {
    let n = 0;
    for (const a of alerts) {
      try {
        await notifier.notify(a);
        n++;
      } catch (err) {
        log.error('alert delivery failed', { account: id, kind: a.kind, error: (err as Error).message });
        continue;
      }
      const level = (LEVELS as readonly string[]).includes(a.level) ? (a.level as Level) : undefined;
      await store.append({ accountId: id, at: now, type: 'alert', ...(level ? { level } : {}), message: `${a.kind} (${a.level}): ${a.summary}` });
    }
    return n;
  }

  async function unknownTick(why: string, seen: AccountSnapshot | null, auth: boolean): Promise<TickResult> {
    const streak = state.unknownStreak + 1;
    log.warn('UNKNOWN tick: no trade, no peak update', { account: id, exchange: exchange.id, streak, why });
    const unknownState: GuardState = {
      ...state,
      unknownStreak: streak,
      lastTickAt: now,
      lastSeenEquity: seen ? rawEquity(seen) : state.lastSeenEquity,
    };
    const reminderMs = policy.reminderMinutes * 60_000;
    const blind = streak === blindAfter || (streak > blindAfter && reminderMs > 0 && state.lastAlertAt !== null && now - state.lastAlertAt >= reminderMs);
    if (auth && streak === 1) {
      alert('auth', 'UNKNOWN', `exchange REJECTED the API key: fix credentials`, `The exchange rejected the guard's credentials for account ${id}: ${why}\nThe guard cannot see or protect this account until the key is fixed.`);
    } else if (blind) {
      alert('blind', 'UNKNOWN', `guard cannot see account (${streak} ticks)`, `The guard could not trust the data of account ${id} for ${streak} consecutive ticks and placed no order.\nLast reason: ${why}`);
    }
    if (alerts.length) unknownState.lastAlertAt = now;
    const ok = await store.put(unknownState, state.version);
    if (streak === 1 || blind) {
      await store.append({ accountId: id, at: now, type: 'unknown', message: `UNKNOWN (${streak}): ${why}` });
    }
    const sent = await sendAlerts();
    return {
      accountId: id,
      at: now,
      status: 'UNKNOWN',
      level: state.level,
      previousLevel: state.level,
      halted: state.halted,
      paused: state.pausedUntil !== null && state.pausedUntil > now,
      equity: seen ? rawEquity(seen) : null,
      equityAfter: null,
      netTransfers: 0,
      peakEquity: state.peakEquity,
      drawdownPct: null,
      marginRatio: null,
      reasons: [why],
      actions: [],
      alertsSent: sent,
      tripId: null,
      tripKind: null,
      residuals: [],
      stateVersion: ok ? state.version + 1 : null,
    };
  }

  function result(r: {
    status: Level;
    decision: Decision;
    actions: string[];
    version: number | null;
    residuals?: TickResult['residuals'];
    tripId?: string | null;
    tripKind?: TripRecord['kind'] | null;
    alertsSent?: number;
    equityAfter?: number | null;
  }): TickResult {
    const d = r.decision;
    return {
      accountId: id,
      at: now,
      status: r.status,
      level: d.level,
      previousLevel: d.previousLevel,
      halted: d.state.halted,
      paused: d.state.pausedUntil !== null && d.state.pausedUntil > now,
      equity: d.evaluation.account.equity,
      equityAfter: r.equityAfter ?? null,
      netTransfers,
      peakEquity: d.state.peakEquity,
      drawdownPct: d.drawdown === null ? null : d.drawdown * 100,
      marginRatio: d.evaluation.account.marginRatio,
      reasons: d.reasons,
      actions: r.actions,
      alertsSent: r.alertsSent ?? 0,
      tripId: r.tripId ?? null,
      tripKind: r.tripKind ?? null,
      residuals: r.residuals ?? [],
      stateVersion: r.version,
    };
  }
}

function targetOf(a: Action, s: AccountSnapshot): Target {
  if (a.type === 'closeAll') return { kind: 'close-all' };
  if (a.type === 'reduce') {
    return { kind: 'reduce', fraction: a.fraction, keys: a.positions.map((i) => s.positions[i]).filter((p) => p !== undefined).map(positionKey) };
  }
  if (a.type === 'closePosition') {
    const p = s.positions[a.position];
    return { kind: 'close-position', keys: p ? [positionKey(p)] : [] };
  }
  throw new RiskGuardError(`not a trading action: ${a.type}`);
}

/** "CLOSED ALL", "REDUCED 20 %", "CLOSED WIFUSDT long (isolated)": what the orders did, in a few words. */
function doneLabel(trades: Action[], s: AccountSnapshot): string {
  return trades
    .map((a) => {
      if (a.type === 'closeAll') return 'CLOSED ALL';
      if (a.type === 'reduce') return `REDUCED ${Math.round(a.fraction * 100)} %`;
      if (a.type === 'closePosition') {
        const p = s.positions[a.position];
        return p ? `CLOSED ${p.symbol} ${p.side} (${p.marginMode})` : 'CLOSED one position';
      }
      return a.type;
    })
    .join(' + ');
}

function describeExecution(a: Action, r: ExecuteResult): string {
  const what = a.type === 'closeAll' ? 'close-all' : a.type === 'reduce' ? `reduce by ${Math.round(a.fraction * 100)} %` : 'close isolated position';
  const head = `${what}: ${r.orders.length} reduce-only order(s), ${r.cancelled} open order(s) cancelled, ${r.rounds} round(s)`;
  return r.done ? `${head}; confirmed by a fresh read` : `${head}; INCOMPLETE, ${r.residuals.length} position(s) left: ${r.residuals.map((x) => `${x.symbol} ${x.side} ${x.contracts}`).join(', ')}`;
}

function alertBody(d: Decision, message: string, notes: string[], actions: string[] = [], residuals: TickResult['residuals'] = []): string {
  const a = d.evaluation.account;
  const lines = [
    message,
    '',
    `Level: ${d.previousLevel} → ${d.level}`,
    `Equity: ${fmt(a.equity)}  Maintenance margin: ${fmt(a.maintenanceMargin)}  Margin ratio: ${a.marginRatio === null ? '—' : a.marginRatio.toFixed(4)}`,
    `Drawdown from peak ${fmt(d.state.peakEquity)}: ${d.drawdown === null ? '—' : `${(d.drawdown * 100).toFixed(2)} %`}`,
    '',
    'Reasons:',
    ...d.reasons.map((r) => `  - ${r}`),
  ];
  if (actions.length) lines.push('', 'Orders:', ...actions.map((a) => `  - ${a}`));
  if (residuals.length) lines.push('', 'Still open (close by hand or run `riskguard close-all`):', ...residuals.map((r) => `  - ${r.symbol} ${r.side} ${r.contracts}`));
  if (notes.length) lines.push('', 'Notes:', ...notes.map((n) => `  - ${n}`));
  if (d.state.halted) lines.push('', `The account is HALTED. Re-arm by hand once it is safe: riskguard rearm --account ${d.state.accountId} --by NAME --reason TEXT`);
  return lines.join('\n');
}
