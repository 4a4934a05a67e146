import { describe, expect, it } from 'vitest';
import { credentialsConfigSchema, credentialsFromEnvSpec, storedCredentialsSchema } from '../../../functions/venues/credential-spec.ts';
import { HYPERLIQUID_CREDENTIALS } from '../../../functions/venues/hyperliquid/credentials.ts';
import { HYPERLIQUID_FACTS } from '../../../functions/venues/hyperliquid/facts.ts';
import { actionWeight, closeAllWeight, HYPERLIQUID_BUDGET, weightPerMinute } from '../../../functions/venues/hyperliquid/weights.ts';

const ADDR = '0x' + 'ab'.repeat(20);
const VAULT = '0x' + 'Cd'.repeat(20);
const KEY = '0x' + '1f'.repeat(32);

describe('Hyperliquid credentials', () => {
  it.each([
    [{ walletAddress: ADDR, privateKey: KEY }, true],
    [{ walletAddress: ADDR, privateKey: KEY, vaultAddress: VAULT }, true],
    [{ walletAddress: ADDR.slice(0, -1), privateKey: KEY }, false],
    [{ walletAddress: ADDR, privateKey: KEY.slice(2) }, false],
    [{ walletAddress: ADDR, privateKey: KEY, vaultAddress: 'vault' }, false],
    [{ walletAddress: ADDR }, false],
    [{ walletAddress: ADDR, privateKey: KEY, apiKey: 'x' }, false],
  ])('stored JSON %o → valid %s', (json, ok) => {
    expect(storedCredentialsSchema(HYPERLIQUID_CREDENTIALS).safeParse(json).success).toBe(ok);
  });

  it.each([
    [{ walletAddressEnv: 'HL_WALLET', privateKeyEnv: 'HL_KEY' }, true],
    [{ walletAddressEnv: 'HL_WALLET', privateKeyEnv: 'HL_KEY', vaultAddressEnv: 'HL_VAULT' }, true],
    [{ secretName: 'riskguard/hl' }, true],
    [{ walletAddressEnv: 'HL_WALLET' }, false],
    [{ apiKeyEnv: 'K', secretEnv: 'S' }, false],
  ])('config %o → valid %s', (cfg, ok) => {
    expect(credentialsConfigSchema(HYPERLIQUID_CREDENTIALS).safeParse(cfg).success).toBe(ok);
  });

  it('loads from the environment, the vault optional, and names a bad key without showing it', () => {
    const cfg = { walletAddressEnv: 'W', privateKeyEnv: 'P', vaultAddressEnv: 'V' };
    expect(credentialsFromEnvSpec(HYPERLIQUID_CREDENTIALS, cfg, { W: ADDR, P: KEY })).toEqual({ ok: true, value: { walletAddress: ADDR, privateKey: KEY } });
    const bad = credentialsFromEnvSpec(HYPERLIQUID_CREDENTIALS, cfg, { W: ADDR, P: 'not-a-key-at-all' });
    expect(bad).toEqual({ ok: false, problem: 'environment variable P does not hold a valid privateKey (value not shown)' });
  });

  it('marks only the private key secret', () => {
    expect(HYPERLIQUID_CREDENTIALS.secret).toEqual(['privateKey']);
  });
});

describe('Hyperliquid facts and budget', () => {
  it('names its hosts, ccxt class and regions, and registers no generic redaction label', () => {
    expect(HYPERLIQUID_FACTS).toMatchObject({
      id: 'hyperliquid',
      hosts: ['api.hyperliquid.xyz', 'api.hyperliquid-testnet.xyz'],
      ccxtModule: 'js/src/hyperliquid.js',
      redaction: { headers: [], params: [] },
    });
    expect(HYPERLIQUID_FACTS.geoBlocked).toBeUndefined();
  });

  it.each([
    [0, 1],
    [1, 1],
    [39, 1],
    [40, 2],
    [79, 2],
    [80, 3],
  ])('an action of %i orders weighs %i (1 + floor(n / 40))', (n, w) => {
    expect(actionWeight(n)).toBe(w);
  });

  it.each([
    [60, 106],
    [5, 12 * 44 + 62],
    [1, 60 * 44 + 62],
    [600, 106],
  ])('one account ticking every %i s spends %i a minute', (cadence, w) => {
    expect(weightPerMinute(cadence)).toBe(w);
  });

  it('prices a close-all and keeps a 5 s tick well inside 1,200 a minute', () => {
    expect(closeAllWeight(2)).toBe(44 + 5 * (20 + 1 + 1 + 44));
    expect(closeAllWeight(45, 1)).toBe(44 + (20 + 2 + 2 + 44));
    expect(HYPERLIQUID_BUDGET.perMinute).toBe(1_200);
    expect(weightPerMinute(5)).toBeLessThan(HYPERLIQUID_BUDGET.perMinute / 2);
    expect(() => weightPerMinute(0)).toThrow(RangeError);
  });
});
