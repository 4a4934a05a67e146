import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { AgentService } from '../agent/service.ts';
import type { CheckOrderResult } from '../agent/contract.ts';
import { ConfigError } from '../errors.ts';
import { staleAfterMs } from '../handlers/deployed-config.ts';
import { tradeStatus } from '../domain/trade-status.ts';
import type { GuardState } from '../domain/state.ts';
import { closeAllByHand } from '../use-cases/close-all.ts';
import { readJsonFile } from './io.ts';
import { storeOptions } from './options.ts';
import { openLocalGuard, type LocalGuard } from './runtime.ts';
import type { StoreOptions } from './store.ts';

/** The agent contract over the local guard: state and snapshots from the store, fresh reads and request_halt through the venue module. */
export function localAgentService(g: LocalGuard): AgentService {
  const byId = new Map(g.accounts.map((a) => [a.config.id, a]));
  return new AgentService({
    store: g.store.store,
    snapshots: g.store.snapshots,
    agentLog: g.store.agentLog,
    clock: { now: () => Date.now() },
    account: (id) => {
      const a = byId.get(id);
      return a ? { id, policy: a.policy, staleAfterMs: staleAfterMs(a), exchange: g.deps(id).exchange } : null;
    },
    closeAll: async (accountId, by, reason) => {
      const r = await closeAllByHand(g.deps(accountId), { accountId, by, reason });
      return {
        accountId,
        halted: true,
        flat: r.done,
        orders: r.orders.length,
        residuals: r.residuals.map((x) => ({ symbol: x.symbol, side: x.side, contracts: x.contracts })),
        message: r.done ? `closed all: flat, equity ${r.equity.toFixed(2)}; HALTED until a human re-arms` : `close-all INCOMPLETE: ${r.residuals.length} position(s) left; HALTED`,
      };
    },
  });
}

/** A local guard ticks once a minute by default: the watchdog's limit for it (2 periods + 30 s). */
const LOCAL_STALE_MS = 150_000;

/** `status --json`: each state with the agent's answer, `mayTrade` and `reasons` (why not). */
export function withMayTrade(state: GuardState, now: number): GuardState & { mayTrade: boolean; reasons: string[] } {
  const t = tradeStatus(state.accountId, state, now, LOCAL_STALE_MS);
  return { ...state, mayTrade: t.mayTrade, reasons: t.reasons };
}

/** `--order '{"symbol":"BTCUSDT","side":"buy","size":0.01,"marginMode":"cross"}'` or `--order @file.json`. */
function parseOrder(v: string): Record<string, unknown> {
  const raw = v.startsWith('@') ? readJsonFile(v.slice(1), 'order') : (() => {
    try {
      return JSON.parse(v) as unknown;
    } catch (err) {
      throw new ConfigError(`--order is not valid JSON: ${(err as Error).message}`);
    }
  })();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('--order must be a JSON object: {"symbol","side","size"|"notional","marginMode",…}');
  return raw as Record<string, unknown>;
}

const fmt = (x: number | null, digits = 4): string => (x === null ? '—' : x.toFixed(digits));

function renderCheck(order: CheckOrderResult): string {
  const p = order.postTrade;
  const lines = [
    `check_order ${order.order.side} ${order.order.size} ${order.order.symbol} ${order.order.marginMode}${order.order.reduceOnly ? ' reduce-only' : ''}: ${order.decision.toUpperCase()} (decision ${order.decisionId})`,
    ...order.reasons.map((r) => `  - ${r}`),
  ];
  if (p) {
    lines.push(
      `  after: account margin ratio ${fmt(p.accountMarginRatio)}, cross ${fmt(p.crossMarginRatio)}, stress survival ${fmt(p.crossStressSurvival, 2)}, worst-scenario loss ${p.worstScenarioLoss.toFixed(2)} (budget left ${fmt(p.drawdownBudgetLeft, 2)})`,
    );
    if (p.position) lines.push(`  position: ${p.position.contracts} ${p.position.symbol} ${p.position.side}, liquidation ${fmt(p.position.liquidationPrice, 2)} (${p.position.liquidationDistance === null ? '—' : `${(p.position.liquidationDistance * 100).toFixed(1)} %`} away)`);
  }
  lines.push(`  max allowed: ${order.maxAllowed.size} (${order.maxAllowed.notional.toFixed(2)} notional)${order.limitedBy[0] ? `; ${order.limitedBy[0]}` : ''}`);
  return lines.join('\n');
}

