import type * as z from 'zod';
import { historyCollector, type AccountHistory } from '../../domain/history.ts';
import type { AssetHistorySchema, FundingFeesSchema, LiquidationsSchema, TradesSchema } from './schemas.ts';

type Rows<S extends z.ZodType> = z.output<S> extends { data: { rows: infer R } } ? R : never;

/**
 * Orderly's history rows as riskguard's events: deposits/withdrawals (GET /v1/asset/history) are
 * transfers; liquidations (GET /v1/liquidations, one row per liquidation with its legs per
 * symbol and margin mode) explain vanished legs; funding fees (GET /v1/funding_fee/history,
 * funding_fee > 0 = paid by the account); own trades (GET /v1/trades) witness fills and carry
 * the fee and realized PnL.
 */
export function historyFromOrderly(
  parts: { assets: Rows<typeof AssetHistorySchema>; liquidations: Rows<typeof LiquidationsSchema>; funding: Rows<typeof FundingFeesSchema>; trades: Rows<typeof TradesSchema> },
  since: number,
  until: number,
): AccountHistory {
  const c = historyCollector(since, until);
  for (const a of parts.assets) {
    if (a.trans_status !== 'COMPLETED' || a.created_time < since) continue;
    const amount = a.side === 'WITHDRAW' ? -a.amount : a.amount;
    if (a.side === 'DEPOSIT' || a.side === 'WITHDRAW') c.push({ id: `asset:${a.id}`, at: a.created_time, kind: 'transfer', amount, type: a.side });
    else c.push({ id: `asset:${a.id}`, at: a.created_time, kind: 'unclassified', type: `asset ${a.side}`, amount });
  }
  for (const l of parts.liquidations) {
    if (l.timestamp < since) continue;
    for (const p of l.positions_by_perp) c.push({ id: `liq:${l.liquidation_id}:${p.symbol}:${p.margin_mode ?? 'CROSS'}`, at: l.timestamp, kind: 'liquidation', symbol: p.symbol, amount: 0 });
  }
  for (const f of parts.funding) {
    if (f.created_time < since) continue;
    c.push({ id: `funding:${f.id}`, at: f.created_time, kind: 'funding', symbol: f.symbol, amount: -f.funding_fee });
  }
  for (const t of parts.trades) {
    if (t.executed_timestamp < since) continue;
    c.push({ id: `trade:${t.id}`, at: t.executed_timestamp, kind: 'fill', symbol: t.symbol, amount: 0 });
    if (t.fee !== 0) c.push({ id: `fee:${t.id}`, at: t.executed_timestamp, kind: 'fee', symbol: t.symbol, amount: -t.fee });
    if (t.realized_pnl !== undefined && t.realized_pnl !== 0) c.push({ id: `pnl:${t.id}`, at: t.executed_timestamp, kind: 'realized-pnl', symbol: t.symbol, amount: t.realized_pnl });
  }
  return c.done();
}
