import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import { PortfolioSchema } from '../../functions/domain/snapshot.ts';
import { runReplay } from '../../functions/replay/replay.ts';

/**
 * A halted, flat account is reminded with back-off (30 min, then doubling, at most every 12 h),
 * not every 30 minutes for days: the guard over the 2021-05-19 crash and the 43 h after its trip.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MIN = 60_000;

describe('reminders of a halted, flat account (replay, 2021-05-19)', () => {
  it('back off: 30, 60, 120, 240, 480, 720, 720 minutes after the trip, capped at 12 h', async () => {
    const portfolio = PortfolioSchema.parse(JSON.parse(readFileSync(join(ROOT, 'examples/portfolios/2021-05-19.json'), 'utf8')));
    const r = await runReplay({
      portfolio,
      prices: [
        { symbol: 'BTCUSDT', file: join(ROOT, 'data/binance-spot-BTCUSDT-1m-2021-05-17_20.csv') },
        { symbol: 'ETHUSDT', file: join(ROOT, 'data/binance-spot-ETHUSDT-1m-2021-05-17_20.csv') },
      ],
      policy: resolvePolicy(),
      cadence: '60s',
      start: Date.UTC(2021, 4, 19),
    });
    const guard = r.runs.guard;
    expect(guard.tripped).toBe(true);
    const alerts = guard.actions.filter((a) => a.type === 'alert');
    const trip = alerts.find((a) => a.message.startsWith('trip'))!;
    const reminders = alerts.filter((a) => a.at > trip.at && a.message.startsWith('reminder'));
    const gaps = reminders.map((a, i) => Math.round((a.at - (i === 0 ? trip.at : reminders[i - 1]!.at)) / MIN));
    expect(gaps).toEqual([30, 60, 120, 240, 480, 720, 720].slice(0, gaps.length));
    expect(reminders.length).toBeGreaterThanOrEqual(6);
    expect(reminders[0]!.message).toMatch(/^reminder \(\w+\): HALTED/);
  });
});
