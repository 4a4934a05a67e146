import { evaluateLimits, type LimitFinding, type LimitMetric } from './limits/index.ts';
import { episodeAt, ladderCut, type LadderStep } from './ladder.ts';
import { evaluateAccount } from './margin.ts';
import { applyTransfers, drawdownOf } from './peak.ts';
import type { Policy } from './policy.ts';
import type { Evaluation } from './risk-types.ts';
import type { AccountSnapshot } from './snapshot.ts';
import { LEVELS, levelRank, type GuardState, type Level } from './state.ts';

/**
 * Where a breach lives: the whole account, one isolated position (whose loss is capped), or one
 * position under a per-position limit (limits/position-limits.ts). The last two act alike.
 */
export type Scope = { kind: 'account' } | { kind: 'isolated'; position: number } | { kind: 'position'; position: number };

export interface Finding {
  level: Exclude<Level, 'OK'>;
  scope: Scope;
  metric: 'marginRatio' | 'crossMarginRatio' | 'drawdown' | 'isolatedMarginRatio' | 'stressSurvival' | 'halted' | LimitMetric;
  reason: string;
  /** What the all-clear names, when not derived from the metric (the limits give theirs). */
  label?: string;
}

const fromLimit = (f: LimitFinding): Finding => ({
  level: f.level,
  scope: f.position === undefined ? { kind: 'account' } : { kind: 'position', position: f.position },
  metric: f.metric,
  reason: f.reason,
  label: f.label,
});

export type AlertKind = 'escalation' | 'de-escalation' | 'all-clear' | 'reminder' | 'trip';

/** What the guard must do; orders are placed by the use case, never here. */
export type Action =
  | { type: 'alert'; kind: AlertKind; message: string }
  | { type: 'closeAll'; reason: string; dryRun: boolean }
  | { type: 'reduce'; fraction: number; positions: number[]; reason: string; dryRun: boolean }
  | { type: 'closePosition'; position: number; reason: string; dryRun: boolean };

export interface Decision {
  level: Level;
  previousLevel: Level;
  reasons: string[];
  actions: Action[];
  /** The state to write (version unchanged: the store bumps it on a successful write). */
  state: GuardState;
  evaluation: Evaluation;
  /** Fraction (0.15 = 15 %), null before any peak exists or when the peak is ≤ 0. */
  drawdown: number | null;
}

const BREACH_LEVELS = ['WARNING', 'DANGER', 'EMERGENCY'] as const;

const fmtRatio = (x: number): string => x.toFixed(2);
const fmtPct = (x: number): string => `${(x * 100).toFixed(1)} %`;

interface Metrics {
  accountMarginRatio: number;
  crossMarginRatio: number;
  drawdown: number | null;
  stressSurvival: number | null;
  isolated: { position: number; label: string; marginRatio: number }[];
}

/** Margin ratios with equity ≤ 0 are undefined; for breach checks they count as infinitely bad. */
const ratioOrWorst = (r: number | null, hasExposure: boolean): number =>
  r ?? (hasExposure ? Number.POSITIVE_INFINITY : 0);

function metricsOf(ev: Evaluation, drawdown: number | null): Metrics {
  const cross = ev.pools[0]!;
  const isolated: Metrics['isolated'] = [];
  for (const pool of ev.pools) {
    if (pool.kind !== 'isolated') continue;
    const i = pool.positions[0]!;
    const p = ev.positions[i]!;
    isolated.push({
      position: i,
      label: `isolated ${p.symbol} ${p.side}`,
      marginRatio: ratioOrWorst(pool.marginRatio, true),
    });
  }
  return {
    accountMarginRatio: ratioOrWorst(ev.account.marginRatio, ev.positions.length > 0),
    crossMarginRatio: ratioOrWorst(cross.marginRatio, cross.positions.length > 0),
    drawdown,
    stressSurvival: ev.account.stress.crossSurvivalRatio,
    isolated,
  };
}

const showRatio = (x: number): string => (Number.isFinite(x) ? fmtRatio(x) : 'undefined (equity ≤ 0)');

/**
 * Every breach at every level. `shift` lowers the thresholds (raises, for stress survival) by the
 * hysteresis band: a level is kept while any metric is still within its band.
 */
