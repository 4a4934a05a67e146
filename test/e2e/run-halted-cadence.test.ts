import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PaperAccount, PaperExchange } from '../../paper/index.ts';
import { killAll, paperForCli, runCli, startCli, type CliProcess } from '../helpers/cli-process.ts';

/**
 * `riskguard run` on a HALTED account that still holds positions: the loop must look again at the
 * fast cadence (the Lambda's 1 s while closing), not at --interval (60 s). As processes: the CLI
 * as a child, the paper exchange in this process, real ccxt over HTTP, the local state folder.
 * The venue rejects every reduce-only close (fault `reduce-only-reject`) until the test lifts it.
 */

let paper: PaperExchange;
let acc: PaperAccount;
let env: NodeJS.ProcessEnv;
let config: string;
const dir = mkdtempSync(join(tmpdir(), 'riskguard-halted-'));
const dbPath = join(dir, 'db');

beforeAll(async () => {
  const world = await paperForCli(0.5);
  ({ paper, acc, env } = world);
  config = join(dir, 'riskguard.config.json');
  writeFileSync(config, world.config());
});
afterEach(async () => {
  await killAll();
});
afterAll(async () => {
  await killAll();
  await paper.close();
});

const haltedTick = /main\s+[A-Z]+\s+equity[^\n]*HALTED/g;
const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;
const rejectCloses = () => paper.faults.add({ kind: 'reduce-only-reject', accountId: acc.id, count: 100_000 });

/** Waits for the `n`-th HALTED tick line; returns when (ms, this process's clock) it was printed. */
async function nthHaltedTick(run: CliProcess, n: number): Promise<number> {
  await run.waitFor(new RegExp(`(main\\s+[A-Z]+\\s+equity[^\\n]*HALTED[\\s\\S]*?){${n}}`));
  return Date.now();
}

/** Four HALTED ticks with the position still open, within 30 s (a 60-s --interval would take 3 min). */
async function expectFastWhileOpen(run: CliProcess): Promise<void> {
  const first = await nthHaltedTick(run, 1);
  // Fails here rather than at the suite's timeout when the loop waits --interval between ticks.
  const fourth = await Promise.race([nthHaltedTick(run, 4), new Promise<number>((r) => setTimeout(() => r(Number.POSITIVE_INFINITY), 40_000))]);
  expect(fourth - first, run.stdout).toBeLessThan(30_000);
  expect(count(run.stdout, /INCOMPLETE/g)).toBeGreaterThanOrEqual(4);
}

describe('riskguard run on a HALTED account with residuals', { timeout: 240_000 }, () => {
  it('ticks at the fast cadence while positions stay open (incomplete close-all), and at --interval once flat', async () => {
    rejectCloses();
    const close = await runCli(['close-all', '--config', config, '--account', 'main', '--by', 'ana', '--reason', 'test halt', '--db-path', dbPath], { env });
    expect(close.stdout).toMatch(/INCOMPLETE/);

    const run = startCli(['run', '--config', config, '--db-path', dbPath], { env });
    await expectFastWhileOpen(run);

    // The venue accepts closes again: the guard flattens, then waits for the schedule (60 s).
    paper.faults.clear();
    await run.waitFor(/> close-all: [^\n]*confirmed by a fresh read/);
    const flatAt = Date.now();
    const ticksWhenFlat = count(run.stdout, haltedTick);
    await new Promise((r) => setTimeout(r, 5_000));
    expect(Date.now() - flatAt).toBeGreaterThanOrEqual(5_000);
    expect(count(run.stdout, haltedTick), run.stdout).toBe(ticksWhenFlat);
    run.child.kill('SIGTERM');
    await run.done;

    // A resting order that fills after the halt (a position reappears while HALTED), and the venue
    // again refuses the close: the next run sees it and keeps looking every second.
    paper.engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.3, price: 49_500, timeInForce: 'GTC' });
    paper.engine.setPrices({ BTCUSDT: 49_400 });
    expect(acc.positions.size).toBeGreaterThan(0);
    rejectCloses();
    const again = startCli(['run', '--config', config, '--db-path', dbPath], { env });
    await expectFastWhileOpen(again);
    again.child.kill('SIGTERM');
    await again.done;
  });
});
