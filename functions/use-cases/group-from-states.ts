import { groupStateId, runGroupTick, type GroupConfig, type GroupDeps, type GroupMember, type GroupTickResult } from './group.ts';

/**
 * The group tick where members tick apart (the cloud: one schedule per account). Each member's
 * invocation, after its own ticks, evaluates the group from every member's stored state: its
 * equity at its last trustworthy tick, and the transfers it has applied so far. A member whose
 * last good tick is older than `staleMs` (or that is UNKNOWN) makes the group unknown: no peak
 * update, no trip. Members evaluating at the same moment race on the group's conditional write:
 * one evaluates, the others stand back.
 *
 * @param staleMs how old a member's last good tick may be (ms)
 * @param currencyOf the asset a member's amounts are in (its venue's settlement), for the messages
 */
export async function runGroupTickFromStates(
  deps: GroupDeps,
  group: GroupConfig,
  memberIds: readonly string[],
  opts: { staleMs: number; currencyOf?: (accountId: string) => string },
): Promise<GroupTickResult> {
  const now = deps.clock.now();
  const [groupState, ...states] = await Promise.all([deps.store.get(groupStateId(group.id)), ...memberIds.map((id) => deps.store.get(id))]);
  const fresh = states.map((s) => s !== null && s.lastOkAt !== null && now - s.lastOkAt <= opts.staleMs && s.unknownStreak === 0 && s.lastEquity !== null);
  const allFresh = fresh.every(Boolean);
  const total = states.reduce((sum, s) => sum + (s?.transfersTotal ?? 0), 0);
  // The group's transfers since its last evaluation; before its first, there is no peak to move.
  const delta = groupState === null ? 0 : total - groupState.transfersTotal;
  const members: GroupMember[] = memberIds.map((accountId, i) => {
    const s = states[i] ?? null;
    return {
      accountId,
      status: fresh[i] ? s!.level : 'UNKNOWN',
      equity: fresh[i] ? s!.lastEquity : null,
      halted: s?.halted ?? false,
      netTransfers: i === 0 ? delta : 0,
      ...(opts.currencyOf ? { currency: opts.currencyOf(accountId) } : {}),
    };
  });
  // Transfers count as seen only when the group could use them.
  return runGroupTick(deps, group, members, allFresh ? { transfersTotal: total } : {});
}
