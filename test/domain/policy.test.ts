import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { DEFAULT_POLICY, resolvePolicy } from '../../functions/domain/policy.ts';
import { formatIssues } from '../../functions/cli/io.ts';

describe('policy', () => {
  it('has the reference defaults', () => {
    expect(DEFAULT_POLICY.thresholds.WARNING.marginRatio).toBe(0.5);
    expect(DEFAULT_POLICY.thresholds.DANGER.marginRatio).toBe(0.7);
    expect(DEFAULT_POLICY.thresholds.EMERGENCY.marginRatio).toBe(0.85);
    expect(DEFAULT_POLICY.thresholds.EMERGENCY.drawdown).toBe(0.15);
    expect(DEFAULT_POLICY.actions.DANGER.reduceFraction).toBe(0.2);
  });

  it('backstops: on by default with a 0.5 % band, `backstop: false` switches them off, a band out of range is an error', () => {
    expect(resolvePolicy({})).toMatchObject({ backstop: true, backstopBand: 0.005 });
    expect(resolvePolicy({ backstop: false }).backstop).toBe(false);
    expect(resolvePolicy({ backstopBand: 0.01 }).backstopBand).toBe(0.01);
    expect(() => resolvePolicy({ backstopBand: 0.5 })).toThrow();
    expect(() => resolvePolicy({ backstop: 'no' })).toThrow();
  });

  it('merges a partial file over the defaults', () => {
    const p = resolvePolicy({ thresholds: { EMERGENCY: { drawdown: 0.12 } }, dryRun: true });
    expect(p.thresholds.EMERGENCY.drawdown).toBe(0.12);
    expect(p.thresholds.EMERGENCY.marginRatio).toBe(0.85);
    expect(p.dryRun).toBe(true);
  });

  it.each([
    [{ thresholds: { EMERGENCY: { drawdown: 15 } } }, 'thresholds.EMERGENCY.drawdown'],
    [{ thresholds: { DANGER: { marginRatio: 0.9 } } }, 'thresholds.EMERGENCY.marginRatio'],
    [{ hysterisis: 0.1 }, '(top level)'],
    [{ actions: { DANGER: { reduceFraction: -1 } } }, 'actions.DANGER.reduceFraction'],
  ])('reports %j with its path', (override, path) => {
    try {
      resolvePolicy(override);
      expect.unreachable('should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(z.ZodError);
      expect(formatIssues(err as z.ZodError)).toContain(path);
    }
  });
});
