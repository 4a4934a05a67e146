import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { BRACKET_SOURCE } from './brackets.ts';
import { PaperReject, type AccountSpec, type PaperAccount, type PaperEngine, type RejectReason } from './core/index.ts';
import type { PaperDialect } from './dialects/types.ts';
import { FAULT_KINDS } from './faults.ts';
import type { PaperServerDeps } from './server.ts';

/**
 * Control API under /paper/* — venue-neutral, the same on every dialect; loopback only, guarded
 * by the `X-Paper-Admin` token (except GET /paper/health). JSON in, JSON out; bodies are validated
 * with zod and every violation is reported with its path. Symbols are in the venue's own naming
 * (BTCUSDT on Binance), checked by the dialect; sizes are in base units on every venue.
 *
 *   GET    /paper/health                      → { ok, time }                         (no token)
 *   GET    /paper/state                       → clock, replay span, marks, accounts, bracket source
 *   POST   /paper/accounts                    AccountBody → { accountId, venue, credentials, env, apiKey, secret, account }
 *   GET    /paper/accounts                    → [{ id, label, apiKey, hedgeMode }]
 *   GET    /paper/accounts/:id                → true state (wallet, positions, orders, liquidations, income)
 *   POST   /paper/accounts/:id/deposit        { amount } → account
 *   POST   /paper/accounts/:id/withdraw       { amount } → account
 *   GET    /paper/prices                      → { time, marks }
 *   POST   /paper/prices                      { prices: { BTCUSDT: 60000, ETHUSDT: null } } (null = follow replay again)
 *   GET    /paper/clock                       → { time, speed, replay }
 *   POST   /paper/clock                       { advanceMs } | { to } [, stepMs] → { time, liquidations }
 *   GET    /paper/faults                      → active faults
 *   POST   /paper/faults                      FaultBody → fault
 *   DELETE /paper/faults                      → { cleared: true }
 *   GET    /paper/liquidations                → every liquidation event
 *   POST   /paper/funding                     { rates: { BTCUSDT: 0.0003 } } → { rates, nextFundingTime }
 *   POST   /paper/markets                     { symbol, price } → lists a new perpetual at runtime
 *   POST   /paper/history-delay               { delayMs } → late history rows (see engine.setHistoryDelay)
 *   POST   /paper/wall-clock                  { offsetMs } → the venue's wall clock vs this host's
 *   POST   /paper/accounts/:id/adl            { symbol, positionSide?, quantity? } → auto-deleverage
 */

/** A symbol of the dialect's venue (its own naming); the dialect says what is wrong with it. */
const venueSymbol = (dialect: PaperDialect) =>
  z.string().superRefine((s, ctx) => {
    const problem = dialect.symbolProblem(s);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });

const positionBody = (dialect: PaperDialect) => z
  .object({
    symbol: venueSymbol(dialect),
    side: z.enum(['long', 'short']),
    size: z.number().positive(),
    entryPrice: z.number().positive(),
    marginMode: z.enum(['cross', 'isolated']).default('cross'),
    leverage: z.number().int().min(1).max(150).optional(),
    isolatedMargin: z.number().positive().optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.marginMode === 'isolated' && p.isolatedMargin === undefined) {
      ctx.addIssue({ code: 'custom', path: ['isolatedMargin'], message: 'required when marginMode is "isolated"' });
    }
    if (p.marginMode === 'cross' && p.isolatedMargin !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['isolatedMargin'], message: 'only allowed when marginMode is "isolated"' });
    }
  });

/** POST /paper/accounts, with `dialect` checking the symbols. */
export const accountBody = (dialect: PaperDialect) => z
  .object({
    label: z.string().min(1).max(64).optional(),
    walletBalance: z.number().nonnegative(),
    hedgeMode: z.boolean().default(false),
    canTrade: z.boolean().default(true),
    enableWithdrawals: z.boolean().default(false),
    multiAssetsMargin: z.boolean().default(false),
    portfolioMargin: z.boolean().default(false),
    /** One symbol may hold a cross and an isolated position at once (OKX, Orderly). */
    mixedMarginModes: z.boolean().default(false),
    unifiedAccount: z.boolean().default(false),
    apiKey: z.string().regex(/^[A-Za-z0-9]{16,128}$/, '16–128 letters/digits').optional(),
    secret: z.string().min(16).max(128).optional(),
    symbols: z
      .record(
        z.string(),
        z.object({ marginMode: z.enum(['cross', 'isolated']).optional(), leverage: z.number().int().min(1).max(150).optional() }).strict(),
      )
      .optional(),
    positions: z.array(positionBody(dialect)).default([]),
  })
  .strict();

