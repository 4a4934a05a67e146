/**
 * `riskguard mcp --http`: streamable HTTP on loopback for agents in another process, every request
 * carrying the bearer token. The official SDK client over the real transport.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const tmp = mkdtempSync(join(tmpdir(), 'riskguard-mcp-http-'));
const configFile = join(tmp, 'riskguard.config.json');
const token = 'test-token-0123456789abcdef';
let server: ChildProcess;
let url: string;

beforeAll(async () => {
  writeFileSync(configFile, JSON.stringify({ accounts: [{ id: 'agent', exchange: 'binanceusdm', baseUrl: 'http://127.0.0.1:9', credentials: { apiKeyEnv: 'RG_KEY', secretEnv: 'RG_SECRET' } }] }));
  server = spawn(process.execPath, ['bin/riskguard.mjs', 'mcp', '--config', configFile, '--db-path', join(tmp, 'db'), '--http', '0'], {
    env: { ...process.env, RG_KEY: 'k', RG_SECRET: 's', RISKGUARD_MCP_TOKEN: token },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let err = '';
    server.stderr!.on('data', (c: Buffer) => {
      err += c.toString('utf8');
      const m = /streamable HTTP at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(err);
      if (m) resolve(m[1]!);
    });
    server.once('exit', (code) => reject(new Error(`riskguard mcp exited ${code}: ${err}`)));
  });
}, 180_000);

afterAll(async () => {
  if (server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
});

describe('riskguard mcp --http (loopback, bearer token)', { timeout: 120_000 }, () => {
  it('serves the tools to a client with the token', async () => {
    const client = new Client({ name: 'http-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['check_order', 'get_status', 'max_order_size', 'request_halt']);
    const r = await client.callTool({ name: 'get_status', arguments: { account: 'agent' } });
    expect(r.structuredContent).toMatchObject({ accountId: 'agent', mayTrade: false, level: null, source: 'none' });
    expect((r.structuredContent as { reasons: string[] }).reasons[0]).toBe('the guard has not ticked this account yet');
    await client.close();
  });

  it('refuses a request without the token, or with another one', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    expect((await fetch(url, { method: 'POST', headers, body: JSON.stringify(init) })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { ...headers, authorization: 'Bearer wrong-token-0123456789ab' }, body: JSON.stringify(init) })).status).toBe(401);
  });
});
