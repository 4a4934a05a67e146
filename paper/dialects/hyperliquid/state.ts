import type { PaperAccount, PaperEngine } from '../../core/index.ts';
import { AGENT_NAME, walletsOf } from './keys.ts';

/**
 * What the Hyperliquid dialect keeps beside the neutral engine, per engine: the agents each account
 * has approved, scheduled cancels (the dead man's switch) and the side-effect actions it received
 * (approveBuilderFee, setReferrer, builder-attached orders) so that a test can assert none arrived.
 * Held per engine in a WeakMap: tests reach it with {@link hyperliquidState}(exchange.engine).
 */

/** An approved agent (API wallet), as `extraAgents` lists it. `validUntil`: wall-clock ms. */
export interface Agent {
  name: string;
  address: string;
  validUntil: number;
}

/** A side-effect action the paper received, with the account it was signed for (if any). */
export interface ReceivedAction {
  type: string;
  accountId: string | null;
  signer: string | null;
  /** Wall-clock ms. */
  at: number;
  /** The builder of an `order` action that carried one. */
  builder?: unknown;
}

/** Nonces stored per signer (the docs: the 100 highest). */
export const NONCES_KEPT = 100;

/** How long a paper agent stays valid unless a test says otherwise: 180 days (Hyperliquid's longest). */
export const AGENT_VALIDITY_MS = 180 * 86_400_000;

export class HyperliquidState {
  /** Per account id; absent = the default: the named riskguard agent, valid 180 days from first use. */
  private readonly agents = new Map<string, Agent[]>();
  /** Per account id: the wall-clock ms at which all its open orders are cancelled. */
  readonly scheduledCancels = new Map<string, number>();
  readonly received: ReceivedAction[] = [];
  /**
   * Per account id: coins whose position an order closed. The venue can keep listing a closed
   * position at size 0 (issue 11: "filter on size ≠ 0"); the paper lists these until reopened.
   */
  readonly closedCoins = new Map<string, Set<string>>();

  readonly usage = new Map<string, AddressUsage>();
  /** Per account id: a `userAbstraction` answer set by hand (e.g. "dexAbstraction", "disabled"), over the account's mode. */
  readonly abstractions = new Map<string, string>();

  /** Makes `userAbstraction` answer `value` for `acc` (the balances still follow acc.unifiedAccount). */
  setAbstraction(acc: PaperAccount, value: 'default' | 'disabled' | 'unifiedAccount' | 'portfolioMargin' | 'dexAbstraction'): void {
    this.abstractions.set(acc.id, value);
  }
  /** Per account id: ledger rows written by hand (any delta type), and the engine transfers they stand for. */
  readonly ledgerRows = new Map<string, { time: number; hash: string; delta: Record<string, unknown> }[]>();
  readonly replacedTransfers = new Set<number>();

  /**
   * Writes a `userNonFundingLedgerUpdates` row of any delta type for `acc` at the market clock —
   * e.g. `{ type: 'internalTransfer', usdc: '250.0', user, destination, fee: '1.0' }` or a type the
   * guard does not know — and moves `usdc` into (+) or out of (−) the wallet through the engine
   * (0: no balance change). The engine's own transfer row is replaced by this one.
   */
  writeLedger(engine: PaperEngine, acc: PaperAccount, delta: Record<string, unknown> & { type: string }, usdc = 0): void {
    if (usdc > 0) engine.deposit(acc.id, usdc);
    else if (usdc < 0) engine.withdraw(acc.id, -usdc);
    const last = usdc !== 0 ? acc.income[acc.income.length - 1] : undefined;
    if (last !== undefined) this.replacedTransfers.add(last.tranId);
    const rows = this.ledgerRows.get(acc.id) ?? [];
    rows.push({ time: engine.now(), hash: `0x${(rows.length + 1).toString(16).padStart(64, 'e')}`, delta });
    this.ledgerRows.set(acc.id, rows);
  }

  /** Sets the actions `acc` has used (e.g. a busy trading agent past its budget: 20,000 with no volume). */
  setActionsUsed(acc: PaperAccount, used: number): void {
    this.usage.set(acc.id, { used, lastThrottled: Number.NEGATIVE_INFINITY });
  }

