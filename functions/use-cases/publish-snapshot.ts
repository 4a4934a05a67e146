import type { AccountSnapshot } from '../domain/snapshot.ts';
import type { GuardDeps } from './types.ts';

/**
 * Keeps the tick's last accepted snapshot (and the venue's lot step per held symbol) for agents'
 * pre-trade answers (`check`, the MCP server, the status function). Best effort: a failed write
 * is logged and never fails the tick. No request to the venue: the lot steps come from the
 * adapter's loaded markets.
 */
export async function publishSnapshot(deps: GuardDeps, accountId: string, snapshot: AccountSnapshot, at: number): Promise<void> {
  if (!deps.snapshots) return;
  try {
    const lotSteps: Record<string, number> = {};
    if (deps.exchange.quantityStep) {
      for (const symbol of new Set(snapshot.positions.map((p) => p.symbol))) {
        const step = await deps.exchange.quantityStep(symbol);
        if (step !== null) lotSteps[symbol] = step;
      }
    }
    await deps.snapshots.put({ accountId, at, snapshot, lotSteps });
  } catch (err) {
    deps.log.warn('could not keep the snapshot for agents', { account: accountId, error: (err as Error).message });
  }
}