function findingsOf(m: Metrics, policy: Policy, shift: boolean): Finding[] {
  const out: Finding[] = [];
  const band = policy.hysteresis;
  for (const level of BREACH_LEVELS) {
    const t = policy.thresholds[level];
    const at = (thr: number, b: number) => (shift ? thr - b : thr);
    if (t.marginRatio !== null) {
      const thr = at(t.marginRatio, band.marginRatio);
      if (m.accountMarginRatio >= thr) {
        out.push({
          level,
          scope: { kind: 'account' },
          metric: 'marginRatio',
          reason: `account margin ratio ${showRatio(m.accountMarginRatio)} ≥ ${level} ${fmtRatio(t.marginRatio)}`,
        });
      }
      if (m.crossMarginRatio >= thr) {
        out.push({
          level,
          scope: { kind: 'account' },
          metric: 'crossMarginRatio',
          reason: `cross margin ratio ${showRatio(m.crossMarginRatio)} ≥ ${level} ${fmtRatio(t.marginRatio)}`,
        });
      }
    }
    if (t.drawdown !== null && m.drawdown !== null && m.drawdown >= at(t.drawdown, band.drawdown)) {
      out.push({
        level,
        scope: { kind: 'account' },
        metric: 'drawdown',
        reason: `drawdown ${fmtPct(m.drawdown)} from trailing peak ≥ ${level} ${fmtPct(t.drawdown)}`,
      });
    }
    if (t.stressSurvival !== null && m.stressSurvival !== null) {
      const thr = shift ? t.stressSurvival + band.stressSurvival : t.stressSurvival;
      if (m.stressSurvival < thr) {
        out.push({
          level,
          scope: { kind: 'account' },
          metric: 'stressSurvival',
          reason: `cross pool stress survival ${fmtRatio(m.stressSurvival)} < ${level} ${fmtRatio(t.stressSurvival)} (worst scenario equity / maintenance margin)`,
        });
      }
    }
    if (t.isolatedMarginRatio !== null) {
      const thr = at(t.isolatedMarginRatio, band.marginRatio);
      for (const iso of m.isolated) {
        if (iso.marginRatio >= thr) {
          out.push({
            level,
            scope: { kind: 'isolated', position: iso.position },
            metric: 'isolatedMarginRatio',
            reason: `${iso.label} margin ratio ${showRatio(iso.marginRatio)} ≥ ${level} ${fmtRatio(t.isolatedMarginRatio)}`,
          });
        }
      }
    }
  }
  return out;
}

/**
 * What an evaluation breaches at WARNING or above by its margin, drawdown and stress metrics, on
 * entering (no hysteresis band) and without the limits: for a re-valuation that asks only whether
 * an account at OK may have left it (revalue.ts). Empty: not above OK by these metrics.
 */
export function breachFindings(ev: Evaluation, drawdown: number | null, policy: Policy): Finding[] {
  return findingsOf(metricsOf(ev, drawdown), policy, false);
}

const maxLevel = (fs: Finding[]): Level =>
  fs.reduce<Level>((acc, f) => (levelRank(f.level) > levelRank(acc) ? f.level : acc), 'OK');

/** Only the finding of the highest level per metric and scope, for readable reasons. */
function topFindings(fs: Finding[]): Finding[] {
  const best = new Map<string, Finding>();
  for (const f of fs) {
    const key = `${f.metric}:${f.scope.kind !== 'account' ? f.scope.position : 'account'}`;
    const prev = best.get(key);
    if (!prev || levelRank(f.level) > levelRank(prev.level)) best.set(key, f);
  }
  return [...best.values()].sort((a, b) => levelRank(b.level) - levelRank(a.level));
}

/**
 * The level with hysteresis: it rises at once, and falls only as far as the band-shifted
 * thresholds allow (every metric must be below its threshold by the band).
 */
export function levelWithHysteresis(raw: Level, banded: Level, previous: Level): Level {
  if (levelRank(raw) >= levelRank(previous)) return raw;
  const kept = levelRank(banded) < levelRank(previous) ? banded : previous;
  return levelRank(kept) > levelRank(raw) ? kept : raw;
}

/** What the data gate and the reads of this tick let the decision trust. */
export interface DecideOptions {
  /** The highest value the peak may rise to this tick (confirmed by a second read or the venue's figures); null = equity. */
  peakCap?: number | null;
  /** History rows of unknown type arrived: the drawdown is not judged this tick (margin still is). */
  drawdownUnknown?: boolean;
}

/**
 * The account-wide reduce steps: the policy's ladder (by drawdown), else each level with a
 * `reduceFraction`, reached while an account-wide metric is at that level or above.
 */
