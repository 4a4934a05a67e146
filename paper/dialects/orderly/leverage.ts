import type { MarginType, PaperAccount, PaperEngine } from '../../core/index.ts';
import { OE } from './errors.ts';
import { orderlyMode } from './format.ts';
import { IMR_FACTOR_POWER, marginInfo, ORDERLY_SYMBOL } from './markets.ts';
import { mode, num } from './params.ts';
import type { Ctx, Route } from './routes.ts';

/**
 * Orderly's leverage is set per symbol AND margin mode: GET /v1/client/leverage?symbol&margin_mode,
 * GET /v1/client/leverages (every setting), POST /v1/client/leverages { symbol?, leverage,
 * margin_mode } — "Limit: 5 requests per 60 second per user"; without `symbol` it sets every symbol
 * to min(leverage, the symbol's max). Its validation
 * (https://orderly.network/docs/build-on-omnichain/restful-api/private/update-leverage-setting):
 * 1. the leverage is in range (1 .. 1 / base_imr); 2. the leg's notional is acceptable at it:
 * symbol_leverage_max = floor(min(1 / (imr_factor × notional^0.8), 1 / base_imr)); 3. the margin is
 * enough (cross: checked as if every updated symbol had the new leverage, all or none). An isolated
 * setting changes only where the symbol holds no isolated position or pending isolated order (the
 * docs say so of the batch update; the paper applies it to a single symbol too).
 */

const maxLeverageOf = (symbol: string): number => Math.floor(1 / marginInfo(symbol).baseImr + 1e-9);

/** The largest leverage Orderly accepts for a leg of `notional` (rule 2), at most the symbol's max. */
export function legMaxLeverage(symbol: string, notional: number): number {
  const m = marginInfo(symbol);
  if (!(notional > 0) || m.imrFactor === 0) return maxLeverageOf(symbol);
  return Math.floor(Math.min(1 / (m.imrFactor * notional ** IMR_FACTOR_POWER), 1 / m.baseImr) + 1e-9);
}

function legNotional(engine: PaperEngine, acc: PaperAccount, symbol: string, m: MarginType): number {
  let n = 0;
  for (const p of acc.positions.values()) if (p.symbol === symbol && p.marginType === m) n += Math.abs(p.amt) * engine.markPrice(symbol);
  return n;
}

const isolatedBusy = (acc: PaperAccount, symbol: string): boolean =>
  [...acc.positions.values()].some((p) => p.symbol === symbol && p.marginType === 'ISOLATED') ||
  [...acc.openOrders.values()].some((o) => o.symbol === symbol && o.marginType === 'ISOLATED');

function update(ctx: Ctx): unknown {
  const { engine } = ctx.deps;
  const acc = ctx.acc;
  const leverage = num(ctx.body.leverage, 'leverage', true)!;
  if (!Number.isInteger(leverage) || leverage < 1) throw OE.invalidParam('leverage must be an integer ≥ 1');
  const m = mode(ctx.body.margin_mode) ?? 'CROSSED';
  const single = typeof ctx.body.symbol === 'string' && ctx.body.symbol !== '' ? ctx.body.symbol : undefined;
  if (single !== undefined) engine.market(single);
  const symbols = single !== undefined ? [single] : engine.listMarkets().filter((s) => ORDERLY_SYMBOL.test(s.symbol)).map((s) => s.symbol);

  const plan: { symbol: string; leverage: number }[] = [];
  for (const symbol of symbols) {
    const max = maxLeverageOf(symbol);
    if (single !== undefined && leverage > max) throw OE.invalidParam(`leverage must be an integer in 1..${max} for ${symbol}`);
    const lev = Math.min(leverage, max);
    if (m === 'ISOLATED' && isolatedBusy(acc, symbol)) {
      if (single !== undefined) throw OE.invalidParam(`the isolated leverage of ${symbol} cannot change while it holds an isolated position or pending isolated orders`);
      continue;
    }
    const notional = legNotional(engine, acc, symbol, m);
    if (lev > legMaxLeverage(symbol, notional)) {
      throw OE.riskTooHigh(`the ${orderlyMode(m)} position of ${symbol} (${notional.toFixed(2)} USDC notional) allows at most ${legMaxLeverage(symbol, notional)}x`);
    }
    plan.push({ symbol, leverage: lev });
  }

  const before = plan.map((p) => ({ symbol: p.symbol, leverage: engine.leverageOf(acc, p.symbol, m) }));
  const freeBefore = engine.accountRisk(acc).availableBalance;
  for (const p of plan) engine.setLeverage(acc, p.symbol, p.leverage, m);
  const freeAfter = engine.accountRisk(acc).availableBalance;
  // Refused when it leaves free collateral negative; a change that frees margin always goes through.
  if (m === 'CROSSED' && freeAfter < -1e-9 && freeAfter < freeBefore - 1e-9) {
    for (const p of before) engine.setLeverage(acc, p.symbol, p.leverage, m);
    throw OE.riskTooHigh('the risk exposure for client is too high: free collateral is insufficient for this leverage');
  }
  return single !== undefined ? { symbol: single, leverage: plan[0]!.leverage, margin_mode: orderlyMode(m) } : { leverage, margin_mode: orderlyMode(m) };
}

export const leverageRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/v1/client/leverage',
    signed: true,
    handler: (ctx) => {
      const symbol = ctx.query.symbol ?? '';
      ctx.deps.engine.market(symbol);
      // Without margin_mode the venue answers the CROSS setting.
      const m = mode(ctx.query.margin_mode) ?? 'CROSSED';
      return { symbol, margin_mode: orderlyMode(m), leverage: ctx.deps.engine.leverageOf(ctx.acc, symbol, m) };
    },
  },
  {
    method: 'GET',
    pattern: '/v1/client/leverages',
    signed: true,
    handler: (ctx) =>
      ctx.deps.engine
        .listMarkets()
        .filter((s) => ORDERLY_SYMBOL.test(s.symbol))
        .flatMap((s) => (['CROSSED', 'ISOLATED'] as const).map((m) => ({ symbol: s.symbol, margin_mode: orderlyMode(m), leverage: ctx.deps.engine.leverageOf(ctx.acc, s.symbol, m) }))),
  },
  { method: 'POST', pattern: '/v1/client/leverages', signed: true, trade: true, limit: { count: 5, windowMs: 60_000 }, handler: update },
];
