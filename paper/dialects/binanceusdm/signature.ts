import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PaperAccount } from '../../core/index.ts';
import { E } from './errors.ts';
import type { Params } from './params.ts';

/** Binance request signing: HMAC-SHA256 of the exact query string + body, timestamp within recvWindow. */

/** Removes the `signature=` pair from a raw query/body string, returning [rest, signature]. */
export function splitSignature(raw: string): [string, string | undefined] {
  if (raw === '') return ['', undefined];
  const parts = raw.split('&');
  let sig: string | undefined;
  const rest: string[] = [];
  for (const part of parts) {
    if (part.startsWith('signature=')) sig = decodeURIComponent(part.slice('signature='.length));
    else rest.push(part);
  }
  return [rest.join('&'), sig];
}

/** Checks a signed request as Binance does; throws -1102/-1100/-1131/-1021/-1022. */
export function verify(acc: PaperAccount, query: string, body: string, params: Params, now: number): void {
  const [q, qSig] = splitSignature(query);
  const [b, bSig] = splitSignature(body);
  const signature = qSig ?? bSig;
  const tsRaw = params.timestamp;
  if (tsRaw === undefined || tsRaw === '') throw E.missingParam('timestamp');
  const ts = Number(tsRaw);
  if (!Number.isInteger(ts)) throw E.illegalParam('timestamp');
  const recvWindow = params.recvWindow !== undefined ? Number(params.recvWindow) : 5000;
  if (!Number.isFinite(recvWindow) || recvWindow <= 0) throw E.illegalParam('recvWindow');
  if (recvWindow > 60_000) throw E.recvWindowTooBig();
  if (ts > now + 1000) throw E.timestampAhead();
  if (now - ts > recvWindow) throw E.timestampOutside();
  if (signature === undefined) throw E.missingParam('signature');
  // Binance: totalParams = query string concatenated with the request body.
  const expected = createHmac('sha256', acc.secret).update(q + b).digest('hex');
  const a = Buffer.from(expected);
  const s = Buffer.from(signature.toLowerCase());
  if (a.length !== s.length || !timingSafeEqual(a, s)) throw E.badSignature();
}
