import { nextTickDelayMs, type CadenceSeconds } from './cadence.ts';
import { realSleep } from './retry.ts';
import { runGuardTick, type TickOptions } from './run-guard-tick.ts';
import type { GuardDeps, GuardedAccount, TickResult } from './types.ts';

/** Kept free before the next scheduled invocation (ms): the last sub-tick must be over by then. */
export const HANDOVER_MARGIN_MS = 2_000;

/** The guard Lambda's timeout (lib/guard-stack.ts): an invocation's budget is this less 1 s. */
export const GUARD_TIMEOUT_SECONDS = 90;
/** What one tick without orders needs (ms): a sub-tick starts only if this much fits in the window. */
export const TICK_ALLOWANCE_MS = 1_000;
/** Kept at the end of the invocation (ms): one order that hangs to its 10 s timeout, then writing, auditing and alerting what the close did. */
export const REPORT_RESERVE_MS = 12_000;
/** A tick's own read-retry budget when the window leaves more (runGuardTick's default). */
const MAX_TICK_BUDGET_MS = 20_000;

export interface InvocationOptions {
  /** Time this invocation may run (ms), e.g. the Lambda's remaining time less a safety margin. */
  budgetMs: number;
  /** Seconds between ticks above OK (AccountConfig.cadence); omit for one tick per invocation. */
  cadence?: CadenceSeconds;
  /** Interval of the scheduled invocations (ms). @default 60_000 */
  scheduleMs?: number;
  /** Passed to every tick; its `budgetMs` is capped to what is left of the window. */
  tick?: TickOptions;
}

/**
 * One scheduled invocation: a tick, then — while the account is above OK, or halted with
 * positions still open — more ticks at the cadence's interval, as long as the next one starts
 * early enough to end before both the budget and the next scheduled invocation (less
 * {@link HANDOVER_MARGIN_MS}). Then it returns and the next invocation takes over; if a slow
 * close-all does run into it, the state's version and the trip record keep them from acting
 * twice. A halted account that is flat has nothing left to guard until a human re-arms it: the
 * invocation stops there whatever the level says.
 *
 * `deps.clock` and `deps.sleep` own time: a replay advances market time in `sleep`.
 * @returns every tick's result, in order
 */
export async function runInvocation(deps: GuardDeps, account: GuardedAccount, opts: InvocationOptions): Promise<TickResult[]> {
  const sleep = deps.sleep ?? realSleep;
  const scheduleMs = opts.scheduleMs ?? 60_000;
  const t0 = deps.clock.now();
  const windowEnd = t0 + Math.min(opts.budgetMs, scheduleMs - HANDOVER_MARGIN_MS);
  const lastStart = windowEnd - TICK_ALLOWANCE_MS;
  const results: TickResult[] = [];

  for (;;) {
    const startedAt = deps.clock.now();
    const tickBudget = Math.max(TICK_ALLOWANCE_MS, Math.min(opts.tick?.budgetMs ?? MAX_TICK_BUDGET_MS, windowEnd - startedAt));
    // A close may use the whole invocation (not only the window), less what the report needs.
    const actDeadline = t0 + Math.max(opts.budgetMs - REPORT_RESERVE_MS, opts.budgetMs / 2);
    const r = await runGuardTick(deps, account, { actDeadline, ...opts.tick, budgetMs: tickBudget });
    results.push(r);
    if (opts.cadence === undefined) break;
    // The shared loop decision: nothing to look at again (or a venue's Retry-After) before the next invocation ends it here.
    const intervalMs = nextTickDelayMs(r, opts.cadence, scheduleMs / 1_000);
    if (!(intervalMs > 0) || intervalMs >= scheduleMs) break;
    // The interval runs from tick start to tick start; a tick longer than it is followed at once.
    const next = Math.max(startedAt + intervalMs, deps.clock.now());
    if (next > lastStart) break;
    await sleep(next - deps.clock.now());
  }
  return results;
}