export function registerAgentCommands(program: Command): void {
  storeOptions(
    program
      .command('check')
      .description('for trading agents: may this account trade, and is this order inside the agent limits? exit 0 yes, 1 no or reduce-only only, 2 bad input')
      .requiredOption('--config <file>', 'riskguard.config.json')
      .requiredOption('--account <id>', 'account id')
      .option('--order <json>', 'an order to check: JSON {"symbol","side","size"|"notional","leverage"?,"marginMode","reduceOnly"?} or @FILE')
      .option('--fresh', 'read the account now through the venue module (default: the guard\'s last accepted snapshot)')
      .option('--json', 'print JSON'),
  ).action(async (opts: StoreOptions & { config: string; account: string; order?: string; fresh?: boolean; json?: boolean }) => {
    const order = opts.order !== undefined ? parseOrder(opts.order) : null;
    if (order && 'account' in order && order.account !== opts.account) throw new ConfigError('--order names another account than --account');
    const g = await openLocalGuard(opts.config, { ...opts, only: opts.account });
    try {
      const service = localAgentService(g);
      const fresh = opts.fresh ? { fresh: true } : {};
      const status = await service.getStatus({ account: opts.account, ...fresh });
      const checked = order ? await service.checkOrder({ ...order, account: opts.account, ...fresh }) : null;
      const ok = checked ? checked.decision === 'allow' : status.mayTrade;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(checked ? { ...status, order: checked } : status, null, 2)}\n`);
      } else {
        process.stdout.write(
          `${status.accountId}: ${status.mayTrade ? 'MAY TRADE' : 'REDUCE-ONLY'} (level ${status.level ?? 'none'}${status.halted ? ', HALTED' : ''}${status.paused ? ', PAUSED' : ''}), ` +
            `data ${status.dataAgeSeconds === null ? 'none' : `${Math.round(status.dataAgeSeconds)} s old (${status.source})`}\n` +
            status.reasons.map((r) => `  - ${r}\n`).join('') +
            (checked ? `${renderCheck(checked)}\n` : ''),
        );
      }
      if (!ok) process.exitCode = 1;
    } finally {
      await g.close();
    }
  });

  storeOptions(
    program
      .command('mcp')
      .description('serve the agent tools over MCP: stdio (default), or streamable HTTP on loopback with a bearer token (--http PORT)')
      .requiredOption('--config <file>', 'riskguard.config.json')
      .addOption(
        new Option('--http <port>', 'serve streamable HTTP on 127.0.0.1:PORT (0 = a free one) instead of stdio').argParser((v) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--http must be a port 0–65535, got "${v}"`);
          return n;
        }),
      )
      .option('--token-env <name>', 'environment variable holding the HTTP bearer token (default RISKGUARD_MCP_TOKEN; unset: one is generated and printed on stderr)')
      .option('--agent <name>', 'who the agent is, for the audit log of request_halt', 'agent')
      .addOption(
        new Option('--poll-ms <ms>', 'how often subscribed statuses are re-read').default(2000).argParser((v) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 50) throw new InvalidArgumentError(`--poll-ms must be a whole number ≥ 50, got "${v}"`);
          return n;
        }),
      ),
  ).action(async (opts: StoreOptions & { config: string; http?: number; tokenEnv?: string; agent: string; pollMs: number }) => {
    const tokenEnv = opts.tokenEnv ?? 'RISKGUARD_MCP_TOKEN';
    const envToken = process.env[tokenEnv];
    if (opts.http !== undefined && envToken !== undefined && envToken.length < 16) throw new ConfigError(`${tokenEnv} must hold a token of at least 16 characters`);
    // Loaded here, not at the CLI's start: only `mcp` needs the SDK.
    const { createMcpServer, serveHttp, StatusWatcher } = await import('../agent/mcp-server.ts');
    const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
    // Holds the local state folder while it runs, like `run`: other commands reach it through its endpoint.
    // Held for the server's life and shared, as `run` does: other commands reach the same state.
    const g = await openLocalGuard(opts.config, { ...opts, share: true, holderName: 'mcp' });
    const service = localAgentService(g);
    const watcher = new StatusWatcher(service, opts.pollMs);
    const accounts = g.accounts.map((a) => a.config.id);
    const make = () => createMcpServer(service, { accounts, watcher, agentName: opts.agent });
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    try {
      if (opts.http !== undefined) {
        const token = envToken ?? randomBytes(24).toString('base64url');
        const http = await serveHttp(make, { port: opts.http, token });
        process.stderr.write(`riskguard mcp: streamable HTTP at ${http.url} (${g.store.where})\n`);
        process.stderr.write(envToken ? `  bearer token from $${tokenEnv}\n` : `  bearer token (set $${tokenEnv} to choose one): ${token}\n`);
        await stopped;
        await http.close();
      } else {
        const mcp = make();
        const transport = new StdioServerTransport();
        const closed = new Promise<void>((resolve) => {
          transport.onclose = resolve;
          process.stdin.once('end', resolve);
        });
        await mcp.connect(transport);
        process.stderr.write(`riskguard mcp: serving ${accounts.join(', ')} over stdio (${g.store.where})\n`);
        await Promise.race([closed, stopped]);
        await mcp.close();
      }
    } finally {
      watcher.close();
      await g.close();
    }
  });
}
