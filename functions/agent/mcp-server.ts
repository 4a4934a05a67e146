/**
 * The agent contract over MCP (the official TypeScript SDK, 1.x): tools `get_status`,
 * `check_order`, `max_order_size` (read-only, with input and output schemas and structured
 * content), optionally `request_halt` (it can only tighten), and one subscribable status resource
 * per account, `riskguard://status/<account>`, updated when its level, halt, pause or mayTrade
 * changes. There is deliberately no tool that re-arms, resumes, raises a limit or disarms.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  CheckOrderInput,
  CheckOrderOutput,
  GetStatusInput,
  MaxOrderSizeInput,
  MaxOrderSizeOutput,
  RequestHaltInput,
  RequestHaltOutput,
  StatusOutput,
} from './contract.ts';
import type { AgentService } from './service.ts';

export const STATUS_URI_PREFIX = 'riskguard://status/';
export const statusUri = (account: string): string => `${STATUS_URI_PREFIX}${account}`;

const structured = <T extends object>(value: T) => ({
  content: [{ type: 'text' as const, text: JSON.stringify(value, null, 2) }],
  structuredContent: value as unknown as Record<string, unknown>,
});

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

/**
 * Watches the status of subscribed accounts and tells each subscriber when it changes. One
 * watcher per process: every MCP session registers its subscriptions here.
 */
export class StatusWatcher {
  private readonly subs = new Map<string, Set<(uri: string) => void>>();
  private readonly last = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(private readonly service: AgentService, private readonly pollMs: number) {}

  /** The part of the status whose change is worth a notification. */
  private async fingerprint(account: string): Promise<string> {
    const s = await this.service.getStatus({ account });
    return JSON.stringify([s.level, s.halted, s.paused, s.mayTrade]);
  }

  async subscribe(account: string, notify: (uri: string) => void): Promise<void> {
    let set = this.subs.get(account);
    if (!set) {
      set = new Set();
      this.subs.set(account, set);
      this.last.set(account, await this.fingerprint(account));
    }
    set.add(notify);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.pollMs);
      this.timer.unref();
    }
  }

  unsubscribe(account: string, notify: (uri: string) => void): void {
    this.subs.get(account)?.delete(notify);
    if (this.subs.get(account)?.size === 0) {
      this.subs.delete(account);
      this.last.delete(account);
    }
    if (this.subs.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** One pass over the subscribed accounts (the timer calls it; tests and benches may too). */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const [account, set] of this.subs) {
        const now = await this.fingerprint(account).catch(() => null);
        if (now === null || now === this.last.get(account)) continue;
        this.last.set(account, now);
        for (const notify of set) notify(statusUri(account));
      }
    } finally {
      this.polling = false;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.subs.clear();
  }
}

export interface McpOptions {
  accounts: string[];
  watcher: StatusWatcher;
  /** Who the agent is, for the audit log of request_halt. */
  agentName?: string;
}

