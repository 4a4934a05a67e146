import { summarizeHistory, type HistorySummary } from '../domain/history.ts';
import { bookChanges, bookOf, gateSnapshot, rawEquity, walletOf, type GateOptions, type GateVerdict } from '../domain/gate.ts';
import { peakAfterTransfers } from '../domain/peak.ts';
import type { AccountSnapshot } from '../domain/snapshot.ts';
import type { GuardState } from '../domain/state.ts';
import { ExchangeAuthError } from '../errors.ts';
import type { ExchangePort, HistoryEvent } from '../ports.ts';

export interface ReadOptions {
  gate: GateOptions;
  /** The history is read at least this often (ms, guard clock), and whenever the book or wallet changed. */
  historyEveryMs: number;
  /** Each read starts this far (ms, market time) before the last one ended: rows that appear late are still found. */
  historyOverlapMs: number;
  /** The peak may rise this fraction above itself on one read; beyond it the rise needs confirming. */
  peakRiseTolerance: number;
  /** Account equity as the decision computes it. */
  equityOf: (s: AccountSnapshot) => number;
}

/** Where the history read stands, written with the accepted state. */
export type HistoryCursor = Pick<GuardState, 'historyUntil' | 'historyFrom' | 'historySeen' | 'historyReadAt'>;

type Ok = Extract<GateVerdict, { kind: 'ok' }>;

export type AccountRead =
  | {
      kind: 'ok';
      snapshot: AccountSnapshot;
      verdict: Ok;
      /** The highest value the peak may rise to on this tick; null = the equity itself. */
      peakCap: number | null;
      notes: string[];
    }
  | { kind: 'unknown'; why: string; seen: AccountSnapshot | null; auth: boolean };

/** At most this many row ids are kept for de-duplication (the newest). */
const MAX_SEEN = 500;

/**
 * Reads one account for one tick and judges it with the data gate: the snapshot, the history
 * rows since the last accepted snapshot whenever the book or the wallet changed (in the same
 * tick), one more read when the first fails the gate, and a confirming read before the peak may
 * rise. History rows are counted once: each read re-reads an overlap window and drops the ids
 * already counted.
 */
export class AccountReader {
  private loaded: { events: HistoryEvent[]; until: number } | null = null;
  /** The first tick's rows: what happened before the guard started is seen, never counted. */
  private baseline: { ids: { id: string; at: number }[]; until: number } | null = null;
  private loadError: string | null = null;

  constructor(
    private readonly exchange: ExchangePort,
    private readonly state: GuardState,
    private readonly now: number,
    private readonly retry: <T>(fn: () => Promise<T>) => Promise<T>,
    private readonly opts: ReadOptions,
  ) {}

  /** The cursor to store with an accepted state. */
  cursor(accepted: AccountSnapshot): HistoryCursor {
    const s = this.state;
    if (s.historyUntil === null) {
      // The first accepted tick: what happened before it is not the guard's to explain. Its rows
      // are marked seen; if they could not be read, nothing before the snapshot's time counts.
      const start = this.baseline?.until ?? accepted.timestamp ?? this.now;
      if (this.baseline) return { historyUntil: start, historyFrom: null, historySeen: this.baseline.ids.slice(-MAX_SEEN), historyReadAt: this.now };
      return { historyUntil: start, historyFrom: start, historySeen: [], historyReadAt: this.now };
    }
    const from = s.historyFrom;
    if (!this.loaded) return { historyUntil: s.historyUntil, historyFrom: from, historySeen: s.historySeen, historyReadAt: s.historyReadAt };
    // Only the rows the accepted snapshot already shows are counted; later ones wait for the next tick.
    const until = Math.min(this.loaded.until, accepted.timestamp ?? this.loaded.until);
    const keepFrom = until - this.opts.historyOverlapMs;
    const counted = this.rowsFor(accepted);
    const seen = [...s.historySeen, ...counted.map((e) => ({ id: e.id, at: e.at }))]
      .filter((r) => r.at >= keepFrom)
      .sort((a, b) => a.at - b.at)
      .slice(-MAX_SEEN);
    return { historyUntil: Math.max(s.historyUntil, until), historyFrom: from, historySeen: seen, historyReadAt: this.now };
  }

  /** Before the first accepted tick: the rows of the overlap window are seen, not counted. */
  private async loadBaseline(venueNow: number): Promise<void> {
    try {
      const h = await this.retry(() => this.exchange.fetchHistory(venueNow - this.opts.historyOverlapMs));
      this.baseline = { ids: h.events.map((e) => ({ id: e.id, at: e.at })).sort((a, b) => a.at - b.at), until: h.until };
    } catch {
      this.baseline = null;
    }
  }

  private async loadHistory(): Promise<boolean> {
    const s = this.state;
    if (s.historyUntil === null) return false;
    const from = s.historyFrom ?? Number.NEGATIVE_INFINITY;
    const since = Math.max(from + 1, s.historyUntil - this.opts.historyOverlapMs);
    try {
      const h = await this.retry(() => this.exchange.fetchHistory(since));
      const seen = new Set(s.historySeen.map((r) => r.id));
      const fresh = new Map<string, HistoryEvent>();
      for (const e of h.events) if (e.at > from && !seen.has(e.id)) fresh.set(e.id, e);
      const events = [...fresh.values()];
      this.loaded = { events, until: h.until };
      this.loadError = null;
      return true;
    } catch (err) {
      this.loadError = (err as Error).message;
      return false;
    }
  }