function reduceSteps(policy: Policy, drawdown: number | null, accountAt: (l: Level) => boolean): LadderStep[] {
  if (policy.ladder) {
    return policy.ladder.map((r) => ({
      exposure: r.exposure,
      reached: drawdown !== null && drawdown >= r.drawdown,
      label: `drawdown ${drawdown === null ? '—' : fmtPct(drawdown)} ≥ ladder ${fmtPct(r.drawdown)}`,
    }));
  }
  return BREACH_LEVELS.filter((l) => policy.actions[l].reduceFraction > 0).map((l) => ({
    exposure: 1 - policy.actions[l].reduceFraction,
    reached: accountAt(l),
    label: l,
  }));
}

const isPaused = (state: GuardState, now: number): boolean => state.pausedUntil !== null && state.pausedUntil > now;

/**
 * The pure decision for one tick: level, reasons, actions and the next state.
 *
 * @param now ms since epoch (injected: replays and tests own the clock)
 */
export function decide(snapshot: AccountSnapshot, state: GuardState, policy: Policy, now: number, opts: DecideOptions = {}): Decision {
  const evaluation = evaluateAccount(snapshot, policy.stress);
  const equity = evaluation.account.equity;
  // After a re-arm the first accepted tick inside the window re-bases the peak at its equity
  // (a confirmed value, like any peak); past the window (an UNKNOWN streak, lost writes) the
  // re-arm's fallback peak stands.
  const rebasing = state.rebaseUntil !== null && now <= state.rebaseUntil;
  const cap = opts.peakCap ?? null;
  const peak = rebasing
    ? { peakEquity: cap === null ? equity : Math.min(equity, cap), peakAt: now }
    : applyTransfers(state.peakEquity, state.peakAt, equity, snapshot.netTransfers ?? 0, now, cap);
  const drawdown = opts.drawdownUnknown ? null : drawdownOf(peak.peakEquity, equity);

  const metrics = metricsOf(evaluation, drawdown);
  const limits = evaluateLimits(evaluation, state, policy, now, snapshot.netTransfers ?? 0, !opts.drawdownUnknown, cap);
  const raw = [...findingsOf(metrics, policy, false), ...limits.findings(false).map(fromLimit)];
  const rawLevel = maxLevel(raw);
  const bandLevel = maxLevel([...findingsOf(metrics, policy, true), ...limits.findings(true).map(fromLimit)]);
  const previousLevel = state.level;
  let level = levelWithHysteresis(rawLevel, bandLevel, previousLevel);

  const findings = topFindings(raw);
  const reasons = findings.map((f) => f.reason);
  const open = evaluation.positions.length;
  if (state.halted && open > 0) {
    level = 'EMERGENCY';
    reasons.unshift(`account is HALTED but ${open} position(s) are open: enforcing flat`);
  } else if (levelRank(level) > levelRank(rawLevel)) {
    reasons.push(`holding ${level}: a metric is still within the hysteresis band of its threshold`);
  }

  const paused = isPaused(state, now);
  const dryRun = policy.dryRun;
  const trades: Action[] = [];
  const escalated = levelRank(level) > levelRank(previousLevel);
  const accountAt = (l: Level) => raw.some((f) => f.scope.kind === 'account' && levelRank(f.level) >= levelRank(l));
  const gross = evaluation.positions.reduce((s, p) => s + Math.abs(p.notional), 0);
  const episode = episodeAt(state.ladder, peak.peakEquity === null ? null : peak.peakAt, gross);
  let ladder = episode;

  if (state.halted) {
    if (open > 0) trades.push({ type: 'closeAll', reason: 'halted: enforce flat', dryRun });
  } else {
    const act = policy.actions;
    // `closeAll: true` at a level closes all from that level up (more risk never does less).
    const closeLevel = BREACH_LEVELS.find((l) => act[l].closeAll && levelRank(l) <= levelRank(level) && accountAt(l));
    if (closeLevel && open > 0) {
      const why = findings.find((f) => f.scope.kind === 'account' && levelRank(f.level) >= levelRank(closeLevel))!;
      trades.push({ type: 'closeAll', reason: why.reason, dryRun });
    } else {
      // An isolated position that breaches alone (or one past a per-position limit) is closed
      // alone, every tick until it is gone.
      const closed = new Set<number>();
      for (const f of raw) {
        if (f.scope.kind !== 'account' && act[f.level].closeAll && !closed.has(f.scope.position)) {
          closed.add(f.scope.position);
          trades.push({ type: 'closePosition', position: f.scope.position, reason: f.reason, dryRun });
        }
      }
      // Account-wide: cut to the deepest reached step's target once per episode (ladder.ts),
      // counting what this tick's position closes leave and cutting only those positions.
      const kept = evaluation.positions.filter((p) => !closed.has(p.index));
      const keptGross = kept.reduce((s, p) => s + Math.abs(p.notional), 0);
      const step = kept.length > 0 ? ladderCut(reduceSteps(policy, drawdown, accountAt), episode, keptGross) : { cut: null, episode };
      const cut = step.cut;
      if (cut) {
        trades.push({
          type: 'reduce',
          fraction: cut.fraction,
          positions: kept.map((p) => p.index),
          reason: `${cut.label}: reduce gross exposure by ${fmtPct(cut.fraction)} to ${fmtPct(cut.target / episode.peakExposure)} of its ${Math.round(episode.peakExposure).toLocaleString('en-US')} at the peak`,
          dryRun,
        });
      }
      // Withheld orders (paused) leave the step to be cut when the pause ends.
      if (!(paused && cut)) ladder = step.episode;
      const reduceLevel = BREACH_LEVELS.find((l) => l === level);
      const fraction = reduceLevel ? act[reduceLevel].reduceFraction : 0;
      // Isolated (or per-position) breaches alone: cut those positions on entering the level.
      if (escalated && fraction > 0 && open > 0 && !accountAt(level)) {
        const closing = new Set(trades.map((t) => (t.type === 'closePosition' ? t.position : -1)));
        const isolated = [
          ...new Set(
            raw
              .filter((f) => f.scope.kind !== 'account' && levelRank(f.level) >= levelRank(level))
              .map((f) => (f.scope as { position: number }).position)
              .filter((i) => !closing.has(i)),
          ),
        ];
        if (isolated.length > 0) {
          const what = raw.some((f) => f.scope.kind === 'position') ? 'position(s)' : 'isolated position(s)';
          trades.push({ type: 'reduce', fraction, positions: isolated, reason: `${level}: reduce the breaching ${what} by ${fmtPct(fraction)}`, dryRun });
        }
      }
    }
  }

  const actions: Action[] = [];
  const breaches = level === 'OK' ? [] : [...new Set([...state.breaches, ...findings.map((f) => labelOf(f, evaluation))])];
  let next: GuardState = {
    ...state,
    level,
    peakEquity: peak.peakEquity,
    peakAt: peak.peakAt,
    lastEquity: equity,
    ...(evaluation.currency !== undefined ? { currency: evaluation.currency } : {}),
    lastTickAt: now,
    unknownStreak: 0,
    rebaseUntil: null,
    breaches,
    ...limits.state,
    ladder,
  };

  if (paused && trades.length > 0) {
    reasons.push(
      `paused by ${state.pausedBy ?? 'unknown'} until ${new Date(state.pausedUntil!).toISOString()}: ${trades.length} automatic order action(s) withheld`,
    );
  } else {
    actions.push(...trades);
  }

  const closeAll = actions.find((a) => a.type === 'closeAll');
  if (closeAll && !closeAll.dryRun && !state.halted) {
    next = { ...next, halted: true, haltedAt: now, haltReason: closeAll.reason };
  }

  const alert = alertFor({
    level,
    previous: previousLevel,
    state,
    policy,
    now,
    reasons,
    tripping: closeAll !== undefined && !closeAll.dryRun && !state.halted,
    paused,
    trades,
    flat: open === 0,
    cleared: state.breaches.map((b) => `${b} now ${limits.values.get(b) ?? nowValue(b, metrics, evaluation)}`),
  });
  if (alert) {
    actions.unshift(alert);
    next = { ...next, lastAlertAt: now, remindersSent: alert.kind === 'reminder' ? state.remindersSent + 1 : 0 };
  } else if (level !== previousLevel) {
    next = { ...next, remindersSent: 0 };
  }
  return { level, previousLevel, reasons, actions, state: next, evaluation, drawdown };
}

