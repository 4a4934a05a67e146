import { BE } from './errors.ts';

/** Bybit request parameters: the query string of a GET, the JSON body of a POST. */
export type Params = Record<string, unknown>;

/** Parameters of a request: GET query (strings) or POST JSON body (any JSON values). */
export function paramsOf(method: string, rawQuery: string, rawBody: string): Params {
  if (method === 'GET') return Object.fromEntries(new URLSearchParams(rawQuery));
  if (rawBody.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    throw BE.params('request body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw BE.params('request body must be a JSON object');
  return body as Params;
}

export function optStr(p: Params, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw BE.params(`${name} invalid`);
}

export function reqStr(p: Params, name: string): string {
  const v = optStr(p, name);
  if (v === undefined) throw BE.params(`${name} is required`);
  return v;
}

/** A decimal parameter: Bybit takes quantities and prices as strings ("0.001"); numbers are accepted. */
export function optNum(p: Params, name: string): number | undefined {
  const v = optStr(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw BE.params(`${name} invalid`);
  return n;
}

export function optInt(p: Params, name: string): number | undefined {
  const n = optNum(p, name);
  if (n !== undefined && !Number.isInteger(n)) throw BE.params(`${name} invalid`);
  return n;
}

export function optBool(p: Params, name: string): boolean | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw BE.params(`${name} invalid`);
}

/** `category` must be `linear`: the paper lists USDT perpetuals only. */
export function linear(p: Params): void {
  const c = optStr(p, 'category');
  if (c === undefined) throw BE.params('category is required');
  if (c !== 'linear') throw BE.params(`category ${c} is not supported by the paper exchange (linear only)`);
}

/**
 * Page of `rows` at an opaque cursor, Bybit-style: the cursor looks like Bybit's (`"20%3A20"`,
 * already percent-encoded, so a client that sends it raw in a query still sends it right) and
 * `nextPageCursor` is "" on the last page.
 */
export function page<T>(rows: readonly T[], p: Params, defLimit: number, maxLimit: number): { list: T[]; nextPageCursor: string } {
  const limit = optInt(p, 'limit') ?? defLimit;
  if (limit < 1 || limit > maxLimit) throw BE.params(`limit must be in [1, ${maxLimit}]`);
  const cursor = optStr(p, 'cursor');
  let offset = 0;
  if (cursor !== undefined) {
    let c = cursor;
    for (let i = 0; i < 2 && c.includes('%'); i++) c = decodeURIComponent(c);
    const m = /^(\d+):\d+$/.exec(c);
    if (m === null) throw BE.params('cursor invalid');
    offset = Number(m[1]);
  }
  const list = rows.slice(offset, offset + limit);
  const next = offset + limit < rows.length ? `${offset + limit}%3A${offset + limit}` : '';
  return { list, nextPageCursor: next };
}
