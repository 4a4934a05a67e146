import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYED_CONFIG_FILE, toDeployedConfig, type DeployedConfig } from '../../functions/handlers/deployed-config.ts';
import { build } from 'esbuild';
import { bundleGuard, functionBundle, toEsbuildOptions, type GuardBundle } from '../../lib/bundle.ts';
import { exampleConfig, synthRiskguard } from './app-fixture.ts';

/**
 * The real bundle, built once with esbuild exactly as the NodejsFunction builds it, then loaded
 * by a separate node process (a cold start without AWS: the handler's checks fail before any
 * network call).
 */

const deployed: DeployedConfig = toDeployedConfig(exampleConfig(), 'riskguard.config.example.json');
let bundle: GuardBundle;

beforeAll(async () => {
  bundle = await bundleGuard(mkdtempSync(join(tmpdir(), 'riskguard-bundle-')), deployed);
}, 60_000);

/** Runs a module script next to the bundle in a fresh node process; returns stdout or the failure. */
function coldStart(dir: string, script: string, env: Record<string, string | undefined> = bundle.env) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fakeContext = JSON.stringify({
  functionName: 'riskguard-guard',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:ap-northeast-1:123456789012:function:riskguard-guard',
  memoryLimitInMB: '256',
  awsRequestId: '00000000-0000-0000-0000-000000000000',
  getRemainingTimeInMillis: null,
});

describe('guard bundle', () => {
  it('is at most 1.6 MB', () => {
    expect(bundle.bytes).toBeLessThanOrEqual(1_600_000);
  });

  it('carries only the ccxt exchange classes the config uses', () => {
    const exchangeModules = bundle.inputs
      .map((p) => /node_modules\/ccxt\/js\/src\/([a-z0-9]+)\.js$/.exec(p)?.[1])
      .filter((x): x is string => x !== undefined)
      .sort();
    // binanceusdm extends binance: both are needed, nothing else.
    expect(exchangeModules).toEqual(['binance', 'binanceusdm']);
  });

  it('gives the registry only the configured venue modules (#venues), and none to a function without venues', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'riskguard-venues-'));
    const entry = join(dir, 'entry.mjs');
    writeFileSync(entry, "export { venueIds } from '../../functions/venues/index.ts';\n".replace('../../functions', join(process.cwd(), 'functions')));
    const probe = async (name: 'guard' | 'status', venues: string[]) => {
      const out = mkdtempSync(join(tmpdir(), `riskguard-venues-${name}-`));
      const result = await build({ ...toEsbuildOptions({ ...functionBundle(name, venues), entry }, out), logLevel: 'silent' });
      // From node_modules/ on (a worktree's node_modules may be a link to another checkout's).
      const ccxtClasses = Object.keys(result.metafile!.inputs)
        .filter((p) => /node_modules\/ccxt\/js\/src\/[a-z0-9]+\.js$/.test(p))
        .map((p) => p.slice(p.indexOf('node_modules/')))
        .sort();
      const r = coldStart(out, `const { venueIds } = await import('./index.mjs'); console.log(JSON.stringify(venueIds()));`, {});
      return { ccxtClasses, ids: JSON.parse(r.stdout) as string[] };
    };
    expect(await probe('guard', ['binanceusdm'])).toEqual({
      ccxtClasses: ['node_modules/ccxt/js/src/binance.js', 'node_modules/ccxt/js/src/binanceusdm.js'],
      ids: ['binanceusdm'],
    });
    expect(await probe('guard', ['hyperliquid'])).toEqual({ ccxtClasses: ['node_modules/ccxt/js/src/hyperliquid.js'], ids: ['hyperliquid'] });
    expect(await probe('guard', ['hyperliquid', 'binanceusdm'])).toEqual({
      ccxtClasses: ['node_modules/ccxt/js/src/binance.js', 'node_modules/ccxt/js/src/binanceusdm.js', 'node_modules/ccxt/js/src/hyperliquid.js'],
      ids: ['binanceusdm', 'hyperliquid'],
    });
    expect(await probe('status', [])).toEqual({ ccxtClasses: [], ids: [] });
    expect(() => functionBundle('guard', ['krakenfutures'])).toThrow(/no venue module for exchange "krakenfutures"/);
  });

  it('leaves out undici, fflate, ws, @scure/starknet and MEXC\'s protobuf, and bundles protobufjs (ccxt needs it at bundle time)', () => {
    expect(bundle.inputs.some((p) => p.includes('node_modules/undici/'))).toBe(false);
    // Its import computes Poseidon constants (~25 ms of each cold start) for venues riskguard does not guard.
    expect(bundle.inputs.some((p) => p.includes('node_modules/@scure/starknet/'))).toBe(false);
    expect(bundle.inputs.some((p) => p.includes('node_modules/fflate/'))).toBe(false);
    expect(bundle.inputs.some((p) => p.includes('node_modules/ws/'))).toBe(false);
    // MEXC's compiled protobuf (100 KB) is only imported by ccxt for the mexc id.
    expect(bundle.inputs.some((p) => p.includes('protobuf/mexc/'))).toBe(false);
    expect(bundle.inputs.some((p) => p.includes('node_modules/protobufjs/'))).toBe(true);
  });

  it('keeps class names, so errors read NetworkError and not a minified name', () => {
    expect(readFileSync(bundle.outfile, 'utf8')).toMatch(/"NetworkError"/);
  });

  // Its import time is measured by `npm run bench` (coldInitMs), not asserted here.
  it('cold-starts in a fresh node process and exports the handler', () => {
    const r = coldStart(
      join(bundle.outfile, '..'),
      `const t = performance.now(); const m = await import(${JSON.stringify(bundle.outfile)}); console.log(JSON.stringify({ ms: performance.now() - t, handler: typeof m.handler }));`,
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; handler: string };
    expect(out.handler).toBe('function');
  });

  it('rejects an event without an account id, and an account not deployed, with clear messages', () => {
    const r = coldStart(
      join(bundle.outfile, '..'),
      `const { handler } = await import(${JSON.stringify(bundle.outfile)});
       const ctx = ${fakeContext};
       for (const event of [{}, { accountId: 'nope' }]) {
         try { await handler(event, ctx); console.log('NO ERROR'); } catch (e) { console.log('ERR ' + e.name + ': ' + e.message.replace(/\\s+/g, ' ')); }
       }`,
    );
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('ERR') || l === 'NO ERROR');
    expect(lines[0]).toMatch(/^ERR ZodError: .*accountId/);
    expect(lines[1]).toBe('ERR ConfigError: account "nope" is not in the deployed config (riskguard.config.example.json); redeploy');
  });

  it('fails the cold start with every problem and its path when the deployed config is bad', () => {
    const dir = mkdtempSync(join(tmpdir(), 'riskguard-badconfig-'));
    cpSync(bundle.outfile, join(dir, 'index.mjs'));
    const bad = structuredClone(deployed) as unknown as { accounts: { policy: { thresholds: { DANGER: { drawdown: unknown } } } }[] };
    bad.accounts[1]!.policy.thresholds.DANGER.drawdown = '8%';
    writeFileSync(join(dir, DEPLOYED_CONFIG_FILE), JSON.stringify(bad));
    const r = coldStart(dir, `await import('./index.mjs');`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('is invalid');
    expect(r.stderr).toContain('accounts[1].policy.thresholds.DANGER.drawdown');
  });

  it('fails the cold start naming a missing environment variable', () => {
    const r = coldStart(join(bundle.outfile, '..'), `await import(${JSON.stringify(bundle.outfile)});`, { ...bundle.env, TABLE_NAME: undefined });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('invalid Lambda environment');
    expect(r.stderr).toContain('TABLE_NAME');
  });
});