/** A breach as the all-clear names it: "drawdown", "cross margin ratio", "isolated ETHUSDT long margin ratio". */
function labelOf(f: Finding, ev: Evaluation): string {
  if (f.label !== undefined) return f.label;
  switch (f.metric) {
    case 'marginRatio':
      return 'account margin ratio';
    case 'crossMarginRatio':
      return 'cross margin ratio';
    case 'drawdown':
      return 'drawdown';
    case 'stressSurvival':
      return 'stress survival';
    case 'isolatedMarginRatio': {
      const p = f.scope.kind === 'isolated' ? ev.positions[f.scope.position] : undefined;
      return p ? `isolated ${p.symbol} ${p.side} margin ratio` : 'isolated margin ratio';
    }
    default:
      return f.metric;
  }
}

/** The current value of a labelled metric, for the all-clear ("drawdown now 3.1 %"). */
function nowValue(label: string, m: Metrics, ev: Evaluation): string {
  if (label === 'account margin ratio') return showRatio(m.accountMarginRatio);
  if (label === 'cross margin ratio') return showRatio(m.crossMarginRatio);
  if (label === 'drawdown') return m.drawdown === null ? '—' : fmtPct(m.drawdown);
  if (label === 'stress survival') return m.stressSurvival === null ? '—' : fmtRatio(m.stressSurvival);
  const iso = m.isolated.find((i) => `${i.label} margin ratio` === label);
  if (iso) return showRatio(iso.marginRatio);
  // The isolated position is gone (closed or reduced away).
  return ev.positions.length === 0 ? 'flat' : 'closed';
}

