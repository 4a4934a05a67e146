import { randomUUID } from 'node:crypto';
import type { AgentLog } from '../adapters/dynamo-agent-log.ts';
import { evaluateAccount } from '../domain/margin.ts';
import { drawdownOf } from '../domain/peak.ts';
import type { Policy } from '../domain/policy.ts';
import { limitRefsOf } from '../domain/limits/index.ts';
import { checkOrder as checkOrderPure, drawdownBudgetLeft, marketFromSnapshot, maxOrderSize as maxOrderSizePure, type AgentContext, type MarketSpec } from '../domain/pre-trade.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import type { GuardState } from '../domain/state.ts';
import { ConfigError } from '../errors.ts';
import { tradeStatus } from '../domain/trade-status.ts';
import type { Clock, ExchangePort, SnapshotStore, StateStore } from '../ports.ts';
import { formatIssues } from '../validation.ts';
import {
  CheckOrderSchema,
  GetStatusSchema,
  MaxOrderSizeSchema,
  RequestHaltSchema,
  type AgentStatus,
  type CheckOrderResult,
  type MaxOrderSizeResult,
  type RequestHaltResult,
} from './contract.ts';
import type * as z from 'zod';

/** A guarded account as the agent bindings see it. `exchange` is null where the venue is out of reach (the status function). */
export interface AgentAccount {
  id: string;
  policy: Policy;
  /** A guard tick older than this means the account is not being watched (the watchdog's limit). */
  staleAfterMs: number;
  exchange: ExchangePort | null;
}

export interface AgentServiceDeps {
  store: StateStore;
  snapshots: SnapshotStore;
  agentLog: AgentLog;
  clock: Clock;
  account(id: string): AgentAccount | null;
  /** Close all and halt, audited as the agent's act (local bindings only; absent: request_halt is not offered). */
  closeAll?: (accountId: string, by: string, reason: string) => Promise<RequestHaltResult>;
}

interface Loaded {
  snapshot: AccountSnapshot;
  at: number;
  lotSteps: Record<string, number>;
  source: 'stored' | 'fresh';
}

/** Parses agent input with the contract; a violation is bad input (exit 2, a tool error). */
function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new ConfigError(`invalid ${what} request:\n${formatIssues(r.error)}`);
  return r.data;
}

/**
 * The agent contract served over every binding (CLI `check`, MCP, the status function): read-only
 * answers from the guard's state and last accepted snapshot (or a fresh read), and one audit entry
 * per `check_order`. Nothing here can re-arm, resume, raise a limit or disarm.
 */
export class AgentService {
  constructor(private readonly deps: AgentServiceDeps) {}

  private accountOf(id: string): AgentAccount {
    const a = this.deps.account(id);
    if (!a) throw new ConfigError(`no account "${id}" is guarded here`);
    return a;
  }

  private async load(acc: AgentAccount, fresh: boolean | undefined): Promise<Loaded | null> {
    if (fresh) {
      if (!acc.exchange) throw new ConfigError('fresh: the venue cannot be read from here (use the local server or `riskguard check --fresh`)');
      const snapshot = await acc.exchange.fetchSnapshot();
      const lotSteps: Record<string, number> = {};
      for (const s of new Set(snapshot.positions.map((p) => p.symbol))) {
        const step = (await acc.exchange.quantityStep?.(s)) ?? null;
        if (step !== null) lotSteps[s] = step;
      }
      // Read just now, on this host's clock (the venue's clock may differ: a replaying paper exchange).
      return { snapshot, at: this.deps.clock.now(), lotSteps, source: 'fresh' };
    }
    const stored = await this.deps.snapshots.get(acc.id);
    return stored && { snapshot: stored.snapshot, at: stored.at, lotSteps: stored.lotSteps, source: 'stored' };
  }

  /** Why the account takes reduce-only orders only: the guard's own "no" (halted, paused, DANGER+, stale, UNKNOWN) and the data's age. */
  private restrictions(acc: AgentAccount, state: GuardState | null, loaded: Loaded | null, now: number): string[] {
    const reasons = [...tradeStatus(acc.id, state, now, acc.staleAfterMs).reasons];
    const maxAge = acc.policy.agentLimits.maxSnapshotAgeSeconds;
    if (loaded === null) reasons.push('riskguard holds no accepted snapshot of this account yet (ask with fresh, or let the guard tick)');
    else if (now - loaded.at > maxAge * 1000) {
      reasons.push(`the snapshot is ${Math.round((now - loaded.at) / 1000)} s old (limit ${maxAge} s): stale`);
    }
    return reasons;
  }

