import { paperBinanceusdm, type binanceusdm } from '../../functions/venues/binanceusdm/transport.ts';
import { startPaperExchange, type AccountSpec, type PaperExchange, type PaperExchangeOptions } from '../../paper/index.ts';

export const BTC = 'BTC/USDT:USDT';
export const ETH = 'ETH/USDT:USDT';

/** Starts a paper exchange stepped by hand (speed 0) with BTC and ETH priced. */
export async function startStepped(opts: PaperExchangeOptions = {}): Promise<PaperExchange> {
  const ex = await startPaperExchange({ speed: 0, ...opts });
  ex.engine.setPrices({ BTCUSDT: 100_000, ETHUSDT: 4_000 });
  return ex;
}

/** Creates an account and a ccxt client signed with its keys. */
export function clientFor(ex: PaperExchange, spec: AccountSpec, opts: { timeout?: number } = {}): { client: binanceusdm; accountId: string } {
  const acc = ex.engine.createAccount(spec);
  const client = paperBinanceusdm({ url: ex.url, apiKey: acc.apiKey, secret: acc.secret, ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}) });
  return { client, accountId: acc.id };
}

/** Control-API call (JSON in/out). */
export async function control(ex: PaperExchange, method: string, path: string, body?: unknown, token = ex.adminToken): Promise<{ status: number; json: any }> {
  const res = await fetch(`${ex.url}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token !== '' ? { 'X-Paper-Admin': token } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}
