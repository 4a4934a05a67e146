import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import type { Portfolio } from '../../functions/domain/snapshot.ts';
import { crashBenchmarks } from '../../functions/replay/datasets.ts';
import { runReplay, type ReplayResult } from '../../functions/replay/replay.ts';
import { loadCandlesFile, type Candle } from '../../paper/replay.ts';

/**
 * issue 17 §3 limits acting in `riskguard replay` on real crash days, with the guard ticking once
 * a minute on the minute (cadence 60s, schedule offset 0), so each tick reads the minute's open.
 * The moments are worked out from the candles: equity = wallet + Σ contracts × (open − entry).
 */

const MIN = 60_000;
const bench = (name: string) => crashBenchmarks().find((b) => b.dataset === name)!;
const candlesOf = (b: { prices: { symbol: string; file: string }[] }, symbol: string): Map<number, Candle> =>
  new Map(loadCandlesFile(b.prices.find((p) => p.symbol === symbol)!.file).map((c) => [c.t, c]));
const iso = (t: number | null | undefined) => (t == null ? null : new Date(t).toISOString());
/** The minute a decision was taken: ticks run on the minute, their reads a few venue round trips later. */
const minuteOf = (t: number) => Math.floor(t / MIN) * MIN;
const entryOf = (r: ReplayResult, symbol: string) => Number(/@ ([\d.]+)/.exec(r.portfolio.find((p) => p.startsWith(symbol))!)![1]);
const firstMinute = (from: number, to: number, pred: (t: number) => boolean): number | null => {
  for (let t = from; t < to; t += MIN) if (pred(t)) return t;
  return null;
};

describe('replay: an equity floor on Black Thursday (2020-03-12)', () => {
  it('closes all at the first tick whose equity is under 9,300 USDT, long before the 15 % drawdown would', async () => {
    const b = bench('2020-03-12');
    const policy = resolvePolicy({ limits: { equityFloor: { EMERGENCY: 9_300 } } });
    const r = await runReplay({ ...b, policy, cadence: '60s' });
    const base = await runReplay({ ...b, policy: resolvePolicy({}), cadence: '60s' });

    const btc = candlesOf(b, 'BTCUSDT');
    const contracts = b.portfolio.positions[0]!.contracts;
    const entry = entryOf(r, 'BTCUSDT');
    const equityAt = (t: number) => 10_000 + contracts * (btc.get(t)!.o - entry);
    const expected = firstMinute(r.window.start, r.window.end, (t) => equityAt(t) < 9_300)!;

    expect(r.tripped).toBe(true);
    expect(iso(minuteOf(r.tripAt!))).toBe(iso(expected));
    const trip = r.runs.guard.actions.find((a) => a.type === 'alert' && a.message.includes('close all'))!;
    expect(trip.message).toMatch(/close all: equity [\d,.]+ USDT < EMERGENCY floor 9,300\.00 USDT/);
    // Before the floor only the drawdown's WARNING spoke: no order.
    expect(r.orders.every((o) => o.at >= r.tripAt!)).toBe(true);
    expect(r.orders.every((o) => o.symbol === 'BTCUSDT' && o.side === 'sell')).toBe(true);
    expect(r.orders.reduce((s, o) => s + o.filled, 0)).toBeCloseTo(contracts, 9);
    // The default policy (15 % drawdown) trips later and deeper.
    expect(base.tripAt!).toBeGreaterThan(r.tripAt! + 30 * MIN);
    expect(r.finalEquity).toBeGreaterThan(base.finalEquity);
  }, 60_000);
});

describe('replay: a daily loss limit on Black Thursday (2020-03-12)', () => {
  it('measures from the equity of the 02:00 UTC reset, not from the peak, and closes all at a 5 % loss since then', async () => {
    const b = bench('2020-03-12');
    const start = Date.UTC(2020, 2, 11, 21, 0);
    const portfolio: Portfolio = { crossWalletBalance: 10_000, positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 1.25, marginMode: 'cross', leverage: 5 }] };
    // EMERGENCY only: a DANGER reduce would change the size and so the moment.
    const policy = resolvePolicy({ limits: { periodLoss: { period: 'day', resetAt: '02:00', timeZone: 'UTC', EMERGENCY: 0.05 } } });
    const r = await runReplay({ ...b, portfolio, start, policy, cadence: '60s' });

    const btc = candlesOf(b, 'BTCUSDT');
    const entry = entryOf(r, 'BTCUSDT');
    const equityAt = (t: number) => 10_000 + 1.25 * (btc.get(t)!.o - entry);
    const reset = Date.UTC(2020, 2, 12, 2, 0);
    const ref = equityAt(reset);
    const peakBefore = Math.max(...[...btc.keys()].filter((t) => t >= start && t <= reset).map(equityAt));
    // The day began below the night's peak: measured from the peak, 5 % comes earlier.
    expect(ref).toBeLessThan(peakBefore * 0.985);
    const fromReset = firstMinute(reset, r.window.end, (t) => (ref - equityAt(t)) / ref >= 0.05)!;
    const fromPeak = firstMinute(reset, r.window.end, (t) => (peakBefore - equityAt(t)) / peakBefore >= 0.05)!;
    expect(fromPeak).toBeLessThan(fromReset);

    expect(r.tripped).toBe(true);
    expect(iso(minuteOf(r.tripAt!))).toBe(iso(fromReset));
    const trip = r.runs.guard.actions.find((a) => a.type === 'alert' && a.message.includes('close all'))!;
    const m = /close all: daily loss ([\d.]+) % \(([\d,.]+) USDT → ([\d,.]+) USDT since 02:00 UTC\) ≥ EMERGENCY 5\.0 %/.exec(trip.message);
    expect(m, trip.message).not.toBeNull();
    // The reference is the equity of the 02:00 tick (read a few round trips after the open).
    expect(Number(m![2]!.replace(/,/g, ''))).toBeCloseTo(ref, -1);
    // Nothing acted before the reset though the book was below its night peak.
    expect(r.runs.guard.actions.filter((a) => a.at < reset && a.type !== 'decision' && a.level !== 'WARNING')).toEqual([]);
    expect(r.orders.every((o) => o.symbol === 'BTCUSDT' && o.side === 'sell' && o.at >= r.tripAt!)).toBe(true);
    expect(r.orders.reduce((s, o) => s + o.filled, 0)).toBeCloseTo(1.25, 9);
  }, 60_000);
});

