import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ConfigSchema, resolveAccounts } from '../../../functions/config.ts';
import { DEFAULT_POLICY, resolvePolicy } from '../../../functions/domain/policy.ts';
import { GuardStateSchema, initialState } from '../../../functions/domain/state.ts';
import { formatIssues } from '../../../functions/validation.ts';

const ALL = {
  equityFloor: { WARNING: 9_000, EMERGENCY: 8_000 },
  periodLoss: { period: 'week', weekday: 'monday', resetAt: '08:00', timeZone: 'Europe/Berlin', DANGER: 0.03, EMERGENCY: 0.05 },
  positionLoss: { EMERGENCY: 500 },
  positionLossOfEquity: { DANGER: 0.02, EMERGENCY: 0.04 },
  symbolNotional: { BTCUSDT: { EMERGENCY: 50_000 }, ETHUSDT: { WARNING: 20_000, EMERGENCY: 30_000 } },
};

describe('policy limits', () => {
  it('are off by default: no limit is made up', () => {
    expect(DEFAULT_POLICY.limits).toBeUndefined();
    expect(resolvePolicy({}).limits).toBeUndefined();
    expect(resolvePolicy({ limits: {} }).limits).toEqual({});
  });

  it('parse every option as given, with nothing added', () => {
    expect(resolvePolicy({ limits: ALL }).limits).toEqual(ALL);
  });

  it.each([
    [{ equityFloor: {} }, 'limits.equityFloor: give at least one of WARNING, DANGER, EMERGENCY'],
    [{ equityFloor: { WARNING: 8_000, EMERGENCY: 9_000 } }, 'limits.equityFloor.EMERGENCY: must be ≤ WARNING (8000)'],
    [{ equityFloor: { EMERGENCY: -1 } }, 'limits.equityFloor.EMERGENCY'],
    [{ equityFloor: { EMERGENCY: 8_000, FLOOR: 1 } }, 'limits.equityFloor'],
    [{ periodLoss: { period: 'week', resetAt: '00:00', timeZone: 'UTC', EMERGENCY: 0.05 } }, 'limits.periodLoss.weekday: required when period is "week"'],
    [{ periodLoss: { period: 'day', weekday: 'monday', resetAt: '00:00', timeZone: 'UTC', EMERGENCY: 0.05 } }, 'limits.periodLoss.weekday: only allowed when period is "week"'],
    [{ periodLoss: { period: 'day', resetAt: '24:00', timeZone: 'UTC', EMERGENCY: 0.05 } }, 'limits.periodLoss.resetAt'],
    [{ periodLoss: { period: 'day', resetAt: '00:00', timeZone: 'Mars/Olympus', EMERGENCY: 0.05 } }, 'limits.periodLoss.timeZone: must be an IANA time zone'],
    [{ periodLoss: { period: 'day', resetAt: '00:00', EMERGENCY: 0.05 } }, 'limits.periodLoss.timeZone'],
    [{ periodLoss: { period: 'day', resetAt: '00:00', timeZone: 'UTC', EMERGENCY: 5 } }, 'limits.periodLoss.EMERGENCY'],
    [{ periodLoss: { period: 'day', resetAt: '00:00', timeZone: 'UTC', DANGER: 0.05, EMERGENCY: 0.03 } }, 'limits.periodLoss.EMERGENCY: must be ≥ DANGER (0.05)'],
    [{ positionLossOfEquity: { EMERGENCY: 5 } }, 'limits.positionLossOfEquity.EMERGENCY'],
    [{ positionLoss: { DANGER: 800, EMERGENCY: 500 } }, 'limits.positionLoss.EMERGENCY: must be ≥ DANGER (800)'],
    [{ symbolNotional: { BTCUSDT: { EMERGENCY: 0 } } }, 'limits.symbolNotional.BTCUSDT.EMERGENCY'],
    [{ maxLoss: 500 }, 'limits'],
  ])('refuse %j, naming the path', (limits, message) => {
    try {
      resolvePolicy({ limits });
      expect.unreachable('should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(z.ZodError);
      expect(formatIssues(err as z.ZodError)).toContain(message);
    }
  });

  it('are taken from riskguard.config.json, per account over the top-level policy', () => {
    const config = ConfigSchema.parse({
      policy: { limits: { equityFloor: { EMERGENCY: 8_000 } } },
      accounts: [
        { id: 'a', exchange: 'binanceusdm', credentials: { apiKeyEnv: 'K', secretEnv: 'S' } },
        { id: 'b', exchange: 'binanceusdm', credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, policy: { limits: { positionLoss: { EMERGENCY: 500 } } } },
      ],
    });
    const [a, b] = resolveAccounts(config);
    expect(a!.policy.limits).toEqual({ equityFloor: { EMERGENCY: 8_000 } });
    expect(b!.policy.limits).toEqual({ equityFloor: { EMERGENCY: 8_000 }, positionLoss: { EMERGENCY: 500 } });
  });
});

describe('guard state with limit references', () => {
  it('parses a state stored before the limits existed', () => {
    const { floorRef: _f, periodStart: _p, periodStartEquity: _e, ...old } = { ...initialState('a'), floorRef: null, periodStart: null, periodStartEquity: null };
    const parsed = GuardStateSchema.parse(old);
    expect(parsed.floorRef).toBeUndefined();
    expect(parsed.periodStart).toBeUndefined();
  });

  it('round-trips the references', () => {
    const s = { ...initialState('a'), floorRef: { configured: { EMERGENCY: 8_000 }, adjusted: { EMERGENCY: 9_000 } }, periodStart: 1, periodStartEquity: 10_000 };
    expect(GuardStateSchema.parse(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });
});