  /** The loaded rows a snapshot can show: those up to its time on the venue's clock. */
  private rowsFor(snapshot: AccountSnapshot): HistoryEvent[] {
    const at = snapshot.timestamp;
    return (this.loaded?.events ?? []).filter((e) => at === undefined || e.at <= at);
  }

  private summaryFor(snapshot: AccountSnapshot): HistorySummary | null {
    return this.loaded ? summarizeHistory(this.rowsFor(snapshot)) : null;
  }

  private async gated(snapshot: AccountSnapshot): Promise<GateVerdict> {
    const judge = () => gateSnapshot(snapshot, this.state, this.summaryFor(snapshot), this.now, this.opts.gate);
    const v = judge();
    if (v.kind === 'need-history' && this.loaded === null && (await this.loadHistory())) return judge();
    return v;
  }

  private whyNot(v: Exclude<GateVerdict, Ok>): string {
    return v.kind === 'unknown' ? v.reasons.join('; ') : `${v.why} and the account history could not be read: ${this.loadError ?? 'unknown error'}`;
  }

  private async fetch(): Promise<{ snapshot: AccountSnapshot } | { error: unknown }> {
    try {
      return { snapshot: await this.retry(() => this.exchange.fetchSnapshot()) };
    } catch (error) {
      return { error };
    }
  }

  /** A second snapshot in the same tick: history again only if the account changed in between. */
  private async again(previous: AccountSnapshot): Promise<{ snapshot: AccountSnapshot; verdict: GateVerdict } | { error: unknown }> {
    const r = await this.fetch();
    if ('error' in r) return r;
    const changed = bookChanges(bookOf(previous), r.snapshot);
    if (this.loaded && (changed.vanished.length || changed.changed.length || walletOf(r.snapshot) !== walletOf(previous))) await this.loadHistory();
    return { snapshot: r.snapshot, verdict: await this.gated(r.snapshot) };
  }

  private unknown(why: string, seen: AccountSnapshot | null, err?: unknown): AccountRead {
    return { kind: 'unknown', why, seen, auth: err instanceof ExchangeAuthError };
  }

  async read(): Promise<AccountRead> {
    const first = await this.fetch();
    if ('error' in first) return this.unknown(message(first.error), null, first.error);
    const s = this.state;
    if (s.historyUntil === null) await this.loadBaseline(first.snapshot.timestamp ?? this.now);
    if (s.historyUntil !== null && (s.historyReadAt === null || this.now - s.historyReadAt >= this.opts.historyEveryMs)) {
      await this.loadHistory(); // routine: a failure matters only if the gate needs the rows
    }
    let snapshot = first.snapshot;
    let verdict = await this.gated(snapshot);
    const notes: string[] = [];
    if (verdict.kind !== 'ok') {
      // One bad read is not the account: read once more before calling the tick UNKNOWN.
      const firstWhy = this.whyNot(verdict);
      const r = await this.again(snapshot);
      if ('error' in r) return this.unknown(`${firstWhy}; a second read failed: ${message(r.error)}`, snapshot, r.error);
      if (r.verdict.kind !== 'ok') return this.unknown(this.whyNot(r.verdict), r.snapshot);
      notes.push(`a first read failed the data gate (${firstWhy}); a second read passed`);
      snapshot = r.snapshot;
      verdict = r.verdict;
    }

    // The peak rises only on a value confirmed by the venue's own figures or a second read.
    const equity = this.opts.equityOf(snapshot);
    const base = peakAfterTransfers(s.peakEquity, equity, verdict.transfers);
    let peakCap: number | null = null;
    if ((base === null || equity > base * (1 + this.opts.peakRiseTolerance)) && !corroborated(snapshot)) {
      const r = await this.again(snapshot);
      if ('error' in r) return this.unknown(`a new high of equity could not be confirmed by a second read: ${message(r.error)}`, snapshot, r.error);
      if (r.verdict.kind !== 'ok') return this.unknown(`a new high of equity could not be confirmed: the second read failed the data gate (${this.whyNot(r.verdict)})`, r.snapshot);
      const second = this.opts.equityOf(r.snapshot);
      peakCap = Math.min(equity, second);
      if (Math.abs(second - equity) > this.opts.peakRiseTolerance * Math.max(Math.abs(equity), 1)) {
        notes.push(`two reads disagree on equity (${equity.toFixed(2)} vs ${second.toFixed(2)}): the peak rises to the lower at most`);
      }
      snapshot = r.snapshot;
      verdict = r.verdict;
    }
    return { kind: 'ok', snapshot, verdict, peakCap, notes: [...notes, ...verdict.notes] };
  }

  /** The read before any order: the breach must hold on fresh data that passes the gate. */
  async confirm(previous: AccountSnapshot): Promise<AccountRead> {
    const r = await this.again(previous);
    if ('error' in r) return this.unknown(`confirming read failed: ${message(r.error)}`, previous, r.error);
    if (r.verdict.kind !== 'ok') return this.unknown(`confirming read failed the data gate: ${this.whyNot(r.verdict)}`, r.snapshot);
    return { kind: 'ok', snapshot: r.snapshot, verdict: r.verdict, peakCap: null, notes: r.verdict.notes };
  }
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The venue's own account totals agree with the equity the positions and marks give. */
function corroborated(s: AccountSnapshot): boolean {
  const t = s.exchangeTotals;
  if (!t) return false;
  const e = rawEquity(s);
  return Math.abs(t.marginBalance - e) <= 0.001 * Math.max(Math.abs(e), 1);
}
