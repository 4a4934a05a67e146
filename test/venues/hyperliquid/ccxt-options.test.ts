import { describe, expect, it } from 'vitest';
import hyperliquid from '../../../node_modules/ccxt/js/src/hyperliquid.js';
import { HYPERLIQUID_CCXT_OPTIONS, neutralizeSideEffects } from '../../../functions/venues/hyperliquid/ccxt-options.ts';

/** A ccxt hyperliquid client whose requests are recorded, never sent. */
function recorded() {
  const c = new hyperliquid({ walletAddress: '0x' + 'a1'.repeat(20), privateKey: '0x' + '1f'.repeat(32) });
  const sent: string[] = [];
  const raw = c as unknown as Record<string, (req: Record<string, unknown>) => Promise<unknown>>;
  raw.privatePostExchange = async (req) => {
    sent.push(String((req.action as { type?: string }).type));
    return { status: 'ok', response: { type: 'default' } };
  };
  raw.publicPostInfo = async () => 'disabled';
  c.setMarkets([
    {
      id: 'BTC', symbol: 'BTC/USDC:USDC', base: 'BTC', quote: 'USDC', settle: 'USDC', baseId: '0', baseName: 'BTC', type: 'swap', swap: true, contract: true,
      linear: true, spot: false, active: true, precision: { amount: 0.00001, price: 1 }, limits: {}, info: { szDecimals: '5', name: 'BTC' },
    } as never,
  ]);
  const action = () =>
    c.createOrdersRequest([{ symbol: 'BTC/USDC:USDC', type: 'limit', side: 'sell', amount: 0.5, price: 60760, params: { reduceOnly: true, timeInForce: 'Ioc' } }]).action as Record<string, unknown>;
  return { c, sent, action };
}

describe('ccxt hyperliquid side effects (ccxt 4.5.84)', () => {
  it('left alone, signs an approveBuilderFee and a setReferrer before the first order, then attaches the builder', async () => {
    const { c, sent, action } = recorded();
    await c.initializeClient();
    expect(sent.sort()).toEqual(['approveBuilderFee', 'setReferrer']);
    expect(action().builder).toEqual({ b: '0x6530512a6c89c7cfcebc3ba7fcd9ada5f30827a6', f: 10 });
  });

  it('with the options alone (builderFee off) still approves at 0 % — why the methods are replaced too', async () => {
    const { c, sent } = recorded();
    Object.assign(c.options, HYPERLIQUID_CCXT_OPTIONS);
    await c.initializeClient();
    expect(sent).toEqual(['approveBuilderFee']);
  });

  it('neutralized: signs nothing of its own, and a reduce-only IOC close carries no builder', async () => {
    const { c, sent, action } = recorded();
    neutralizeSideEffects(c);
    await c.initializeClient();
    expect(sent).toEqual([]);
    expect(c.options.approvedBuilderFee).toBe(false);
    expect(action()).toEqual({ type: 'order', orders: [{ a: 0, b: false, p: '60760', s: '0.5', r: true, t: { limit: { tif: 'Ioc' } } }], grouping: 'na' });
  });
});
