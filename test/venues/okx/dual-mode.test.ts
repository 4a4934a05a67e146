import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../../functions/domain/policy.ts';
import type { PaperEngine } from '../../../paper/index.ts';
import type { AccountSpec } from '../../../paper/engine.ts';
import { useLocalDynamo } from '../../helpers/dynalite.ts';
import { paperGuard, usePaperExchange } from '../../helpers/paper-guard.ts';
import { OKX_HARNESS } from '../harness.ts';

/**
 * OKX keeps a cross and an isolated position of one instrument apart (a position is instrument,
 * mgnMode, posSide; `close-position` needs `mgnMode`:
 * https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-close-positions). The Orderly issue's
 * dual-mode case, on OKX: end to end through ccxt, the OKX dialect and dynalite.
 */
const dynamo = useLocalDynamo();
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });

/** 10,000 USDT; ETH: a cross long of 5 at 3,000 (10x) and an isolated short of 2 at 3,000 (400 margin). */
const dualBook: AccountSpec = {
  walletBalance: 10_000,
  mixedMarginModes: true,
  positions: [
    { symbol: 'ETHUSDT', side: 'long', size: 5, entryPrice: 3_000, marginMode: 'cross', leverage: 10 },
    { symbol: 'ETHUSDT', side: 'short', size: 2, entryPrice: 3_000, marginMode: 'isolated', leverage: 15, isolatedMargin: 400 },
  ],
};

/**
 * The ETH mark at which the isolated short's requirement ÷ equity is `ratio` (the engine's own
 * figures; OKX's requirement is maintenance + the liquidation fee, notional × taker rate).
 */
function priceForIsolatedRatio(engine: PaperEngine, accId: string, ratio: number): number {
  const acc = engine.getAccount(accId);
  const iso = [...acc.positions.values()].find((p) => p.marginType === 'ISOLATED')!;
  let lo = 3_000;
  let hi = 3_400;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    const notional = Math.abs(iso.amt) * mid;
    const mm = engine.market('ETHUSDT').brackets.find((b) => notional >= b.notionalFloor && notional < b.notionalCap)!;
    const equity = iso.isolatedWallet + iso.amt * (mid - iso.entryPrice);
    const r = (notional * mm.maintMarginRatio - mm.cum + notional * engine.takerFee) / equity;
    if (equity > 0 && r < ratio) lo = mid;
    else hi = mid;
  }
  return Math.round(lo * 100) / 100;
}

describe('OKX: a cross and an isolated position of one instrument, judged and closed apart', () => {
  const world = usePaperExchange({ BTCUSDT: 50_000, ETHUSDT: 3_000 }, undefined, { venue: 'okx' });

  it('closes only the isolated short (tdMode isolated) when it alone breaches, then everything on a cross-pool breach', async () => {
    const g = paperGuard(world.paper, dualBook, { policy, store: dynamo.store(), venue: OKX_HARNESS });
    const engine = world.paper.engine;
    const first = await g.tick();
    expect(first.status).toBe('OK');
    expect(g.acc.positions.size).toBe(2);

    // A rally: the isolated short's ratio passes EMERGENCY (0.85), its pool not yet liquidated; the cross long gains.
    g.wait(60_000);
    engine.setPrice('ETHUSDT', priceForIsolatedRatio(engine, g.acc.id, 0.9));
    expect(g.acc.positions.size).toBe(2);
    const r = await g.tick();
    expect(r.tripKind).not.toBe('close-all');
    expect(r.halted).toBe(false);
    const left = [...g.acc.positions.values()];
    expect(left.map((p) => [p.marginType, p.amt])).toEqual([['CROSSED', 5]]);
    const closing = [...g.acc.orders.values()].filter((o) => o.symbol === 'ETHUSDT');
    expect(closing).toHaveLength(1);
    expect(closing[0]).toMatchObject({ side: 'BUY', marginType: 'ISOLATED', executedQty: 2 });
    expect(engine.liquidations()).toEqual([]);

    // Then ETH falls hard: the cross pool's drawdown breaches; close-all closes the cross long.
    g.wait(60_000);
    engine.setPrice('ETHUSDT', 2_400);
    const r2 = await g.tick();
    expect(r2.tripKind).toBe('close-all');
    expect(g.acc.positions.size).toBe(0);
    const all = [...g.acc.orders.values()].filter((o) => o.symbol === 'ETHUSDT');
    expect(all.map((o) => [o.side, o.marginType])).toEqual([
      ['BUY', 'ISOLATED'],
      ['SELL', 'CROSSED'],
    ]);
  });

  it('answers two positions for one instrument, one per mgnMode', async () => {
    const g = paperGuard(world.paper, dualBook, { policy, store: dynamo.store(), venue: OKX_HARNESS });
    const s = await g.deps.exchange.fetchSnapshot();
    expect(s.positions.map((p) => [p.symbol, p.marginMode, p.side, p.contracts]).sort()).toEqual([
      ['ETH-USDT-SWAP', 'cross', 'long', 5],
      ['ETH-USDT-SWAP', 'isolated', 'short', 2],
    ]);
  });
});
