import { describe, expect, it } from 'vitest';
import { initialState, type GuardState } from '../../functions/domain/state.ts';
import { decideGroup, groupCurrency, type GroupMember } from '../../functions/use-cases/group.ts';

const T0 = 1_760_054_400_000;
const member = (accountId: string, equity: number | null, more: Partial<GroupMember> = {}): GroupMember => ({
  accountId,
  status: equity === null ? 'UNKNOWN' : 'OK',
  equity,
  halted: false,
  ...more,
});
const withPeak = (peakEquity: number, more: Partial<GuardState> = {}): GuardState => ({
  ...initialState('group:g'),
  version: 3,
  peakEquity,
  peakAt: T0,
  lastEquity: peakEquity,
  ...more,
});

describe('decideGroup', () => {
  it('takes the first total as the peak', () => {
    const d = decideGroup(initialState('group:g'), [member('a', 10_000), member('b', 10_000)], 0.1, T0);
    expect(d).toMatchObject({ kind: 'ok', equity: 20_000, peakEquity: 20_000, drawdown: 0, close: [] });
    expect(d.state).toMatchObject({ peakEquity: 20_000, peakAt: T0, lastEquity: 20_000, lastOkAt: T0, halted: false });
  });

  it.each([
    ['below the limit', 9_500, 9_000, 'ok', 0.075],
    ['exactly at the limit', 9_000, 9_000, 'trip', 0.1],
    ['past it, neither member alone at 10 %', 8_600, 9_200, 'trip', 0.11],
  ] as const)('%s: %i + %i of a 20,000 peak', (_label, a, b, kind, drawdown) => {
    const d = decideGroup(withPeak(20_000), [member('a', a), member('b', b)], 0.1, T0 + 60_000);
    expect(d.kind).toBe(kind);
    expect(d.drawdown).toBeCloseTo(drawdown, 12);
  });

  it('trips all members, halts the group and says why with numbers', () => {
    const d = decideGroup(withPeak(20_000), [member('a', 8_600), member('b', 9_200, { halted: true })], 0.1, T0 + 60_000);
    expect(d.close).toEqual(['a', 'b']);
    expect(d.level).toBe('EMERGENCY');
    expect(d.state).toMatchObject({ halted: true, haltedAt: T0 + 60_000, level: 'EMERGENCY', peakEquity: 20_000, lastEquity: 17_800 });
    expect(d.reasons[0]).toBe('group drawdown 11.0 % ≥ limit 10.0 % (equity 17,800.00 USDT, peak 20,000.00 USDT)');
  });

  it('raises the peak with equity', () => {
    const d = decideGroup(withPeak(20_000), [member('a', 11_000), member('b', 10_500)], 0.1, T0 + 60_000);
    expect(d.state).toMatchObject({ peakEquity: 21_500, peakAt: T0 + 60_000 });
  });

  it('does not count a withdrawal as a loss (peak rescaled like an account)', () => {
    // 9.9 % down, then b withdraws 4,000: the peak shrinks in proportion and the drawdown stays 9.9 %.
    const before = decideGroup(withPeak(20_000), [member('a', 9_000), member('b', 9_020)], 0.1, T0 + 60_000);
    expect(before.kind).toBe('ok');
    const after = decideGroup(before.state, [member('a', 9_000), member('b', 5_020, { netTransfers: -4_000 })], 0.1, T0 + 120_000);
    expect(after.kind).toBe('ok');
    expect(after.drawdown).toBeCloseTo(before.drawdown!, 12);
  });

  it('nets a transfer between two members to nothing', () => {
    const d = decideGroup(withPeak(20_000), [member('a', 6_000, { netTransfers: -4_000 }), member('b', 14_000, { netTransfers: 4_000 })], 0.1, T0 + 60_000);
    expect(d).toMatchObject({ kind: 'ok', peakEquity: 20_000, drawdown: 0 });
  });

  it('neither updates the peak nor trips when a member cannot be seen', () => {
    const state = withPeak(20_000);
    const d = decideGroup(state, [member('a', 1_000), member('b', null)], 0.1, T0 + 60_000);
    expect(d).toMatchObject({ kind: 'unknown', equity: null, drawdown: null, close: [] });
    expect(d.state).toMatchObject({ peakEquity: 20_000, lastEquity: 20_000, unknownStreak: 1, halted: false });
    expect(d.reasons[0]).toMatch(/b could not be trusted/);
  });

  it('while halted, closes only the members that are not halted, and never trips again', () => {
    const halted = withPeak(20_000, { halted: true, haltedAt: T0, haltReason: 'group drawdown 11.0 % ≥ limit 10.0 %', level: 'EMERGENCY' });
    const d = decideGroup(halted, [member('a', 8_600, { halted: true }), member('b', 9_200)], 0.1, T0 + 60_000);
    expect(d).toMatchObject({ kind: 'halted', close: ['b'] });
    expect(d.state.haltedAt).toBe(T0);
    const quiet = decideGroup(halted, [member('a', 8_600, { halted: true }), member('b', 9_200, { halted: true })], 0.1, T0 + 60_000);
    expect(quiet.close).toEqual([]);
  });
});

describe('the group’s currency in its reasons', () => {
  it.each([
    [[undefined, undefined], 'USDT'],
    [['USDC', 'USDC'], 'USDC'],
    [['USDT', 'USDC'], 'USDT+USDC'],
    [['USDC', undefined], 'USDT+USDC'],
  ] as const)('members in %j → %s', (currencies, label) => {
    const members = currencies.map((c, i) => member(`m${i}`, 4_000, c ? { currency: c } : {}));
    expect(groupCurrency(members)).toBe(label);
    const d = decideGroup(withPeak(10_000), members, 0.1, T0 + 60_000);
    expect(d.kind).toBe('trip');
    expect(d.reasons[0]).toContain(`(equity 8,000.00 ${label}, peak 10,000.00 ${label})`);
  });
});
