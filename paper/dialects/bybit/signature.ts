import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { PaperAccount } from '../../core/index.ts';
import { BE } from './errors.ts';

/**
 * Bybit v5 request signing (https://bybit-exchange.github.io/docs/v5/guide "Authentication"):
 * headers X-BAPI-API-KEY, X-BAPI-TIMESTAMP (ms), X-BAPI-SIGN, optional X-BAPI-RECV-WINDOW
 * (default 5,000 ms); the signature is HMAC-SHA256, hex, of
 * `timestamp + apiKey + recvWindow + payload`, the payload being the query string exactly as sent
 * (not re-sorted, not re-encoded) for GET and the raw JSON body for POST. The timestamp must
 * satisfy `server_time - recv_window <= timestamp < server_time + 1000`.
 */

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return typeof v === 'string' ? v : undefined;
};

/** The API key a request names (X-BAPI-API-KEY), if any. */
export const apiKeyOf = (h: IncomingHttpHeaders): string | undefined => header(h, 'x-bapi-api-key');

/** The exact string Bybit signs for a request. */
export function preHash(timestamp: string, apiKey: string, recvWindow: string, method: string, rawQuery: string, rawBody: string): string {
  return timestamp + apiKey + recvWindow + (method === 'GET' ? rawQuery : rawBody);
}

/** Checks a signed request as Bybit does; throws 10003 / 10002 / 10004. */
export function verify(acc: PaperAccount | undefined, h: IncomingHttpHeaders, method: string, rawQuery: string, rawBody: string, now: number): PaperAccount {
  const apiKey = apiKeyOf(h);
  if (apiKey === undefined || apiKey === '' || acc === undefined) throw BE.invalidKey();
  const tsRaw = header(h, 'x-bapi-timestamp');
  const sign = header(h, 'x-bapi-sign');
  const recvRaw = header(h, 'x-bapi-recv-window');
  if (tsRaw === undefined || !/^\d+$/.test(tsRaw)) throw BE.params('X-BAPI-TIMESTAMP is required');
  const recvWindow = recvRaw === undefined ? 5000 : Number(recvRaw);
  if (!Number.isInteger(recvWindow) || recvWindow <= 0) throw BE.params('X-BAPI-RECV-WINDOW invalid');
  const ts = Number(tsRaw);
  if (!(now - recvWindow <= ts && ts < now + 1000)) throw BE.timestamp(ts, now, recvWindow);
  if (sign === undefined || sign === '') throw BE.badSign();
  // The header's recv window string as sent (absent: nothing is concatenated for it).
  const expected = createHmac('sha256', acc.secret)
    .update(preHash(tsRaw, apiKey, recvRaw ?? '', method, rawQuery, rawBody))
    .digest('hex');
  const a = Buffer.from(expected);
  const s = Buffer.from(sign.toLowerCase());
  if (a.length !== s.length || !timingSafeEqual(a, s)) throw BE.badSign();
  return acc;
}
