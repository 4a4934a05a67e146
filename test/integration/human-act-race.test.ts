import { describe, expect, it } from 'vitest';
import type { PaperAccount } from '../../paper/index.ts';
import { createExchange } from '../../functions/venues/index.ts';
import { LastWriteCachingStore } from '../../functions/adapters/cached-store.ts';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import type { AccountConfig } from '../../functions/config.ts';
import { resolvePolicy } from '../../functions/domain/policy.ts';
import type { GuardState } from '../../functions/domain/state.ts';
import type { Logger, StateStore } from '../../functions/ports.ts';
import { pause, rearm, resume } from '../../functions/use-cases/admin.ts';
import { closeAllByHand } from '../../functions/use-cases/close-all.ts';
import { runGuardTick } from '../../functions/use-cases/run-guard-tick.ts';
import type { GuardDeps, TickResult } from '../../functions/use-cases/types.ts';
import { tickLine } from '../../functions/cli/guard-commands.ts';
import { uniqueAccountId, useLocalDynamo } from '../helpers/dynalite.ts';
import { usePaperExchange } from '../helpers/paper-guard.ts';

/**
 * A human act (another terminal's pause, resume, rearm or close-all) lands between a `run` tick's
 * read and its state write: real ccxt → paper exchange, state in dynalite behind the same cache
 * `run` uses. The tick must keep its update, show the human's state, and not claim another tick.
 */

const dynamo = useLocalDynamo();
const policy = resolvePolicy({ thresholds: { WARNING: { stressSurvival: null }, DANGER: { stressSurvival: null } } });

const world = usePaperExchange({ BTCUSDT: 50_000 });

/** The real store; `race` runs once, just before the tick's next state write. */
class RacingStore implements StateStore {
  race: (() => Promise<void>) | null = null;
  constructor(private readonly inner: StateStore) {}
  get = (id: string) => this.inner.get(id);
  async put(next: GuardState, expected: number): Promise<boolean> {
    const r = this.race;
    this.race = null;
    if (r) await r();
    return this.inner.put(next, expected);
  }
  append = (e: Parameters<StateStore['append']>[0]) => this.inner.append(e);
  events = (id: string, n: number) => this.inner.events(id, n);
  listAccounts = () => this.inner.listAccounts();
}

function setup(positions: boolean) {
  const acc: PaperAccount = world.paper.engine.createAccount({
    walletBalance: 10_000,
    symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 } },
    positions: positions ? [{ symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }] : [],
  });
  const config = { id: uniqueAccountId('race'), exchange: 'binanceusdm', baseUrl: world.paper.url, credentials: { apiKeyEnv: 'K', secretEnv: 'S' }, scheduleMinutes: 1 } satisfies AccountConfig;
  const real = dynamo.store();
  const racing = new RacingStore(real);
  const warnings: string[] = [];
  const log: Logger = { debug() {}, info() {}, warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m) };
  const notifier = new MemoryNotifier();
  const clock = { now: () => world.paper.engine.now() };
  const deps: GuardDeps = {
    exchange: createExchange(config, { apiKey: acc.apiKey, secret: acc.secret }, { timeoutMs: 400 }),
    store: new LastWriteCachingStore(racing),
    notifier,
    clock,
    log,
    sleep: async (ms) => void world.paper.engine.advanceBy(ms),
  };
  // The human's terminal: its own store client, its own exchange client.
  const human = {
    deps: { ...deps, store: real, exchange: createExchange(config, { apiKey: acc.apiKey, secret: acc.secret }, { timeoutMs: 400 }) },
    act: { accountId: config.id, by: 'ana', reason: 'racing a tick' },
  };
  return { acc, config, real, racing, warnings, notifier, deps, human, tick: (): Promise<TickResult> => runGuardTick(deps, { config, policy }, { budgetMs: 5_000 }) };
}

