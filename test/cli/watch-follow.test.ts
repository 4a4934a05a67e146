import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaperExchange } from '../../paper/index.ts';
import { killAll, paperForCli, runCli, startCli } from '../helpers/cli-process.ts';

/** `status --watch` and `events --follow` as a user runs them beside the guard, on one local state folder. */

let paper: PaperExchange;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), 'riskguard-watch-'));
const config = join(dir, 'config.json');
const dbPath = join(dir, 'db');

beforeAll(async () => {
  const world = await paperForCli(0.2);
  ({ paper, env } = world);
  writeFileSync(config, world.config());
  expect((await runCli(['tick', '--config', config, '--db-path', dbPath], { env })).code).toBe(0);
});
afterAll(async () => {
  await killAll();
  await paper.close();
});

describe('watching the guard from another terminal', () => {
  it('status --watch shows the accounts again and again until Ctrl-C, without holding the folder', async () => {
    const watch = startCli(['status', '--db-path', dbPath, '--watch', '1']);
    await watch.waitFor(/— \S+ \(every 1 s; Ctrl-C stops\)[\s\S]*main[\s\S]*— \S+ \(every 1 s/);
    // A tick in between still gets the folder.
    expect((await runCli(['tick', '--config', config, '--db-path', dbPath], { env })).code).toBe(0);
    watch.child.kill('SIGINT');
    const r = await watch.done;
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^main\s+OK/gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('events --follow prints what the guard writes after it started', async () => {
    const follow = startCli(['events', '--account', 'main', '--db-path', dbPath, '--follow']);
    await follow.waitFor(/time\s+type\s+level|No events for account/);
    const before = follow.stdout.length;
    paper.engine.setPrices({ BTCUSDT: 40_000 }); // −2,000 on 10,000: a trip
    expect((await runCli(['tick', '--config', config, '--db-path', dbPath], { env })).code).toBe(0);
    await follow.waitFor(/close-all/);
    expect(follow.stdout.slice(before)).toMatch(/\S+Z {2}close-all {2}EMERGENCY/);
    follow.child.kill('SIGTERM');
    expect((await follow.done).code).toBe(0);
  }, 90_000);
});
