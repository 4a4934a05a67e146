import { describe, expect, it } from 'vitest';
import { decide } from '../../../functions/domain/decide.ts';
import { equityFloorFindings, floorAfterTransfers, type FloorRef } from '../../../functions/domain/limits/equity-floor.ts';
import type { LevelLimit } from '../../../functions/domain/policy.ts';
import type { Level } from '../../../functions/domain/state.ts';
import { btcBook, NOW, stateAt, withLimits } from './fixtures.ts';

const ref = (configured: LevelLimit, adjusted: LevelLimit = configured): FloorRef => ({ configured, adjusted });

describe('floorAfterTransfers', () => {
  it.each<[string, FloorRef | null, LevelLimit, number, number, LevelLimit]>([
    ['no reference yet: the policy levels', null, { EMERGENCY: 8_000 }, 10_000, 0, { EMERGENCY: 8_000 }],
    ['no transfer: unchanged', ref({ EMERGENCY: 8_000 }, { EMERGENCY: 9_000 }), { EMERGENCY: 8_000 }, 10_000, 0, { EMERGENCY: 9_000 }],
    ['a deposit of 1,000 adds 1,000 to every level', ref({ WARNING: 9_000, EMERGENCY: 8_000 }), { WARNING: 9_000, EMERGENCY: 8_000 }, 11_000, 1_000, { WARNING: 10_000, EMERGENCY: 9_000 }],
    ['a withdrawal of half the equity halves the floor', ref({ EMERGENCY: 8_000 }), { EMERGENCY: 8_000 }, 5_000, -5_000, { EMERGENCY: 4_000 }],
    ['a withdrawal of 1,000 from 10,000 scales by 0.9', ref({ EMERGENCY: 8_000 }), { EMERGENCY: 8_000 }, 9_000, -1_000, { EMERGENCY: 7_200 }],
    ['a policy change starts again from the new levels', ref({ EMERGENCY: 8_000 }, { EMERGENCY: 9_000 }), { EMERGENCY: 7_000 }, 10_000, 500, { EMERGENCY: 7_000 }],
  ])('%s', (_name, before, policy, equity, transfers, adjusted) => {
    const after = floorAfterTransfers(before, policy, equity, transfers);
    expect(after.adjusted).toEqual(adjusted);
    expect(after.configured).toEqual(before && before.configured.EMERGENCY === policy.EMERGENCY ? before.configured : policy);
  });

  it('moves the floor exactly as the peak moves (peakAfterTransfers)', async () => {
    const { peakAfterTransfers } = await import('../../../functions/domain/peak.ts');
    for (const [equity, t] of [[11_000, 1_000], [5_000, -5_000], [100, -9_900], [-50, -100]] as const) {
      expect(floorAfterTransfers(ref({ EMERGENCY: 8_000 }), { EMERGENCY: 8_000 }, equity, t).adjusted.EMERGENCY).toBe(peakAfterTransfers(8_000, equity, t));
    }
  });
});

describe('equityFloorFindings', () => {
  const levels = ref({ WARNING: 9_000, DANGER: 8_500, EMERGENCY: 8_000 });
  it.each<[number, boolean, Level[]]>([
    [9_500, false, []],
    [9_000, false, []], // at the floor is not below it
    [8_999.99, false, ['WARNING']],
    [8_400, false, ['WARNING', 'DANGER']],
    [7_950, false, ['WARNING', 'DANGER', 'EMERGENCY']],
    [9_050, true, ['WARNING']], // within the 1 % band above 9,000 (9,090)
    [9_100, true, []],
  ])('equity %d (band shifted: %s) breaches %j', (equity, shift, expected) => {
    expect(equityFloorFindings(equity, levels, 0.01, shift).map((f) => f.level)).toEqual(expected);
  });

  it('explains the breach with both amounts, and where the floor came from once moved', () => {
    expect(equityFloorFindings(7_950, ref({ EMERGENCY: 8_000 }), 0.01, false)[0]).toEqual({
      level: 'EMERGENCY',
      metric: 'equityFloor',
      label: 'equity floor',
      reason: 'equity 7,950.00 USDT < EMERGENCY floor 8,000.00 USDT',
    });
    expect(equityFloorFindings(8_950, ref({ EMERGENCY: 8_000 }, { EMERGENCY: 9_000 }), 0.01, false)[0]!.reason).toBe(
      'equity 8,950.00 USDT < EMERGENCY floor 9,000.00 USDT (8,000.00 USDT as configured, moved by deposits and withdrawals since)',
    );
  });
});

