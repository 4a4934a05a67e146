import { ExchangeUnavailableError, RiskGuardError } from '../errors.ts';
import { positionKey } from '../domain/gate.ts';
import type { AccountSnapshot, Position } from '../domain/snapshot.ts';
import type { ExchangePort, Logger, OrderResult } from '../ports.ts';

/** Which positions to bring to which size; anything not listed is left alone. */
export type Target =
  | { kind: 'close-all' }
  | { kind: 'reduce'; fraction: number; keys: string[] }
  | { kind: 'close-position'; keys: string[] };

export interface ExecuteResult {
  orders: OrderResult[];
  cancelled: number;
  /** Positions still open that the target wanted smaller. */
  residuals: { symbol: string; side: 'long' | 'short'; marginMode: 'cross' | 'isolated'; contracts: number }[];
  done: boolean;
  rounds: number;
  errors: string[];
  /** The last snapshot read (after the orders). */
  finalSnapshot: AccountSnapshot;
}


/** Relative size below which a remainder counts as done (float dust, lot rounding). */
const DUST = 1e-9;

function desiredSizes(target: Target, initial: AccountSnapshot): Map<string, number> {
  const want = new Map<string, number>();
  if (target.kind === 'reduce') {
    for (const p of initial.positions) if (target.keys.includes(positionKey(p))) want.set(positionKey(p), p.contracts * (1 - target.fraction));
  } else if (target.kind === 'close-position') {
    for (const k of target.keys) want.set(k, 0);
  }
  return want;
}

/**
 * The confirmed executor behind close-all, reduce and close-position: cancel resting orders
 * (conditional ones included) on the affected symbols, send reduce-only market orders split by
 * the venue's max quantity, re-read positions, and repeat until the target holds or the round
 * budget is spent. Never opens or increases a position.
 */