/** One MCP server (one per session over HTTP, one for stdio) over the shared service. */
export function createMcpServer(service: AgentService, opts: McpOptions): McpServer {
  const mcp = new McpServer(
    { name: 'riskguard', version: '0.1.0' },
    {
      capabilities: { resources: { subscribe: true, listChanged: true }, tools: {} },
      instructions:
        'riskguard guards perpetual-futures accounts. Before an order call check_order; place it only when mayPlace is true. ' +
        'max_order_size gives the largest order inside the limits. You cannot re-arm, resume, unpause, raise a limit or disarm the guard.',
    },
  );

  mcp.registerTool(
    'get_status',
    {
      title: 'Account status',
      description: 'May this account take new risk? Level, halted/paused, reasons, equity, peak, drawdown and budget left, margin ratios, data age.',
      inputSchema: GetStatusInput,
      outputSchema: StatusOutput,
      annotations: READ_ONLY,
    },
    async (args) => structured(await service.getStatus(args)),
  );

  mcp.registerTool(
    'check_order',
    {
      title: 'Pre-trade check',
      description:
        'Would this order keep the account inside the agent limits? decision allow | reduce_only | deny with reasons, the post-trade margin ratios, ' +
        'liquidation price and distance, stress survival and worst-scenario loss, and maxAllowed for the symbol/side/mode. Each answer is audited (decisionId).',
      inputSchema: CheckOrderInput,
      outputSchema: CheckOrderOutput,
      // It writes an audit entry, nothing else: read-only as far as the account is concerned.
      annotations: { ...READ_ONLY, idempotentHint: false },
    },
    async (args) => structured(await service.checkOrder(args)),
  );

  mcp.registerTool(
    'max_order_size',
    {
      title: 'Largest order inside the limits',
      description: 'The largest size (to the venue lot step) that keeps every agent limit, and which limit binds one lot above it.',
      inputSchema: MaxOrderSizeInput,
      outputSchema: MaxOrderSizeOutput,
      annotations: READ_ONLY,
    },
    async (args) => structured(await service.maxOrderSize(args)),
  );

  if (service.canHalt()) {
    mcp.registerTool(
      'request_halt',
      {
        title: 'Close all and halt',
        description: 'Tighten only: cancel open orders, close every position with reduce-only orders and HALT the account until a human re-arms it. Audited as your act.',
        inputSchema: RequestHaltInput,
        outputSchema: RequestHaltOutput,
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
      },
      async (args) => structured(await service.requestHalt(args, opts.agentName ?? 'agent')),
    );
  }

  mcp.registerResource(
    'status',
    new ResourceTemplate(`${STATUS_URI_PREFIX}{account}`, {
      list: async () => ({
        resources: opts.accounts.map((a) => ({ uri: statusUri(a), name: `status of ${a}`, mimeType: 'application/json' })),
      }),
    }),
    { title: 'Account status', description: 'get_status of one account; subscribe to hear when its level, halt, pause or mayTrade changes', mimeType: 'application/json' },
    async (uri, { account }) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(await service.getStatus({ account: String(account) }), null, 2) }],
    }),
  );

  const mine = new Map<string, (uri: string) => void>();
  const accountOfUri = (uri: string): string => {
    if (!uri.startsWith(STATUS_URI_PREFIX)) throw new Error(`unknown resource ${uri}`);
    const account = uri.slice(STATUS_URI_PREFIX.length);
    if (!opts.accounts.includes(account)) throw new Error(`no account "${account}" is guarded here`);
    return account;
  };
  mcp.server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    const account = accountOfUri(req.params.uri);
    if (!mine.has(account)) {
      const notify = (uri: string) => void mcp.server.sendResourceUpdated({ uri }).catch(() => undefined);
      mine.set(account, notify);
      await opts.watcher.subscribe(account, notify);
    }
    return {};
  });
  mcp.server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    const account = accountOfUri(req.params.uri);
    const notify = mine.get(account);
    if (notify) opts.watcher.unsubscribe(account, notify);
    mine.delete(account);
    return {};
  });
  mcp.server.onclose = () => {
    for (const [account, notify] of mine) opts.watcher.unsubscribe(account, notify);
    mine.clear();
  };
  return mcp;
}

const tokenMatches = (given: string | undefined, token: string): boolean => {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(`Bearer ${token}`);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * Streamable HTTP on loopback only, every request carrying `Authorization: Bearer <token>`
 * (compared in constant time); one MCP session per client, DNS-rebinding protection on.
 */
export async function serveHttp(
  make: () => McpServer,
  opts: { port: number; token: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!tokenMatches(req.headers.authorization, opts.token)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(JSON.stringify({ error: 'missing or wrong bearer token' }));
      return;
    }
    const sid = req.headers['mcp-session-id'];
    const existing = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (existing) {
      await existing.transport.handleRequest(req, res);
      return;
    }
    if (req.method !== 'POST' || typeof sid === 'string') {
      res.writeHead(typeof sid === 'string' ? 404 : 400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no such session: initialize first' }));
      return;
    }
    const port = (server.address() as AddressInfo).port;
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      // Plain JSON answers to tool calls (no SSE stream per request); notifications still go over the GET stream.
      enableJsonResponse: true,
      enableDnsRebindingProtection: true,
      allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`],
      onsessioninitialized: (id) => void sessions.set(id, { transport, server: mcp }),
    });
    const mcp = make();
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  };
  const server: HttpServer = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    close: async () => {
      for (const s of sessions.values()) await s.server.close().catch(() => undefined);
      sessions.clear();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
