import { describe, expect, it } from 'vitest';
import { evaluateAccount } from '../../../functions/domain/margin.ts';
import { DEFAULT_STRESS } from '../../../functions/domain/stress.ts';
import type { AccountSpec } from '../../../paper/engine.ts';
import { paperOrderlyClient } from '../../helpers/orderly-client.ts';
import { resolvePolicy } from '../../../functions/domain/policy.ts';
import { useLocalDynamo } from '../../helpers/dynalite.ts';
import { paperGuard, usePaperExchange } from '../../helpers/paper-guard.ts';
import { ORDERLY_HARNESS as h } from '../harness.ts';

/**
 * Each pool's liquidation price from riskguard's engine (on the snapshot the Orderly adapter
 * builds) matches the figure the paper venue reports for the same book (`est_liq_price` of each
 * leg, read per margin mode), to 1e-6 relative.
 */
const dynamo = useLocalDynamo();
const ETH = 'PERP_ETH_USDC';

describe('Orderly: liquidation price per pool, engine vs venue', () => {
  const world = usePaperExchange({ [ETH]: 3_000, PERP_BTC_USDC: 50_000 }, undefined, { venue: 'orderly' });

  /** The book on the paper venue: the guard's snapshot and its evaluation, and a ccxt client to read the venue's own figures. */
  async function open(spec: AccountSpec) {
    const g = paperGuard(world.paper, spec, { policy: resolvePolicy({}), store: dynamo.store(), venue: h });
    const snapshot = await g.deps.exchange.fetchSnapshot();
    return { g, snapshot, ev: evaluateAccount(snapshot, DEFAULT_STRESS), c: paperOrderlyClient(g.acc, world.paper.url) };
  }

  it('agrees for the cross leg and the isolated leg of one symbol', async () => {
    const spec = {
      walletBalance: 2_000,
      positions: [
        { symbol: ETH, side: 'long' as const, size: 5, entryPrice: 3_000, marginMode: 'cross' as const, leverage: 10 },
        { symbol: ETH, side: 'short' as const, size: 2, entryPrice: 3_000, marginMode: 'isolated' as const, leverage: 10, isolatedMargin: 600 },
      ],
    };
    const { snapshot, ev, c } = await open(spec);
    type Rows = { data: { rows: { est_liq_price: number }[] } };
    const venueCross = ((await c.v1PrivateGetPositions({ margin_mode: 'CROSS' })) as Rows).data.rows[0]!.est_liq_price;
    const venueIso = ((await c.v1PrivateGetPositions({ margin_mode: 'ISOLATED' })) as Rows).data.rows[0]!.est_liq_price;
    const engine = (mode: string) => ev.positions.find((p) => snapshot.positions[p.index]!.marginMode === mode)!.liquidationPrice!;
    expect(venueCross).toBeGreaterThan(0);
    expect(venueIso).toBeGreaterThan(3_000);
    expect(Math.abs(engine('cross') / venueCross - 1)).toBeLessThan(1e-6);
    expect(Math.abs(engine('isolated') / venueIso - 1)).toBeLessThan(1e-6);
  });

  it('margins legs whose size term (factor × |notional|^(4/5)) exceeds the base MMR higher, the same on both sides', async () => {
    // 1,000 ETH cross long (3,000,000 USDC) and 300 ETH isolated short (900,000): ETH-PERP's size
    // term is 0.6 × 0.0000003846 × notional^0.8 = 3.52 % and 1.34 %, above its 0.6 % base MMR.
    const spec = {
      walletBalance: 400_000,
      positions: [
        { symbol: ETH, side: 'long' as const, size: 1_000, entryPrice: 3_000, marginMode: 'cross' as const, leverage: 10 },
        { symbol: ETH, side: 'short' as const, size: 300, entryPrice: 3_000, marginMode: 'isolated' as const, leverage: 10, isolatedMargin: 90_000 },
      ],
    };
    const { g, snapshot, ev, c } = await open(spec);
    type Rows = { data: { maintenance_margin_ratio: number; rows: { est_liq_price: number; mmr: number; imr: number }[] } };
    const cross = (await c.v1PrivateGetPositions({ margin_mode: 'CROSS' })) as Rows;
    const iso = (await c.v1PrivateGetPositions({ margin_mode: 'ISOLATED' })) as Rows;
    const leg = (mode: string) => ev.positions.find((p) => snapshot.positions[p.index]!.marginMode === mode)!;
    const sizeTerm = (n: number) => 0.6 * 0.0000003846 * n ** 0.8;
    for (const [mode, rows, n] of [['cross', cross, 3_000_000], ['isolated', iso, 900_000]] as const) {
      const venueRow = rows.data.rows[0]!;
      // The venue's MMR at size, the guard's MM / notional: one figure, above the base rate.
      expect(venueRow.mmr).toBeCloseTo(sizeTerm(n), 12);
      expect(venueRow.mmr).toBeGreaterThan(0.006);
      expect(leg(mode).maintenanceMargin / leg(mode).notional).toBeCloseTo(venueRow.mmr, 12);
      // IMR_i = max(1 / leverage, base IMR, factor × notional^0.8): 10 % at 10x for both legs here.
      expect(venueRow.imr).toBeCloseTo(Math.max(0.1, 0.0000003846 * n ** 0.8), 12);
      expect(Math.abs(leg(mode).liquidationPrice! / venueRow.est_liq_price - 1)).toBeLessThan(1e-6);
    }
    // The cross pool's MM / equity is the venue's maintenance margin ratio over its margin ratio.
    const pool = ev.pools[0]!;
    expect(cross.data.maintenance_margin_ratio).toBeCloseTo(pool.maintenanceMargin / 3_000_000, 12);
    expect(pool.marginRatio!).toBeCloseTo(sizeTerm(3_000_000) / (400_000 / 3_000_000), 9);
    // A pre-trade check gets the same curve for the symbol (from GET /v1/public/info), so an order's new notional re-chooses it.
    const market = await g.deps.exchange.marketSpec!(ETH);
    expect(market.maintenanceCurve).toEqual({ floorRate: 0.006, coefficient: (0.006 / 0.01) * 0.0000003846, exponent: 0.8 });
  });
});