/** A halted, flat account is reminded after 30 min (reminderMinutes), then doubling, at most every 12 h. */
export const MAX_REMINDER_MS = 12 * 3_600_000;

/** The state that matters, first on the summary line (the SMS): HALTED, PAUSED, DRY RUN. */
function stateTag(halted: boolean, paused: boolean, trades: Action[]): string | null {
  if (halted) return 'HALTED';
  if (paused) return 'PAUSED (orders withheld)';
  const dry = trades.find((t) => 'dryRun' in t && t.dryRun);
  if (!dry) return null;
  if (dry.type === 'closeAll') return 'DRY RUN: would close all';
  if (dry.type === 'reduce') return `DRY RUN: would reduce ${fmtPct(dry.fraction)}`;
  return 'DRY RUN: would close a position';
}

interface AlertInput {
  level: Level;
  previous: Level;
  state: GuardState;
  policy: Policy;
  now: number;
  reasons: string[];
  /** A live close-all that halts the account now. */
  tripping: boolean;
  paused: boolean;
  /** Order actions this tick would take (withheld ones included when paused). */
  trades: Action[];
  flat: boolean;
  /** "drawdown now 3.1 %": what was in breach, with its value now. */
  cleared: string[];
}

/**
 * Alert rules: on a level change and every `reminderMinutes` while above OK or halted; a level
 * whose `actions.<LEVEL>.alert` is false sends none (a live trip and a halted account always do).
 * Dry-run follows the same rule. Never ALL-CLEAR while halted or paused.
 */
function alertFor(i: AlertInput): Extract<Action, { type: 'alert' }> | null {
  const { level, previous, state, policy, now } = i;
  const head = i.reasons[0] ?? 'all metrics below their thresholds';
  if (i.tripping) return { type: 'alert', kind: 'trip', message: `${previous} → ${level}, close all: ${head}` };
  const tag = stateTag(state.halted, i.paused, i.trades);
  const tagged = (m: string) => (tag ? `${tag} | ${m}` : m);
  const wanted = level === 'OK' ? levelRank(previous) === 0 || policy.actions[previous as Exclude<Level, 'OK'>].alert : policy.actions[level].alert;
  const allowed = wanted || state.halted;
  if (levelRank(level) > levelRank(previous)) {
    return allowed ? { type: 'alert', kind: 'escalation', message: tagged(`${previous} → ${level}: ${head}`) } : null;
  }
  if (levelRank(level) < levelRank(previous)) {
    if (!allowed) return null;
    if (level === 'OK' && !state.halted && !i.paused) {
      const what = i.cleared.length > 0 ? `cleared: ${i.cleared.join(', ')}` : head;
      return { type: 'alert', kind: 'all-clear', message: `${previous} → OK: all clear, ${what}` };
    }
    return { type: 'alert', kind: 'de-escalation', message: tagged(`${previous} → ${level}: ${head}`) };
  }
  const reminderMs = policy.reminderMinutes * 60_000;
  if (reminderMs === 0 || !allowed || (level === 'OK' && !state.halted)) return null;
  const every = state.halted && i.flat ? Math.min(reminderMs * 2 ** state.remindersSent, MAX_REMINDER_MS) : reminderMs;
  if (state.lastAlertAt !== null && now - state.lastAlertAt < every) return null;
  const what = state.halted ? 'HALTED (re-arm with `riskguard rearm`)' : tagged(`still ${level}`);
  return { type: 'alert', kind: 'reminder', message: `${what}: ${head}` };
}

export { LEVELS };
