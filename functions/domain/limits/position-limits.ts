import { money as moneyIn } from '../alert-format.ts';
import type { Limits } from '../policy.ts';
import type { Evaluation, PositionRisk } from '../risk-types.ts';
import { BREACH_LEVELS, fmtPct, type LimitFinding } from './types.ts';

/**
 * Per-position limits: a maximum unrealized loss per position (quote, or a fraction of account
 * equity) and a notional cap per symbol. Each acts on the breaching position alone, as an
 * isolated position's own margin breach does: at a level whose `closeAll` is true that position
 * is closed (not the account), on entering a level with a `reduceFraction` it is reduced.
 * A symbol holding several positions (a long and a short, cross and isolated) has each judged
 * against the cap on its own.
 *
 * Hysteresis: a money limit falls back only once the value is below limit × (1 − band), a
 * fraction-of-equity limit once below limit − band (band = policy.hysteresis.drawdown).
 */

const nameOf = (p: PositionRisk): string => `${p.symbol} ${p.side} (${p.marginMode})`;

/** The rule over every position of the evaluation. */
export function positionLimitFindings(ev: Evaluation, limits: Limits, band: number, shift: boolean): LimitFinding[] {
  const money = (x: number) => moneyIn(x, ev.currency);
  const out: LimitFinding[] = [];
  const equity = ev.account.equity;
  for (const p of ev.positions) {
    const name = nameOf(p);
    const loss = Math.max(0, -p.unrealizedPnl);
    // A loss on an account with no equity left is as large a share as there is.
    const share = equity > 0 ? loss / equity : loss > 0 ? Number.POSITIVE_INFINITY : 0;
    const cap = limits.symbolNotional?.[p.symbol];
    for (const level of BREACH_LEVELS) {
      const maxLoss = limits.positionLoss?.[level];
      if (maxLoss !== undefined && loss > (shift ? maxLoss * (1 - band) : maxLoss)) {
        out.push({ level, metric: 'positionLoss', position: p.index, label: `${name} loss`, reason: `${name} loss ${money(loss)} > ${level} ${money(maxLoss)} per position` });
      }
      const maxShare = limits.positionLossOfEquity?.[level];
      if (maxShare !== undefined && share > (shift ? maxShare - band : maxShare)) {
        const of = equity > 0 ? `${fmtPct(share)} of equity ${money(equity)}` : 'all of the equity (equity ≤ 0)';
        out.push({
          level,
          metric: 'positionLossOfEquity',
          position: p.index,
          label: `${name} loss`,
          reason: `${name} loss ${money(loss)} = ${of} > ${level} ${fmtPct(maxShare)} per position`,
        });
      }
      const maxNotional = cap?.[level];
      if (maxNotional !== undefined && p.notional > (shift ? maxNotional * (1 - band) : maxNotional)) {
        out.push({
          level,
          metric: 'symbolNotional',
          position: p.index,
          label: `${name} notional`,
          reason: `${name} notional ${money(p.notional)} > ${level} cap ${money(maxNotional)} for ${p.symbol}`,
        });
      }
    }
  }
  return out;
}

/** Each position's loss and notional now, by the labels above (for the all-clear). */
export function positionValues(ev: Evaluation): [string, string][] {
  const money = (x: number) => moneyIn(x, ev.currency);
  return ev.positions.flatMap((p) => [
    [`${nameOf(p)} loss`, money(Math.max(0, -p.unrealizedPnl))],
    [`${nameOf(p)} notional`, money(p.notional)],
  ]);
}
