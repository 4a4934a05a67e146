import { describe, expect, it } from 'vitest';
import { createLimiter, percentile, runScheduled, staggered, type DueTick } from '../../functions/use-cases/scheduler.ts';

const realClock = { now: () => Date.now() };
const noSleep = async () => {};
const tick = () => new Promise<void>((r) => setImmediate(r));

/** A promise resolved by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const dueAll = (n: number, at: number): DueTick<number>[] => Array.from({ length: n }, (_, i) => ({ id: `a${i}`, dueAt: at, item: i }));

describe('createLimiter', () => {
  it('never runs more than its limit and runs everything', async () => {
    // Prepare
    const limit = createLimiter(3);
    let active = 0;
    let peak = 0;
    // Act
    const out = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        limit.run(async () => {
          active++;
          peak = Math.max(peak, active);
          for (let k = 0; k < (i % 4) + 1; k++) await tick();
          active--;
          return i;
        }),
      ),
    );
    // Assess
    expect(peak).toBe(3);
    expect(out).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('releases the slot when the function throws, even synchronously', async () => {
    const limit = createLimiter(1);
    await expect(limit.run(() => { throw new Error('sync'); })).rejects.toThrow('sync');
    await expect(limit.run(async () => { throw new Error('async'); })).rejects.toThrow('async');
    expect(await limit.run(async () => 'still runs')).toBe('still runs');
    expect(limit.active).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects concurrency %s', (c) => {
    expect(() => createLimiter(c)).toThrow(RangeError);
  });
});

describe('runScheduled', () => {
  it('bounds concurrency and reports every account once', async () => {
    // Prepare
    let active = 0;
    let peak = 0;
    const due = dueAll(40, Date.now());
    // Act
    const report = await runScheduled(
      due,
      async (i) => {
        active++;
        peak = Math.max(peak, active);
        for (let k = 0; k < (i % 3) + 1; k++) await tick();
        active--;
        return i * 2;
      },
      { concurrency: 4, clock: realClock, sleep: noSleep },
    );
    // Assess
    expect(peak).toBeLessThanOrEqual(4);
    expect(report.maxInFlight).toBe(peak);
    expect(report.ticks.map((t) => t.result)).toEqual(due.map((d) => d.item * 2));
    expect(report.failures).toBe(0);
  });

  it('starts ticks in due order, never before they are due', async () => {
    // Prepare: a virtual clock that sleep() moves forward.
    let now = 1_000;
    const clock = { now: () => now };
    const sleep = async (ms: number) => {
      now += ms;
    };
    const due: DueTick<string>[] = [
      { id: 'late', dueAt: 5_000, item: 'late' },
      { id: 'early', dueAt: 2_000, item: 'early' },
      { id: 'tie-1', dueAt: 3_000, item: 'tie-1' },
      { id: 'tie-2', dueAt: 3_000, item: 'tie-2' },
    ];
    const started: string[] = [];
    // Act
    const report = await runScheduled(due, async (x) => void started.push(x), { concurrency: 2, clock, sleep });
    // Assess
    expect(started).toEqual(['early', 'tie-1', 'tie-2', 'late']);
    for (const t of report.ticks) expect(t.startedAt).toBeGreaterThanOrEqual(t.dueAt);
    expect(report.startLate.max).toBe(0);
  });

  it('does not let a slow account starve the others', async () => {
    // Prepare: the first account hangs until every other account is done; one slot is left.
    const slow = gate();
    const finished: string[] = [];
    const due = dueAll(30, Date.now());
    // Act
    const round = runScheduled(
      due,
      async (i, id) => {
        if (i === 0) await slow.promise;
        else await tick();
        finished.push(id);
      },
      { concurrency: 2, clock: realClock, sleep: noSleep },
    );
    while (finished.length < 29) await tick();
    slow.open();
    const report = await round;
    // Assess: all 29 others finished while the slow one still held its slot.
    expect(finished.slice(0, 29)).toEqual(due.slice(1).map((d) => d.id));
    expect(finished[29]).toBe('a0');
    expect(report.ticks[0]!.finishedAt).toBeGreaterThanOrEqual(Math.max(...report.ticks.slice(1).map((t) => t.finishedAt)));
  });

  it('reports a failing tick and finishes the round', async () => {
    const report = await runScheduled(
      dueAll(5, Date.now()),
      async (i) => {
        if (i === 2) throw new Error('exchange down');
        return i;
      },
      { concurrency: 2, clock: realClock, sleep: noSleep },
    );
    expect(report.failures).toBe(1);
    expect(report.ticks[2]).toMatchObject({ id: 'a2', error: 'Error: exchange down' });
    expect(report.ticks.filter((t) => t.result !== undefined)).toHaveLength(4);
  });

  it('measures lateness from the due time', async () => {
    let now = 0;
    const clock = { now: () => now };
    const report = await runScheduled(
      dueAll(4, 0),
      async () => {
        now += 100; // each tick takes 100 ms of clock time, one at a time
      },
      { concurrency: 1, clock, sleep: noSleep },
    );
    expect(report.ticks.map((t) => t.startLateMs)).toEqual([0, 100, 200, 300]);
    expect(report.finishLate).toEqual({ max: 400, p99: 400, median: 200 });
    expect(report.elapsedMs).toBe(400);
  });
});

describe('staggered', () => {
  it('spreads due times evenly over the period', () => {
    const due = staggered([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }], 1_000, 60_000);
    expect(due.map((d) => d.dueAt)).toEqual([1_000, 16_000, 31_000, 46_000]);
  });
});

describe('percentile', () => {
  it.each([
    ['no values', [], 99, 0],
    ['one value', [5], 99, 5],
    ['1..10', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    ['10..1', [10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 99, 10],
    ['1..1000', Array.from({ length: 1000 }, (_, i) => i + 1), 99, 990],
  ])('of %s at p%i is %i', (_label, values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
});