const AmountBody = z.object({ amount: z.number().positive() }).strict();

const PricesBody = z.object({ prices: z.record(z.string(), z.number().positive().nullable()) }).strict();

const ClockBody = z
  .object({
    advanceMs: z.number().nonnegative().optional(),
    to: z.number().int().optional(),
    stepMs: z.number().positive().optional(),
  })
  .strict()
  .refine((b) => (b.advanceMs === undefined) !== (b.to === undefined), { message: 'give exactly one of advanceMs and to' });

export const FaultBody = z
  .object({
    kind: z.enum(FAULT_KINDS),
    endpoint: z.string().min(1).optional(),
    count: z.number().int().positive().max(1_000_000).optional(),
    accountId: z.string().optional(),
    hangMs: z.number().int().nonnegative().max(600_000).optional(),
    afterProcessing: z.boolean().optional(),
    fillRatio: z.number().min(0).max(1).optional(),
    staleMs: z.number().int().nonnegative().optional(),
    // venue realism (issue 8)
    factor: z.number().positive().finite().optional(),
    code: z.union([z.literal(-1000), z.literal(-1001), z.literal(-1008)]).optional(),
  })
  .strict();

// ── venue realism (issue 8) ──
const FundingBody = z.object({ rates: z.record(z.string(), z.number().finite().gt(-0.05).lt(0.05)) }).strict();
const marketBody = (dialect: PaperDialect) => z.object({ symbol: venueSymbol(dialect), price: z.number().positive().finite() }).strict();
const HistoryDelayBody = z.object({ delayMs: z.number().int().nonnegative() }).strict();
const WallClockBody = z.object({ offsetMs: z.number().int().min(-86_400_000).max(86_400_000) }).strict();
const AdlBody = z
  .object({ symbol: z.string().min(1), positionSide: z.enum(['BOTH', 'LONG', 'SHORT']).optional(), quantity: z.number().positive().optional() })
  .strict();

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: { path: string; message: string }[],
    /** The engine's neutral reason, when it refused (e.g. 'unknown-symbol'). */
    readonly reason?: RejectReason,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, body: string): T {
  let json: unknown;
  try {
    json = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    throw new HttpError(
      400,
      'invalid request body',
      r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })),
    );
  }
  return r.data;
}

