import { describe, expect, it } from 'vitest';
import { runDemo } from '../../../functions/cli/demo.ts';

/** `riskguard demo --venue okx`: the real 2025-10-10 crash, the guard reading and closing through the OKX dialect. */
describe('riskguard demo --venue okx', () => {
  it('trips once, confirms flat through OKX v5, and keeps what the unguarded book loses', async () => {
    const lines: string[] = [];
    const s = await runDemo({ venue: 'okx', out: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/venue: okx/);
    expect(s.tripped).toBe(true);
    expect(s.flatConfirmed).toBe(true);
    expect(s.drawdownAtTripPct!).toBeGreaterThanOrEqual(s.thresholdPct);
    expect(s.noGuardFinalEquity).toBeLessThan(s.finalEquity);
  }, 180_000);
});