export async function execute(
  deps: { exchange: ExchangePort; log: Logger; sleep: (ms: number) => Promise<void> },
  target: Target,
  initial: AccountSnapshot,
  opts: {
    maxRounds?: number;
    retryDelayMs?: number;
    /** No order or round starts after this time (ms, by `now`): the caller keeps time to report. */
    deadline?: number;
    now?: () => number;
    /** Called before every order and every re-read: the caller's sign of life (trip heartbeat). */
    onStep?: () => Promise<void>;
  } = {},
): Promise<ExecuteResult> {
  const maxRounds = opts.maxRounds ?? 5;
  const retryDelayMs = opts.retryDelayMs ?? 250;
  const want = desiredSizes(target, initial);
  const wanted = (p: Position): number | null => (target.kind === 'close-all' ? 0 : (want.get(positionKey(p)) ?? null));
  const orders: OrderResult[] = [];
  const errors: string[] = [];
  let cancelled = 0;
  let snapshot = initial;
  let rounds = 0;
  // Close-all cancels on EVERY symbol: a resting buy on a symbol without a position would fill
  // and open one while the account is halted. A single-position close cancels its symbols only.
  let cancelEverything = target.kind === 'close-all';
  let cancelFor = new Set(target.kind === 'close-position' ? snapshot.positions.filter((p) => wanted(p) !== null).map((p) => p.symbol) : []);
  const cancelAll = async () => {
    try {
      cancelled += await deps.exchange.cancelAllOrders('all');
      cancelEverything = false;
      cancelFor = new Set();
    } catch (err) {
      errors.push(`cancel orders on every symbol: ${(err as Error).message}`);
    }
  };
  // Even with nothing left to close (orders only), close-all leaves no order behind.
  if (cancelEverything) await cancelAll();

  const steps = new Map<string, number>();
  for (const p of initial.positions) {
    if (steps.has(p.symbol) || !deps.exchange.quantityStep) continue;
    const step = await deps.exchange.quantityStep(p.symbol).catch(() => null);
    if (step !== null && step > 0) steps.set(p.symbol, step);
  }
  // What the venue can still trade: less than half a lot step is as done as it gets.
  const tradable = (symbol: string, over: number, size: number) => over > Math.max(DUST * Math.max(1, size), (steps.get(symbol) ?? 0) / 2);
  const excess = (s: AccountSnapshot) =>
    s.positions
      .map((p) => ({ p, over: wanted(p) === null ? 0 : p.contracts - wanted(p)! }))
      .filter((x) => tradable(x.p.symbol, x.over, x.p.contracts));

  const outOfTime = () => opts.deadline !== undefined && opts.now !== undefined && opts.now() > opts.deadline;
  const step = async () => {
    if (opts.onStep) await opts.onStep().catch((err: unknown) => deps.log.warn('heartbeat failed', { error: (err as Error).message }));
  };
  while (rounds < maxRounds) {
    const todo = excess(snapshot);
    if (todo.length === 0) break;
    if (outOfTime()) {
      errors.push('out of time in this invocation: the next tick finishes the close');
      break;
    }
    rounds++;
    if (cancelEverything) await cancelAll();
    if (cancelFor.size > 0) {
      try {
        cancelled += await deps.exchange.cancelAllOrders([...cancelFor]);
        cancelFor = new Set();
      } catch (err) {
        errors.push(`cancel orders on ${[...cancelFor].join(', ')}: ${(err as Error).message}`);
      }
    }
    // A venue that batches closes (Hyperliquid) gets every close of the round in one action.
    if (deps.exchange.reduceOnlyMarketBatch && !outOfTime()) {
      await step();
      const batch = todo.map(({ p, over }) => ({
        symbol: p.symbol,
        side: p.side === 'long' ? ('sell' as const) : ('buy' as const),
        amount: over,
        positionSide: p.side,
        marginMode: p.marginMode,
      }));
      try {
        for (const o of await deps.exchange.reduceOnlyMarketBatch(batch)) {
          orders.push(o);
          deps.log.info('reduce-only order', { symbol: o.symbol, side: o.side, amount: o.amount, filled: o.filled, status: o.status });
        }
      } catch (err) {
        errors.push(`${batch.map((o) => o.symbol).join(', ')}: ${(err as Error).message}`);
        deps.log.warn('order batch failed', { error: (err as Error).message, kind: (err as Error).name });
        if (!(err instanceof ExchangeUnavailableError)) for (const o of batch) cancelFor.add(o.symbol);
      }
      await step();
      snapshot = await readAgain(deps, retryDelayMs, errors, snapshot);
      continue;
    }
    for (const { p, over } of todo) {
      const max = await deps.exchange.maxMarketQuantity(p.symbol).catch(() => null);
      let left = over;
      while (tradable(p.symbol, left, p.contracts) && !outOfTime()) {
        await step();
        const amount = max !== null && max > 0 ? Math.min(left, max) : left;
        try {
          const o = await deps.exchange.reduceOnlyMarket({
            symbol: p.symbol,
            side: p.side === 'long' ? 'sell' : 'buy',
            amount,
            positionSide: p.side,
            marginMode: p.marginMode,
          });
          orders.push(o);
          deps.log.info('reduce-only order', { symbol: p.symbol, side: o.side, amount: o.amount, filled: o.filled, status: o.status });
          // A partial fill leaves the rest for the next round, after a fresh read.
          left -= amount;
        } catch (err) {
          errors.push(`${p.symbol} ${p.side}: ${(err as Error).message}`);
          deps.log.warn('order failed', { symbol: p.symbol, error: (err as Error).message, kind: (err as Error).name });
          // A rejected reduce-only close is often blocked by resting orders: cancel them next round.
          if (!(err instanceof ExchangeUnavailableError)) cancelFor.add(p.symbol);
          break;
        }
      }
    }
    await step();
    snapshot = await readAgain(deps, retryDelayMs, errors, snapshot);
  }

  const residuals = excess(snapshot).map(({ p }) => ({ symbol: p.symbol, side: p.side, marginMode: p.marginMode, contracts: p.contracts }));
  return { orders, cancelled, residuals, done: residuals.length === 0, rounds, errors, finalSnapshot: snapshot };
}

async function readAgain(
  deps: { exchange: ExchangePort; sleep: (ms: number) => Promise<void> },
  delayMs: number,
  errors: string[],
  previous: AccountSnapshot,
): Promise<AccountSnapshot> {
  for (let i = 0; i < 3; i++) {
    try {
      return await deps.exchange.fetchSnapshot();
    } catch (err) {
      errors.push(`re-read: ${(err as Error).message}`);
      if (!(err instanceof RiskGuardError)) throw err;
      await deps.sleep(delayMs * 2 ** i);
    }
  }
  // Could not confirm: assume nothing changed so the residual report stays conservative.
  return previous;
}
