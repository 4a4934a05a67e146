import { describe, expect, it } from 'vitest';
import { ORDERLY_MODULE } from '../../../functions/venues/orderly/index.ts';
import { orderlyKeysOf } from '../../../paper/dialects/orderly/keys.ts';
import { usePaperExchange } from '../../helpers/paper-guard.ts';

/** `riskguard doctor` on an Orderly key: its scopes read from GET /v1/client/key_info. */
describe('Orderly doctor', () => {
  const world = usePaperExchange({ PERP_ETH_USDC: 3_000, PERP_BTC_USDC: 50_000 }, undefined, { venue: 'orderly' });
  const port = (spec: { canTrade?: boolean; enableWithdrawals?: boolean }) => {
    const acc = world.paper.engine.createAccount({ walletBalance: 1_000, ...spec });
    const k = orderlyKeysOf(acc);
    return ORDERLY_MODULE.createExchange({ id: 'o', baseUrl: world.paper.url }, { accountId: k.accountId, orderlyKey: k.orderlyKey, orderlySecret: k.orderlySecret });
  };

  it.each([
    ['read + trading', {}, { canRead: true, canTrade: true, canWithdraw: false }],
    ['read only', { canTrade: false }, { canRead: true, canTrade: false, canWithdraw: false }],
    ['with asset (withdrawals)', { enableWithdrawals: true }, { canRead: true, canTrade: true, canWithdraw: true }],
  ])('%s', async (_label, spec, expected) => {
    const d = await port(spec).diagnose();
    expect({ canRead: d.canRead, canTrade: d.canTrade, canWithdraw: d.canWithdraw }).toEqual(expected);
    expect(d.notes.some((n) => /`asset` SCOPE/.test(n))).toBe(expected.canWithdraw);
  });
});