  /**
   * Counts an action of `count` items for `acc` at market time `now`; the venue's refusal text when
   * the address is over its limit and its one action per 10 s is spent, else null.
   */
  chargeAction(acc: PaperAccount, kind: 'order' | 'cancel' | 'other', count: number, now: number): string | null {
    const u = this.usage.get(acc.id) ?? { used: 0, lastThrottled: Number.NEGATIVE_INFINITY };
    this.usage.set(acc.id, u);
    const volume = acc.trades.reduce((s, t) => s + t.quoteQty, 0);
    const base = ADDRESS_LIMITS.initial + Math.floor(volume);
    const limit = kind === 'cancel' ? Math.min(base + ADDRESS_LIMITS.cancelExtra, 2 * base) : base;
    const n = Math.max(1, count);
    if (u.used + n > limit) {
      if (now - u.lastThrottled < ADDRESS_LIMITS.throttledEveryMs) {
        return `Too many cumulative requests sent (${u.used + n} > ${limit}) for cumulative volume traded $${volume.toFixed(2)}. Place taker orders to free up 1 request per USDC traded.`;
      }
      u.lastThrottled = now;
    }
    u.used += n;
    return null;
  }

  /** Per signer address: the highest nonces it used (at most NONCES_KEPT), ascending. */
  readonly nonces = new Map<string, number[]>();

  /**
   * Checks and records a signer's nonce ("Nonces and API wallets",
   * https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/nonces-and-api-wallets: the
   * highest nonces are stored per signer; a new one must exceed the smallest stored and never have
   * been used). The refusal as the venue words it, or null (then the nonce is recorded).
   */
  useNonce(signer: string, nonce: number): string | null {
    const used = this.nonces.get(signer) ?? [];
    if (used.includes(nonce)) return `Invalid nonce: duplicate nonce ${nonce}`;
    if (used.length >= NONCES_KEPT && nonce < used[0]!) return `Invalid nonce: nonce too low ${nonce} < ${used[0]}`;
    used.push(nonce);
    used.sort((a, b) => a - b);
    if (used.length > NONCES_KEPT) used.shift();
    this.nonces.set(signer, used);
    return null;
  }

  /** Notes that an order left `acc` without a `coin` position. */
  noteClosed(acc: PaperAccount, coin: string): void {
    const set = this.closedCoins.get(acc.id) ?? new Set<string>();
    set.add(coin);
    this.closedCoins.set(acc.id, set);
  }

  /** The agents of `acc` (the named riskguard agent unless replaced), as of wall time `now`. */
  agentsOf(acc: PaperAccount, now: number): Agent[] {
    let list = this.agents.get(acc.id);
    if (list === undefined) {
      list = [{ name: AGENT_NAME, address: walletsOf(acc).agent.address, validUntil: now + AGENT_VALIDITY_MS }];
      this.agents.set(acc.id, list);
    }
    return list;
  }

  /** Replaces the agents of `acc` (e.g. [] = riskguard's key was removed; an expired validUntil). */
  setAgents(acc: PaperAccount, agents: Agent[]): void {
    this.agents.set(acc.id, agents.map((a) => ({ ...a, address: a.address.toLowerCase() })));
  }

  /** The account `address` is the master of, or the account it is a valid agent of, as of `now`. */
  signerAccount(engine: PaperEngine, address: string, now: number): { acc: PaperAccount; role: 'master' | 'agent' } | undefined {
    const a = address.toLowerCase();
    for (const acc of engine.listAccounts()) {
      if (walletsOf(acc).master.address === a) return { acc, role: 'master' };
      if (this.agentsOf(acc, now).some((x) => x.address === a && x.validUntil > now)) return { acc, role: 'agent' };
    }
    return undefined;
  }

  /** The account whose master address is `address` (reads: an agent's address reads as an empty account). */
  accountOfUser(engine: PaperEngine, address: unknown): PaperAccount | undefined {
    if (typeof address !== 'string') return undefined;
    const a = address.toLowerCase();
    return engine.listAccounts().find((acc) => walletsOf(acc).master.address === a);
  }
}

/**
 * Address-based action limits ("Rate limits and user limits", https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits):
 * an address may send 1 action per 1 USDC traded since inception after an initial buffer of
 * 10,000 (a batch of n orders or cancels counts n); cancels get min(limit + 100,000, 2 × limit);
 * past its limit an address gets one action every 10 s. The refusal, as the venue words it:
 * `{"status":"err","response":"Too many cumulative requests sent (97460 > 97456) for cumulative
 * volume traded $87457.46. Place taker orders to free up 1 request per USDC traded."}`.
 */
export const ADDRESS_LIMITS = { initial: 10_000, cancelExtra: 100_000, throttledEveryMs: 10_000 } as const;

export interface AddressUsage {
  /** Actions counted so far (a batch counts its length). */
  used: number;
  /** Market time of the last action let through while over the limit. */
  lastThrottled: number;
}

const STATES = new WeakMap<PaperEngine, HyperliquidState>();

/** The dialect state of `engine` (created on first use). */
export function hyperliquidState(engine: PaperEngine): HyperliquidState {
  let s = STATES.get(engine);
  if (s === undefined) {
    s = new HyperliquidState();
    STATES.set(engine, s);
  }
  return s;
}
