import { describe, expect, it } from 'vitest';
import { decide, MAX_REMINDER_MS, type Action } from '../../functions/domain/decide.ts';
import { resolvePolicy, type Policy } from '../../functions/domain/policy.ts';
import type { AccountSnapshot } from '../../functions/domain/snapshot.ts';
import { initialState, type GuardState, type Level } from '../../functions/domain/state.ts';

const NOW = 1_760_054_400_000;
const MIN = 60_000;

/** One cross BTC long (MM 500 at mark 50,000) whose margin ratio is set by the wallet. */
const crossBook = (wallet: number, mark = 50_000): AccountSnapshot => ({
  crossWalletBalance: wallet,
  positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 1, entryPrice: 50_000, markPrice: mark, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.01 }],
});
const flat = (wallet: number): AccountSnapshot => ({ crossWalletBalance: wallet, positions: [] });
const stateAt = (over: Partial<GuardState> = {}): GuardState => ({ ...initialState('a'), version: 3, ...over });
const noStress = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });
const withPolicy = (over: object): Policy => resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } }, over);
const alertOf = (actions: Action[]) => actions.find((a): a is Extract<Action, { type: 'alert' }> => a.type === 'alert');
const trades = (actions: Action[]) => actions.filter((a) => a.type !== 'alert').map((a) => a.type);

describe('decide: policy knobs', () => {
  // wallet 900 → margin ratio 0.56 (WARNING), 650 → 0.77 (DANGER), 550 → 0.91 (EMERGENCY)
  it.each<[string, object, number, Level, string[]]>([
    ['defaults: DANGER reduces', {}, 650, 'DANGER', ['reduce']],
    ['DANGER closeAll: true closes all at DANGER', { actions: { DANGER: { closeAll: true } } }, 650, 'DANGER', ['closeAll']],
    ['DANGER closeAll: true closes all at EMERGENCY too', { actions: { DANGER: { closeAll: true }, EMERGENCY: { closeAll: false } } }, 550, 'EMERGENCY', ['closeAll']],
    ['WARNING closeAll: true closes all at WARNING', { actions: { WARNING: { closeAll: true } } }, 900, 'WARNING', ['closeAll']],
    // Past DANGER too, so DANGER's target (80 % of the exposure at the peak) applies (ladder.ts).
    ['EMERGENCY closeAll: false places no close-all, only the DANGER cut', { actions: { EMERGENCY: { closeAll: false } } }, 550, 'EMERGENCY', ['reduce']],
    ['EMERGENCY closeAll: false and no reduce at DANGER places nothing', { actions: { EMERGENCY: { closeAll: false }, DANGER: { reduceFraction: 0 } } }, 550, 'EMERGENCY', []],
    ['DANGER closeAll does not act at WARNING', { actions: { DANGER: { closeAll: true } } }, 900, 'WARNING', []],
  ])('%s', (_name, over, wallet, level, want) => {
    const d = decide(crossBook(wallet), stateAt({ peakEquity: wallet }), withPolicy(over), NOW);
    expect(d.level).toBe(level);
    expect(trades(d.actions)).toEqual(want);
    expect(d.state.halted).toBe(want.includes('closeAll'));
  });

  it.each<[string, object, number, string | undefined]>([
    ['WARNING alert: false sends nothing on entering WARNING', { actions: { WARNING: { alert: false } } }, 900, undefined],
    ['WARNING alert: true (default) alerts', {}, 900, 'escalation'],
    ['DANGER alert: false sends nothing on entering DANGER', { actions: { DANGER: { alert: false, reduceFraction: 0 } } }, 650, undefined],
    ['EMERGENCY alert: false still alerts a live trip', { actions: { EMERGENCY: { alert: false } } }, 550, 'trip'],
  ])('%s', (_name, over, wallet, kind) => {
    const d = decide(crossBook(wallet), stateAt({ peakEquity: wallet }), withPolicy(over), NOW);
    expect(alertOf(d.actions)?.kind).toBe(kind);
  });

  it('alert: false silences reminders at that level', () => {
    const p = withPolicy({ actions: { WARNING: { alert: false } } });
    const d = decide(crossBook(900), stateAt({ peakEquity: 900, level: 'WARNING', lastAlertAt: NOW - 120 * MIN }), p, NOW);
    expect(alertOf(d.actions)).toBeUndefined();
  });
});

describe('decide: dry run alerts by the same rule as live', () => {
  const dry = { ...noStress, dryRun: true };
  it('alerts on entering EMERGENCY, then only every reminderMinutes, not once per tick', () => {
    const first = decide(crossBook(550), stateAt({ peakEquity: 550 }), dry, NOW);
    expect(alertOf(first.actions)).toMatchObject({ kind: 'escalation' });
    expect(alertOf(first.actions)!.message).toMatch(/^DRY RUN: would close all \| OK → EMERGENCY: /);
    let s = first.state;
    const kinds: (string | undefined)[] = [];
    for (let t = 1; t <= 31; t++) {
      const d = decide(crossBook(550), s, dry, NOW + t * MIN);
      kinds.push(alertOf(d.actions)?.kind);
      s = d.state;
    }
    // 30 quiet ticks, then one reminder at 30 minutes.
    expect(kinds.filter((k) => k !== undefined)).toEqual(['reminder']);
    expect(kinds[29]).toBe('reminder');
    expect(s.halted).toBe(false);
  });

  it('a dry-run reminder says what would be done first', () => {
    const d = decide(crossBook(550), stateAt({ peakEquity: 550, level: 'EMERGENCY', lastAlertAt: NOW - 30 * MIN }), dry, NOW);
    expect(alertOf(d.actions)!.message).toMatch(/^DRY RUN: would close all \| still EMERGENCY: /);
  });
});

