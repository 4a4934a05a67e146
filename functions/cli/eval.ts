import { decide, type Action } from '../domain/decide.ts';
import type { Policy } from '../domain/policy.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import { initialState } from '../domain/state.ts';
import { money, pct, price, ratio, table } from './format.ts';

/** The `riskguard eval --json` document (an exact interface: other tools read it). */
export function evalReport(snapshot: AccountSnapshot, policy: Policy, peak: number | null, now: number) {
  const state = { ...initialState('eval'), peakEquity: peak, peakAt: peak === null ? null : now };
  const d = decide(snapshot, state, policy, now);
  const { account, pools, positions } = d.evaluation;
  return {
    account: {
      equity: account.equity,
      maintenanceMargin: account.maintenanceMargin,
      initialMargin: account.initialMargin,
      marginRatio: account.marginRatio,
      utilization: account.utilization,
      liquidationBuffer: account.liquidationBuffer,
      netExposure: account.netExposure,
      grossExposure: account.grossExposure,
      healthScore: account.healthScore,
      drawdownPct: d.drawdown === null ? null : d.drawdown * 100,
      stress: {
        scenarios: account.stress.scenarios.map((s) => ({
          name: s.name,
          shocks: s.shocks,
          equity: s.equity,
          survives: s.survives,
          poolSurvives: s.poolSurvives,
        })),
        worstEquity: account.stress.worstEquity,
        worstScenario: account.stress.worstScenario,
        survivalRatio: account.stress.survivalRatio,
      },
    },
    pools: pools.map((p) => ({
      kind: p.kind,
      positions: p.positions,
      walletBalance: p.walletBalance,
      unrealizedPnl: p.unrealizedPnl,
      equity: p.equity,
      maintenanceMargin: p.maintenanceMargin,
      initialMargin: p.initialMargin,
      marginRatio: p.marginRatio,
      liquidatable: p.liquidatable,
    })),
    positions: positions.map((p) => ({
      symbol: p.symbol,
      side: p.side,
      marginMode: p.marginMode,
      contracts: p.contracts,
      markPrice: p.markPrice,
      notional: p.notional,
      unrealizedPnl: p.unrealizedPnl,
      maintenanceMargin: p.maintenanceMargin,
      initialMargin: p.initialMargin,
      liquidationPrice: p.liquidationPrice,
      liquidationDistance: p.liquidationDistance,
    })),
    decision: { level: d.level, reasons: d.reasons, actions: d.actions },
  };
}
export type EvalReport = ReturnType<typeof evalReport>;

function describeAction(a: Action, r: EvalReport): string {
  const pos = (i: number) => {
    const p = r.positions[i];
    return p ? `${p.symbol} ${p.side} (${p.marginMode})` : `#${i}`;
  };
  const dry = 'dryRun' in a && a.dryRun ? ' [dry run]' : '';
  switch (a.type) {
    case 'alert':
      return `alert (${a.kind}): ${a.message}`;
    case 'closeAll':
      return `CLOSE ALL positions and halt${dry} — ${a.reason}`;
    case 'reduce':
      return `reduce ${a.positions.map(pos).join(', ')} by ${pct(a.fraction, 0)}${dry}`;
    case 'closePosition':
      return `close ${pos(a.position)} alone${dry} — ${a.reason}`;
  }
}

/** The readable form of the same report. */
export function renderEval(r: EvalReport, quote = 'USDT'): string {
  const out: string[] = [];
  const m = (x: number | null) => money(x, quote);
  out.push('Positions');
  out.push(
    table(
      ['#', 'symbol', 'side', 'mode', 'contracts', 'mark', 'notional', 'uPnL', 'maint. margin', 'liq. price', 'to liq.'],
      r.positions.map((p, i) => [
        String(i),
        p.symbol,
        p.side,
        p.marginMode,
        price(p.contracts),
        price(p.markPrice),
        m(p.notional),
        m(p.unrealizedPnl),
        m(p.maintenanceMargin),
        price(p.liquidationPrice),
        pct(p.liquidationDistance),
      ]),
      ['r', 'l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push('', 'Pools');
  out.push(
    table(
      ['pool', 'positions', 'wallet', 'uPnL', 'equity', 'maint. margin', 'margin ratio'],
      r.pools.map((p) => [
        p.kind,
        p.positions.length ? p.positions.join(',') : '—',
        m(p.walletBalance),
        m(p.unrealizedPnl),
        m(p.equity),
        m(p.maintenanceMargin),
        p.marginRatio === null ? (p.liquidatable ? 'n/a (equity ≤ 0)' : '—') : `${ratio(p.marginRatio)}${p.liquidatable ? ' LIQUIDATABLE' : ''}`,
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  const a = r.account;
  out.push('', 'Account');
  out.push(
    table(
      ['metric', 'value'],
      [
        ['equity', m(a.equity)],
        ['maintenance margin', m(a.maintenanceMargin)],
        ['initial margin', m(a.initialMargin)],
        ['margin ratio (MM / equity)', `${ratio(a.marginRatio)} (${pct(a.marginRatio)})`],
        ['utilization (IM / equity)', pct(a.utilization)],
        ['liquidation buffer', pct(a.liquidationBuffer)],
        ['net exposure', pct(a.netExposure)],
        ['gross exposure', pct(a.grossExposure)],
        ['health score', `${a.healthScore.toFixed(1)} / 100`],
        ['drawdown from peak', a.drawdownPct === null ? '—' : `${a.drawdownPct.toFixed(2)} %`],
      ],
      ['l', 'r'],
    ),
  );
  out.push('', 'Stress (price shocks spread by beta to BTC)');
  out.push(
    table(
      ['scenario', 'equity', 'survives'],
      a.stress.scenarios.map((s) => [s.name, m(s.equity), s.survives ? 'yes' : 'NO']),
      ['l', 'r', 'l'],
    ),
  );
  out.push(`worst: ${a.stress.worstScenario ?? '—'} → equity ${m(a.stress.worstEquity)}; survival ratio ${ratio(a.stress.survivalRatio)}`);
  out.push('', `Level: ${r.decision.level}`);
  for (const reason of r.decision.reasons) out.push(`  - ${reason}`);
  if (r.decision.actions.length) {
    out.push('Actions:');
    for (const act of r.decision.actions) out.push(`  - ${describeAction(act, r)}`);
  } else out.push('Actions: none');
  return out.join('\n');
}
