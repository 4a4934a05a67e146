import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quietAwsSdkNodeWarning } from '../../functions/adapters/local-dynamo.ts';
import { startPaperExchange, type PaperExchange } from '../../paper/index.ts';
import { killAll, ROOT, startCli } from '../helpers/cli-process.ts';

/**
 * Rehearsal behaves like the real venue (issue 8 §1): the paper exchange replays a real crash on
 * its market clock (2020) while `riskguard run` — a separate process — ticks on the wall clock.
 * The paper liquidates an isolated position the guard leaves alone (dry run); the guard must find
 * the liquidation in the account's history on the market clock and report it, not go blind.
 */

let paper: PaperExchange | undefined;
afterAll(async () => {
  await killAll();
  await paper?.close();
});

describe('rehearsal on a replayed crash', () => {
  it('reports a paper liquidation within two ticks of it, never BLIND', async () => {
    quietAwsSdkNodeWarning();
    const start = Date.UTC(2020, 2, 12, 10, 25);
    // Two minutes of market time per second of wall time.
    paper = await startPaperExchange({ replay: [{ symbol: 'BTCUSDT', file: join(ROOT, 'data/binance-futures-BTCUSDT-1m-2020-03-11_13.csv') }], speed: 120, startTime: start });
    const price = paper.engine.markPrice('BTCUSDT');
    const acc = paper.engine.createAccount({
      walletBalance: 10_000,
      symbols: { BTCUSDT: { marginMode: 'isolated', leverage: 10 } },
      positions: [{ symbol: 'BTCUSDT', side: 'long', size: 0.2, entryPrice: price, marginMode: 'isolated', leverage: 10, isolatedMargin: (0.2 * price) / 10 }],
    });
    let liquidatedAt: number | null = null;
    paper.engine.onLiquidation(() => void (liquidatedAt ??= Date.now()));

    const dir = mkdtempSync(join(tmpdir(), 'riskguard-rehearsal-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        accounts: [{ id: 'rehearsal', exchange: 'binanceusdm', baseUrl: paper.url, credentials: { apiKeyEnv: 'PAPER_KEY', secretEnv: 'PAPER_SECRET' }, policy: { dryRun: true } }],
      }),
    );
    const run = startCli(['run', '--config', config, '--db-path', join(dir, 'db'), '--interval', '1'], { env: { PAPER_KEY: acc.apiKey, PAPER_SECRET: acc.secret } });
    await run.waitFor(/LIQUIDATED by the exchange/);
    expect(liquidatedAt).not.toBeNull();
    run.child.kill('SIGTERM');
    const out = await run.done;
    // The tick that found it notes it under its status line ("closed by the exchange (forced
    // liquidation)"); the alert itself goes to the terminal notifier. Count the ticks (wall-clock
    // stamped) that started after the liquidation, up to and including that one: at most two.
    // The tick that found it may have started just before the liquidation and read the account
    // after it (a slow machine): then no tick started after it, and the finder is the line above.
    const lines = out.stdout.split('\n');
    const noteAt = lines.findIndex((l) => /closed by the exchange \(forced liquidation\)/.test(l));
    expect(noteAt).toBeGreaterThan(0);
    const tickStarts = lines
      .slice(0, noteAt)
      .map((l) => /^(\S+Z)\s+rehearsal\s/.exec(l)?.[1])
      .filter((t): t is string => t !== undefined);
    expect(tickStarts.length).toBeGreaterThanOrEqual(1);
    const ticksAfter = tickStarts.filter((t) => Date.parse(t) > liquidatedAt!);
    expect(ticksAfter.length).toBeLessThanOrEqual(2);
    expect(out.stdout + out.stderr).toMatch(/LIQUIDATED by the exchange/);
    const unknownAfter = out.stdout.slice(out.stdout.indexOf('LIQUIDATED')).match(/rehearsal\s+UNKNOWN/g) ?? [];
    expect(unknownAfter).toHaveLength(0);
    expect(out.stdout + out.stderr).not.toMatch(/cannot see account|BLIND/);
  }, 120_000);
});
