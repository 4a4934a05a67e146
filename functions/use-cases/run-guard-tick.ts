import { randomUUID } from 'node:crypto';
import { publishSnapshot } from './publish-snapshot.ts';
import { decide, type Action, type Decision } from '../domain/decide.ts';
import { bookOf, DEFAULT_GATE, positionKey, rawEquity, walletOf, type GateOptions } from '../domain/gate.ts';
import { evaluateAccount } from '../domain/margin.ts';
import { AccountReader } from './read-account.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import { initialState, LEVELS, type GuardState, type Level, type TripRecord } from '../domain/state.ts';
import { RiskGuardError } from '../errors.ts';
import type { Alert } from '../ports.ts';
import { money } from '../domain/alert-format.ts';
import { execute, type ExecuteResult, type Target } from './execute.ts';
import { writeMerged } from './state-write.ts';
import { withRetry, realSleep } from './retry.ts';
import type { GuardDeps, GuardedAccount, TickResult } from './types.ts';

export interface TickOptions {
  gate?: GateOptions;
  /** Consecutive UNKNOWN ticks before "guard cannot see account" (default 3). */
  blindAfter?: number;
  /** …and at least this long without trusted data (ms; default 20 s), so a fast cadence does not cry blind in seconds. */
  blindAfterMs?: number;
  /** The history is read at least this often (ms), and whenever the book or the wallet changed. */
  historyEveryMs?: number;
  /** Each history read re-reads this much before the last one's end (ms, market time): late rows are found. */
  historyOverlapMs?: number;
  /** A new high more than this fraction above the peak must be confirmed before the peak rises. */
  peakRiseTolerance?: number;
  /** Time the tick may spend retrying reads (ms). */
  budgetMs?: number;
  /**
   * A pending trip whose heartbeat is younger than this (ms) belongs to a live tick: do not act
   * twice. Default 15 s (a tick refreshes it before every order and read, each at most 10 s), or
   * three of that tick's heartbeat intervals when it ran a timer.
   */
  tripLeaseMs?: number;
  /** Refresh the trip's heartbeat on a timer this often while acting (ms); real-time callers only. */
  heartbeatEveryMs?: number;
  /** No order starts after this time (ms, tick clock): time is kept to write, audit and alert. */
  actDeadline?: number;
  /** Force dry-run whatever the policy says. */
  dryRun?: boolean;
  /** A state written by a tick within this many ms counts as a live overlapping tick (default 30 s). */
  overlapMs?: number;
  /** Set on the one retry after a lost write; not for callers. */
  retried?: boolean;
}

/** Bounded re-decisions when human acts keep writing during one tick. */
const MAX_MERGES = 3;

const tradeKind = (a: Action): TripRecord['kind'] | null =>
  a.type === 'closeAll' ? 'close-all' : a.type === 'reduce' ? 'reduce' : a.type === 'closePosition' ? 'close-position' : null;

