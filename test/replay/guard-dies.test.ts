import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, resolvePolicy } from '../../functions/domain/policy.ts';
import { ConfigError } from '../../functions/errors.ts';
import { crashBenchmarks } from '../../functions/replay/datasets.ts';
import { runReplay } from '../../functions/replay/replay.ts';

/**
 * `replay --guard-dies-at` (issue 16): from that time no tick runs; only the backstop stops the
 * guard's last live tick left on the venue act on the replay's engine.
 */

const b = crashBenchmarks().find((x) => x.dataset === '2020-03-12')!;
const H = 3_600_000;
// Black Thursday, 4x BTC long: the window from midnight to 14:00 holds the crash (unguarded: liquidated).
const window = { start: b.start!, end: b.start! + 14 * H };

describe('replay with the guard dead from the start of the crash window', () => {
  it('only the backstops act: the stop fires on the mark, the book is closed near the threshold and never liquidated', async () => {
    const diesAt = window.start + 1_000;
    const r = await runReplay({ ...b, ...window, policy: DEFAULT_POLICY, cadence: '60s', guardDiesAt: diesAt });
    expect(r.guardDiesAt).toBe(diesAt);
    const g = r.runs.guard;
    // One invocation (its first tick placed the stop), none after the death.
    expect(g.invocations).toBe(1);
    expect(g.tripped).toBe(false);
    expect(g.orders).toEqual([]);
    expect(r.backstops).toMatchObject({ placed: 1, fired: 1 });
    expect(r.backstops.firstFiredAt!).toBeGreaterThan(diesAt);
    expect(r.liquidations).toEqual([]);
    expect(r.noGuardLiquidations.length).toBeGreaterThan(0);
    // The stop sits where the drawdown from the (first tick's) peak reaches 15 %: the equity kept is far above the unguarded book's.
    expect(r.finalEquity).toBeGreaterThan(r.noGuardFinalEquity + 7_000);
    expect(r.maxDrawdownPct).toBeLessThan(r.noGuardMaxDrawdownPct);
  });

  it('with backstop: false the dead guard leaves nothing on the venue: the book rides the crash like no guard', async () => {
    const r = await runReplay({ ...b, ...window, policy: resolvePolicy({ backstop: false }), cadence: '60s', guardDiesAt: window.start + 1_000 });
    expect(r.backstops).toMatchObject({ placed: 0, fired: 0 });
    expect(r.liquidations.length).toBeGreaterThan(0);
  });

  it('a death outside the replay window is a ConfigError naming it', async () => {
    await expect(runReplay({ ...b, ...window, policy: DEFAULT_POLICY, cadence: '60s', guardDiesAt: window.end + H })).rejects.toThrow(ConfigError);
    await expect(runReplay({ ...b, ...window, policy: DEFAULT_POLICY, cadence: '60s', guardDiesAt: window.end + H })).rejects.toThrow(
      /the guard's death 2020-03-12T15:00:00\.000Z is outside the replay window/,
    );
  });
});
