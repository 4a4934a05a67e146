import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Bracket } from './brackets.ts';
import { RealtimeDriver } from './clock.ts';
import { PaperEngine } from './core/index.ts';
import { dialectFor } from './dialects/index.ts';
import type { PaperDialect, PaperVenue, RequestLogEntry } from './dialects/types.ts';
import { FaultInjector } from './faults.ts';
import { createPaperServer } from './server.ts';

export { PaperEngine, PaperAccount, PaperReject, REJECT_REASONS, type RejectReason, type RejectDetails } from './core/index.ts';
export type {
  AccountRisk,
  AccountSpec,
  AlgoOrderRecord,
  EngineOptions,
  IncomeRecord,
  LiquidationEvent,
  OrderRecord,
  OrderRequest,
  Position,
  PositionRisk,
  PositionSpec,
} from './core/index.ts';
export { PaperApiError, binanceError, asBinanceError } from './dialects/binanceusdm/errors.ts';
export { DIALECTS, PAPER_VENUES, dialectFor, venuesWithDialect, UnknownVenueError, type PaperDialect, type PaperVenue } from './dialects/index.ts';
export { FaultInjector, FAULT_KINDS, type FaultKind, type FaultSpec } from './faults.ts';
export { BINANCE_BRACKETS, GENERIC_ALT_BRACKETS, BRACKET_SOURCE, bracketTable, maintenanceMargin, type Bracket } from './brackets.ts';
export { parseCandlesCsv, loadCandlesFile, PriceSeries, candlePath, type Candle } from './replay.ts';
export { DATASETS, DATA_DIR, datasetReplay } from './datasets.ts';
export type { RequestLogEntry } from './dialects/types.ts';

export interface PaperExchangeOptions {
  /** The venue whose API the exchange speaks. Default 'binanceusdm' (the only dialect so far). */
  venue?: PaperVenue;
  /** 0 (default) = a free port. */
  port?: number;
  /** Default 127.0.0.1. The control API answers loopback clients only, whatever the host. */
  host?: string;
  /** Admin token for /paper/*; generated when absent. */
  adminToken?: string;
  /** Files replayed as mark prices. */
  replay?: { symbol: string; file: string }[];
  /**
   * Replay-ms per wall-ms. Default: 0 (stepped by hand) with a replay, 1 (follows the wall clock)
   * without. 0 = no timer: move the clock with engine.advanceBy / POST /paper/clock.
   */
  speed?: number;
  /** Market time at start (ms). Default: first replay candle, else now. */
  startTime?: number;
  /** Market-fill slippage, fraction. Default 0.0005. */
  slippage?: number;
  /** Taker fee, fraction. Default 0.0005. */
  takerFee?: number;
  /** Liquidation clearance fee, fraction of notional. Default 0.0125. */
  clearanceFee?: number;
  /** Request-weight limit per client IP per minute. Default 2400 (Binance USDⓈ-M). */
  weightLimit?: number;
  /** 429s an IP may receive in a minute before its next request bans it (HTTP 418). Default 5. */
  banAfter429s?: number;
  /** First IP ban, ms; doubles per repeat up to 3 days. Default 120,000. */
  banMs?: number;
  /** Bracket overrides per symbol. */
  brackets?: Record<string, Bracket[]>;
  /** Leverage of unconfigured symbols. Default 20. */
  defaultLeverage?: number;
  /** Called for every venue-API request (method, path, status, weight, fault). */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Funding rate per 8 h for symbols without their own. Default 0.0001 (see EngineOptions). */
  fundingRate?: number;
  /**
   * Shifts the venue's wall clock (signatures, /fapi/v1/time) by this many ms against this host's,
   * to rehearse a guard host whose clock is off. Also POST /paper/wall-clock. Default 0.
   */
  wallClockOffsetMs?: number;
}

export interface PaperExchange {
  /** Base URL, e.g. http://127.0.0.1:41234 — point ccxt at it with redirectFetch(url). */
  url: string;
  adminToken: string;
  /** The dialect serving the venue API. */
  dialect: PaperDialect;
  engine: PaperEngine;
  faults: FaultInjector;
  close(): Promise<void>;
}

/** Starts the paper exchange (engine + HTTP server) in this process. */
export async function startPaperExchange(options: PaperExchangeOptions = {}): Promise<PaperExchange> {
  // First, so a venue without a dialect is refused before anything starts.
  const dialect = dialectFor(options.venue ?? 'binanceusdm');
  const engine = new PaperEngine({
    ...dialect.engineOptions,
    ...(options.startTime !== undefined ? { startTime: options.startTime } : {}),
    ...(options.slippage !== undefined ? { slippage: options.slippage } : {}),
    ...(options.takerFee !== undefined ? { takerFee: options.takerFee } : {}),
    ...(options.clearanceFee !== undefined ? { clearanceFee: options.clearanceFee } : {}),
    ...(options.brackets !== undefined ? { brackets: options.brackets } : {}),
    ...(options.defaultLeverage !== undefined ? { defaultLeverage: options.defaultLeverage } : {}),
    ...(options.fundingRate !== undefined ? { fundingRate: options.fundingRate } : {}),
  });
  for (const r of options.replay ?? []) engine.loadReplay(r.symbol, r.file);
  const speed = options.speed ?? ((options.replay ?? []).length > 0 ? 0 : 1);
  if (!(speed >= 0)) throw new Error('speed must be ≥ 0');
  const driver = speed > 0 ? new RealtimeDriver(engine, speed) : undefined;
  const adminToken = options.adminToken ?? randomBytes(24).toString('hex');
  const faults = new FaultInjector();
  const { server, dispose } = createPaperServer({
    engine,
    faults,
    dialect,
    dialectOptions: {
      ...(options.weightLimit !== undefined ? { weightLimit: options.weightLimit } : {}),
      ...(options.banAfter429s !== undefined ? { banAfter429s: options.banAfter429s } : {}),
      ...(options.banMs !== undefined ? { banMs: options.banMs } : {}),
    },
    adminToken,
    wall: { offsetMs: options.wallClockOffsetMs ?? 0 },
    ...(driver !== undefined ? { driver } : {}),
    ...(options.onRequest !== undefined ? { onRequest: options.onRequest } : {}),
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  driver?.start();
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${port}`,
    adminToken,
    dialect,
    engine,
    faults,
    close: async () => {
      driver?.stop();
      dispose();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
