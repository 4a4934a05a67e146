import { describe, expect, it } from 'vitest';
import { guardLoop, type LoopAccount } from '../../functions/use-cases/guard-loop.ts';
import { DEFAULT_ADAPTIVE } from '../../functions/use-cases/cadence.ts';
import type { TickResult } from '../../functions/use-cases/types.ts';
import type { Level } from '../../functions/domain/state.ts';
import { DEFAULT_POLICY, type Policy } from '../../functions/domain/policy.ts';
import type { AccountSnapshot } from '../../functions/domain/snapshot.ts';

const T0 = 1_760_054_400_000;

function result(id: string, at: number, level: Level, extra: Partial<TickResult> = {}): TickResult {
  return {
    accountId: id, at, status: level, level, previousLevel: level, halted: false, paused: false, equity: 10_000, equityAfter: null,
    netTransfers: 0, peakEquity: 10_000, drawdownPct: 0, marginRatio: 0.1, reasons: [], actions: [], alertsSent: 0, tripId: null,
    tripKind: null, residuals: [], stateVersion: 1, ...extra,
  };
}

/** A loop on a clock that only moves when the loop sleeps; runs until `untilMs` past T0. */
async function run(accounts: LoopAccount[], untilMs: number, extra: Partial<Parameters<typeof guardLoop>[1]> & { stopping?: () => void } = {}) {
  const { stopping, ...options } = extra;
  let now = T0;
  const ticks: { id: string; at: number }[] = [];
  const clock = { now: () => now };
  const wrapped = accounts.map((a) => ({ ...a, tick: async (loop: Parameters<LoopAccount['tick']>[0]) => { ticks.push({ id: a.id, at: now - T0 }); return a.tick(loop); } }));
  await guardLoop(wrapped, {
    okSeconds: 60,
    clock,
    sleep: async (ms) => {
      now += ms;
      await Promise.resolve();
    },
    stopped: () => {
      const stop = now >= T0 + untilMs;
      if (stop) stopping?.();
      return stop;
    },
    onResult: () => {},
    onError: () => {},
    ...options,
  });
  return ticks;
}

describe('guardLoop', () => {
  it('does not let an account whose venue hangs delay another account', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const hung: LoopAccount = { id: 'hung', venue: 'binanceusdm', cadence: DEFAULT_ADAPTIVE, tick: async () => { await released; return result('hung', 0, 'OK'); } };
    const other: LoopAccount = { id: 'other', venue: 'binanceusdm', cadence: DEFAULT_ADAPTIVE, tick: async () => result('other', 0, 'EMERGENCY', { halted: true, residuals: [{ symbol: 'BTCUSDT', side: 'long', contracts: 1 }] }) };
    // The hung tick is released only when the loop stops (as ccxt's timeout would end it).
    const all = await run([hung, other], 10_000, { stopping: release });
    const otherTicks = all.filter((t) => t.id === 'other');
    // Closing with residuals: every second, while the other account's tick hangs.
    expect(otherTicks.length).toBeGreaterThanOrEqual(9);
    expect(otherTicks[1]!.at - otherTicks[0]!.at).toBeLessThanOrEqual(1_010);
  });

  it('looks again at the fast cadence while a halted account still holds positions, and at the OK interval once flat', async () => {
    let n = 0;
    const a: LoopAccount = {
      id: 'a', venue: 'binanceusdm', cadence: DEFAULT_ADAPTIVE,
      tick: async () => (++n <= 3 ? result('a', 0, 'EMERGENCY', { halted: true, residuals: [{ symbol: 'BTCUSDT', side: 'long', contracts: 1 }] }) : result('a', 0, 'EMERGENCY', { halted: true })),
    };
    const ticks = await run([a], 130_000);
    const gaps = ticks.slice(1).map((t, i) => t.at - ticks[i]!.at);
    expect(gaps.slice(0, 3).every((g) => g >= 1_000 && g <= 1_010)).toBe(true);
    expect(gaps[3]).toBeGreaterThanOrEqual(60_000);
  });

  it('lets an account in danger spend the shared venue budget first; quiet accounts wait for it', async () => {
    const quiet = Array.from({ length: 10 }, (_, i): LoopAccount => ({ id: `q${i}`, venue: 'v', cadence: DEFAULT_ADAPTIVE, tick: async () => result(`q${i}`, 0, 'OK') }));
    const danger: LoopAccount = { id: 'danger', venue: 'v', cadence: DEFAULT_ADAPTIVE, tick: async () => result('danger', 0, 'DANGER') };
    const ticks = await run([danger, ...quiet], 130_000, { budgets: { v: { perMinute: 100, tickCost: 20 } } });
    const dangerTicks = ticks.filter((t) => t.id === 'danger').length;
    const quietTicks = ticks.filter((t) => t.id !== 'danger').length;
    expect(dangerTicks).toBeGreaterThanOrEqual(125); // every second (DANGER: 1 s)
    // 100 a minute, 20 a tick: after everyone's first tick the budget is the danger account's.
    expect(quietTicks).toBe(10);
    const unlimited = await run([danger, ...quiet], 130_000);
    expect(unlimited.filter((t) => t.id !== 'danger')).toHaveLength(30);
  });
});

