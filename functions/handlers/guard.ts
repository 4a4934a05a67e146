/**
 * The guard Lambda: the account the EventBridge Scheduler names (`{"accountId": "main"}`),
 * through the same use case as `riskguard run` — one tick, and more at a sub-minute cadence
 * while above OK, until the next scheduled invocation takes over — then its group's tick.
 */
import { runInvocation } from '../use-cases/run-invocation.ts';
import type { TickResult } from '../use-cases/types.ts';
import { GuardEventSchema, guardRuntime } from './wiring/guard-runtime.ts';
import { instrumented } from './wiring/observability.ts';

const rt = guardRuntime();

export const handler = instrumented(rt.o, async (event: unknown, context): Promise<TickResult> => {
  const { accountId } = GuardEventSchema.parse(event);
  const account = rt.account(accountId);
  const { deps, alerts } = await rt.deps(account);
  const results = await runInvocation(deps, account, {
    budgetMs: context.getRemainingTimeInMillis() - 1_000,
    scheduleMs: account.config.scheduleMinutes * 60_000,
    ...(account.config.cadence ? { cadence: account.config.cadence } : {}),
    tick: { heartbeatEveryMs: 2_000 },
  });
  for (const r of results) rt.record(r);
  const group = await rt.groupCheck(account, alerts);
  if (group) rt.o.log.info('group tick', { group: group.groupId, kind: group.kind, drawdownPct: group.drawdownPct, closed: group.closed.length });
  alerts.throwIfAny();
  // The snapshot is for the local loop's mark watch; the invocation answers the tick's figures.
  const { snapshot: _snapshot, ...last } = results.at(-1)!;
  return last;
});