describe('decide: the summary carries the state that matters first', () => {
  it.each<[string, Partial<GuardState>, AccountSnapshot, string, RegExp]>([
    ['halted and flat, level falls to OK', { halted: true, level: 'EMERGENCY', peakEquity: 10_000, breaches: ['drawdown'] }, flat(10_000), 'de-escalation', /^HALTED \| EMERGENCY → OK: /],
    ['paused, level falls to OK', { pausedUntil: NOW + 60 * MIN, pausedBy: 'ana', level: 'DANGER', peakEquity: 2_000 }, crossBook(2_000), 'de-escalation', /^PAUSED \(orders withheld\) \| DANGER → OK: /],
    ['paused, escalates (orders withheld)', { pausedUntil: NOW + 60 * MIN, pausedBy: 'ana', peakEquity: 550 }, crossBook(550), 'escalation', /^PAUSED \(orders withheld\) \| OK → EMERGENCY: /],
    ['neither: a real all-clear naming what cleared', { level: 'DANGER', peakEquity: 2_000, breaches: ['cross margin ratio'] }, crossBook(2_000), 'all-clear', /^DANGER → OK: all clear, cleared: cross margin ratio now 0\.25$/],
  ])('%s', (_name, over, snapshot, kind, message) => {
    const d = decide(snapshot, stateAt(over), noStress, NOW);
    const a = alertOf(d.actions);
    expect(a?.kind).toBe(kind);
    expect(a!.message).toMatch(message);
  });

  it('never sends an ALL-CLEAR while halted or paused', () => {
    for (const over of [{ halted: true }, { pausedUntil: NOW + MIN, pausedBy: 'ana' }]) {
      const d = decide(flat(10_000), stateAt({ ...over, level: 'EMERGENCY', peakEquity: 10_000 }), noStress, NOW);
      expect(alertOf(d.actions)?.kind).not.toBe('all-clear');
    }
  });

  it('remembers every breach since leaving OK, and forgets them at OK', () => {
    const a = decide(crossBook(900), stateAt({ peakEquity: 900 }), noStress, NOW);
    expect(a.state.breaches).toEqual(['account margin ratio', 'cross margin ratio']);
    const b = decide(crossBook(2_000), a.state, noStress, NOW + MIN);
    expect(b.level).toBe('OK');
    expect(alertOf(b.actions)!.message).toBe('WARNING → OK: all clear, cleared: account margin ratio now 0.25, cross margin ratio now 0.25');
    expect(b.state.breaches).toEqual([]);
  });
});

describe('decide: reminders back off once halted and flat', () => {
  it('30 min, then doubling, capped at 12 h', () => {
    let s = stateAt({ halted: true, level: 'OK', peakEquity: 10_000, lastAlertAt: NOW });
    const gaps: number[] = [];
    let last = NOW;
    for (let t = NOW + MIN; t <= NOW + 4 * 24 * 60 * MIN; t += MIN) {
      const d = decide(flat(10_000), s, noStress, t);
      if (alertOf(d.actions)?.kind === 'reminder') {
        gaps.push((t - last) / MIN);
        last = t;
      }
      s = d.state;
    }
    expect(gaps.slice(0, 8)).toEqual([30, 60, 120, 240, 480, 720, 720, 720]);
    expect(Math.max(...gaps)).toBe(MAX_REMINDER_MS / MIN);
  });

  it('any change resets the schedule', () => {
    const s = stateAt({ halted: true, level: 'OK', peakEquity: 10_000, lastAlertAt: NOW, remindersSent: 5 });
    // A position reappears: enforce flat, alert, and the count starts again.
    const d = decide(crossBook(10_000), s, noStress, NOW + MIN);
    expect(alertOf(d.actions)?.kind).toBe('escalation');
    expect(d.state.remindersSent).toBe(0);
  });

  it('an account with positions open keeps the plain reminder interval', () => {
    const s = stateAt({ level: 'DANGER', peakEquity: 650, lastAlertAt: NOW, remindersSent: 5 });
    expect(alertOf(decide(crossBook(650), s, noStress, NOW + 30 * MIN).actions)?.kind).toBe('reminder');
  });
});

describe('decide: the re-arm re-base window', () => {
  it.each<[string, Partial<GuardState>, number, number]>([
    ['first accepted tick inside the window sets the peak at its equity', { peakEquity: 9_800, rebaseUntil: NOW + 5 * MIN }, 5_387, 5_387],
    ['after the window the re-arm fallback peak stands (a loss stays a loss)', { peakEquity: 9_800, rebaseUntil: NOW - MIN }, 5_387, 9_800],
    ['without a window the trailing peak only rises', { peakEquity: 9_800 }, 5_387, 9_800],
  ])('%s', (_name, over, equity, peak) => {
    const d = decide(flat(equity), stateAt(over), noStress, NOW);
    expect(d.state.peakEquity).toBe(peak);
    expect(d.state.rebaseUntil).toBeNull();
  });

  it('a 45 % loss after the window is an EMERGENCY, not "drawdown 0.00 %"', () => {
    const d = decide(crossBook(5_387 - 0), stateAt({ peakEquity: 9_800, rebaseUntil: NOW - MIN }), noStress, NOW);
    expect(d.drawdown).toBeCloseTo(1 - 5_387 / 9_800, 6);
    expect(d.level).toBe('EMERGENCY');
  });
});
