import type { PositionSide, Side } from '../../core/index.ts';
import { E, PaperApiError } from './errors.ts';

/** Binance request parameters: query string and form body, checked as Binance checks them. */

export type Params = Record<string, string>;


export function req(p: Params, name: string): string {
  const v = p[name];
  if (v === undefined || v === '') throw E.missingParam(name);
  return v;
}

export function optNum(p: Params, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw E.illegalParam(name);
  return n;
}

export function optInt(p: Params, name: string): number | undefined {
  const n = optNum(p, name);
  if (n !== undefined && !Number.isInteger(n)) throw E.illegalParam(name);
  return n;
}

export function optBool(p: Params, name: string): boolean | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  if (v === 'true' || v === 'TRUE') return true;
  if (v === 'false' || v === 'FALSE') return false;
  throw E.illegalParam(name);
}

export function optEnum<T extends string>(p: Params, name: string, values: readonly T[]): T | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  if (!(values as readonly string[]).includes(v)) throw new PaperApiError(-1100, `Illegal characters found in parameter '${name}'.`);
  return v as T;
}

export const SIDES: Side[] = ['BUY', 'SELL'];
export const POSITION_SIDES: PositionSide[] = ['BOTH', 'LONG', 'SHORT'];
export const TIFS = ['GTC', 'IOC', 'FOK', 'GTX'] as const;

export function side(p: Params): Side {
  const v = req(p, 'side');
  if (!SIDES.includes(v as Side)) throw E.invalidSide();
  return v as Side;
}

/** Query string and (form-encoded) body parameters. */
export function paramsOf(query: string, body: string, contentType: string | undefined): Params {
  const out: Params = {};
  for (const [k, v] of new URLSearchParams(query)) out[k] = v;
  if (body !== '' && (contentType === undefined || contentType.includes('x-www-form-urlencoded'))) {
    for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  }
  return out;
}
