/**
 * The agent tools as an agent meets them: the official MCP SDK's Client spawns `riskguard mcp`
 * (stdio), state in the real local dynalite folder, the account read through ccxt from the paper
 * exchange. Answers are checked against `riskguard eval` of the post-trade snapshot built by hand.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaperExchange, type PaperAccount, type PaperExchange } from '../../paper/index.ts';
import { BINANCE_BRACKETS } from '../../paper/brackets.ts';
import { openStore, type OpenStore } from '../../functions/cli/store.ts';
import { initialState } from '../../functions/domain/state.ts';
import { quietAwsSdkNodeWarning } from '../../functions/adapters/local-dynamo.ts';
import type { CheckOrderResult, MaxOrderSizeResult, AgentStatus } from '../../functions/agent/contract.ts';

const tmp = mkdtempSync(join(tmpdir(), 'riskguard-mcp-'));
const dbPath = join(tmp, 'db');
const configFile = join(tmp, 'riskguard.config.json');
const tiers = (symbol: string) => BINANCE_BRACKETS[symbol]!.map((b) => ({ notionalFloor: b.notionalFloor, rate: b.maintMarginRatio, amount: b.cum }));

let paper: PaperExchange;
let acc: PaperAccount;
let env: Record<string, string>;
let client: Client;
let store: OpenStore;
const updates: string[] = [];

/** The CLI as a user runs it, asynchronously: the paper exchange answers from this process. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/riskguard.mjs', ...args], { env, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function call<T>(name: string, args: Record<string, unknown>): Promise<T> {
  const r = await client.callTool({ name, arguments: args });
  expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
  return r.structuredContent as T;
}

async function evalJson(snapshot: unknown, peak: number) {
  const file = join(tmp, `post-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(snapshot));
  const r = await cli('eval', '--snapshot', file, '--peak', String(peak), '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as {
    account: { equity: number; marginRatio: number | null; stress: { worstEquity: number } };
    pools: { kind: string; marginRatio: number | null }[];
    positions: { symbol: string; maintenanceMargin: number; liquidationPrice: number | null; liquidationDistance: number | null }[];
  };
}

beforeAll(async () => {
  quietAwsSdkNodeWarning();
  paper = await startPaperExchange({ speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 2_500 });
  acc = paper.engine.createAccount({
    walletBalance: 10_000,
    symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 }, ETHUSDT: { marginMode: 'isolated', leverage: 5 } },
    positions: [{ symbol: 'BTCUSDT', side: 'long', size: 0.1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
  });
  env = { ...(process.env as Record<string, string>), RG_KEY: acc.apiKey, RG_SECRET: acc.secret, NO_COLOR: '1' };
  const credentials = { apiKeyEnv: 'RG_KEY', secretEnv: 'RG_SECRET' };
  writeFileSync(
    configFile,
    JSON.stringify({
      accounts: [
        { id: 'agent', exchange: 'binanceusdm', baseUrl: paper.url, credentials },
        { id: 'stale', exchange: 'binanceusdm', baseUrl: paper.url, credentials },
      ],
    }),
  );
  // One guard tick keeps the first accepted snapshot.
  const tick = await cli('tick', '--config', configFile, '--account', 'agent', '--db-path', dbPath);
  expect(tick.code, tick.stderr).toBe(0);

  client = new Client({ name: 'riskguard-test-agent', version: '1.0.0' });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    updates.push(n.params.uri);
  });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: ['bin/riskguard.mjs', 'mcp', '--config', configFile, '--db-path', dbPath, '--poll-ms', '100', '--agent', 'test-agent'],
      env,
      stderr: 'ignore',
    }),
  );
  // The server holds the folder: this reaches it through its endpoint, as `riskguard rearm` would.
  store = await openStore({ dbPath });
}, 180_000);

afterAll(async () => {
  await store?.close();
  await client?.close();
  await paper?.close();
});

// Spawned CLI processes share two cores with everything else: generous limits, no timed assertion.
describe('riskguard mcp (stdio, official SDK client)', { timeout: 180_000 }, () => {
  it('lists the read-only tools and no tool that could loosen anything', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['check_order', 'get_status', 'max_order_size', 'request_halt']);
    for (const t of tools) {
      expect(t.outputSchema, t.name).toBeDefined();
      if (t.name !== 'request_halt') expect(t.annotations?.readOnlyHint, t.name).toBe(true);
      expect(t.name).not.toMatch(/arm|resume|unpause|disarm|limit|raise|pause/);
    }
    const input = tools.find((t) => t.name === 'check_order')!.inputSchema;
    expect(Object.keys(input.properties!).sort()).toEqual(['account', 'fresh', 'leverage', 'marginMode', 'notional', 'reduceOnly', 'side', 'size', 'symbol']);
  });

  it('get_status answers from the last accepted snapshot, with its age', async () => {
    const s = await call<AgentStatus>('get_status', { account: 'agent' });
    expect(s).toMatchObject({ accountId: 'agent', mayTrade: true, level: 'OK', halted: false, paused: false, reasons: [], source: 'stored', stale: false });
    expect(s.equity).toBeCloseTo(10_000, 6);
    expect(s.drawdownBudgetLeft).toBeCloseTo(1_500, 6);
    expect(s.marginRatio.cross).toBeCloseTo((5_000 * 0.004) / 10_000, 12);
    expect(s.dataAgeSeconds).toBeGreaterThanOrEqual(0);
    // fresh: read now through the venue module (ccxt → the paper exchange).
    const f = await call<AgentStatus>('get_status', { account: 'agent', fresh: true });
    expect(f).toMatchObject({ mayTrade: true, source: 'fresh', stale: false });
    expect(f.equity).toBeCloseTo(10_000, 6);
  });

  it('`riskguard check` in another terminal reaches the same state: exit 0 may trade, 1 not allowed, 2 bad input', async () => {
    const base = ['check', '--config', configFile, '--account', 'agent', '--db-path', dbPath, '--json'];
    const ok = await cli(...base);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ mayTrade: true, level: 'OK', halted: false, paused: false, reasons: [], source: 'stored' });
    const big = await cli(...base, '--order', JSON.stringify({ symbol: 'BTCUSDT', side: 'buy', size: 6, marginMode: 'cross' }));
    expect(big.code, big.stderr).toBe(1);
    const body = JSON.parse(big.stdout) as { mayTrade: boolean; order: CheckOrderResult };
    expect(body.mayTrade).toBe(true);
    expect(body.order).toMatchObject({ decision: 'deny', mayPlace: false });
    const bad = await cli(...base, '--order', '{"symbol": "BTCUSDT", "side": "buy"');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--order is not valid JSON/);
    expect(bad.stdout).toBe('');
    const status = await cli('status', '--db-path', dbPath, '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual([expect.objectContaining({ accountId: 'agent', level: 'OK', mayTrade: true, reasons: [] })]);
  });

  it('max_order_size: check_order at maxAllowed is allow, one lot more is deny; the answer agrees with eval', async () => {
    const max = await call<MaxOrderSizeResult>('max_order_size', { account: 'agent', symbol: 'BTCUSDT', side: 'buy', marginMode: 'cross' });
    expect(max.maxAllowed.size).toBeGreaterThan(0);
    const at = await call<CheckOrderResult>('check_order', { account: 'agent', symbol: 'BTCUSDT', side: 'buy', size: max.maxAllowed.size, marginMode: 'cross' });
    expect(at).toMatchObject({ decision: 'allow', mayPlace: true, maxAllowed: max.maxAllowed });
    const lot = 0.001;
    const above = await call<CheckOrderResult>('check_order', { account: 'agent', symbol: 'BTCUSDT', side: 'buy', size: Number((max.maxAllowed.size + lot).toFixed(3)), marginMode: 'cross' });
    expect(above.decision).toBe('deny');
    expect(above.reasons.join(' ')).toMatch(/\d/);

    const size = max.maxAllowed.size;
    const fill = 50_000 * 1.0005;
    const ev = await evalJson(
      {
        crossWalletBalance: 10_000 - size * fill * 0.0005,
        positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 0.1 + size, entryPrice: (0.1 * 50_000 + size * fill) / (0.1 + size), markPrice: 50_000, marginMode: 'cross', leverage: 10, maintenanceTiers: tiers('BTCUSDT') }],
      },
      10_000,
    );
    expect(at.postTrade!.accountMarginRatio).toBeCloseTo(ev.account.marginRatio!, 10);
    expect(at.postTrade!.position!.liquidationPrice).toBeCloseTo(ev.positions[0]!.liquidationPrice!, 6);
    expect(at.postTrade!.worstScenarioLoss).toBeCloseTo(10_000 - ev.account.stress.worstEquity, 6);
    expect(at.validUntil).toBeGreaterThan(Date.now() - 60_000);
  });

  it('check_order prices a bigger position in its higher maintenance tier, as eval does', async () => {
    // 0.1 + 6 BTC at 50,000 = 305,000 notional: past Binance's first BTC bracket (300,000).
    const r = await call<CheckOrderResult>('check_order', { account: 'agent', symbol: 'BTCUSDT', side: 'buy', size: 6, marginMode: 'cross' });
    expect(r.decision).toBe('deny');
    const fill = 50_000 * 1.0005;
    const ev = await evalJson(
      {
        crossWalletBalance: 10_000 - 6 * fill * 0.0005,
        positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 6.1, entryPrice: (0.1 * 50_000 + 6 * fill) / 6.1, markPrice: 50_000, marginMode: 'cross', leverage: 10, maintenanceTiers: tiers('BTCUSDT') }],
      },
      10_000,
    );
    expect(ev.positions[0]!.maintenanceMargin).toBeCloseTo(305_000 * 0.005 - 300, 6);
    expect(r.postTrade!.crossMarginRatio).toBeCloseTo(ev.pools[0]!.marginRatio!, 10);
    expect(r.postTrade!.position!.liquidationPrice).toBeCloseTo(ev.positions[0]!.liquidationPrice!, 6);
  });

  it('check_order of an isolated order on a symbol the account does not hold reads the venue and opens its own pool', async () => {
    const r = await call<CheckOrderResult>('check_order', { account: 'agent', symbol: 'ETHUSDT', side: 'sell', size: 1, leverage: 5, marginMode: 'isolated' });
    const fill = 2_500 * (1 - 0.0005);
    const margin = fill / 5;
    const ev = await evalJson(
      {
        crossWalletBalance: 10_000 - margin - fill * 0.0005,
        positions: [
          { symbol: 'BTCUSDT', side: 'long', contracts: 0.1, entryPrice: 50_000, markPrice: 50_000, marginMode: 'cross', leverage: 10, maintenanceTiers: tiers('BTCUSDT') },
          { symbol: 'ETHUSDT', side: 'short', contracts: 1, entryPrice: fill, markPrice: 2_500, marginMode: 'isolated', leverage: 5, isolatedWallet: margin, maintenanceTiers: tiers('ETHUSDT') },
        ],
      },
      10_000,
    );
    expect(r.decision).toBe('allow');
    expect(r.postTrade!.isolatedMarginRatios).toHaveLength(1);
    expect(r.postTrade!.isolatedMarginRatios[0]!.marginRatio).toBeCloseTo(ev.pools[1]!.marginRatio!, 10);
    expect(r.postTrade!.position!.liquidationPrice).toBeCloseTo(ev.positions[1]!.liquidationPrice!, 6);
  });

  it('writes one audit entry per check_order, with the table TTL', async () => {
    const before = (await store.agentLog.recent('agent', 100)).filter((e) => e.type === 'check_order').length;
    const r = await call<CheckOrderResult>('check_order', { account: 'agent', symbol: 'BTCUSDT', side: 'buy', notional: 500, marginMode: 'cross' });
    const log = (await store.agentLog.recent('agent', 100)).filter((e) => e.type === 'check_order');
    expect(log).toHaveLength(before + 1);
    expect(log[0]).toMatchObject({ id: r.decisionId, type: 'check_order' });
    expect(log[0]!.expiresAt).toBe(Math.floor(log[0]!.at / 1000) + 90 * 86_400);
  });

  it('a stale account answers reduce_only, with the reason', async () => {
    const old = Date.now() - 10 * 60_000;
    expect(await store.store.put({ ...initialState('stale'), lastTickAt: old, lastOkAt: old, peakEquity: 10_000, lastEquity: 10_000 }, 0)).toBe(true);
    const snap = (await store.snapshots.get('agent'))!;
    await store.snapshots.put({ ...snap, accountId: 'stale', at: old });
    const s = await call<AgentStatus>('get_status', { account: 'stale' });
    expect(s).toMatchObject({ mayTrade: false, stale: true });
    const r = await call<CheckOrderResult>('check_order', { account: 'stale', symbol: 'BTCUSDT', side: 'buy', size: 0.001, marginMode: 'cross' });
    expect(r).toMatchObject({ decision: 'reduce_only', mayPlace: false, maxAllowed: { size: 0, notional: 0 } });
    expect(r.reasons.join(' ')).toMatch(/600 s old \(limit 150 s\): stale/);
  });

  it('request_halt closes all and halts (the subscribed status resource is told); a reduce-only order at HALTED may be placed', async () => {
    const uri = 'riskguard://status/agent';
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain(uri);
    await client.subscribeResource({ uri });
    const halt = await call<{ halted: boolean; flat: boolean }>('request_halt', { account: 'agent', reason: 'my model lost confidence' });
    expect(halt).toMatchObject({ halted: true, flat: true });
    const state = await store.store.get('agent');
    expect(state).toMatchObject({ halted: true });
    expect(state!.haltReason).toMatch(/test-agent \(request_halt\)/);
    await expect.poll(() => updates.includes(uri), { timeout: 60_000, interval: 50 }).toBe(true);

    // A position appears while halted (opened by hand on the venue): the agent may only reduce it.
    paper.engine.placeOrder(acc, { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.1 });
    const status = await call<AgentStatus>('get_status', { account: 'agent', fresh: true });
    expect(status).toMatchObject({ mayTrade: false, halted: true, source: 'fresh' });
    const buy = await call<CheckOrderResult>('check_order', { account: 'agent', symbol: 'BTCUSDT', side: 'buy', size: 0.01, marginMode: 'cross' });
    expect(buy).toMatchObject({ decision: 'reduce_only', mayPlace: false });
    const sell = await call<CheckOrderResult>('check_order', { account: 'agent', symbol: 'BTCUSDT', side: 'sell', size: 0.1, marginMode: 'cross', reduceOnly: true, fresh: true });
    expect(sell).toMatchObject({ decision: 'reduce_only', mayPlace: true, source: 'fresh' });
    expect(sell.postTrade!.position).toBeNull();
    expect(sell.reasons.join(' ')).toMatch(/halted/);
  });

  it('bad input is a tool error naming the field', async () => {
    const r = await client.callTool({ name: 'check_order', arguments: { account: 'agent', symbol: 'BTCUSDT', side: 'buy', size: 1, notional: 5, marginMode: 'cross' } });
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toMatch(/exactly one of size and notional/);
  });
});
