import { orderlyClient, type OrderlyClientOptions } from '../../functions/venues/orderly/transport.ts';
import { orderlyKeysOf } from '../../paper/dialects/orderly/keys.ts';
import type { PaperAccount } from '../../paper/core/index.ts';

/** ccxt woofipro signed with a paper account's Orderly key, sent to the paper exchange at `baseUrl`. */
export function paperOrderlyClient(acc: PaperAccount, baseUrl: string, over: Partial<OrderlyClientOptions> = {}) {
  const k = orderlyKeysOf(acc);
  return orderlyClient({ accountId: k.accountId, orderlyKey: k.orderlyKey, orderlySecret: k.orderlySecret, baseUrl, ...over });
}
