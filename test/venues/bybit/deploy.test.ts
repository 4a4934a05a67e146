import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../functions/config.ts';
import { toDeployedConfig } from '../../../functions/handlers/deployed-config.ts';
import { geoBlockWarnings } from '../../../lib/app.ts';
import { bundleGuard } from '../../../lib/bundle.ts';

/** A cloud config guarding one Bybit account: its own bundle, and the regions Bybit refuses. */
const config = ConfigSchema.parse({ accounts: [{ id: 'main', exchange: 'bybit', credentials: { parameterName: '/riskguard/main' } }] });

describe('a Bybit deployment', () => {
  it('bundles only ccxt bybit.js (no Binance class), within the 1.6 MB size goal', async () => {
    const b = await bundleGuard(mkdtempSync(join(tmpdir(), 'riskguard-bybit-')), toDeployedConfig(config, 'bybit.json'));
    const classes = b.inputs.map((p) => /node_modules\/ccxt\/js\/src\/([a-z0-9]+)\.js$/.exec(p)?.[1]).filter((x) => x !== undefined);
    expect(classes).toEqual(['bybit']);
    expect(b.bytes).toBeLessThanOrEqual(1_600_000);
  }, 120_000);

  it.each([
    ['us-east-1', true],
    ['cn-north-1', true],
    ['ap-northeast-1', false],
    ['eu-west-1', false],
  ])('warns at synth when %s cannot reach Bybit: %s', (region, warned) => {
    const w = geoBlockWarnings(config, region);
    expect(w.length > 0).toBe(warned);
    if (warned) expect(w[0]).toMatch(new RegExp(`^region ${region} cannot reach bybit \\(accounts main\\): .*403 Forbidden.*Deploy to another region`));
  });

  it('refuses a Binance-shaped or missing credential in the config, per venue', () => {
    expect(ConfigSchema.safeParse({ accounts: [{ id: 'a', exchange: 'bybit', credentials: { apiKeyEnv: 'K', secretEnv: 'S' } }] }).success).toBe(true);
    expect(ConfigSchema.safeParse({ accounts: [{ id: 'a', exchange: 'bybit', credentials: { apiKeyEnv: 'K' } }] }).success).toBe(false);
    expect(ConfigSchema.safeParse({ accounts: [{ id: 'a', exchange: 'bybit', credentials: { walletAddressEnv: 'W' } }] }).success).toBe(false);
  });
});