describe('replay: a per-position loss cap on 2021-05-19 (BTC and ETH longs)', () => {
  it('closes each long alone at the tick its own loss passed 200 USDT: BTC first, ETH minutes later, no close-all', async () => {
    const b = bench('2021-05-19');
    const policy = resolvePolicy({ limits: { positionLoss: { EMERGENCY: 200 } } });
    const r = await runReplay({ ...b, policy, cadence: '60s' });

    const crossing = (symbol: string) => {
      const p = b.portfolio.positions.find((x) => x.symbol === symbol)!;
      const entry = entryOf(r, symbol);
      const candles = candlesOf(b, symbol);
      return { contracts: p.contracts, at: firstMinute(r.window.start, r.window.end, (t) => p.contracts * (entry - candles.get(t)!.o) > 200)! };
    };
    const btc = crossing('BTCUSDT');
    const eth = crossing('ETHUSDT');
    expect(btc.at).toBeLessThan(eth.at);

    // One order per long, each at its own crossing minute, each closing that long in full.
    expect(r.orders.map((o) => ({ symbol: o.symbol, side: o.side, filled: o.filled, minute: iso(minuteOf(o.at)) }))).toEqual([
      { symbol: 'BTCUSDT', side: 'sell', filled: btc.contracts, minute: iso(btc.at) },
      { symbol: 'ETHUSDT', side: 'sell', filled: eth.contracts, minute: iso(eth.at) },
    ]);
    const alertAt = (t: number) => r.runs.guard.actions.find((a) => a.type === 'alert' && a.at === t)!.message;
    expect(alertAt(btc.at)).toMatch(/CLOSED BTCUSDT long \(cross\).*BTCUSDT long \(cross\) loss [\d,.]+ USDT > EMERGENCY 200\.00 USDT per position/);
    expect(alertAt(eth.at)).toMatch(/CLOSED ETHUSDT long \(cross\).*ETHUSDT long \(cross\) loss [\d,.]+ USDT > EMERGENCY 200\.00 USDT per position/);
    // Never a close-all and never halted: the guard acted on one position at a time.
    expect(r.tripped).toBe(false);
    expect(r.runs.guard.actions.filter((a) => a.type === 'close-all')).toEqual([]);
    expect(r.runs.guard.actions.filter((a) => a.type === 'action').map((a) => a.message.split(':')[0])).toEqual(['close one position', 'close one position']);
  }, 60_000);
});

describe('riskguard replay --policy with limits', () => {
  it('takes the limits from the policy file, shows them, and names the floor as the close-all reason', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const policy = join(mkdtempSync(join(tmpdir(), 'replay-limits-')), 'floor.json');
    writeFileSync(policy, JSON.stringify({ limits: { equityFloor: { EMERGENCY: 9_300 } } }));
    const b = bench('2020-03-12');
    const args = ['replay', '--portfolio', join(root, 'examples/portfolios/2020-03-12.json'), '--prices', `BTCUSDT=${b.prices[0]!.file}`];
    const r = spawnSync(process.execPath, [join(root, 'bin/riskguard.mjs'), ...args, '--start', '2020-03-12T00:00:00Z', '--policy', policy, '--cadence', '60s'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('  limit: equity floor: EMERGENCY 9,300.00 USDT');
    // The same moment as the in-process replay above worked out from the candles.
    expect(r.stdout).toMatch(/tripped at\s+2020-03-12T01:39:00Z/);
    expect(r.stdout).toMatch(/Close-all reason: equity [\d,.]+ USDT < EMERGENCY floor 9,300\.00 USDT/);
  }, 60_000);
});
