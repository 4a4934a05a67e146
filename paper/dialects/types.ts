import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RealtimeDriver } from '../clock.ts';
import type { EngineOptions, PaperAccount, PaperEngine } from '../core/index.ts';
import type { FaultInjector, FaultKind } from '../faults.ts';

/**
 * A dialect puts one venue's API on the neutral paper engine: its HTTP paths, JSON shapes,
 * error codes, authentication and rate limits, its symbol naming and the credentials a riskguard
 * config names for it. The server routes every request outside /paper/ to the dialect; the
 * venue-neutral control API (/paper/*) uses the dialect only for symbols and credentials.
 */
export interface PaperDialect {
  /** The venue id, as riskguard's config `exchange` names it, e.g. 'binanceusdm'. */
  readonly venue: PaperVenue;
  /** For the banner, e.g. 'Binance USDⓈ-M REST subset'. */
  readonly title: string;
  /** One banner line on how a client reaches it. */
  readonly clientHint: string;
  /** Builds the handler of every request outside /paper/ (the venue's API). */
  createHandler(deps: DialectDeps, options: DialectOptions): DialectHandler;
  /** Why `symbol` is not a symbol of this venue's naming, or null when it is (e.g. BTCUSDT on Binance). */
  symbolProblem(symbol: string): string | null;
  /**
   * What a riskguard config needs to reach `acc`: `credentials` is the config's credentials object
   * (naming environment variables), `env` those variables with their values.
   */
  credentialsFor(acc: PaperAccount): { credentials: Record<string, string>; env: Record<string, string> };
  /** A body for an unexpected server error, in the venue's error shape. */
  internalErrorBody(message: string): string;
  /**
   * Engine options the venue needs (optional): markets under its names, per-order margin modes.
   * Merged under the caller's options by startPaperExchange.
   */
  engineOptions?: Pick<EngineOptions, 'extraMarkets' | 'marginModePerOrder'>;
}

/** The venues riskguard guards; those with a dialect are in paper/dialects/index.ts. */
export const PAPER_VENUES = ['binanceusdm', 'hyperliquid', 'orderly', 'bybit', 'okx'] as const;
export type PaperVenue = (typeof PAPER_VENUES)[number];

/** What the server shares with the dialect. */
export interface DialectDeps {
  engine: PaperEngine;
  faults: FaultInjector;
  driver?: RealtimeDriver;
  /**
   * The venue's WALL clock (signatures, server time) relative to this host's, ms. Non-zero
   * rehearses a guard host whose clock is off: +5000 = the host is 5 s behind the venue.
   */
  wall: { offsetMs: number };
  /** Called after each venue-API request (not control requests). */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Keeps `res` open without answering for `ms` (timeout faults); the server ends it on close. */
  hang(res: ServerResponse, ms: number): void;
}

/** Dialect-specific knobs from startPaperExchange's options. */
export interface DialectOptions {
  /** Request weight per client IP per minute (Binance: 2400). */
  weightLimit?: number;
  /** 429s an IP may receive in a minute before it is banned (418). */
  banAfter429s?: number;
  /** First IP ban, ms (doubles per repeat). */
  banMs?: number;
}

export type DialectHandler = (req: IncomingMessage, res: ServerResponse, url: URL, rawQuery: string, body: string) => Promise<void>;

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  weight: number;
  accountId?: string;
  fault?: FaultKind;
}
