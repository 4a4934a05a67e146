import hyperliquid from '../../../node_modules/ccxt/js/src/hyperliquid.js';
import { startPaperExchange, type PaperAccount, type PaperExchange, type PaperExchangeOptions } from '../../../paper/index.ts';
import { walletsOf } from '../../../paper/dialects/hyperliquid/index.ts';

/** A paper exchange speaking Hyperliquid, stepped by hand, with BTC at 50,000 and ETH at 3,000. */
export async function startHyperliquidPaper(opts: PaperExchangeOptions = {}): Promise<PaperExchange> {
  const ex = await startPaperExchange({ venue: 'hyperliquid', speed: 0, startTime: Date.UTC(2026, 0, 5), ...opts });
  ex.engine.setPrices({ BTC: 50_000, ETH: 3_000 });
  return ex;
}

/**
 * ccxt 4.5.84's own hyperliquid class pointed at the paper. `key`: the agent key (default), the
 * master key, or any other. Builder fee and referrer off unless `ccxtDefaults` (then ccxt sends
 * its approveBuilderFee / setReferrer, as it does out of the box).
 */
export function ccxtClient(ex: PaperExchange, acc: PaperAccount, opts: { key?: 'agent' | 'master' | string; ccxtDefaults?: boolean } = {}): hyperliquid {
  const w = walletsOf(acc);
  const privateKey = opts.key === undefined || opts.key === 'agent' ? w.agent.privateKey : opts.key === 'master' ? w.master.privateKey : opts.key;
  // ccxt's own throttle (weight × 50 ms) off: the paper's per-IP weight is tested on its own.
  const client = new hyperliquid({ walletAddress: w.master.address, privateKey, timeout: 5_000, enableRateLimit: false });
  client.urls['api'] = { public: ex.url, private: ex.url };
  if (!opts.ccxtDefaults) Object.assign(client.options, { builderFee: false, approvedBuilderFee: false, refSet: true });
  if (!opts.ccxtDefaults) (client as unknown as { handleBuilderFeeApproval: () => Promise<boolean> }).handleBuilderFeeApproval = async () => true;
  return client;
}

/** POSTs `body` to the paper's `path` (/info or /exchange); the status and the body, parsed when JSON. */
export async function post(ex: PaperExchange, path: '/info' | '/exchange', body: unknown): Promise<{ status: number; text: string; json: unknown }> {
  const res = await fetch(`${ex.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** An /info read for the master address of `acc`. */
export const info = (ex: PaperExchange, acc: PaperAccount, type: string, extra: Record<string, unknown> = {}) =>
  post(ex, '/info', { type, user: walletsOf(acc).master.address, ...extra });
