import { randomBytes } from 'node:crypto';

/**
 * Fault injection for the next N requests to an endpoint (or to all). Each matching request that
 * a fault applies to uses up one of its N; an exhausted fault disappears.
 *
 * Kinds and what the client sees:
 * - `http500` / `http503`: that status with Binance's JSON body, request not processed: 500
 *   `{"code":-1001,"msg":"Internal error; …"}`, 503 `{"code":-1008,"msg":"Server is currently
 *   overloaded …"}`; `code` (-1000, -1001 or -1008) picks another of the three.
 * - `http429`: HTTP 429 `{"code":-1003,…}` with Retry-After, request not processed.
 * - `timeout`: no answer for `hangMs` (default 15 s, longer than ccxt's default 10 s), then the
 *   socket is destroyed. With `afterProcessing: true` the request IS executed first (an order
 *   really fills, but the client never learns it).
 * - `malformed-json`: the request is processed, the 200 body is truncated JSON.
 * - `empty-positions`: position lists (account, positionRisk) are `[]`.
 * - `zero-balance`: the USDT balance and account totals report 0.
 * - `stale-mark`: mark/position update times are `staleMs` (default 1 h) in the past.
 * - `partial-fill`: the next MARKET order fills only `fillRatio` (default 0.5); the rest expires.
 * - `reduce-only-reject`: the next reduce-only order (or hedge-mode close) gets -2022.
 * - `echo-key`: HTTP 400 with a Binance-shaped JSON error body that quotes the request's
 *   `X-MBX-APIKEY` value bare, outside any labelled field (as some venue errors do), request not
 *   processed. Tests that no output of the guard ever shows the key.
 * - `bad-mark`: the next `count` responses that carry mark prices (premiumIndex, positionRisk)
 *   serve them × `factor` (default 2). Index prices and account totals stay right.
 */
export const FAULT_KINDS = [
  'http500',
  'http503',
  'http429',
  'timeout',
  'malformed-json',
  'empty-positions',
  'zero-balance',
  'stale-mark',
  'partial-fill',
  'reduce-only-reject',
  'echo-key',
  // venue realism (issue 8)
  'bad-mark',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  kind: FaultKind;
  /** `'*'` (default), a path (`/fapi/v3/positionRisk`) or `METHOD path` (`POST /fapi/v1/order`). */
  endpoint?: string;
  /** How many requests it affects. Default 1. */
  count?: number;
  /** Only requests signed with this account's key. */
  accountId?: string;
  hangMs?: number;
  afterProcessing?: boolean;
  fillRatio?: number;
  staleMs?: number;
  /** bad-mark: the multiplier. */
  factor?: number;
  /** http500/http503: which Binance code the JSON body carries. */
  code?: -1000 | -1001 | -1008;
}

export interface ActiveFault extends Required<Pick<FaultSpec, 'kind' | 'endpoint' | 'count'>> {
  id: string;
  remaining: number;
  accountId?: string;
  hangMs: number;
  afterProcessing: boolean;
  fillRatio: number;
  staleMs: number;
  factor: number;
  code?: -1000 | -1001 | -1008;
}

export interface FaultTarget {
  method: string;
  path: string;
  accountId?: string;
}

export class FaultInjector {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): ActiveFault {
    const count = spec.count ?? 1;
    const f: ActiveFault = {
      id: `fault-${randomBytes(4).toString('hex')}`,
      kind: spec.kind,
      endpoint: spec.endpoint ?? '*',
      count,
      remaining: count,
      hangMs: spec.hangMs ?? 15_000,
      afterProcessing: spec.afterProcessing ?? false,
      fillRatio: spec.fillRatio ?? 0.5,
      staleMs: spec.staleMs ?? 3_600_000,
      factor: spec.factor ?? 2,
      ...(spec.code !== undefined ? { code: spec.code } : {}),
      ...(spec.accountId !== undefined ? { accountId: spec.accountId } : {}),
    };
    this.faults.push(f);
    return f;
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults = [];
  }

  private matches(f: ActiveFault, t: FaultTarget): boolean {
    if (f.accountId !== undefined && f.accountId !== t.accountId) return false;
    if (f.endpoint === '*') return true;
    const sp = f.endpoint.indexOf(' ');
    if (sp > 0) return f.endpoint.slice(0, sp).toUpperCase() === t.method && f.endpoint.slice(sp + 1) === t.path;
    return f.endpoint === t.path;
  }

  /** Finds the first live fault of one of `kinds` for the request and uses up one of its count. */
  take(kinds: readonly FaultKind[], t: FaultTarget): ActiveFault | undefined {
    const i = this.faults.findIndex((f) => kinds.includes(f.kind) && this.matches(f, t));
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    f.remaining--;
    if (f.remaining <= 0) this.faults.splice(i, 1);
    return f;
  }
}
