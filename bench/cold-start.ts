/**
 * bundleBytes and coldInitMs: the guard Lambda bundled exactly as deployed (lib/bundle.ts
 * bundleGuard: the same esbuild options as the NodejsFunction), then imported by fresh node
 * processes. coldInitMs = median wall time of `node -e "await import(bundle)"` minus the median
 * of a bare `node -e "0"`, the two alternating.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DeployedConfig } from '../functions/handlers/deployed-config.ts';
import { median } from './stats.ts';

export interface ColdStartResult {
  bytes: number;
  coldInitMs: number;
  importProcessMs: number;
  bareNodeMs: number;
  /** The import timed inside the process (performance.now around import()), as a cross-check. */
  inProcessMs: number;
  runs: number;
  largest: [string, number][];
}

/** `config`: the deployed config to bundle (default: the example config, every venue it uses). */
export async function benchColdStart(runs = 9, config?: DeployedConfig): Promise<ColdStartResult> {
  const { bundleGuard } = await import('../lib/bundle.ts');
  const dir = mkdtempSync(join(tmpdir(), 'riskguard-bench-'));
  try {
    const b = await bundleGuard(dir, config);
    const url = pathToFileURL(b.outfile).href;
    // A clean environment: only what the Lambda runtime would set, nothing from tsx or vitest.
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...b.env };
    const node = (code: string) => {
      const t = performance.now();
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: dirname(b.outfile), env, encoding: 'utf8' });
      const ms = performance.now() - t;
      if (r.status !== 0) throw new Error(`node -e failed (${r.status}): ${r.stderr.slice(-2000)}`);
      return { ms, out: r.stdout };
    };
    const imp = `await import(${JSON.stringify(url)});`;
    const inside = `const t = performance.now(); await import(${JSON.stringify(url)}); process.stdout.write(String(performance.now() - t));`;
    node(imp); // the first run also warms the OS file cache, as a Lambda's own image would be
    node('0');
    const bare: number[] = [];
    const full: number[] = [];
    const within: number[] = [];
    for (let i = 0; i < runs; i++) {
      bare.push(node('0').ms);
      full.push(node(imp).ms);
      within.push(Number(node(inside).out));
    }
    const bareNodeMs = median(bare);
    const importProcessMs = median(full);
    return { bytes: b.bytes, coldInitMs: importProcessMs - bareNodeMs, importProcessMs, bareNodeMs, inProcessMs: median(within), runs, largest: b.largest };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A deployed config with one account of `venue` only: what a user guarding just that venue deploys. */
export async function oneVenueConfig(venue: string): Promise<DeployedConfig> {
  const { ConfigSchema } = await import('../functions/config.ts');
  const { toDeployedConfig } = await import('../functions/handlers/deployed-config.ts');
  const config = ConfigSchema.parse({ accounts: [{ id: `bench-${venue}`, exchange: venue, credentials: { parameterName: `/riskguard/bench-${venue}` } }] });
  return toDeployedConfig(config, `bench-${venue}.json`);
}
