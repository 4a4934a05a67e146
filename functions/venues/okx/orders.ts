import { ExchangeDataError } from '../../errors.ts';
import { bodyOfCcxtMessage, orderItemKind } from './errors.ts';
import { ItemsSchema } from './schemas.ts';

/**
 * A close OKX refused with an item code the guard reads itself (ccxt 4.5.84 gives 51169/51170 a
 * generic ExchangeError and 51112 InvalidOrder). An ExchangeDataError: the executor reports it,
 * re-reads the account and tries again next round; `kind` says what the venue meant.
 */
export class OkxOrderError extends ExchangeDataError {
  constructor(
    message: string,
    readonly sCode: string,
    readonly kind: ReturnType<typeof orderItemKind>,
  ) {
    super(message);
  }
}

/** The error of a refused close, worded by its code. */
export function closeOrderError(venue: string, symbol: string, sCode: string, sMsg: string): OkxOrderError {
  const kind = orderItemKind(sCode);
  const why: Record<typeof kind, string> = {
    'nothing-to-reduce': 'no position in this direction to reduce (closed meanwhile, or not yet visible)',
    'wrong-direction': 'the reduce-only order is on the same side as the position',
    'close-exceeds-available': 'resting reduce-only orders still hold the position after they were cancelled',
    other: 'order refused',
  };
  return new OkxOrderError(`${venue} order ${symbol}: ${sCode} ${why[kind]} (${sMsg})`, sCode, kind);
}

/**
 * The items (sCode/sMsg) of an order or cancel answer that ccxt raised as an error (an envelope
 * code "1": every item failed), or null when the error carries no such answer.
 */
export function itemsOf(err: unknown): { sCode: string; sMsg: string; ordId?: string | undefined; algoId?: string | undefined }[] | null {
  if (!(err instanceof Error)) return null;
  const body = bodyOfCcxtMessage(err.message);
  const r = ItemsSchema.safeParse(body);
  return r.success && r.data.data.length > 0 ? r.data.data : null;
}