describe('cdk synth with real bundling', () => {
  it('deploys the same guard bundle the benchmark measures, with the deployed config beside it', () => {
    const { outdir, guard } = synthRiskguard({ bundle: true });
    const assets = JSON.parse(readFileSync(join(outdir, `${guard.artifactId}.assets.json`), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
    };
    const dirs = Object.values(assets.files).map((f) => join(outdir, f.source.path)).filter((d) => !d.endsWith('.json'));
    const guardDir = dirs.find((d) => readFileSync(join(d, 'index.mjs')).equals(readFileSync(bundle.outfile)));
    expect(guardDir, 'an asset byte-identical to bundleGuard() output').toBeDefined();
    expect(readdirSync(guardDir!).sort()).toEqual(['index.mjs', DEPLOYED_CONFIG_FILE]);
    const shipped = JSON.parse(readFileSync(join(guardDir!, DEPLOYED_CONFIG_FILE), 'utf8')) as DeployedConfig;
    expect(shipped).toEqual(deployed);
    expect(shipped.accounts.map((a) => [a.config.id, a.policy.thresholds.EMERGENCY.drawdown])).toEqual([
      ['main', 0.15],
      ['bot-eth', 0.12],
    ]);
    // Every function gets the config; none gets a secret.
    for (const d of dirs) {
      const text = readFileSync(join(d, DEPLOYED_CONFIG_FILE), 'utf8');
      expect(text).not.toMatch(/"apiKey"|"secret"\s*:/);
    }
  }, 180_000);
});