  private async context(acc: AgentAccount, fresh: boolean | undefined) {
    const [state, loaded] = await Promise.all([this.deps.store.get(acc.id), this.load(acc, fresh)]);
    const now = this.deps.clock.now();
    const restrictions = this.restrictions(acc, state, loaded, now);
    const ctx: AgentContext = { restrictions, peakEquity: state?.peakEquity ?? null, limitRefs: limitRefsOf(state, acc.policy, now) };
    return { state, loaded, now, ctx, age: loaded === null ? null : Math.max(0, (now - loaded.at) / 1000) };
  }

  private async market(acc: AgentAccount, loaded: Loaded, symbol: string): Promise<MarketSpec | null> {
    const step = loaded.lotSteps[symbol] ?? (await acc.exchange?.quantityStep?.(symbol)) ?? null;
    const held = step !== null ? marketFromSnapshot(loaded.snapshot, symbol, step) : null;
    if (held) return held;
    if (acc.exchange?.marketSpec) return acc.exchange.marketSpec(symbol);
    return null;
  }

  async getStatus(input: unknown): Promise<AgentStatus> {
    const req = parse(GetStatusSchema, input, 'get_status');
    const acc = this.accountOf(req.account);
    const { state, loaded, now, ctx, age } = await this.context(acc, req.fresh);
    const ev = loaded ? evaluateAccount(loaded.snapshot, acc.policy.stress) : null;
    const equity = ev ? ev.account.equity : (state?.lastEquity ?? null);
    const peak = state?.peakEquity ?? null;
    const view = tradeStatus(acc.id, state, now, acc.staleAfterMs);
    return {
      accountId: acc.id,
      mayTrade: ctx.restrictions.length === 0,
      level: state?.level ?? null,
      halted: view.halted,
      paused: view.paused,
      reasons: ctx.restrictions,
      equity,
      peakEquity: peak,
      drawdown: equity === null ? null : drawdownOf(peak === null ? null : Math.max(peak, equity), equity),
      drawdownBudgetLeft: equity === null ? null : drawdownBudgetLeft(equity, peak, acc.policy, ctx.limitRefs),
      marginRatio: {
        account: ev?.account.marginRatio ?? null,
        cross: ev?.pools[0]!.marginRatio ?? null,
        isolated: (ev?.pools ?? [])
          .filter((p) => p.kind === 'isolated')
          .map((p) => {
            const q = ev!.positions[p.positions[0]!]!;
            return { symbol: q.symbol, side: q.side, marginRatio: p.marginRatio };
          }),
      },
      liquidationBuffer: ev?.account.liquidationBuffer ?? null,
      dataAgeSeconds: age,
      stale:
        loaded === null ||
        now - loaded.at > acc.policy.agentLimits.maxSnapshotAgeSeconds * 1000 ||
        state?.lastOkAt == null ||
        now - state.lastOkAt > acc.staleAfterMs,
      lastTickAt: state?.lastTickAt ?? null,
      source: loaded?.source ?? 'none',
      checkedAt: now,
    };
  }

