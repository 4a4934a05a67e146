import { describe, expect, it } from 'vitest';
import { BILLS_LIMIT, billEvent, readAllBills } from '../../../functions/venues/okx/history.ts';
import { BillSchema, type Bill } from '../../../functions/venues/okx/schemas.ts';

const bill = (over: Partial<Record<string, string>>): Bill =>
  BillSchema.parse({ billId: '1', type: '2', subType: '5', ccy: 'USDT', balChg: '10', pnl: '12', fee: '-2', instId: 'BTC-USDT-SWAP', ts: '1760126400000', ...over });

describe('OKX bills → history events', () => {
  it.each([
    // [type, subType, instId, kind]
    ['1', '11', '', 'transfer'],
    ['1', '12', '', 'transfer'],
    ['2', '5', 'BTC-USDT-SWAP', 'realized-pnl'],
    ['2', '6', 'BTC-USDT-SWAP', 'realized-pnl'],
    ['2', '3', 'BTC-USDT-SWAP', 'fee'],
    ['2', '4', 'BTC-USDT-SWAP', 'fee'],
    ['5', '104', 'BTC-USDT-SWAP', 'liquidation'],
    ['5', '105', 'BTC-USDT-SWAP', 'liquidation'],
    ['9', '125', 'BTC-USDT-SWAP', 'adl'],
    ['8', '173', 'BTC-USDT-SWAP', 'funding'],
    ['8', '174', 'BTC-USDT-SWAP', 'funding'],
    ['6', '160', 'BTC-USDT-SWAP', 'income'],
    ['7', '9', '', 'income'],
    ['34', '', 'BTC-USDT-SWAP', 'income'],
    ['32', '', 'BTC-USDT-SWAP', 'unclassified'],
    ['999', '1', '', 'unclassified'],
  ])('type %s / subType %s (%s) → %s', (type, subType, instId, kind) => {
    const e = billEvent(bill({ type, subType, instId, billId: '42' }));
    expect(e.kind).toBe(kind);
    expect(e.id).toBe('bill:42');
  });

  it('uses balChg as the wallet effect, 0 for a margin transfer within the account and for another currency', () => {
    expect(billEvent(bill({ balChg: '-3.5' })).amount).toBe(-3.5);
    expect(billEvent(bill({ type: '6', balChg: '-100' })).amount).toBe(0);
    expect(billEvent(bill({ ccy: 'BTC', type: '1', balChg: '1' })).amount).toBe(0);
  });
});

describe('readAllBills', () => {
  it('pages with after = the oldest billId until a short page, every row once', async () => {
    const all = Array.from({ length: 250 }, (_, i) => bill({ billId: String(1000 + i), ts: String(1_760_000_000_000 + i) }));
    const asked: (string | undefined)[] = [];
    const rows = await readAllBills(
      async ({ after }) => {
        asked.push(after);
        const newestFirst = [...all].reverse().filter((b) => after === undefined || BigInt(b.billId) < BigInt(after));
        return newestFirst.slice(0, BILLS_LIMIT);
      },
      0,
      Number.MAX_SAFE_INTEGER,
    );
    expect(rows).toHaveLength(250);
    expect(asked).toEqual([undefined, '1150', '1050']);
  });

  it('refuses a venue whose pages do not move', async () => {
    const page = Array.from({ length: BILLS_LIMIT }, (_, i) => bill({ billId: String(2000 + i) }));
    await expect(readAllBills(async () => page, 0, 1)).rejects.toThrow(/did not move/);
  });
});
