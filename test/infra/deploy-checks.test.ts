import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../functions/config.ts';
import { ConfigError } from '../../functions/errors.ts';
import { checkDeployable, isLocalHost, toDeployedConfig } from '../../functions/handlers/deployed-config.ts';
import { PROJECT_ROOT } from '../../lib/bundle.ts';
import { App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { buildRiskguard, geoBlockWarnings } from '../../lib/app.ts';

/** Issue 9 §5 / issue 8 §5: what `cdk synth` refuses to deploy, and how it says so. */

const configWithBaseUrl = (baseUrl: string, extra: Record<string, unknown> = {}) =>
  ConfigSchema.parse({
    accounts: [{ id: 'main', exchange: 'binanceusdm', baseUrl, credentials: { parameterName: '/riskguard/main' }, ...extra }],
  });

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('deployed baseUrl', () => {
  it.each([
    ['http://127.0.0.1:8787', /loopback or private address/],
    ['https://localhost:8443', /loopback or private address/],
    ['https://10.1.2.3', /loopback or private address/],
    ['https://192.168.1.20/fapi', /loopback or private address/],
    ['https://172.20.0.5', /loopback or private address/],
    ['https://169.254.169.254', /loopback or private address/],
    ['https://[::1]:8443', /loopback or private address/],
    ['https://[fd00::1]', /loopback or private address/],
    ['https://paper-box', /loopback or private address/],
    ['http://fapi.binance.com', /is not https/],
    ['https://fapi.example.com', /is not a known binanceusdm host .*"allowCustomBaseUrl": true/],
  ])('refuses %s at synth with one line', (baseUrl, why) => {
    const msg = refusal(() => checkDeployable(configWithBaseUrl(baseUrl)));
    expect(msg).toMatch(why);
    expect(msg).toMatch(/^accounts\[0\] \(main\): baseUrl /);
    expect(msg).not.toContain('\n');
  });

  it.each(['https://fapi.binance.com', 'https://testnet.binancefuture.com/', 'https://demo-fapi.binance.com'])('accepts the venue host %s', (baseUrl) => {
    checkDeployable(configWithBaseUrl(baseUrl));
    expect(toDeployedConfig(configWithBaseUrl(baseUrl), 'x.json').accounts[0]!.config.baseUrl).toBe(baseUrl);
  });

  it('accepts another https host only with allowCustomBaseUrl, and never a private one', () => {
    expect(() => checkDeployable(configWithBaseUrl('https://fapi.example.com', { allowCustomBaseUrl: true }))).not.toThrow();
    expect(refusal(() => checkDeployable(configWithBaseUrl('https://10.0.0.8', { allowCustomBaseUrl: true })))).toMatch(/private/);
    expect(refusal(() => checkDeployable(configWithBaseUrl('http://fapi.example.com', { allowCustomBaseUrl: true })))).toMatch(/not https/);
  });

  it('knows public addresses from private ones', () => {
    expect(isLocalHost('8.8.8.8')).toBe(false);
    expect(isLocalHost('172.32.0.1')).toBe(false);
    expect(isLocalHost('fapi.binance.com')).toBe(false);
    expect(isLocalHost('100.64.0.1')).toBe(true);
  });
});

describe('the CDK app (npm run synth) on a config it cannot deploy', () => {
  const synth = (config: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'riskguard-synth-'));
    const file = join(dir, 'riskguard.config.json');
    writeFileSync(file, JSON.stringify(config));
    return spawnSync(join(PROJECT_ROOT, 'node_modules/.bin/tsx'), [join(PROJECT_ROOT, 'bin/cdk.ts')], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ 'riskguard:config': file, 'aws:cdk:bundling-stacks': [] }), CDK_OUTDIR: join(dir, 'out') },
    });
  };
  const lastLine = (s: string) => s.trim().split('\n').at(-1)!;

  it('says in one line that an account has no cloud credentials, exit 2, no stack', () => {
    const r = synth({ accounts: [{ id: 'main', exchange: 'binanceusdm', credentials: { apiKeyEnv: 'K', secretEnv: 'S' } }] });
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr.trim().split('\n')).toHaveLength(2); // "using <file>", then the error
    expect(lastLine(r.stderr)).toMatch(/^riskguard: accounts\[0\] \(main\): the cloud guard reads the exchange key from SSM or Secrets Manager; add credentials.parameterName/);
  }, 120_000);

  it('refuses a loopback baseUrl in one line, exit 2, no stack', () => {
    const r = synth({ accounts: [{ id: 'main', exchange: 'binanceusdm', baseUrl: 'http://127.0.0.1:8787', credentials: { parameterName: '/riskguard/main' } }] });
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(lastLine(r.stderr)).toMatch(/^riskguard: accounts\[0\] \(main\): baseUrl http:\/\/127\.0\.0\.1:8787 is a loopback or private address/);
  }, 120_000);
});

describe('deployment region and venue geo-blocks', () => {
  const config = ConfigSchema.parse({ accounts: [{ id: 'main', exchange: 'binanceusdm', credentials: { parameterName: '/riskguard/main' } }] });

  it.each([
    ['us-east-1', true],
    ['us-west-2', true],
    ['ap-northeast-1', false],
    ['eu-west-1', false],
    [undefined, false],
  ])('warns at synth when %s cannot reach a configured venue: %s', (region, warned) => {
    const w = geoBlockWarnings(config, region);
    expect(w.length > 0).toBe(warned);
    if (warned) expect(w[0]).toMatch(new RegExp(`^region ${region} cannot reach binanceusdm \\(accounts main\\): .*HTTP 451.*Deploy to another region`));
  });

  it('shows the warning on the guard stack of a real synth', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stacks = buildRiskguard(app, config, 'test.json', { region: 'us-east-1' });
    Annotations.fromStack(stacks.guard).hasWarning('*', Match.stringLikeRegexp('region us-east-1 cannot reach binanceusdm'));
    const quiet = buildRiskguard(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), config, 'test.json', { region: 'ap-northeast-1' });
    expect(Annotations.fromStack(quiet.guard).findWarning('*', Match.stringLikeRegexp('cannot reach'))).toEqual([]);
  });
});
