import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountEquity, DEFAULT_STRESS, evaluateAccount, evaluateFor } from '../../functions/domain/margin.ts';
import type { Evaluation, StressConfig } from '../../functions/domain/risk-types.ts';
import { AccountSnapshotSchema, type AccountSnapshot, type MaintenanceTier } from '../../functions/domain/snapshot.ts';

const NO_STRESS: StressConfig = { shocksPct: [], betas: {}, defaultBeta: 1 };
const evaluate = (s: AccountSnapshot): Evaluation => evaluateAccount(s, NO_STRESS);

// Reproducible runs: one fixed seed (FC_SEED=<n> explores another; a failure prints its seed and path).
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20_210_519) });

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'] as const;
const price = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** Tier tables whose amounts join up (Binance "cum"), so MM is continuous in the notional. */
const tiersArb: fc.Arbitrary<MaintenanceTier[]> = fc
  .tuple(fc.uniqueArray(price(100, 5_000_000), { maxLength: 4 }), fc.array(price(0.001, 0.15), { minLength: 5, maxLength: 5 }))
  .map(([floors, rates]) => {
    const f = [0, ...floors.sort((a, b) => a - b)];
    const r = rates.sort((a, b) => a - b);
    const tiers: MaintenanceTier[] = [];
    for (let t = 0; t < f.length; t++) {
      const amount = t === 0 ? 0 : tiers[t - 1]!.amount + f[t]! * (r[t]! - r[t - 1]!);
      tiers.push({ notionalFloor: f[t]!, rate: r[t]!, amount });
    }
    return tiers;
  });

const maintenanceArb = fc.oneof(
  fc.record({ maintenanceMarginRate: price(0.001, 0.2) }),
  fc.record({ maintenanceMarginRate: price(0.001, 0.2), maintenanceAmount: price(0, 2_000) }),
  fc.record({ maintenanceTiers: tiersArb }),
);

interface Draft {
  symbol: number;
  side: 'long' | 'short';
  contracts: number;
  entryFactor: number;
  isolated: boolean;
  walletFraction: number;
  basis: 'mark' | 'entry';
  leverage: number | null;
  maintenance: Record<string, unknown>;
  /** Add the same position on the other side too (a hedge, net zero when both are cross). */
  mirrored: boolean;
  /** Size of that opposite position relative to this one: 1 (exact hedge) or near it. */
  mirrorRatio: number;
}

const draftArb: fc.Arbitrary<Draft> = fc.record({
  symbol: fc.integer({ min: 0, max: SYMBOLS.length - 1 }),
  side: fc.constantFrom('long' as const, 'short' as const),
  contracts: price(0.01, 200),
  entryFactor: price(0.5, 1.5),
  isolated: fc.boolean(),
  walletFraction: price(0.005, 1.5),
  basis: fc.constantFrom('mark' as const, 'mark' as const, 'mark' as const, 'entry' as const),
  leverage: fc.option(fc.integer({ min: 1, max: 100 })),
  maintenance: maintenanceArb,
  mirrored: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
  mirrorRatio: fc.oneof(fc.constant(1), price(0.7, 1.3)),
});

function toPositions(drafts: Draft[], marks: number[]): unknown[] {
  return drafts.flatMap((d) => {
    const mark = marks[d.symbol]!;
    const entryPrice = mark * d.entryFactor;
    const position = {
      symbol: SYMBOLS[d.symbol],
      side: d.side,
      contracts: d.contracts,
      entryPrice,
      markPrice: mark,
      marginMode: d.isolated ? 'isolated' : 'cross',
      ...(d.isolated ? { isolatedWallet: d.contracts * entryPrice * d.walletFraction } : {}),
      ...(d.leverage === null ? {} : { leverage: d.leverage }),
      ...(d.basis === 'entry' ? { maintenanceMarginBasis: 'entry' } : {}),
      ...d.maintenance,
    };
    const opposite = { ...position, side: d.side === 'long' ? 'short' : 'long', contracts: d.contracts * d.mirrorRatio };
    return d.mirrored ? [position, opposite] : [position];
  });
}

const marksArb = fc.tuple(price(0.01, 100_000), price(0.01, 100_000), price(0.01, 100_000));

const bookArb: fc.Arbitrary<AccountSnapshot> = fc
  .record({ marks: marksArb, drafts: fc.array(draftArb, { minLength: 1, maxLength: 8 }), walletFraction: price(0, 1.5) })
  .map(({ marks, drafts, walletFraction }) => {
    const positions = toPositions(drafts, marks);
    const gross = drafts.reduce((s, d) => s + d.contracts * marks[d.symbol]!, 0);
    return AccountSnapshotSchema.parse({ crossWalletBalance: gross * walletFraction, positions });
  });