function isLoopback(addr: string | undefined): boolean {
  if (addr === undefined) return false;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

function tokenOk(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The true state of an account, in plain numbers (what the guard should have seen). */
export function accountView(engine: PaperEngine, acc: PaperAccount): unknown {
  const risk = engine.accountRisk(acc);
  return {
    id: acc.id,
    label: acc.label,
    apiKey: acc.apiKey,
    hedgeMode: acc.dualSide,
    canTrade: acc.canTrade,
    time: engine.now(),
    wallet: { cross: risk.crossWallet, isolated: risk.isolatedWallets, total: risk.walletBalance },
    unrealizedPnl: risk.unrealizedPnl,
    marginBalance: risk.marginBalance,
    crossMarginBalance: risk.crossMarginBalance,
    crossMaintMargin: risk.crossMaintMargin,
    crossMarginRatio: risk.crossMarginRatio,
    totalMaintMargin: risk.totalMaintMargin,
    availableBalance: risk.availableBalance,
    maxWithdrawAmount: risk.maxWithdrawAmount,
    positions: risk.positions.map((r) => ({
      symbol: r.position.symbol,
      positionSide: r.position.positionSide,
      side: r.position.amt > 0 ? 'long' : 'short',
      size: Math.abs(r.position.amt),
      entryPrice: r.position.entryPrice,
      markPrice: r.markPrice,
      marginMode: r.position.marginType === 'ISOLATED' ? 'isolated' : 'cross',
      leverage: r.leverage,
      isolatedWallet: r.position.marginType === 'ISOLATED' ? r.position.isolatedWallet : null,
      notional: r.notional,
      unrealizedPnl: r.unrealizedPnl,
      maintMargin: r.maintMargin,
      maintMarginRatio: r.maintMarginRatio,
      maintAmount: r.maintAmount,
      initialMargin: r.initialMargin,
      liquidationPrice: r.liquidationPrice > 0 ? r.liquidationPrice : null,
      updateTime: r.position.updateTime,
    })),
    symbolConfig: Object.fromEntries(
      [...acc.symbolConfig.entries()].map(([s, c]) => [s, { marginMode: c.marginType === 'ISOLATED' ? 'isolated' : 'cross', leverage: c.leverage }]),
    ),
    openOrders: [...acc.openOrders.values()],
    openAlgoOrders: [...acc.openAlgoOrders.values()],
    liquidations: acc.forceOrders,
    income: acc.income,
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Handles one /paper/* request. */
export async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, body: string, deps: PaperServerDeps): Promise<void> {
  const { engine, faults, driver } = deps;
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '');
  try {
    if (!isLoopback(req.socket.remoteAddress)) throw new HttpError(403, 'the control API answers loopback clients only');
    if (method === 'GET' && path === '/paper/health') return send(res, 200, { ok: true, time: engine.now() });
    if (!tokenOk(req.headers['x-paper-admin'], deps.adminToken)) throw new HttpError(401, 'missing or wrong X-Paper-Admin token');
    driver?.sync();

    const accountMatch = /^\/paper\/accounts\/([^/]+)(\/deposit|\/withdraw|\/adl)?$/.exec(path);
    const accountById = (id: string): PaperAccount => {
      try {
        return engine.getAccount(decodeURIComponent(id));
      } catch {
        throw new HttpError(404, `no account "${id}"`);
      }
    };

    if (method === 'GET' && path === '/paper/state') {
      return send(res, 200, {
        time: engine.now(),
        speed: driver?.speed ?? 0,
        replay: engine.replayRange(),
        marks: engine.marksSnapshot(),
        accounts: engine.listAccounts().map((a) => a.id),
        brackets: BRACKET_SOURCE,
        fees: { taker: engine.takerFee, slippage: engine.slippage, clearance: engine.clearanceFee },
        venue: deps.dialect.venue,
      });
    }
    if (path === '/paper/accounts' && method === 'POST') {
      const b = parse(accountBody(deps.dialect), body);
      const spec: AccountSpec = {
        walletBalance: b.walletBalance,
        hedgeMode: b.hedgeMode,
        canTrade: b.canTrade,
        enableWithdrawals: b.enableWithdrawals,
        multiAssetsMargin: b.multiAssetsMargin,
        portfolioMargin: b.portfolioMargin,
        mixedMarginModes: b.mixedMarginModes,
        unifiedAccount: b.unifiedAccount,
        positions: b.positions,
        ...(b.label !== undefined ? { label: b.label } : {}),
        ...(b.apiKey !== undefined ? { apiKey: b.apiKey } : {}),
        ...(b.secret !== undefined ? { secret: b.secret } : {}),
        ...(b.symbols !== undefined ? { symbols: b.symbols } : {}),
      };
      const acc = semantic(() => engine.createAccount(spec));
      // credentials + env: enough to write a riskguard config (and its environment) from this answer alone.
      const { credentials, env } = deps.dialect.credentialsFor(acc);
      return send(res, 201, {
        accountId: acc.id,
        venue: deps.dialect.venue,
        credentials,
        env,
        apiKey: acc.apiKey,
        secret: acc.secret,
        account: accountView(engine, acc),
      });
    }
    if (path === '/paper/accounts' && method === 'GET') {
      return send(res, 200, engine.listAccounts().map((a) => ({ id: a.id, label: a.label, apiKey: a.apiKey, hedgeMode: a.dualSide })));
    }
    if (accountMatch !== null) {
      const acc = accountById(accountMatch[1]!);
      const action = accountMatch[2];
      if (action === undefined && method === 'GET') return send(res, 200, accountView(engine, acc));
      if (action === '/adl' && method === 'POST') {
        const b = parse(AdlBody, body);
        const realizedPnl = semantic(() =>
          engine.autoDeleverage(acc, b.symbol, { ...(b.positionSide ? { positionSide: b.positionSide } : {}), ...(b.quantity ? { qty: b.quantity } : {}) }),
        );
        return send(res, 200, { realizedPnl, account: accountView(engine, acc) });
      }
      if (action !== undefined && method === 'POST') {
        const { amount } = parse(AmountBody, body);
        semantic(() => (action === '/deposit' ? engine.deposit(acc.id, amount) : engine.withdraw(acc.id, amount)));
        return send(res, 200, accountView(engine, acc));
      }
    }
    if (path === '/paper/prices' && method === 'GET') return send(res, 200, { time: engine.now(), marks: engine.marksSnapshot() });
    if (path === '/paper/prices' && method === 'POST') {
      const { prices } = parse(PricesBody, body);
      const set: Record<string, number> = {};
      for (const [symbol, price] of Object.entries(prices)) {
        if (price === null) engine.resumeReplay(symbol);
        else set[symbol] = price;
      }
      const liquidations = semantic(() => engine.setPrices(set));
      return send(res, 200, { time: engine.now(), marks: engine.marksSnapshot(), liquidations });
    }
    if (path === '/paper/clock' && method === 'GET') {
      return send(res, 200, { time: engine.now(), speed: driver?.speed ?? 0, replay: engine.replayRange() });
    }
    if (path === '/paper/clock' && method === 'POST') {
      const b = parse(ClockBody, body);
      const opts = b.stepMs !== undefined ? { stepMs: b.stepMs } : {};
      const liquidations = semantic(() => (b.advanceMs !== undefined ? engine.advanceBy(b.advanceMs, opts) : engine.advanceTo(b.to!, opts)));
      driver?.rebase();
      return send(res, 200, { time: engine.now(), liquidations });
    }
    if (path === '/paper/faults' && method === 'GET') return send(res, 200, faults.list());
    if (path === '/paper/faults' && method === 'POST') {
      const b = parse(FaultBody, body);
      if (b.accountId !== undefined) accountById(b.accountId);
      return send(res, 201, faults.add(b));
    }
    if (path === '/paper/faults' && method === 'DELETE') {
      faults.clear();
      return send(res, 200, { cleared: true });
    }
    if (path === '/paper/liquidations' && method === 'GET') return send(res, 200, engine.liquidations());
    if (path === '/paper/funding' && method === 'POST') {
      const { rates } = parse(FundingBody, body);
      semantic(() => Object.entries(rates).forEach(([symbol, rate]) => engine.setFundingRate(symbol, rate)));
      const all = Object.fromEntries(engine.listMarkets().map((m) => [m.symbol, engine.fundingRate(m.symbol)]));
      return send(res, 200, { rates: all, nextFundingTime: engine.nextFundingTime() });
    }
    if (path === '/paper/markets' && method === 'POST') {
      const b = parse(marketBody(deps.dialect), body);
      const m = semantic(() => engine.listMarket(b.symbol, b.price));
      return send(res, 201, { symbol: m.symbol, price: b.price, realBrackets: m.realBrackets });
    }
    if (path === '/paper/history-delay' && method === 'POST') {
      const { delayMs } = parse(HistoryDelayBody, body);
      engine.setHistoryDelay(delayMs);
      return send(res, 200, { delayMs });
    }
    if (path === '/paper/wall-clock' && method === 'POST') {
      const { offsetMs } = parse(WallClockBody, body);
      if (deps.wall) deps.wall.offsetMs = offsetMs;
      return send(res, 200, { offsetMs });
    }
    throw new HttpError(404, `no control endpoint ${method} ${path}`);
  } catch (e) {
    if (e instanceof HttpError) return send(res, e.status, { error: e.message, ...(e.issues ? { issues: e.issues } : {}), ...(e.reason ? { reason: e.reason } : {}) });
    throw e;
  }
}

/** Runs an engine call whose Error means "your request makes no sense here" → HTTP 400 (with the neutral reason of a PaperReject). */
function semantic<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PaperReject) throw new HttpError(400, e.message, undefined, e.reason);
    if (e instanceof Error) throw new HttpError(400, e.message);
    throw e;
  }
}