describe('decide with an equity floor', () => {
  const policy = withLimits({ equityFloor: { WARNING: 9_000, EMERGENCY: 8_000 } });

  it('closes all and halts when equity falls below the EMERGENCY floor', () => {
    // equity 7,950; the peak at the same equity, so only the floor speaks
    const d = decide(btcBook(10_000, 47_950), stateAt({ peakEquity: 7_950 }), policy, NOW);
    expect(d.level).toBe('EMERGENCY');
    expect(d.reasons[0]).toBe('equity 7,950.00 USDT < EMERGENCY floor 8,000.00 USDT');
    expect(d.actions.map((a) => a.type)).toEqual(['alert', 'closeAll']);
    expect(d.actions[1]).toMatchObject({ type: 'closeAll', reason: 'equity 7,950.00 USDT < EMERGENCY floor 8,000.00 USDT' });
    expect(d.state.halted).toBe(true);
    expect(d.state.floorRef).toEqual({ configured: { WARNING: 9_000, EMERGENCY: 8_000 }, adjusted: { WARNING: 9_000, EMERGENCY: 8_000 } });
  });

  it('is not used when the policy has none, and adds nothing to the state', () => {
    const d = decide(btcBook(10_000, 47_950), stateAt({ peakEquity: 7_950 }), withLimits(undefined), NOW);
    expect(d.level).toBe('OK');
    expect('floorRef' in d.state).toBe(false);
  });

  it('raises the floor by a deposit: 1,000 in, the same 8,950 equity is now under it', () => {
    const state = stateAt({ peakEquity: 12_000, floorRef: { configured: { WARNING: 9_000, EMERGENCY: 8_000 }, adjusted: { WARNING: 9_000, EMERGENCY: 8_000 } } });
    const d = decide(btcBook(11_000, 47_950, 1_000), state, withLimits({ equityFloor: { WARNING: 9_000, EMERGENCY: 8_000 } }, { thresholds: { WARNING: { drawdown: null, stressSurvival: null }, DANGER: { drawdown: null, stressSurvival: null }, EMERGENCY: { drawdown: null } } }), NOW);
    expect(d.state.floorRef!.adjusted).toEqual({ WARNING: 10_000, EMERGENCY: 9_000 });
    expect(d.level).toBe('EMERGENCY');
    expect(d.reasons[0]).toMatch(/^equity 8,950\.00 USDT < EMERGENCY floor 9,000\.00 USDT \(8,000\.00 USDT as configured/);
  });

  it('does not trip on a withdrawal that takes equity under the configured floor', () => {
    const state = stateAt({ peakEquity: 10_000, floorRef: { configured: { EMERGENCY: 8_000 }, adjusted: { EMERGENCY: 8_000 } } });
    // 10,000 before; 5,000 withdrawn → equity 5,000, floor 4,000
    const d = decide(btcBook(5_000, 50_000, -5_000), state, withLimits({ equityFloor: { EMERGENCY: 8_000 } }), NOW);
    expect(d.level).toBe('OK');
    expect(d.state.floorRef!.adjusted.EMERGENCY).toBe(4_000);
    expect(d.actions).toEqual([]);
  });

  it('holds WARNING inside the hysteresis band above the floor, and clears above it naming the equity', () => {
    const warned = decide(btcBook(10_000, 48_950), stateAt({ peakEquity: 8_950 }), policy, NOW);
    expect(warned.level).toBe('WARNING');
    const held = decide(btcBook(10_000, 49_050), warned.state, policy, NOW + 60_000); // 9,050 < 9,090
    expect(held.level).toBe('WARNING');
    const clear = decide(btcBook(10_000, 49_100), held.state, policy, NOW + 120_000);
    expect(clear.level).toBe('OK');
    expect(clear.actions[0]).toMatchObject({ kind: 'all-clear', message: expect.stringContaining('equity floor now equity 9,100.00 USDT (floor WARNING 9,000.00 USDT, EMERGENCY 8,000.00 USDT)') });
  });

  it('is not judged while the history holds rows of unknown type, as the drawdown is not', () => {
    const d = decide(btcBook(10_000, 47_950), stateAt({ peakEquity: 7_950 }), policy, NOW, { drawdownUnknown: true });
    expect(d.level).toBe('OK');
    expect(d.state.floorRef).toBeDefined();
  });

  it('drops its reference from the state when the floor is removed from the policy', () => {
    const state = stateAt({ peakEquity: 10_000, floorRef: { configured: { EMERGENCY: 8_000 }, adjusted: { EMERGENCY: 8_000 } } });
    expect(decide(btcBook(10_000), state, withLimits(undefined), NOW).state.floorRef).toBeNull();
  });
});