/**
 * A cross long and short of one symbol, not quite equal, with a steeper tier just above the
 * current notional and the wallet a little above MM: equity − MM then typically turns down on
 * both sides of the mark (two crossings, either one the nearer).
 */
const hedgedBookArb: fc.Arbitrary<AccountSnapshot> = fc
  .record({
    mark: price(10, 10_000),
    contracts: price(0.1, 100),
    ratio: fc.oneof(price(0.8, 0.97), price(1.03, 1.2)),
    // Floors on a 1 % grid (factors 1.00–2.00): distinct doubles there could round to the same
    // floor once scaled by the notional, which the schema rightly rejects before the code under test runs.
    floorFactors: fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 3 }).map((ks) => ks.map((k) => 1 + k / 100)),
    low: price(0.002, 0.03),
    highs: fc.array(price(0.1, 0.4), { minLength: 3, maxLength: 3 }),
    cushion: price(0.0005, 0.05),
  })
  .map(({ mark, contracts, ratio, floorFactors, low, highs, cushion }) => {
    const notional = contracts * mark;
    const f = [0, ...floorFactors.sort((a, b) => a - b).map((u) => u * notional * Math.max(1, ratio))];
    const r = [low, ...highs.sort((a, b) => a - b)];
    const tiers: MaintenanceTier[] = [];
    for (let t = 0; t < f.length; t++) {
      const amount = t === 0 ? 0 : tiers[t - 1]!.amount + f[t]! * (r[t]! - r[t - 1]!);
      tiers.push({ notionalFloor: f[t]!, rate: r[t]!, amount });
    }
    const leg = { symbol: 'ETHUSDT', entryPrice: mark, markPrice: mark, marginMode: 'cross', maintenanceTiers: tiers };
    return AccountSnapshotSchema.parse({
      crossWalletBalance: notional * ((1 + ratio) * low + cushion),
      positions: [
        { ...leg, side: 'long', contracts },
        { ...leg, side: 'short', contracts: contracts * ratio },
      ],
    });
  });

/** The snapshot with every position of `symbol` in pool `pool` marked at `to`. */
function moveSymbol(s: AccountSnapshot, ev: Evaluation, pool: number, symbol: string, to: number): AccountSnapshot {
  return {
    ...s,
    positions: s.positions.map((p, i) => (ev.positions[i]!.pool === pool && p.symbol === symbol ? { ...p, markPrice: to } : p)),
  };
}

/** Size of the money terms of a pool at a price: the tolerance scales with it. */
function scaleOf(s: AccountSnapshot, ev: Evaluation, pool: number, at: number): number {
  let scale = Math.abs(ev.pools[pool]!.walletBalance) + 1;
  for (const i of ev.pools[pool]!.positions) {
    const p = s.positions[i]!;
    scale += p.contracts * (p.entryPrice + p.markPrice + at);
  }
  return scale;
}