describe('guardLoop pacing by the venue count', () => {
  const quiet = Array.from({ length: 3 }, (_, i): LoopAccount => ({ id: `q${i}`, venue: 'v', cadence: DEFAULT_ADAPTIVE, tick: async () => result(`q${i}`, 0, 'OK') }));
  const danger: LoopAccount = { id: 'danger', venue: 'v', cadence: DEFAULT_ADAPTIVE, tick: async () => result('danger', 0, 'DANGER') };
  const budgets = { v: { perMinute: 2_400, tickCost: 22, closeCost: 50 } };

  it('holds quiet accounts while the venue says the minute is within one close of its limit; danger goes on', async () => {
    let now = T0;
    const ticks = await runWith(() => now, (t) => (now = t), [danger, ...quiet], 130_000, { budgets, usedWeight: { v: () => ({ used: now > T0 ? 2_351 : 0, at: now }) } });
    expect(ticks.filter((t) => t.id !== 'danger')).toHaveLength(3);
    expect(ticks.filter((t) => t.id === 'danger').length).toBeGreaterThanOrEqual(125);
    // One more unit of room, or a count from an earlier minute: the quiet accounts tick on schedule.
    now = T0;
    const roomy = await runWith(() => now, (t) => (now = t), [danger, ...quiet], 130_000, { budgets, usedWeight: { v: () => ({ used: 2_349, at: now }) } });
    expect(roomy.filter((t) => t.id !== 'danger')).toHaveLength(9);
    // Spent (not even a routine tick's 22 left): nobody starts one until the minute turns.
    now = T0;
    const spent = await runWith(() => now, (t) => (now = t), [danger, ...quiet], 130_000, { budgets, usedWeight: { v: () => ({ used: now > T0 && now - T0 < 60_000 ? 2_390 : 0, at: now }) } });
    expect(spent.filter((t) => t.id === 'danger' && t.at > 0 && t.at < 60_000)).toEqual([]);
    expect(spent.filter((t) => t.id === 'danger').length).toBeGreaterThanOrEqual(65);
    now = T0;
    const stale = await runWith(() => now, (t) => (now = t), [danger, ...quiet], 130_000, { budgets, usedWeight: { v: () => ({ used: 2_399, at: now - 60_000 }) } });
    expect(stale.filter((t) => t.id !== 'danger')).toHaveLength(9);
  });

  it('charges a tick that placed orders the cost of a close', async () => {
    // 100 a minute, ticks every 10 s at OK: after a close-all (22 + 60) the quiet account's next
    // tick waits for the budget; charged as a routine tick it would not.
    const runOnce = async (closeCost: number) => {
      let n = 0;
      const closing: LoopAccount = {
        id: 'c', venue: 'v', cadence: DEFAULT_ADAPTIVE,
        tick: async () => (n++ === 0 ? result('c', 0, 'EMERGENCY', { halted: true, tripKind: 'close-all' }) : result('c', 0, 'OK')),
      };
      let now = T0;
      const ticks = await runWith(() => now, (t) => (now = t), [closing, quiet[0]!], 15_000, { okSeconds: 10, budgets: { v: { perMinute: 100, tickCost: 22, closeCost } } });
      return ticks.filter((t) => t.id === 'q0').map((t) => t.at);
    };
    expect(await runOnce(0)).toEqual([0, 10_000]);
    const charged = await runOnce(60);
    expect(charged[0]).toBe(0);
    expect(charged[1] ?? Infinity).toBeGreaterThan(10_000);
  });
});

