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
