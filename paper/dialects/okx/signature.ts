import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { PaperAccount } from '../../core/index.ts';
import { OE } from './errors.ts';

/**
 * OKX v5 REST authentication, verified as OKX does ("REST Authentication",
 * https://www.okx.com/docs-v5/en/#overview-rest-authentication-signature): headers OK-ACCESS-KEY,
 * OK-ACCESS-SIGN, OK-ACCESS-TIMESTAMP (ISO 8601 with ms, e.g. 2020-12-08T09:08:57.715Z) and
 * OK-ACCESS-PASSPHRASE; sign = Base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body)),
 * requestPath with its query string for a GET (e.g. /api/v5/account/balance?ccy=BTC). A request more
 * than 30 s from the server's time is refused (50102). Demo trading keys need the header
 * `x-simulated-trading: 1` and production keys must not send it (50101).
 */

/** The account's passphrase: the paper derives it from the secret (riskguard never stores it apart). */
export const passphraseOf = (acc: PaperAccount): string => `pp-${acc.secret.slice(0, 12)}`;

/** How far a request's timestamp may be from the server's clock (ms). */
export const TIMESTAMP_WINDOW_MS = 30_000;

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};

/**
 * Checks a private request; throws OkxApiError 50103–50113. `pathWithQuery` is the request path as
 * sent (the query included), `body` the raw body.
 */
export function verifyOkx(req: IncomingMessage, acc: PaperAccount | undefined, method: string, pathWithQuery: string, body: string, now: number, demo: boolean): PaperAccount {
  const key = header(req, 'ok-access-key');
  const sign = header(req, 'ok-access-sign');
  const ts = header(req, 'ok-access-timestamp');
  const passphrase = header(req, 'ok-access-passphrase');
  if (key === undefined || key === '') throw OE.keyEmpty();
  if (acc === undefined) throw OE.invalidKey();
  if (passphrase === undefined || passphrase === '') throw OE.passphraseEmpty();
  if (sign === undefined || sign === '') throw OE.signEmpty();
  if (ts === undefined || ts === '') throw OE.timestampEmpty();
  const t = Date.parse(ts);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(ts) || !Number.isFinite(t)) throw OE.invalidTimestamp();
  if (Math.abs(now - t) > TIMESTAMP_WINDOW_MS) throw OE.timestampExpired();
  const expected = createHmac('sha256', acc.secret).update(ts + method + pathWithQuery + body).digest('base64');
  const a = Buffer.from(expected);
  const s = Buffer.from(sign);
  if (a.length !== s.length || !timingSafeEqual(a, s)) throw OE.invalidSign();
  if (passphrase !== passphraseOf(acc)) throw OE.passphraseWrong();
  const simulated = header(req, 'x-simulated-trading') === '1';
  if (simulated !== demo) throw OE.wrongEnvironment();
  return acc;
}
