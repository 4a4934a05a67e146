import hyperliquid from '../../../node_modules/ccxt/js/src/hyperliquid.js';
import { startPaperExchange, type PaperAccount, type PaperExchange } from '../../../paper/index.ts';
import { walletsOf } from '../../../paper/dialects/hyperliquid/index.ts';

/** A paper exchange speaking Hyperliquid, stepped by hand, with BTC at 50,000 and ETH at 3,000. */
export async function startHyperliquidPaper(opts: { weightLimit?: number } = {}): Promise<PaperExchange> {
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
  const client = new hyperliquid({ walletAddress: w.master.address, privateKey, timeout: 5_000 });
  client.urls['api'] = { public: ex.url, private: ex.url };
  if (!opts.ccxtDefaults) Object.assign(client.options, { builderFee: false, approvedBuilderFee: false, refSet: true });
  if (!opts.ccxtDefaults) (client as unknown as { handleBuilderFeeApproval: () => Promise<boolean> }).handleBuilderFeeApproval = async () => true;
  return client;
}
