import type { ExchangePort, Logger } from '../ports.ts';
import type { CredentialSpec } from './credential-spec.ts';

/**
 * A venue module: everything riskguard knows about one exchange, in one folder
 * (functions/venues/<id>/: adapter, schemas, mapping, history, errors, weights) behind this
 * contract, plus one paper dialect (paper/dialects/<id>/). Shared code never names a venue: it
 * asks the registry (functions/venues/index.ts) for the module of `accounts[].exchange`.
 */

/** The venues riskguard knows of; a module exists for those in the registry. */
export const VENUE_IDS = ['binanceusdm', 'hyperliquid', 'orderly', 'bybit', 'okx'] as const;
export type VenueId = (typeof VENUE_IDS)[number];

/** What a venue module needs to know of an account (never its policy). */
export interface VenueAccount {
  readonly id: string;
  /** Paper exchange or testnet: where the venue's requests go instead of its hosts. */
  readonly baseUrl?: string | undefined;
  /** OKX: a demo-trading key (config `demo: true`). */
  readonly demo?: boolean | undefined;
}

/**
 * The venue's request budget, for the local loop's shared per-IP budget and the cadence advice.
 * Units are the venue's own (Binance: request weight; others: requests or their weights).
 */
export interface RequestBudget {
  /** The venue's limit per minute for one IP (all accounts of one host share it). */
  readonly perMinute: number;
  /** What one routine tick spends: a snapshot, with the minute's history read spread over it. */
  readonly tickCost: number;
  /** What one read of every symbol's mark spends (ExchangePort.fetchMarks; the run loop's mark watch). */
  readonly marksCost?: number;
  /** What one account ticking every `cadenceSeconds` spends per minute, no orders. */
  weightPerMinute(cadenceSeconds: number): number;
  /** Worst-case extra spend of one close-all over `symbols` symbols. */
  closeAllWeight(symbols: number, rounds?: number): number;
}

/**
 * Markets and brackets loaded once per venue (and base URL) and shared by every account on it:
 * a thousand accounts must not hold a thousand copies of the venue's market list.
 */
export interface VenueShared {
  readonly venue: VenueId;
  readonly baseUrl: string | undefined;
  /** Venue-specific cache slots, created by the module on first use. */
  readonly slots: Map<string, unknown>;
}

export interface CreateExchangeOptions {
  log?: Logger;
  /** ms; the client's request timeout. */
  timeoutMs?: number;
  /** Shared markets and brackets of this venue; without one the port loads its own. */
  shared?: VenueShared;
}

/**
 * What riskguard knows of a venue without loading its client: names, credential shapes, hosts,
 * request budget, redaction hints. The config, the CDK checks and the redactor read only these.
 */
export interface VenueFacts<C extends Record<string, string> = Record<string, string>> {
  readonly id: VenueId;
  /** For people: "Binance USDⓈ-M futures". */
  readonly label: string;
  /**
   * The asset the account's equity, margin and PnL are counted in, as riskguard reads them: every
   * amount riskguard shows for this venue's accounts carries it ("8,400.58 USDC").
   */
  readonly settlement: 'USDT' | 'USDC';
  /** Config keys naming environment variables locally, and the stored JSON's shape in the cloud. */
  readonly credentials: CredentialSpec<C>;
  readonly budget: RequestBudget;
  /** The venue's API hosts: a deployment's `baseUrl` must be one of them (or explicitly allowed). */
  readonly hosts: readonly string[];
  /** The ccxt class this module uses, relative to ccxt's package root (for bundle checks and docs). */
  readonly ccxtModule: string;
  /**
   * Where secrets may appear in this venue's requests, beyond the credential values themselves
   * (which are registered with the redactor once loaded): header names and query parameters.
   */
  readonly redaction: { readonly headers: readonly string[]; readonly params: readonly string[] };
  /**
   * AWS regions (e.g. `'us-east-1'`) from which the venue's API refuses service, and what it
   * answers then: a guard deployed there cannot see the account; `cdk synth` warns. Absent when
   * the venue documents no such refusal. A venue's terms may restrict *persons* in more places
   * than its API refuses *requests* from; that is the operator's obligation, noted in the
   * module's facts.ts, not something a region check can enforce.
   */
  readonly geoBlocked?: { readonly regions: readonly string[]; readonly why: string };
}

/** One venue: its facts and the port it builds. `C` is the loaded credentials (e.g. `{ apiKey, secret }`). */
export interface VenueModule<C extends Record<string, string> = Record<string, string>> extends VenueFacts<C> {
  /** The exchange port of one account, its requests sent to `account.baseUrl` when given. */
  createExchange(account: VenueAccount, credentials: C, opts?: CreateExchangeOptions): ExchangePort;
}
