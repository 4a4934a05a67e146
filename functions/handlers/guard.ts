/**
 * The guard Lambda: one tick for the account the EventBridge Scheduler names
 * (`{"accountId": "main"}`), through the same use case as `riskguard run`.
 */
import { runGuardTick } from '../use-cases/run-guard-tick.ts';
import type { TickResult } from '../use-cases/types.ts';
import { GuardEventSchema, guardRuntime, instrumented } from './wiring.ts';

const rt = guardRuntime();

export const handler = instrumented(rt.o, async (event: unknown): Promise<TickResult> => {
  const { accountId } = GuardEventSchema.parse(event);
  const account = rt.account(accountId);
  const { deps, alerts } = await rt.deps(account);
  const result = await runGuardTick(deps, account);
  rt.record(result);
  alerts.throwIfAny();
  return result;
});