  async checkOrder(input: unknown): Promise<CheckOrderResult> {
    const req = parse(CheckOrderSchema, input, 'check_order');
    const acc = this.accountOf(req.account);
    const { loaded, now, ctx, age } = await this.context(acc, req.fresh);
    const order = {
      symbol: req.symbol,
      side: req.side,
      size: req.size,
      notional: req.notional,
      leverage: req.leverage,
      marginMode: req.marginMode,
      reduceOnly: req.reduceOnly ?? false,
    };
    const market = loaded ? await this.market(acc, loaded, req.symbol) : null;
    let answer: Omit<CheckOrderResult, 'decisionId' | 'validUntil' | 'dataAgeSeconds' | 'source' | 'mayPlace' | 'order'> & { size: number };
    if (loaded === null || market === null) {
      const why = loaded === null ? ctx.restrictions : [`riskguard has no mark, lot step or maintenance tiers for ${req.symbol} here (the account holds none): ask with fresh`];
      answer = { decision: ctx.restrictions.length > 0 ? 'reduce_only' : 'deny', reasons: why, size: req.size ?? 0, postTrade: null, maxAllowed: { size: 0, notional: 0 }, limitedBy: why };
    } else {
      if (order.marginMode === 'isolated' && !order.reduceOnly && order.leverage === undefined) {
        const held = loaded.snapshot.positions.find((p) => p.symbol === order.symbol && p.marginMode === 'isolated' && p.side === (order.side === 'buy' ? 'long' : 'short'));
        if (held?.leverage === undefined) throw new ConfigError('invalid check_order request: leverage is required for a new isolated position');
      }
      answer = checkOrderPure(loaded.snapshot, ctx, acc.policy, order, market);
    }
    const mayPlace = answer.decision === 'allow' || (answer.decision === 'reduce_only' && order.reduceOnly);
    const result: CheckOrderResult = {
      decisionId: randomUUID(),
      decision: answer.decision,
      mayPlace,
      reasons: answer.reasons,
      order: { symbol: req.symbol, side: req.side, size: answer.size, marginMode: req.marginMode, leverage: req.leverage ?? null, reduceOnly: order.reduceOnly },
      postTrade: answer.postTrade,
      maxAllowed: answer.maxAllowed,
      limitedBy: answer.limitedBy,
      validUntil: now + acc.policy.agentLimits.validForSeconds * 1000,
      dataAgeSeconds: age,
      source: loaded?.source ?? 'none',
    };
    await this.deps.agentLog.append({
      accountId: acc.id,
      at: now,
      type: 'check_order',
      id: result.decisionId,
      message: `check_order ${req.side} ${answer.size} ${req.symbol} ${req.marginMode}${order.reduceOnly ? ' reduce-only' : ''} → ${result.decision}: ${result.reasons[0] ?? ''}`,
      data: { order: result.order, decision: result.decision, reasons: result.reasons, maxAllowed: result.maxAllowed, source: result.source, dataAgeSeconds: age },
    });
    return result;
  }

  async maxOrderSize(input: unknown): Promise<MaxOrderSizeResult> {
    const req = parse(MaxOrderSizeSchema, input, 'max_order_size');
    const acc = this.accountOf(req.account);
    const { loaded, ctx, age } = await this.context(acc, req.fresh);
    const base = { symbol: req.symbol, side: req.side, marginMode: req.marginMode, dataAgeSeconds: age, source: loaded?.source ?? ('none' as const) };
    const market = loaded ? await this.market(acc, loaded, req.symbol) : null;
    if (loaded === null || market === null) {
      const why = loaded === null ? ctx.restrictions : [`riskguard has no mark, lot step or maintenance tiers for ${req.symbol} here: ask with fresh`];
      return { ...base, maxAllowed: { size: 0, notional: 0 }, limitedBy: why };
    }
    if (req.marginMode === 'isolated' && req.leverage === undefined) {
      const held = loaded.snapshot.positions.find((p) => p.symbol === req.symbol && p.marginMode === 'isolated' && p.side === (req.side === 'buy' ? 'long' : 'short'));
      if (held?.leverage === undefined) throw new ConfigError('invalid max_order_size request: leverage is required for a new isolated position');
    }
    const r = maxOrderSizePure(loaded.snapshot, ctx, acc.policy, { symbol: req.symbol, side: req.side, marginMode: req.marginMode, leverage: req.leverage }, market);
    return { ...base, ...r };
  }

  /** Whether `request_halt` is offered: a local binding that can close, and the policy allows it. */
  canHalt(accountId?: string): boolean {
    if (!this.deps.closeAll) return false;
    if (accountId === undefined) return true;
    return this.deps.account(accountId)?.policy.agentLimits.requestHalt ?? false;
  }

  async requestHalt(input: unknown, agent = 'agent'): Promise<RequestHaltResult> {
    const req = parse(RequestHaltSchema, input, 'request_halt');
    this.accountOf(req.account);
    if (!this.canHalt(req.account) || !this.deps.closeAll) throw new ConfigError(`request_halt is not available for account "${req.account}" here`);
    const r = await this.deps.closeAll(req.account, `${agent} (request_halt)`, req.reason);
    await this.deps.agentLog.append({
      accountId: req.account,
      at: this.deps.clock.now(),
      type: 'request_halt',
      id: randomUUID(),
      message: `request_halt by ${agent}: ${req.reason} → ${r.message}`,
      data: { ...r },
    });
    return r;
  }
}
