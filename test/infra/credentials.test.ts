/**
 * The credentials adapter at the wire: a local HTTP endpoint speaks the AWS JSON 1.1 protocol of
 * SSM (AmazonSSM.GetParameter) and Secrets Manager (secretsmanager.GetSecretValue).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialsLoader } from '../../functions/adapters/credentials.ts';
import { AccountConfigSchema, type AccountConfig } from '../../functions/config.ts';
import { clearSecrets, redactText, redactValue, registerSecret } from '../../functions/redact.ts';

// The SDK warns about Node < 22 on this machine; Lambda runs Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface Call {
  target: string;
  body: Record<string, unknown>;
}
let server: Server;
let endpoint: string;
let calls: Call[] = [];
let answer: (call: Call) => { status: number; body: unknown };

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const call = { target: String(req.headers['x-amz-target']), body: JSON.parse(raw) as Record<string, unknown> };
      calls.push(call);
      const a = answer(call);
      res.writeHead(a.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  calls = [];
});

const clientOptions = () => ({
  endpoint,
  region: 'ap-northeast-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  maxAttempts: 1,
});
const loader = () => new CredentialsLoader({ ssm: new SSMClient(clientOptions()), secretsManager: new SecretsManagerClient(clientOptions()), env: {} });
const account = (credentials: Record<string, string>): AccountConfig =>
  AccountConfigSchema.parse({ id: 'main', exchange: 'binanceusdm', credentials });
const stored = JSON.stringify({ apiKey: 'k-1234567890', secret: 's-abcdefghij' });

describe('CredentialsLoader', () => {
  it('reads the SSM SecureString decrypted, once per process', async () => {
    answer = () => ({ status: 200, body: { Parameter: { Name: '/riskguard/main', Type: 'SecureString', Value: stored, Version: 3 } } });
    const l = loader();

    const first = await l.load(account({ parameterName: '/riskguard/main' }));
    const again = await l.load(account({ parameterName: '/riskguard/main' }));

    expect(first).toEqual({ apiKey: 'k-1234567890', secret: 's-abcdefghij' });
    expect(again).toBe(first);
    expect(calls).toEqual([{ target: 'AmazonSSM.GetParameter', body: { Name: '/riskguard/main', WithDecryption: true } }]);
  });

  it('reads a Secrets Manager secret when the config names secretName', async () => {
    answer = () => ({ status: 200, body: { ARN: 'arn:aws:secretsmanager:ap-northeast-1:1:secret:riskguard/main-AbCdEf', Name: 'riskguard/main', SecretString: stored } });

    expect(await loader().load(account({ secretName: 'riskguard/main' }))).toEqual({ apiKey: 'k-1234567890', secret: 's-abcdefghij' });
    expect(calls).toEqual([{ target: 'secretsmanager.GetSecretValue', body: { SecretId: 'riskguard/main' } }]);
  });

  it('names the parameter when it cannot be read, and tries again next time', async () => {
    answer = () => ({ status: 400, body: { __type: 'ParameterNotFound', message: 'Parameter /riskguard/main not found.' } });
    const l = loader();

    await expect(l.load(account({ parameterName: '/riskguard/main' }))).rejects.toThrow(
      'account main: cannot read the exchange key from SSM parameter /riskguard/main (ParameterNotFound: Parameter /riskguard/main not found.)',
    );
    answer = () => ({ status: 200, body: { Parameter: { Name: '/riskguard/main', Type: 'SecureString', Value: stored } } });
    await expect(l.load(account({ parameterName: '/riskguard/main' }))).resolves.toMatchObject({ apiKey: 'k-1234567890' });
    expect(calls).toHaveLength(2);
  });

  it.each([
    ['not JSON', 'apikey=k-SECRETVALUE123', /is not JSON; store it as \{"apiKey":"...","secret":"..."\} \(value not shown\)/],
    ['missing the secret', JSON.stringify({ apiKey: 'k-SECRETVALUE123' }), /must hold \{"apiKey":"...","secret":"..."\}: secret: /],
    ['an unknown field', JSON.stringify({ apiKey: 'k-SECRETVALUE123', secret: 's-SECRETVALUE456', password: 'p-SECRETVALUE789' }), /password/],
  ])('refuses a value %s without ever showing it', async (_, value, message) => {
    answer = () => ({ status: 200, body: { Parameter: { Name: '/riskguard/main', Type: 'SecureString', Value: value } } });
    const err = await loader()
      .load(account({ parameterName: '/riskguard/main' }))
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    expect(err?.message).toMatch(message);
    expect(JSON.stringify({ message: err?.message, cause: String(err?.cause) })).not.toContain('SECRETVALUE');
  });

  it('falls back to the environment variables the config names (local runs)', async () => {
    const l = new CredentialsLoader({ env: { K: 'key-from-env', S: 'secret-from-env' } });
    expect(await l.load(account({ apiKeyEnv: 'K', secretEnv: 'S' }))).toEqual({ apiKey: 'key-from-env', secret: 'secret-from-env' });
  });
});

describe('redact (functions/redact.ts)', () => {
  it('hides the loaded keys and signed query parameters in log and alert text', () => {
    clearSecrets();
    registerSecret('k-1234567890', 's-abcdefghij');
    expect(
      redactText('binanceusdm GET https://fapi.binance.com/fapi/v2/account?timestamp=1&signature=9f8e7d6c 401 key k-1234567890 / s-abcdefghij'),
    ).toBe('binanceusdm GET https://fapi.binance.com/fapi/v2/account?timestamp=1&signature=[redacted] 401 key [redacted] / [redacted]');
    expect(redactValue({ error: new Error('bad k-1234567890'), nested: ['X-MBX-APIKEY=abc'] })).toEqual({
      error: { name: 'Error', message: 'bad [redacted]' },
      nested: ['X-MBX-APIKEY=[redacted]'],
    });
    clearSecrets();
  });

  it('registers the key pair by value as the loader reads it', async () => {
    clearSecrets();
    const l = new CredentialsLoader({ env: { K: 'key-from-env-0001', S: 'secret-from-env-0001' } });
    await l.load(account({ apiKeyEnv: 'K', secretEnv: 'S' }));
    expect(redactText('venue said: bad key key-from-env-0001 (secret-from-env-0001)')).toBe('venue said: bad key [redacted] ([redacted])');
    clearSecrets();
  });
});
