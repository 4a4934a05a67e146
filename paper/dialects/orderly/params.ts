import type { MarginType, Side } from '../../core/index.ts';
import { OE } from './errors.ts';

/** Orderly request parameters read the venue's way; a bad one is -1005 INVALID_PARAM. */

export const mode = (v: unknown, name = 'margin_mode'): MarginType | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  if (v === 'CROSS') return 'CROSSED';
  if (v === 'ISOLATED') return 'ISOLATED';
  throw OE.invalidParam(`${name} must be CROSS or ISOLATED`);
};

export const num = (v: unknown, name: string, required = false): number | undefined => {
  if (v === undefined || v === null || v === '') {
    if (required) throw OE.invalidParam(`${name} is required`);
    return undefined;
  }
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw OE.invalidParam(`${name} must be a number`);
  return n;
};

export const side = (v: unknown): Side => {
  if (v === 'BUY' || v === 'SELL') return v;
  throw OE.invalidParam('side must be BUY or SELL');
};