describe('guardLoop mark watch', () => {
  // Stress off: the case is about the marks moving the drawdown.
  const policy: Policy = {
    ...DEFAULT_POLICY,
    thresholds: {
      WARNING: { ...DEFAULT_POLICY.thresholds.WARNING, stressSurvival: null },
      DANGER: { ...DEFAULT_POLICY.thresholds.DANGER, stressSurvival: null },
      EMERGENCY: { ...DEFAULT_POLICY.thresholds.EMERGENCY, stressSurvival: null },
    },
  };
  /** `x` × 10,000 USDT of BTC long from 100,000, seen at 100,000. */
  const book = (x: number): AccountSnapshot => ({
    crossWalletBalance: 10_000,
    positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: (x * 10_000) / 100_000, entryPrice: 100_000, markPrice: 100_000, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.01 }],
  });
  /** OK at 100,000; once `fallen()`, the levered one trips and is closed flat (halted). */
  const okAccount = (id: string, x: number, fallen: () => boolean): LoopAccount => ({
    id, venue: 'v', cadence: DEFAULT_ADAPTIVE, policy,
    tick: async () =>
      fallen() && x > 2
        ? result(id, 0, 'EMERGENCY', { halted: true, tripKind: 'close-all', snapshot: { crossWalletBalance: 8_400, positions: [] }, peakEquity: 10_000 })
        : result(id, 0, 'OK', { snapshot: book(x), peakEquity: 10_000 }),
  });

  it('ticks an OK account at once when the venue marks put it past WARNING, and leaves a quiet one to its schedule', async () => {
    // BTC falls 4 % 10 s in: 4× long is then 16 % down from its peak, 1× only 4 %.
    let now = T0;
    const fallen = () => now - T0 >= 10_000;
    const marks = async () => ({ BTCUSDT: fallen() ? 96_000 : 100_000, ETHUSDT: 4_000 });
    const flagged: string[] = [];
    const ticks = await runWith(() => now, (t) => (now = t), [okAccount('levered', 4, fallen), okAccount('quiet', 1, fallen)], 50_000, {
      marks: { v: marks },
      onWatch: (a, reasons) => flagged.push(`${a.id}: ${reasons[0]}`),
    });
    const at = (id: string) => ticks.filter((t) => t.id === id).map((t) => t.at);
    expect(at('quiet')).toEqual([0]);
    expect(at('levered')).toHaveLength(2);
    // Read every 2 s: the first read at or after 10 s sees the fall.
    expect(at('levered')[1]).toBeGreaterThanOrEqual(10_000);
    expect(at('levered')[1]).toBeLessThanOrEqual(12_500);
    expect(flagged).toEqual(['levered: drawdown 16.0 % from trailing peak ≥ WARNING 5.0 %']);
  });

  it('does not look again once the tick at the new marks said OK', async () => {
    let now = T0;
    let n = 0;
    // The tick still says OK at 96,000 (say the peak moved): its snapshot is then at those marks.
    const a: LoopAccount = {
      id: 'a', venue: 'v', cadence: DEFAULT_ADAPTIVE, policy,
      tick: async () => result('a', 0, 'OK', { snapshot: n++ === 0 ? book(4) : { ...book(4), positions: [{ ...book(4).positions[0]!, markPrice: 96_000 }] }, peakEquity: 10_000 }),
    };
    const ticks = await runWith(() => now, (t) => (now = t), [a], 50_000, { marks: { v: async () => ({ BTCUSDT: now - T0 >= 10_000 ? 96_000 : 100_000 }) } });
    expect(ticks).toHaveLength(2);
  });
});

/** As `run`, with the clock shared with the test's mark reads. */
async function runWith(get: () => number, set: (t: number) => void, accounts: LoopAccount[], untilMs: number, options: Partial<Parameters<typeof guardLoop>[1]>) {
  const ticks: { id: string; at: number }[] = [];
  const wrapped = accounts.map((a) => ({ ...a, tick: async (loop: Parameters<LoopAccount['tick']>[0]) => { ticks.push({ id: a.id, at: get() - T0 }); return a.tick(loop); } }));
  await guardLoop(wrapped, {
    okSeconds: 60,
    clock: { now: get },
    sleep: async (ms) => {
      set(get() + ms);
      await Promise.resolve();
    },
    stopped: () => get() >= T0 + untilMs,
    onResult: () => {},
    onError: () => {},
    ...options,
  });
  return ticks;
}
