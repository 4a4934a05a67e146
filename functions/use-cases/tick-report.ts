import { money as moneyIn } from '../domain/alert-format.ts';
import { settlementOf } from '../venues/catalog.ts';
import type { Action, Decision } from '../domain/decide.ts';
import { rawEquity } from '../domain/gate.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import { LEVELS, type Level, type TripRecord } from '../domain/state.ts';
import { publishSnapshot } from './publish-snapshot.ts';
import type { CloseOutcome } from './tick-close.ts';
import type { TickPlan } from './tick-commit.ts';
import type { TickContext } from './tick-context.ts';
import type { TickResult } from './types.ts';

/**
 * Step 8: keep the snapshot for agents, then the alerts (one per tick: the decision, with what
 * was done and what is left) and the audit trail; returns the tick's result.
 */
export async function reportTick(
  ctx: TickContext,
  t: { decision: Decision; plan: TickPlan; keyAlert: boolean; before: AccountSnapshot; netTransfers: number; notes: string[]; close: CloseOutcome },
): Promise<TickResult> {
  const { deps, id, now } = ctx;
  const { decision, plan, notes, close } = t;
  const { acting, liveTrades, resumed, resumingClose, trades } = plan;
  const { residuals, actionLines } = close;
  const currency = settlementOf(ctx.account.config.exchange);
  const money = (x: number | null | undefined) => moneyIn(x, currency);
  await publishSnapshot(deps, id, close.snapshot, now);

  // The outcome first: an SMS is cut at 140 characters.
  const outcome = acting
    ? residuals.length === 0
      ? `${liveTrades.length ? doneLabel(liveTrades, t.before) : 'FLAT'}, confirmed by a fresh read, equity ${money(close.equityAfter)}`
      : `INCOMPLETE, ${residuals.length} position(s) still open`
    : null;
  const decisionAlerts = decision.actions.filter((a) => a.type === 'alert');
  if (resumed) {
    // The trip of a tick that died in it is alerted once, by the tick that finished it.
    const what = resumingClose ? `RESUMED close-all after the guard stopped mid-trip: ${outcome}` : `a ${resumed.kind} was interrupted when the guard stopped; the account is judged afresh`;
    const summary = `${what} | ${resumed.reason}`;
    ctx.alert(resumingClose ? (residuals.length > 0 ? 'residual' : 'trip') : 'info', decision.level, summary, alertBody(decision, summary, notes, actionLines, residuals, currency));
  }
  // One alert per tick: a resumed trip's alert carries the decision's reasons in its body.
  for (const a of resumed ? [] : decisionAlerts) {
    const kind = outcome !== null && residuals.length > 0 ? 'residual' : a.kind;
    const summary = outcome !== null ? `${outcome} | ${a.message}` : a.message;
    ctx.alert(kind, decision.level, summary, alertBody(decision, summary, notes, actionLines, residuals, currency));
  }
  if (acting && decisionAlerts.length === 0 && !resumingClose && (residuals.length === 0 || close.residualAlertDue)) {
    // An action without a level change (an isolated close, enforce-flat while halted); what it
    // could not close is alerted on the residual back-off.
    const summary = `${outcome} | ${decision.reasons[0] ?? ''}`;
    ctx.alert(residuals.length > 0 ? 'residual' : 'info', decision.level, summary, alertBody(decision, summary, notes, actionLines, residuals, currency));
  }
  const keyWarning = t.keyAlert && ctx.deps.exchange.keyCanWithdraw?.() !== true ? (ctx.deps.exchange.keyWarning?.() ?? null) : null;
  if (keyWarning !== null) {
    ctx.alert('auth', decision.level, `guard key: ${keyWarning.split(':')[0]}`, `The key guarding account ${id}: ${keyWarning}. This alert repeats daily while it holds.`);
  } else if (t.keyAlert) {
    ctx.alert(
      'auth',
      decision.level,
      'API key can WITHDRAW: replace it with a read + trade key',
      `The exchange reports that the API key guarding account ${id} has withdrawal permission. A guard needs read and trade only: a leaked key that can withdraw can empty the account. Create a key without withdrawal permission (restricted to your guard's IP), put it in place, and delete this one. This alert repeats daily while the key can withdraw.`,
    );
  }
  if (decision.level !== decision.previousLevel || trades.length > 0 || notes.length > 0) {
    await deps.store.append({
      accountId: id,
      at: now,
      type: 'decision',
      level: decision.level,
      message: `${decision.previousLevel} → ${decision.level}${decision.reasons[0] ? `: ${decision.reasons[0]}` : ''}`,
      data: { reasons: decision.reasons, notes, equity: rawEquity(t.before), drawdown: decision.drawdown, marginRatio: decision.evaluation.account.marginRatio },
    });
  }
  const sent = await sendAlerts(ctx);
  return tickResult(ctx, {
    status: decision.level,
    decision,
    netTransfers: t.netTransfers,
    actions: [...actionLines, ...notes],
    version: close.version,
    residuals,
    tripId: acting ? plan.trip!.id : null,
    tripKind: acting ? plan.trip!.kind : null,
    alertsSent: sent,
    equityAfter: close.equityAfter,
    snapshot: close.snapshot,
  });
}

/** Sends the tick's alerts one by one (a failed one is logged, the rest still go) and audits each sent. */
export async function sendAlerts(ctx: TickContext): Promise<number> {
  const { notifier, log, store } = ctx.deps;
  let n = 0;
  for (const a of ctx.alerts) {
    try {
      await notifier.notify(a);
      n++;
    } catch (err) {
      log.error('alert delivery failed', { account: ctx.id, kind: a.kind, error: (err as Error).message });
      continue;
    }
    const level = (LEVELS as readonly string[]).includes(a.level) ? (a.level as Level) : undefined;
    await store.append({ accountId: ctx.id, at: ctx.now, type: 'alert', ...(level ? { level } : {}), message: `${a.kind} (${a.level}): ${a.summary}` });
  }
  return n;
}

/** The result of a tick that decided (whether or not it could write). */
export function tickResult(
  ctx: TickContext,
  r: {
    status: Level;
    decision: Decision;
    netTransfers: number;
    actions: string[];
    version: number | null;
    residuals?: TickResult['residuals'];
    tripId?: string | null;
    tripKind?: TripRecord['kind'] | null;
    alertsSent?: number;
    equityAfter?: number | null;
    snapshot?: AccountSnapshot;
  },
): TickResult {
  const d = r.decision;
  return {
    accountId: ctx.id,
    at: ctx.now,
    currency: settlementOf(ctx.account.config.exchange),
    status: r.status,
    level: d.level,
    previousLevel: d.previousLevel,
    halted: d.state.halted,
    paused: d.state.pausedUntil !== null && d.state.pausedUntil > ctx.now,
    equity: d.evaluation.account.equity,
    equityAfter: r.equityAfter ?? null,
    netTransfers: r.netTransfers,
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
    ...(r.snapshot ? { snapshot: r.snapshot } : {}),
  };
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

function alertBody(d: Decision, message: string, notes: string[], actions: string[] = [], residuals: TickResult['residuals'] = [], currency?: string): string {
  const a = d.evaluation.account;
  const money = (x: number | null | undefined) => moneyIn(x, currency);
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
