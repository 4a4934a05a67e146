import { describe, expect, it } from 'vitest';
import { runDemo } from '../../../functions/cli/demo.ts';

/**
 * `riskguard demo --venue bybit`: the real 2025-10-10 crash replayed on the Bybit dialect, the
 * guard reading and closing through ccxt's bybit class. A UTA book is one margin mode (cross).
 */
describe('riskguard demo --venue bybit', () => {
  it('trips once, closes flat (confirmed by a fresh read) and keeps what the unguarded book loses', async () => {
    const lines: string[] = [];
    const s = await runDemo({ venue: 'bybit', out: (l) => lines.push(l) });
    expect(lines.join('\n')).toContain('cross 10x WIFUSDT long');
    expect(s.tripped).toBe(true);
    expect(s.flatConfirmed).toBe(true);
    expect(s.drawdownAtTripPct!).toBeGreaterThanOrEqual(s.thresholdPct);
    expect(s.noGuardFinalEquity).toBe(0);
    expect(s.finalEquity).toBeGreaterThan(s.startEquity * 0.8);
    expect(lines.filter((l) => l.includes('GUARDED account'))).toEqual([]);
  }, 120_000);
});