describe('a human act racing a run tick (ccxt → paper exchange, dynalite)', () => {
  it.each([
    {
      act: 'pause',
      positions: true,
      before: async () => {},
      race: (h: ReturnType<typeof setup>['human']) => pause(h.deps, { ...h.act, until: world.paper.engine.now() + 30 * 60_000 }),
      expectResult: { paused: true, halted: false },
      expectState: (s: GuardState) => expect(s.pausedBy).toBe('ana'),
    },
    {
      act: 'resume',
      positions: true,
      before: async (h: ReturnType<typeof setup>['human']) => void (await pause(h.deps, { ...h.act, until: world.paper.engine.now() + 30 * 60_000 })),
      race: (h: ReturnType<typeof setup>['human']) => resume(h.deps, h.act),
      expectResult: { paused: false, halted: false },
      expectState: (s: GuardState) => expect(s.pausedUntil).toBeNull(),
    },
  ])('$act: the tick keeps its update and shows the human state', async ({ positions, before, race, expectResult, expectState }) => {
    const g = setup(positions);
    expect((await g.tick()).status).toBe('OK');
    await before(g.human);
    world.paper.engine.advanceBy(5_000); // `run` above OK ticks every few seconds: the last tick is "live"
    g.racing.race = async () => void (await race(g.human));
    const r = await g.tick();
    expect(r.stateVersion).not.toBeNull();
    expect(r).toMatchObject(expectResult);
    expect(r.actions.join(' ')).not.toMatch(/another tick/);
    expect(g.warnings).toEqual([]);
    const stored = (await g.real.get(g.config.id))!;
    expect(stored.lastTickAt).toBe(r.at);
    expect(stored.version).toBe(r.stateVersion);
    expectState(stored);
    expect(tickLine(r)).toContain(expectResult.paused ? 'PAUSED' : 'OK');
  });

  it('rearm: the tick writes on top of the re-arm and re-bases the peak at its own equity', async () => {
    const g = setup(false);
    await g.tick();
    const s = (await g.real.get(g.config.id))!;
    expect(await g.real.put({ ...s, halted: true, haltedAt: s.lastTickAt, haltReason: 'an earlier trip', level: 'EMERGENCY', peakEquity: 12_000 }, s.version)).toBe(true);
    // The run's cache still holds the state it wrote; the halt came from elsewhere.
    await g.tick();
    world.paper.engine.advanceBy(5_000);
    g.racing.race = async () => void (await rearm(g.human.deps, g.human.act));
    const r = await g.tick();
    expect(r.stateVersion).not.toBeNull();
    expect(r.halted).toBe(false);
    expect(r.actions.join(' ')).not.toMatch(/another tick/);
    expect(g.warnings).toEqual([]);
    const stored = (await g.real.get(g.config.id))!;
    expect(stored).toMatchObject({ halted: false, rearmedBy: 'ana', peakEquity: 10_000, rebaseUntil: null, lastTickAt: r.at });
  });

  it('close-all: the tick does not close twice and reports the account HALTED', async () => {
    const g = setup(true);
    await g.tick();
    world.paper.engine.advanceBy(5_000);
    g.racing.race = async () => void (await closeAllByHand(g.human.deps, g.human.act));
    const r = await g.tick();
    expect(r.stateVersion).not.toBeNull();
    expect(r.halted).toBe(true);
    expect(r.actions.join(' ')).not.toMatch(/another tick/);
    expect(g.acc.positions.size).toBe(0);
    expect(g.acc.trades).toHaveLength(1); // the human's close only
    const stored = (await g.real.get(g.config.id))!;
    expect(stored).toMatchObject({ halted: true, trip: { by: 'ana', status: 'done' }, lastTickAt: r.at });
    expect(tickLine(r)).toContain('HALTED');
  });

  it('is bounded: acts that keep landing make the tick stand back with a note, not loop', async () => {
    const g = setup(true);
    await g.tick();
    world.paper.engine.advanceBy(5_000);
    let acts = 0;
    const again = async () => {
      acts++;
      await pause(g.human.deps, { ...g.human.act, until: world.paper.engine.now() + 60_000 + acts });
      g.racing.race = again;
    };
    g.racing.race = again;
    const r = await g.tick();
    g.racing.race = null;
    expect(r.stateVersion).toBeNull();
    expect(r.actions.join(' ')).toMatch(/kept changing under human acts/);
    expect(acts).toBeLessThanOrEqual(5);
  });
});
