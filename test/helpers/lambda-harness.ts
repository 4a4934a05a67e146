/**
 * Running a Lambda handler locally: AWS services with no local implementation here (SNS, SSM)
 * become small HTTP endpoints speaking their wire protocol, and the handler's SDK clients are
 * pointed at them (and at dynalite) with AWS_ENDPOINT_URL_<SERVICE>.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import type { RiskGuardConfig } from '../../functions/config.ts';
import { toDeployedConfig } from '../../functions/handlers/deployed-config.ts';

export const lambdaContext = {
  functionName: 'riskguard-guard',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:local:1:function:g',
  memoryLimitInMB: '256',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => 50_000,
} as unknown as Context;

export function wireEndpoint(onBody: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<Server> {
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => onBody(req, body, res));
  });
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r(s)));
}

export const endpointUrl = (s: Server): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

export const closeServer = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

/** SNS's query protocol: records every Publish request and answers with a message id. */
export function snsEndpoint(published: URLSearchParams[]): Promise<Server> {
  return wireEndpoint((_req, body, res) => {
    published.push(new URLSearchParams(body));
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end('<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>');
  });
}

/** SSM's JSON protocol (X-Amz-Target: AmazonSSM.GetParameter): `value(name)` is the parameter's value. */
export function ssmEndpoint(value: (name: string) => string, calls: { target: string; body: { Name?: string; WithDecryption?: boolean } }[] = []): Promise<Server> {
  return wireEndpoint((req, body, res) => {
    const parsed = JSON.parse(body) as { Name: string; WithDecryption?: boolean };
    calls.push({ target: String(req.headers['x-amz-target']), body: parsed });
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ Parameter: { Name: parsed.Name, Type: 'SecureString', Version: 1, Value: value(parsed.Name) } }));
  });
}

/** Writes the deployed config and stubs the guard function's environment. */
export function stubGuardEnvironment(opts: { config: RiskGuardConfig; dynamoEndpoint: string; tableName: string; sns: Server; ssm: Server }): void {
  const configFile = join(mkdtempSync(join(tmpdir(), 'riskguard-lambda-')), 'riskguard.deployed.json');
  writeFileSync(configFile, JSON.stringify(toDeployedConfig(opts.config, 'test')));
  const env: Record<string, string> = {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: opts.dynamoEndpoint,
    AWS_ENDPOINT_URL_SNS: endpointUrl(opts.sns),
    AWS_ENDPOINT_URL_SSM: endpointUrl(opts.ssm),
    TABLE_NAME: opts.tableName,
    ALERT_TOPIC_ARN: 'arn:aws:sns:local:123456789012:riskguard-alerts',
    RISKGUARD_CONFIG_FILE: configFile,
    METRICS: 'essential',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
}
