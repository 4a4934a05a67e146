import { resolvePolicy, type Policy } from '../../../functions/domain/policy.ts';
import type { AccountSnapshot } from '../../../functions/domain/snapshot.ts';
import { initialState, type GuardState } from '../../../functions/domain/state.ts';

/** Friday 2026-12-04 05:09 UTC. */
export const NOW = Date.UTC(2026, 11, 4, 5, 9);
export const DAY_START = Date.UTC(2026, 11, 4);

/** A cross BTC long of 1 contract entered at 50,000: equity = wallet + (mark − 50,000). */
export function btcBook(wallet: number, mark = 50_000, netTransfers?: number): AccountSnapshot {
  return {
    crossWalletBalance: wallet,
    positions: [{ symbol: 'BTCUSDT', side: 'long', contracts: 1, entryPrice: 50_000, markPrice: mark, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.01 }],
    ...(netTransfers !== undefined ? { netTransfers } : {}),
  };
}

/** A cross BTC long (1 @ 50,000) and a cross ETH long (10 @ 3,000) at the given marks. */
export function twoLongs(wallet: number, btcMark: number, ethMark: number): AccountSnapshot {
  return {
    crossWalletBalance: wallet,
    positions: [
      { symbol: 'BTCUSDT', side: 'long', contracts: 1, entryPrice: 50_000, markPrice: btcMark, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.01 },
      { symbol: 'ETHUSDT', side: 'long', contracts: 10, entryPrice: 3_000, markPrice: ethMark, marginMode: 'cross', leverage: 10, maintenanceMarginRate: 0.01 },
    ],
  };
}

export const stateAt = (over: Partial<GuardState> = {}): GuardState => ({ ...initialState('a'), version: 3, ...over });

/** The defaults with stress off (so only the limit under test speaks) and the given limits. */
export const withLimits = (limits: unknown, more: Record<string, unknown> = {}): Policy =>
  resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } }, limits, ...more });