describe('liquidationPrice properties', () => {
  it('puts the pool exactly at equity = maintenance margin when its symbol moves to the liquidation price', () => {
    fc.assert(
      fc.property(bookArb, (s) => {
        const ev = evaluate(s);
        for (const pr of ev.positions) {
          if (pr.liquidationPrice === null) continue;
          // Act: re-evaluate afresh with the symbol's legs in that pool at the liquidation price.
          const moved = evaluate(moveSymbol(s, ev, pr.pool, pr.symbol, pr.liquidationPrice)).pools[pr.pool]!;
          // Assess
          const tolerance = 1e-9 * scaleOf(s, ev, pr.pool, pr.liquidationPrice);
          expect(Math.abs(moved.equity - moved.maintenanceMargin)).toBeLessThanOrEqual(tolerance);
        }
      }),
      { numRuns: 400 },
    );
  });

  const nearestCrossing = (s: AccountSnapshot) => {
    const ev = evaluate(s);
    for (const pr of ev.positions) {
      const liq = pr.liquidationPrice;
      if (liq === null || liq === pr.markPrice) continue;
      const pool = ev.pools[pr.pool]!;
      const state = pool.equity - pool.maintenanceMargin > 0;
      for (let k = 1; k < 16; k++) {
        for (const at of [pr.markPrice + ((liq - pr.markPrice) * k) / 16, pr.markPrice - ((liq - pr.markPrice) * k) / 16]) {
          if (at <= 0) continue;
          const moved = evaluate(moveSymbol(s, ev, pr.pool, pr.symbol, at)).pools[pr.pool]!;
          const gap = moved.equity - moved.maintenanceMargin;
          // Allow rounding right at a crossing.
          if (Math.abs(gap) <= 1e-9 * scaleOf(s, ev, pr.pool, at)) continue;
          expect(gap > 0).toBe(state);
        }
      }
    }
  };

  it('finds the nearest crossing: the pool keeps its state within the liquidation distance on both sides of the mark', () => {
    fc.assert(fc.property(bookArb, nearestCrossing), { numRuns: 200 });
  });

  it('finds the nearest crossing in hedged books that can fail on either side', () => {
    fc.assert(fc.property(hedgedBookArb, nearestCrossing), { numRuns: 300 });
  });

  it('puts hedged books exactly at equity = maintenance margin at the liquidation price', () => {
    fc.assert(
      fc.property(hedgedBookArb, (s) => {
        const ev = evaluate(s);
        const liq = ev.positions[0]!.liquidationPrice;
        expect(ev.positions[1]!.liquidationPrice).toBe(liq);
        if (liq === null) return;
        const moved = evaluate(moveSymbol(s, ev, 0, 'ETHUSDT', liq)).pools[0]!;
        expect(Math.abs(moved.equity - moved.maintenanceMargin)).toBeLessThanOrEqual(1e-9 * scaleOf(s, ev, 0, liq));
      }),
      { numRuns: 300 },
    );
  });

  it('gives null for a symbol with net zero exposure in its pool', () => {
    fc.assert(
      fc.property(bookArb, (s) => {
        const ev = evaluate(s);
        for (const pool of ev.pools) {
          const net = new Map<string, number>();
          const gross = new Map<string, number>();
          for (const i of pool.positions) {
            const p = s.positions[i]!;
            net.set(p.symbol, (net.get(p.symbol) ?? 0) + (p.side === 'long' ? p.contracts : -p.contracts));
            gross.set(p.symbol, (gross.get(p.symbol) ?? 0) + p.contracts);
          }
          for (const i of pool.positions) {
            const sym = s.positions[i]!.symbol;
            if (Math.abs(net.get(sym)!) <= 1e-12 * gross.get(sym)!) expect(ev.positions[i]!.liquidationPrice).toBeNull();
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('signs the liquidation distance positive exactly when the pool is not liquidatable', () => {
    fc.assert(
      fc.property(bookArb, (s) => {
        const ev = evaluate(s);
        for (const pr of ev.positions) {
          if (pr.liquidationDistance === null) continue;
          expect(pr.liquidationDistance > 0).toBe(!ev.pools[pr.pool]!.liquidatable);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('matches the dYdX / Hyperliquid closed form for a lone position at a flat rate', () => {
    // dYdX: p' = (e − s·p) / (|s|·MMF − s); Hyperliquid: liq = p − side·(e − MM) / |s| / (1 − MMF·side),
    // e = equity at mark p (https://docs.dydx.xyz/concepts/trading/liquidations,
    // https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations).
    fc.assert(
      fc.property(
        fc.record({
          side: fc.constantFrom(1, -1),
          size: price(0.001, 1_000),
          entry: price(1, 100_000),
          markFactor: price(0.7, 1.3),
          walletFraction: price(0.01, 2),
          mmf: price(0.001, 0.2),
          isolated: fc.boolean(),
        }),
        ({ side, size, entry, markFactor, walletFraction, mmf, isolated }) => {
          const mark = entry * markFactor;
          const wallet = size * entry * walletFraction;
          const ev = evaluate(
            AccountSnapshotSchema.parse({
              crossWalletBalance: isolated ? 0 : wallet,
              positions: [
                {
                  symbol: 'ETHUSDT',
                  side: side === 1 ? 'long' : 'short',
                  contracts: size,
                  entryPrice: entry,
                  markPrice: mark,
                  marginMode: isolated ? 'isolated' : 'cross',
                  ...(isolated ? { isolatedWallet: wallet } : {}),
                  maintenanceMarginRate: mmf,
                },
              ],
            }),
          );
          const e = wallet + side * size * (mark - entry);
          const dydx = (e - side * size * mark) / (size * mmf - side * size);
          const hyperliquid = mark - (side * (e - mmf * size * mark)) / size / (1 - mmf * side);
          expect(Math.abs(dydx - hyperliquid)).toBeLessThanOrEqual(1e-9 * (entry + Math.abs(dydx)));
          const liq = ev.positions[0]!.liquidationPrice;
          if (dydx <= 0) expect(liq).toBeNull();
          else expect(Math.abs(liq! - dydx)).toBeLessThanOrEqual(1e-9 * (entry + dydx));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('pool isolation properties', () => {
  const isolatedDraftArb = draftArb.map((d) => ({ ...d, isolated: true, mirrored: false }));
  const crossDraftArb = draftArb.map((d) => ({ ...d, isolated: false }));
  const collateralArb = fc.array(
    fc.record({
      asset: fc.constantFrom('BTC', 'ETH', 'USDC'),
      amount: price(0, 10),
      price: price(0, 100_000),
      haircut: price(0, 0.5),
    }),
    { maxLength: 2 },
  );

  it("keeps an isolated pool's figures when the cross pool changes (wallet, positions, collateral)", () => {
    fc.assert(
      fc.property(
        marksArb,
        fc.array(isolatedDraftArb, { minLength: 1, maxLength: 4 }),
        fc.array(crossDraftArb, { maxLength: 5 }),
        fc.array(crossDraftArb, { maxLength: 5 }),
        price(-50_000, 5_000_000),
        price(-50_000, 5_000_000),
        collateralArb,
        (marks, isolated, crossA, crossB, walletA, walletB, collateral) => {
          // Prepare: the same isolated positions (first, so their indexes match) next to two cross books.
          const a = AccountSnapshotSchema.parse({ crossWalletBalance: walletA, positions: toPositions([...isolated, ...crossA], marks) });
          const b = AccountSnapshotSchema.parse({
            crossWalletBalance: walletB,
            collateral,
            positions: toPositions([...isolated, ...crossB], marks),
          });
          // Act
          const evA = evaluate(a);
          const evB = evaluate(b);
          // Assess
          expect(evB.pools.slice(1)).toEqual(evA.pools.slice(1));
          expect(evB.positions.slice(0, isolated.length)).toEqual(evA.positions.slice(0, isolated.length));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps the cross pool when an isolated position of the same symbol is added', () => {
    fc.assert(
      fc.property(bookArb, isolatedDraftArb, (s, extra) => {
        const ev = evaluate(s);
        const marks = SYMBOLS.map((sym) => s.positions.find((p) => p.symbol === sym)?.markPrice ?? 1);
        const withExtra = AccountSnapshotSchema.parse({ ...s, positions: [...s.positions, ...toPositions([extra], marks)] });
        const ev2 = evaluate(withExtra);
        expect(ev2.pools[0]).toEqual(ev.pools[0]);
        for (const i of ev.pools[0]!.positions) expect(ev2.positions[i]).toEqual(ev.positions[i]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the pre-trade solver\'s shortcuts agree with the full evaluation to the bit', () => {
  const withCollateral = fc
    .tuple(bookArb, fc.array(fc.record({ asset: fc.constantFrom('BTC', 'ETH'), amount: price(0, 10), price: price(1, 100_000), haircut: price(0, 0.5) }), { maxLength: 2 }))
    .map(([book, collateral]) => AccountSnapshotSchema.parse({ ...book, collateral }));

  it('accountEquity is the evaluation\'s account equity', () => {
    fc.assert(
      fc.property(withCollateral, (book) => {
        expect(accountEquity(book)).toBe(evaluateAccount(book, DEFAULT_STRESS).account.equity);
      }),
      { numRuns: 300 },
    );
  });

  it('evaluateFor keeps every total, pool and stress figure, and the positions of its symbol and the isolated ones', () => {
    fc.assert(
      fc.property(withCollateral, fc.constantFrom(...SYMBOLS), (book, symbol) => {
        const only = new Set([symbol]);
        const full = evaluateAccount(book, DEFAULT_STRESS, { liquidationSymbols: only });
        const part = evaluateFor(book, DEFAULT_STRESS, only);
        expect(part.account).toEqual(full.account);
        expect(part.account.stress.scenarios).toEqual(full.account.stress.scenarios);
        expect(part.pools).toEqual(full.pools);
        full.positions.forEach((p, i) => {
          if (p.symbol === symbol || p.marginMode === 'isolated') expect(part.positions[i]).toEqual(p);
          else expect(part.positions[i]).toBeUndefined();
        });
      }),
      { numRuns: 300 },
    );
  });

  it("an evaluation's stress report, read after other evaluations ran, is its own (no shared buffer leaks into it)", () => {
    fc.assert(
      fc.property(withCollateral, withCollateral, (a, b) => {
        const first = evaluateAccount(a, DEFAULT_STRESS);
        evaluateAccount(b, DEFAULT_STRESS);
        evaluateFor(b, DEFAULT_STRESS, new Set(['BTCUSDT']));
        expect(first.account.stress.scenarios).toEqual(evaluateAccount(a, DEFAULT_STRESS).account.stress.scenarios);
      }),
      { numRuns: 200 },
    );
  });
});
