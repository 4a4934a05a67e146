/**
 * decisionMs: decide() on a 50-position snapshot with a policy of 1,000 stress scenarios.
 * Pure CPU: the margin engine, the stress grid and the rules, as every tick runs them.
 */
import { decide } from '../functions/domain/decide.ts';
import { DEFAULT_POLICY, PolicySchema, type Policy } from '../functions/domain/policy.ts';
import { AccountSnapshotSchema, type AccountSnapshot, type MaintenanceTier } from '../functions/domain/snapshot.ts';
import { initialState, type GuardState } from '../functions/domain/state.ts';
import { median, pct } from './stats.ts';

/** A Binance-like bracket table (rates rising with notional, amounts making MM continuous). */
function tiers(scale: number): MaintenanceTier[] {
  const floors = [0, 50_000, 250_000, 1_000_000, 5_000_000, 20_000_000, 50_000_000].map((f) => f * scale);
  const rates = [0.004, 0.005, 0.01, 0.025, 0.05, 0.1, 0.125];
  const out: MaintenanceTier[] = [];
  let amount = 0;
  for (let i = 0; i < floors.length; i++) {
    if (i > 0) amount += floors[i]! * (rates[i]! - rates[i - 1]!);
    out.push({ notionalFloor: floors[i]!, rate: rates[i]!, amount });
  }
  return out;
}

/** 50 positions on 45 symbols: 40 cross (hedged pairs among them), 10 isolated; 7-tier brackets. */
export function fiftyPositions(): AccountSnapshot {
  const positions: AccountSnapshot['positions'] = [];
  for (let i = 0; i < 50; i++) {
    const symbol = i < 5 ? 'BTCUSDT' : i < 8 ? 'ETHUSDT' : `ALT${i}USDT`;
    const mark = i < 5 ? 100_000 : i < 8 ? 4_000 : 1 + i * 0.73;
    const notional = 20_000 + (i % 7) * 15_000;
    const isolated = i >= 40;
    positions.push({
      symbol: isolated ? `ISO${i}USDT` : symbol,
      side: i % 3 === 0 ? 'short' : 'long',
      contracts: notional / mark,
      entryPrice: mark * (1 + ((i % 5) - 2) * 0.01),
      markPrice: mark,
      marginMode: isolated ? 'isolated' : 'cross',
      leverage: 10,
      maintenanceTiers: tiers(i < 8 ? 1 : 0.1),
      ...(isolated ? { isolatedWallet: notional / 10 } : {}),
      markTimestamp: 1_760_054_400_000,
    });
  }
  return AccountSnapshotSchema.parse({ timestamp: 1_760_054_400_000, crossWalletBalance: 400_000, positions });
}

/** The default policy with 1,000 stress scenarios: BTC −50 % … +50 % in 0.1 pp steps, 0 left out. */
export function thousandScenarioPolicy(): Policy {
  const shocksPct: number[] = [];
  for (let k = -500; k <= 500; k++) if (k !== 0) shocksPct.push(k / 10);
  return PolicySchema.parse({ ...DEFAULT_POLICY, stress: { ...DEFAULT_POLICY.stress, shocksPct } });
}

export interface DecisionResult {
  medianMs: number;
  p99Ms: number;
  runs: number;
  scenarios: number;
  positions: number;
}

/** Median of `runs` timed decide() calls after a warm-up (JIT). */
export function benchDecision(runs = 2_000): DecisionResult {
  const snapshot = fiftyPositions();
  const policy = thousandScenarioPolicy();
  const state: GuardState = { ...initialState('bench'), version: 7, peakEquity: 420_000, peakAt: 1_760_000_000_000, lastEquity: 410_000 };
  const now = 1_760_054_400_000;
  let sink = 0;
  for (let i = 0; i < 300; i++) sink += decide(snapshot, state, policy, now).reasons.length;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const d = decide(snapshot, state, policy, now + i);
    // The per-scenario report objects are built lazily, for reports only; the tick never reads them.
    sink += d.reasons.length + (d.evaluation.account.stress.crossSurvivalRatio ?? 0);
    times.push(performance.now() - t);
  }
  if (sink === 42) console.log('');
  return { medianMs: median(times), p99Ms: pct(times, 99), runs, scenarios: policy.stress.shocksPct.length, positions: snapshot.positions.length };
}
