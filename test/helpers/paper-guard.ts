import { afterEach, beforeEach } from 'vitest';
import { startPaperExchange, type PaperExchange, type PaperExchangeOptions } from '../../paper/index.ts';
import type { AccountSpec } from '../../paper/engine.ts';
import { createExchange } from '../../functions/venues/index.ts';
import { MemoryNotifier } from '../../functions/adapters/local-notifiers.ts';
import { silentLogger } from '../../functions/adapters/console-logger.ts';
import type { AccountConfig } from '../../functions/config.ts';
import type { Policy } from '../../functions/domain/policy.ts';
import type { ExchangePort, StateStore } from '../../functions/ports.ts';
import { runGuardTick, type TickOptions } from '../../functions/use-cases/run-guard-tick.ts';
import type { GuardDeps } from '../../functions/use-cases/types.ts';
import { uniqueAccountId } from './dynalite.ts';
import { BINANCE_HARNESS, credentialsOf, type VenueHarness } from '../venues/harness.ts';

/**
 * A guard on a paper account, end to end: real ccxt → HTTP → the paper exchange, the store the
 * test gives (dynalite). Time is the paper's market clock; retries and waits advance it.
 */

/** Starts a paper exchange (stepped by hand, at `startTime`) before each test, with these marks. */
export function usePaperExchange(
  prices: Record<string, number>,
  startTime = Date.UTC(2025, 9, 10, 20, 0),
  /** Options of every start, e.g. the venue whose dialect it speaks. */
  base: Partial<PaperExchangeOptions> = {},
): { readonly paper: PaperExchange; restart(options: Partial<PaperExchangeOptions>): Promise<void> } {
  let paper: PaperExchange | undefined;
  const start = async (options: Partial<PaperExchangeOptions> = {}) => {
    paper = await startPaperExchange({ startTime, speed: 0, ...base, ...options });
    paper.engine.setPrices(prices);
  };
  beforeEach(() => start());
  afterEach(async () => {
    await paper?.close();
  });
  return {
    get paper() {
      return paper!;
    },
    /** The same marks on a new paper exchange started with these options. */
    async restart(options) {
      await paper?.close();
      await start(options);
    },
  };
}

/** 10,000 USDT with a cross 1 BTC long at 50,000 and a cross 5 ETH long at 3,000, 10x. */
export const BTC_ETH_LONGS: AccountSpec = {
  walletBalance: 10_000,
  symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 }, ETHUSDT: { marginMode: 'cross', leverage: 10 } },
  positions: [
    { symbol: 'BTCUSDT', side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 },
    { symbol: 'ETHUSDT', side: 'long', size: 5, entryPrice: 3_000, marginMode: 'cross', leverage: 10 },
  ],
};

export interface PaperGuardOptions {
  policy: Policy;
  store: StateStore;
  /** Prefix of the account id (each guard gets a unique one). */
  idPrefix?: string;
  /** The guard's clock runs this far behind the venue's (ms). */
  skewMs?: number;
  /** ccxt's request timeout (ms). */
  timeoutMs?: number;
  /** Wraps the exchange port, e.g. to make it hang. */
  wrap?: (port: ExchangePort) => ExchangePort;
  tick?: TickOptions;
  credentials?: { apiKey?: string; secret?: string };
  /** The venue (its module and paper dialect); default Binance USDⓈ-M. */
  venue?: VenueHarness;
  /** Credentials exactly as given (a venue's rejected ones), instead of the account's own. */
  rawCredentials?: Record<string, string>;
}

export function paperGuard(paper: PaperExchange, spec: AccountSpec, o: PaperGuardOptions) {
  const engine = paper.engine;
  const acc = engine.createAccount(spec);
  const venue = o.venue ?? BINANCE_HARNESS;
  const config = {
    id: uniqueAccountId(o.idPrefix ?? 'paper'),
    exchange: venue.venue,
    baseUrl: paper.url,
    credentials: { apiKeyEnv: 'K', secretEnv: 'S' },
    scheduleMinutes: 1,
  } satisfies AccountConfig;
  const notifier = new MemoryNotifier();
  const own = credentialsOf(venue, acc);
  const creds = o.rawCredentials ?? (o.credentials ? { ...own, ...o.credentials } : own);
  const port = createExchange(config, creds, { timeoutMs: o.timeoutMs ?? 400 });
  const deps: GuardDeps = {
    exchange: o.wrap ? o.wrap(port) : port,
    store: o.store,
    notifier,
    clock: { now: () => engine.now() - (o.skewMs ?? 0) },
    log: silentLogger,
    sleep: async (ms) => void engine.advanceBy(ms),
  };
  return {
    acc,
    config,
    deps,
    notifier,
    tick: () => runGuardTick(deps, { config, policy: o.policy }, { budgetMs: 5_000, ...o.tick }),
    /** Advances the market clock. */
    wait: (ms: number) => void engine.advanceBy(ms),
    state: () => o.store.get(config.id),
    /** Trades on the paper account (the owner's and the guard's). */
    orders: () => acc.trades.length,
  };
}
