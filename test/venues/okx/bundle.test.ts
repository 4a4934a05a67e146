import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../functions/config.ts';
import { toDeployedConfig } from '../../../functions/handlers/deployed-config.ts';
import { bundleGuard, type GuardBundle } from '../../../lib/bundle.ts';

/** The guard Lambda for a config guarding OKX only: ccxt's okx class alone, within the size goal (cold init: npm run bench). */
describe('guard bundle for an OKX config', () => {
  let bundle: GuardBundle;
  beforeAll(async () => {
    const config = ConfigSchema.parse({ accounts: [{ id: 'okx-main', exchange: 'okx', credentials: { parameterName: '/riskguard/okx-main' } }] });
    bundle = await bundleGuard(mkdtempSync(join(tmpdir(), 'riskguard-okx-bundle-')), toDeployedConfig(config, 'okx.json'));
  }, 120_000);

  it('carries ccxt okx and no other exchange class, within 1.6 MB', () => {
    const classes = bundle.inputs.map((p) => /node_modules\/ccxt\/js\/src\/([a-z0-9]+)\.js$/.exec(p)?.[1]).filter((x): x is string => x !== undefined);
    expect(classes).toEqual(['okx']);
    expect(bundle.bytes).toBeLessThanOrEqual(1_600_000);
  });

  it('cold-starts in a fresh node process and exports the handler', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(bundle.outfile)}); console.log(typeof m.handler);`], {
      cwd: dirname(bundle.outfile),
      env: { PATH: process.env.PATH, ...bundle.env } as NodeJS.ProcessEnv,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function');
  });
});
