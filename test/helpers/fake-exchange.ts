import type { AccountSnapshot } from '../../functions/domain/snapshot.ts';
import { ExchangeUnavailableError } from '../../functions/errors.ts';
import type { ExchangePort, KeyDiagnosis, OrderRequest, OrderResult, AccountHistory } from '../../functions/ports.ts';

/** An in-memory exchange for use-case tests (the real wire is covered against the paper exchange). */
export class FakeExchange implements ExchangePort {
  readonly id = 'fake';
  orders: OrderRequest[] = [];
  cancels: (string[] | 'all')[] = [];
  history: AccountHistory = { events: [], until: 0 };
  /** Throw ExchangeUnavailableError on the next N fetchSnapshot calls. */
  failNext = 0;
  /** Replace the next N snapshots with this one (a bad read). */
  glitch: { snapshot: AccountSnapshot; count: number } | null = null;
  fetches = 0;

  constructor(public snapshot: AccountSnapshot) {}

  async fetchSnapshot(): Promise<AccountSnapshot> {
    this.fetches++;
    if (this.failNext > 0) {
      this.failNext--;
      throw new ExchangeUnavailableError('fake: 503 Service Unavailable');
    }
    if (this.glitch && this.glitch.count > 0) {
      this.glitch.count--;
      return structuredClone(this.glitch.snapshot);
    }
    return structuredClone(this.snapshot);
  }

  async fetchHistory(): Promise<AccountHistory> {
    return structuredClone(this.history);
  }

  async cancelAllOrders(symbols: string[] | 'all'): Promise<number> {
    this.cancels.push(symbols);
    return 0;
  }

  async reduceOnlyMarket(o: OrderRequest): Promise<OrderResult> {
    this.orders.push(o);
    const p = this.snapshot.positions.find((x) => x.symbol === o.symbol && x.side === o.positionSide);
    if (!p) throw new Error('fake: -2022 ReduceOnly Order is rejected');
    const fill = Math.min(o.amount, p.contracts);
    const pnl = (p.side === 'long' ? 1 : -1) * fill * (p.markPrice - p.entryPrice);
    if (p.marginMode === 'cross') this.snapshot.crossWalletBalance += pnl;
    else this.snapshot.crossWalletBalance += (p.isolatedWallet ?? 0) * (fill / p.contracts) + pnl;
    p.contracts -= fill;
    if (p.marginMode === 'isolated') p.isolatedWallet = (p.isolatedWallet ?? 0) * (p.contracts / (p.contracts + fill));
    if (p.contracts <= 1e-12) this.snapshot.positions = this.snapshot.positions.filter((x) => x !== p);
    return { id: String(this.orders.length), symbol: o.symbol, side: o.side, amount: o.amount, filled: fill, averagePrice: p.markPrice, status: 'closed' };
  }

  async maxMarketQuantity(): Promise<number | null> {
    return null;
  }

  async diagnose(): Promise<KeyDiagnosis> {
    return { canRead: true, canTrade: true, canWithdraw: false, clockSkewMs: 0, notes: [] };
  }
}