const liveTradesOf = (d: Decision): Action[] => d.actions.filter((a) => tradeKind(a) !== null && !('dryRun' in a && a.dryRun));

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
  const blindAfterMs = opts.blindAfterMs ?? 20_000;
  const historyEveryMs = opts.historyEveryMs ?? 60_000;
  const now = clock.now();
  const deadline = now + (opts.budgetMs ?? 20_000);
  const retry = <T>(fn: () => Promise<T>) =>
    withRetry(fn, { attempts: 4, baseDelayMs: 200, now: () => clock.now(), deadline, sleep });

  const state = (await store.get(id)) ?? initialState(id);
  const alerts: Alert[] = [];
  const alert = (kind: Alert['kind'], level: string, summary: string, body: string) =>
    alerts.push({ accountId: id, kind, level, summary, body, at: now });

  // 1–3. Read the account and its history, judged by the data gate: never trade on a guess.
  const reader = new AccountReader(exchange, state, now, retry, {
    gate: gateOpts,
    historyEveryMs,
    historyOverlapMs: opts.historyOverlapMs ?? 120_000,
    peakRiseTolerance: opts.peakRiseTolerance ?? 0.002,
    equityOf: (s) => evaluateAccount(s, policy.stress).account.equity,
  });
  const read = await reader.read();
  if (read.kind === 'unknown') return unknownTick(read.why, read.seen, read.auth);
  let snapshot = read.snapshot;
  let verdict = read.verdict;
  const notes = [...read.notes];

  // 4. Decide.
  let capNow: number | null = read.peakCap;
  let decision = decide({ ...snapshot, netTransfers: verdict.transfers }, state, policy, now, { peakCap: capNow, drawdownUnknown: verdict.drawdownUnknown });
  // A confirming read may not raise the peak above what the first read established.
  const peakCap = read.peakCap ?? decision.evaluation.account.equity;
  for (const v of verdict.liquidated) {
    alert('liquidation', decision.level, `${v.symbol} ${v.side} LIQUIDATED by the exchange`, `${verdict.notes.join('\n')}\n`);
  }

  // 5. Before any order: read again and act only if the breach holds.
  const wantsTrade = (d: Decision) => d.actions.some((a) => tradeKind(a) !== null && !('dryRun' in a && a.dryRun));
  let tradeSnapshot = snapshot;
  let confirmedRead = false;
  if (wantsTrade(decision)) {
    confirmedRead = true;
    capNow = peakCap;
    const again = await reader.confirm(snapshot);
    if (again.kind === 'unknown') return unknownTick(again.why, again.seen, again.auth);
    const d2 = decide({ ...again.snapshot, netTransfers: again.verdict.transfers }, state, policy, now, {
      peakCap,
      drawdownUnknown: again.verdict.drawdownUnknown,
    });
    if (!wantsTrade(d2)) notes.push('the breach did not hold on a confirming read: no order placed');
    decision = d2;
    tradeSnapshot = again.snapshot;
    snapshot = again.snapshot;
    verdict = again.verdict;
  }

  // 6. Write the state (and the trip id) before any order: an overlapping tick loses here.
  // A pending trip whose tick still shows signs of life is that tick's; one whose heartbeat went
  // quiet belongs to a tick that died in it (killed, timed out): this tick takes it over at once.
  // A human act (pause, resume, rearm, close-all) or a group close that wrote meanwhile leaves
  // lastTickAt alone: decide again on top of it with this tick's own reads and write again, bounded.
  const equity = rawEquity(tradeSnapshot);
  const confirmed = confirmedRead;
  const netTransfers = verdict.transfers;
  const decideOpts = { peakCap: capNow, drawdownUnknown: verdict.drawdownUnknown };
  const heartbeatEveryMs = opts.heartbeatEveryMs;
  const cursor = reader.cursor(tradeSnapshot);
  // A key that can withdraw is a risk the guard itself reports: once, then daily (nothing in the cloud runs doctor).
  const keyAlert = exchange.keyCanWithdraw?.() === true && (state.keyAlertAt === null || now - state.keyAlertAt >= 24 * 3_600_000);
  const planOn = (base: GuardState, d: Decision) => {
    let liveTrades = liveTradesOf(d);
    const pending = base.trip !== null && base.trip.status === 'pending' ? base.trip : null;
    const tripBusy = pending !== null && now - (pending.heartbeatAt ?? pending.startedAt) < staleAfterMs(pending, opts);
    const resumed = pending !== null && !tripBusy ? pending : null;
    const resumingClose = resumed?.kind === 'close-all' && !policy.dryRun;
    if (resumingClose && !liveTrades.some((a) => a.type === 'closeAll') && tradeSnapshot.positions.length > 0) {
      liveTrades = [{ type: 'closeAll', reason: resumed!.reason, dryRun: false }];
    }
    const acting = (liveTrades.length > 0 || resumingClose) && !tripBusy;
    const first = liveTrades[0];
    const trip: TripRecord | null = resumingClose
      ? { ...resumed!, resumedAt: now, heartbeatAt: now, ...(heartbeatEveryMs ? { heartbeatEveryMs } : {}) }
      : acting && first
        ? {
            id: randomUUID(),
            kind: tradeKind(first)!,
            startedAt: now,
            by: 'guard',
            reason: 'reason' in first ? first.reason : d.reasons[0] ?? '',
            status: 'pending',
            heartbeatAt: now,
            ...(heartbeatEveryMs ? { heartbeatEveryMs } : {}),
          }
        : resumed
          ? { ...resumed, status: 'incomplete', resumedAt: now }
          : base.trip;
    const next: GuardState = {
      ...d.state,
      ...cursor,
      trip,
      lastBook: bookOf(tradeSnapshot),
      // The baseline the next tick's history explains from: this snapshot, before any order of ours.
      lastWallet: walletOf(tradeSnapshot),
      pendingCredit: verdict.pendingCredit,
      lastSeenEquity: equity,
      lastOkAt: now,
      transfersTotal: base.transfersTotal + netTransfers,
      ...(keyAlert ? { keyAlertAt: now } : {}),
    };
    return { trades: d.actions.filter((a) => tradeKind(a) !== null), liveTrades, tripBusy, acting, trip, next, resumed, resumingClose };
  };
  let base = state;
  let plan = planOn(base, decision);
  for (let merges = 0; !(await store.put(plan.next, base.version)); merges++) {
    const fresh = await store.get(id);
    const humanAct = fresh !== null && fresh.lastTickAt === base.lastTickAt;
    if (humanAct && merges < MAX_MERGES) {
      const again = decide({ ...tradeSnapshot, netTransfers }, fresh, policy, now, decideOpts);
      // An order this tick's reads did not confirm waits for a tick that confirms it.
      if (liveTradesOf(again).length > 0 && !confirmed && !opts.retried) return runGuardTick(deps, account, { ...opts, retried: true });
      log.info('a human act changed the state during this tick: applying the tick on top of it', { account: id });
      base = fresh;
      decision = again;
      plan = planOn(base, decision);
      continue;
    }
    // Another tick wrote. A live one of the same moment is acting: stand back. An older write
    // (another container's, seen through a cached state) is not: run again on the fresh state, once.
    const live = fresh?.lastTickAt != null && Math.abs(now - fresh.lastTickAt) < (opts.overlapMs ?? 30_000);
    if (!humanAct && !live && !opts.retried) {
      log.info('state changed since it was read: deciding again on the fresh state', { account: id });
      return runGuardTick(deps, account, { ...opts, retried: true });
    }
    log.warn(humanAct ? 'state kept changing under human acts: nothing done' : 'state write lost to another tick: nothing done', { account: id });
    return result({
      status: decision.level,
      decision,
      actions: [humanAct ? 'the state kept changing under human acts: this tick did nothing, the next one decides' : 'another tick wrote the state first: this tick did nothing'],
      version: null,
    });
  }
  const { trades, liveTrades, acting, trip, resumed, resumingClose } = plan;
  let next = plan.next;
  if (plan.liveTrades.length > 0 && plan.tripBusy) notes.push(`trip ${base.trip!.id} is still in progress in another tick: not acting twice`);
  if (resumed) {
    notes.push(
      `trip ${resumed.id} (${resumed.kind}, started ${new Date(resumed.startedAt).toISOString()}) was left unfinished by a tick that stopped: ${resumingClose ? 'finishing it now' : 'the account is judged afresh'}`,
    );
  }
  let version = base.version + 1;

  // 7. Act. A heartbeat on the trip before every order and read (and on a timer where the
  // caller asks for one) tells a later tick that this one is alive.
  const actionLines: string[] = [];
  let residuals: TickResult['residuals'] = [];
  let equityAfter: number | null = null;
  const tradeSnapshotBefore = tradeSnapshot;
  let residualAlertDue = false;
  if (acting) {
    let current: GuardState = { ...next, version };
    let writes = Promise.resolve();
    const save = (change: (s: GuardState) => GuardState) => {
      writes = writes.then(async () => {
        const w = await writeMerged(store, id, current, change);
        if (w) {
          current = w.state;
          version = w.version;
        }
      });
      return writes;
    };
    const ownTrip = (s: GuardState): boolean => s.trip?.id === trip!.id;
    const beat = () => save((s) => (ownTrip(s) ? { ...s, trip: { ...s.trip!, heartbeatAt: clock.now() } } : s));
    const timer = heartbeatEveryMs ? setInterval(() => void beat(), heartbeatEveryMs) : null;
    try {
      for (const a of liveTrades) {
        const target = targetOf(a, tradeSnapshot);
        const r = await execute({ exchange, log, sleep }, target, tradeSnapshot, {
          onStep: beat,
          now: () => clock.now(),
          ...(opts.actDeadline !== undefined ? { deadline: opts.actDeadline } : {}),
        });
        actionLines.push(describeExecution(a, r));
        residuals = residuals.concat(r.residuals);
        tradeSnapshot = r.finalSnapshot;
        await store.append({
          accountId: id,
          at: now,
          type: a.type === 'closeAll' ? 'close-all' : 'action',
          level: decision.level,
          message: `${resumed ? 'resumed ' : ''}${describeExecution(a, r)}`,
          data: { tripId: trip!.id, orders: r.orders.length, cancelled: r.cancelled, residuals: r.residuals, errors: r.errors.slice(0, 10), ...(resumed ? { resumed: true } : {}) },
        });
      }
    } finally {
      if (timer) clearInterval(timer);
      await writes;
    }
    const flatEquity = rawEquity(tradeSnapshot);
    equityAfter = flatEquity;
    const done = residuals.length === 0;
    const finalBook = bookOf(tradeSnapshot);
    // The trip's outcome is written whatever a human act wrote meanwhile (merged, not dropped).
    // Residuals are alerted with the trip, then on a back-off while they last (not every tick).
    residualAlertDue = !done && (!state.halted || state.residualAlertAt === null || now - state.residualAlertAt >= residualBackoffMs(state.residualAlerts));
    await save((s) => ({
      ...s,
      trip: ownTrip(s) ? { ...s.trip!, status: done ? 'done' : 'incomplete', heartbeatAt: clock.now() } : s.trip,
      lastBook: finalBook,
      lastEquity: flatEquity,
      lastSeenEquity: flatEquity,
      ...(done ? { residualAlertAt: null, residualAlerts: 0 } : residualAlertDue ? { residualAlertAt: now, residualAlerts: s.residualAlerts + 1 } : {}),
    }));
    next = current;
  } else {
    for (const a of trades) if ('dryRun' in a && a.dryRun) actionLines.push(`[dry run] would ${a.type}: ${a.reason}`);
  }

  await publishSnapshot(deps, id, tradeSnapshot, now);

  // 8. Alerts (one per tick: the decision, with what was done and what is left) and audit.
  // The outcome first: an SMS is cut at 140 characters.
  const outcome = acting
    ? residuals.length === 0
      ? `${liveTrades.length ? doneLabel(liveTrades, tradeSnapshotBefore) : 'FLAT'}, confirmed by a fresh read, equity ${money(equityAfter)}`
      : `INCOMPLETE, ${residuals.length} position(s) still open`
    : null;
  const decisionAlerts = decision.actions.filter((a) => a.type === 'alert');
  if (resumed) {
    // The trip of a tick that died in it is alerted once, by the tick that finished it.
    const what = resumingClose ? `RESUMED close-all after the guard stopped mid-trip: ${outcome}` : `a ${resumed.kind} was interrupted when the guard stopped; the account is judged afresh`;
    const summary = `${what} | ${resumed.reason}`;
    alert(resumingClose ? (residuals.length > 0 ? 'residual' : 'trip') : 'info', decision.level, summary, alertBody(decision, summary, notes, actionLines, residuals));
  }
  // One alert per tick: a resumed trip's alert carries the decision's reasons in its body.
  for (const a of resumed ? [] : decisionAlerts) {
    const kind = outcome !== null && residuals.length > 0 ? 'residual' : a.kind;
    const summary = outcome !== null ? `${outcome} | ${a.message}` : a.message;
    alert(kind, decision.level, summary, alertBody(decision, summary, notes, actionLines, residuals));
  }
  if (acting && decisionAlerts.length === 0 && !resumingClose && (residuals.length === 0 || residualAlertDue)) {
    // An action without a level change (an isolated close, enforce-flat while halted); what it
    // could not close is alerted on the residual back-off.
    const summary = `${outcome} | ${decision.reasons[0] ?? ''}`;
    alert(residuals.length > 0 ? 'residual' : 'info', decision.level, summary, alertBody(decision, summary, notes, actionLines, residuals));
  }
  if (keyAlert) {
    alert(
      'auth',
      decision.level,
      'API key can WITHDRAW: replace it with a read + trade key',
      `The exchange reports that the API key guarding account ${id} has withdrawal permission. A guard needs read and trade only: a leaked key that can withdraw can empty the account. Create a key without withdrawal permission (restricted to your guard's IP), put it in place, and delete this one. This alert repeats daily while the key can withdraw.`,
    );
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

  /**
   * Writes change(base); when a human act wrote since (it leaves lastTickAt alone), applies the
   * change on top of it, bounded. The version written, or null when another tick wrote.
   */
  async function writeOver(from: GuardState, change: (s: GuardState) => GuardState): Promise<number | null> {
    const w = await writeMerged(store, id, from, change, { attempts: MAX_MERGES + 1, mergeWith: (fresh, before) => fresh.lastTickAt === before.lastTickAt });
    return w?.version ?? null;
  }

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
    // Blind after `blindAfter` ticks in a row that also span `blindAfterMs` without trusted data:
    // at a 1-s cadence three ticks are three seconds — a history row arriving late, not blindness.
    const blindAt = (at: number, n: number) => n >= blindAfter && (state.lastOkAt === null || at - state.lastOkAt >= blindAfterMs);
    const wasBlind = state.lastTickAt !== null && blindAt(state.lastTickAt, state.unknownStreak);
    const blind = (blindAt(now, streak) && !wasBlind) || (wasBlind && reminderMs > 0 && state.lastAlertAt !== null && now - state.lastAlertAt >= reminderMs);
    if (auth && streak === 1) {
      alert('auth', 'UNKNOWN', `exchange REJECTED the API key: fix credentials`, `The exchange rejected the guard's credentials for account ${id}: ${why}\nThe guard cannot see or protect this account until the key is fixed.`);
    } else if (blind) {
      alert('blind', 'UNKNOWN', `guard cannot see account (${streak} ticks)`, `The guard could not trust the data of account ${id} for ${streak} consecutive ticks and placed no order.\nLast reason: ${why}`);
    }
    if (alerts.length) unknownState.lastAlertAt = now;
    const own = { unknownStreak: streak, lastTickAt: now, lastSeenEquity: unknownState.lastSeenEquity, lastAlertAt: unknownState.lastAlertAt };
    const written = await writeOver(state, (s) => (s === state ? unknownState : { ...s, ...own }));
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
      stateVersion: written,
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
      netTransfers: verdict.transfers,
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

/** 1 min after the first residual alert, then doubling, at most 30 min apart. */
export function residualBackoffMs(alertsSoFar: number): number {
  return Math.min(30 * 60_000, 60_000 * 2 ** Math.max(0, alertsSoFar - 1));
}

function staleAfterMs(trip: TripRecord, opts: TickOptions): number {
  if (opts.tripLeaseMs !== undefined) return opts.tripLeaseMs;
  return trip.heartbeatEveryMs !== undefined ? Math.max(5_000, 3 * trip.heartbeatEveryMs) : 15_000;
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
  const what = a.type === 'closeAll' ? 'close-all' : a.type === 'reduce' ? `reduce by ${Math.round(a.fraction * 100)} %` : 'close one position';
  const head = `${what}: ${r.orders.length} reduce-only order(s), ${r.cancelled} open order(s) cancelled, ${r.rounds} round(s)`;
  return r.done ? `${head}; confirmed by a fresh read` : `${head}; INCOMPLETE, ${r.residuals.length} position(s) left: ${r.residuals.map((x) => `${x.symbol} ${x.side} ${x.contracts}`).join(', ')}`;
}

function alertBody(d: Decision, message: string, notes: string[], actions: string[] = [], residuals: TickResult['residuals'] = []): string {
  const a = d.evaluation.account;
  const lines = [
    message,
    '',
    `Level: ${d.previousLevel} → ${d.level}`,
    `Equity: ${money(a.equity)}  Maintenance margin: ${money(a.maintenanceMargin)}  Margin ratio: ${a.marginRatio === null ? '—' : a.marginRatio.toFixed(4)}`,
    `Drawdown from peak ${money(d.state.peakEquity)}: ${d.drawdown === null ? '—' : `${(d.drawdown * 100).toFixed(2)} %`}`,
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
