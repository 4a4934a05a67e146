/*
 * Hyperliquid perpetuals through ccxt's `hyperliquid` class: raw /info reads validated with zod
 * (schemas.ts), raw signed /exchange actions (ccxt's signL1Action), every ccxt side effect off
 * (ccxt-options.ts). What ccxt gets wrong for a guard (abstraction read once and defaulted, HIP-3
 * dexes unread, size-0 positions, no maintenance margin, one close per request, no cancel by id in
 * one batch) is done here. Tested at the wire against the paper dialect (paper/dialects/hyperliquid).
 */
import hyperliquid from '../../../node_modules/ccxt/js/src/hyperliquid.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import * as z from 'zod';
import { DEFAULT_STRESS, evaluateAccount } from '../../domain/margin.ts';
import type { AccountSnapshot } from '../../domain/snapshot.ts';
import { ExchangeAuthError, ExchangeDataError, RiskGuardError } from '../../errors.ts';
import type { AccountHistory, ExchangePort, KeyDiagnosis, Logger, OrderRequest, OrderResult } from '../../ports.ts';
import { formatIssues } from '../../validation.ts';
import { classifyCcxtError, type CallContext } from '../ccxt-errors.ts';
import type { RedirectFetch } from '../transport.ts';
import type { VenueShared } from '../venue.ts';
import { neutralizeSideEffects } from './ccxt-options.ts';
import { planCloses, slippageForRound, type CloseRequest, type FreshPosition } from './close.ts';
import { HYPERLIQUID_ERRORS, bodyOfCcxtMessage, orderErrorKind } from './errors.ts';
import { FILLS_PAGE_LIMIT, FUNDING_PAGE_LIMIT, LEDGER_PAGE_LIMIT, historyFromHyperliquid, ledgerId, readAllPages } from './history.ts';
import { addressOfPrivateKey, ExtraAgentsSchema, KEY_CHECK_EVERY_MS, keyProblem, keyStanding, roleProblem, UserRoleSchema, type KeyStanding } from './keys.ts';
import { accountModel, liquidationDivergences, snapshotFromHyperliquid, type AccountModel, type DexRead } from './margin.ts';
import {
  ClearinghouseStateSchema,
  ExchangeResponseSchema,
  FillsSchema,
  FrontendOpenOrdersSchema,
  FundingUpdatesSchema,
  LedgerUpdatesSchema,
  MetaAndAssetCtxsSchema,
  PerpDexsSchema,
  SpotClearinghouseStateSchema,
  UserAbstractionAnswerSchema,
} from './schemas.ts';

export interface HyperliquidOptions {
  walletAddress: string;
  privateKey: string;
  /** The vault or sub-account traded for; its history and state are the guarded ones. */
  vaultAddress?: string | undefined;
  fetchImplementation?: RedirectFetch;
  timeoutMs?: number;
  log?: Logger;
  shared?: VenueShared;
  /** ms since the epoch; injected by tests that move the key's expiry. */
  now?: () => number;
}

type Ccxt = InstanceType<typeof hyperliquid>;
type Raw = { publicPostInfo(p: Record<string, unknown>): Promise<unknown>; privatePostExchange(p: Record<string, unknown>): Promise<unknown> };

/** How long the account's abstraction and its list of perp dexes are trusted before they are read again (ms). */
const SETTINGS_TTL = 10 * 60_000;

const inFlight = new AsyncLocalStorage<CallContext>();

/** Where an asset trades: its order asset id (main dex: universe index; HIP-3: 100000 + 10000 × dex + index), its size decimals. */
interface AssetRef {
  asset: number;
  szDecimals: number;
}

/** The asset id of `index` on perp dex number `dexIndex` (0 = main). Source: ccxt 4.5.84 hyperliquid.js fetchMarkets ("100000 + perpDexIndex * 10000 + index"). */
const assetId = (dexIndex: number, index: number): number => (dexIndex === 0 ? index : 100_000 + dexIndex * 10_000 + index);

/** Hyperliquid perpetuals (every dex the account holds positions on) through ccxt's `hyperliquid` class, raw /info and /exchange calls. */
export class HyperliquidExchange implements ExchangePort {
  readonly id = 'hyperliquid';
  private readonly ccxt: Ccxt;
  private readonly raw: Raw;
  private readonly log: Logger | undefined;
  /** The address whose account is guarded (vault/sub-account, else the master). */
  private readonly user: string;
  /** The master address the key signs for. */
  private readonly wallet: string;
  private readonly keyAddress: string | null;
  private readonly vault: string | undefined;
  private readonly baseUrl: string | undefined;
  private readonly now: () => number;
  private settings: { raw: unknown; dexes: string[]; at: number } | null = null;
  private key: { standing: KeyStanding | null; at: number } | null = null;
  private assets = new Map<string, AssetRef>();
  private lastTime = 0;

  constructor(o: HyperliquidOptions) {
    this.ccxt = neutralizeSideEffects(
      new hyperliquid({
        walletAddress: o.walletAddress,
        privateKey: o.privateKey,
        timeout: o.timeoutMs ?? 10_000,
        enableRateLimit: false,
        ...(o.fetchImplementation ? { fetchImplementation: o.fetchImplementation } : {}),
      }),
    );
    this.raw = this.ccxt as unknown as Raw;
    this.log = o.log;
    this.vault = o.vaultAddress;
    this.wallet = o.walletAddress.toLowerCase();
    this.user = (o.vaultAddress ?? o.walletAddress).toLowerCase();
    this.keyAddress = addressOfPrivateKey(o.privateKey);
    this.baseUrl = o.fetchImplementation?.baseUrl;
    this.now = o.now ?? Date.now;
    // Markets are per account for now (metaAndAssetCtxs carries the marks, read every tick anyway).
    void o.shared;
  }

  private ctx(): CallContext {
    return this.baseUrl ? { baseUrl: this.baseUrl } : {};
  }

  private async info<S extends z.ZodType>(what: string, body: Record<string, unknown>, schema: S): Promise<z.output<S>> {
    const ctx = this.ctx();
    let answer: unknown;
    try {
      answer = await inFlight.run(ctx, () => this.raw.publicPostInfo(body));
    } catch (err) {
      throw classifyCcxtError(err, HYPERLIQUID_ERRORS, what, ctx);
    }
    const r = schema.safeParse(answer);
    if (!r.success) throw new ExchangeDataError(`${this.id} ${what}: unexpected answer:\n${formatIssues(r.error)}`);
    return r.data;
  }

  /**
   * The abstraction (never defaulted: a failed read fails the tick, portfolioMargin and
   * dexAbstraction are refused by accountModel) and the perp dexes, re-read every 10 minutes; and,
   * at start and at most hourly, what the venue knows the wallet address as (an API wallet's own
   * address is an empty account: refused, never read as flat).
   */
  private async accountSettings(now: number): Promise<{ raw: unknown; model: AccountModel; dexes: string[] }> {
    if (!this.settings || now - this.settings.at > SETTINGS_TTL) {
      const [raw, dexes] = await Promise.all([
        this.info('userAbstraction', { type: 'userAbstraction', user: this.user }, UserAbstractionAnswerSchema),
        this.info('perpDexs', { type: 'perpDexs' }, PerpDexsSchema),
      ]);
      accountModel(raw);
      this.settings = { raw, dexes: dexes.map((d) => d?.name ?? ''), at: now };
    }
    await this.checkKey(now);
    return { raw: this.settings.raw, model: accountModel(this.settings.raw), dexes: this.settings.dexes };
  }

  /**
   * At most hourly: the wallet's role (an API wallet's own address is refused: it reads as an empty
   * account), whether the key may sign for the wallet at all (the master's own key, or an API wallet
   * of it: `userRole` of the key's address), and its standing among the named API wallets. A key the
   * venue would refuse is a credentials error now, not at the first close.
   */
  private async checkKey(now: number): Promise<void> {
    if (this.key && now - this.key.at < KEY_CHECK_EVERY_MS) return;
    const role = await this.info('userRole', { type: 'userRole', user: this.wallet }, UserRoleSchema);
    const problem = roleProblem(this.wallet, role);
    if (problem) throw new ExchangeAuthError(`${this.id}: ${problem}`);
    if (!this.keyAddress) throw new ExchangeAuthError(`${this.id}: the private key is not a valid secp256k1 key`);
    if (this.keyAddress !== this.wallet) {
      const signer = await this.info('userRole', { type: 'userRole', user: this.keyAddress }, UserRoleSchema);
      if (signer.role !== 'agent' || signer.data.user !== this.wallet) {
        throw new ExchangeAuthError(
          `${this.id}: the private key (address ${this.keyAddress}) is neither the key of ${this.wallet} nor one of its API wallets (userRole: ${signer.role}); the venue would answer "User or API Wallet ${this.keyAddress} does not exist." to every close. Approve it as a named API wallet of ${this.wallet}`,
        );
      }
    }
    let standing: KeyStanding | null;
    try {
      const agents = await this.info('extraAgents', { type: 'extraAgents', user: this.wallet }, ExtraAgentsSchema);
      standing = keyStanding(this.keyAddress, this.wallet, agents);
    } catch (err) {
      // The agent list is advice, not the account: a failed read keeps the last standing and tries next hour.
      this.log?.warn('could not read the named API wallets', { exchange: this.id, error: (err as Error).message });
      standing = this.key?.standing ?? null;
    }
    this.key = { standing, at: now };
  }

  /** The key is the master's own (it can withdraw); null before the first check. */
  keyCanWithdraw(): boolean | null {
    const s = this.key?.standing;
    return s ? s.kind === 'master' : null;
  }

  /** What is wrong with the key's standing (not a named agent, expiring, expired), as last checked; null when fine or unknown. */
  keyWarning(): string | null {
    const s = this.key?.standing;
    if (!s || s.kind === 'master') return null;
    return keyProblem(s, this.now());
  }

  async fetchSnapshot(): Promise<AccountSnapshot> {
    const { raw, model, dexes } = await this.accountSettings(this.now());
    const [states, spot] = await Promise.all([
      Promise.all(dexes.map((dex) => this.info(`clearinghouseState ${dex || 'main'}`, { type: 'clearinghouseState', user: this.user, ...(dex ? { dex } : {}) }, ClearinghouseStateSchema))),
      model === 'unified' ? this.info('spotClearinghouseState', { type: 'spotClearinghouseState', user: this.user }, SpotClearinghouseStateSchema) : Promise.resolve(undefined),
    ]);
    // The main dex's meta always (marks, lot sizes for closes); another dex's only where positions are.
    const reads: DexRead[] = await Promise.all(
      dexes
        .map((dex, i) => ({ dex, i, state: states[i]! }))
        .filter((d) => d.dex === '' || d.state.assetPositions.some((a) => a.position.szi !== 0))
        .map(async (d) => {
          const meta = await this.info(`metaAndAssetCtxs ${d.dex || 'main'}`, { type: 'metaAndAssetCtxs', ...(d.dex ? { dex: d.dex } : {}) }, MetaAndAssetCtxsSchema);
          meta[0].universe.forEach((u, j) => this.assets.set(u.name, { asset: assetId(d.i, j), szDecimals: u.szDecimals }));
          return { dex: d.dex, state: d.state, meta };
        }),
    );
    const seen = this.lastTime;
    for (const st of states) this.lastTime = Math.max(this.lastTime, st.time);
    const read = snapshotFromHyperliquid({ abstraction: raw, dexes: reads, spot });
    const { venueLiquidations } = read;
    // Hyperliquid dates no mark: a position's mark is as old as the state it came with. The venue's
    // clock never runs back, so a state older than one already seen (a lagging server) is judged
    // against the newest time seen; the gate refuses marks older than its limit.
    const snapshot = read.snapshot.timestamp !== undefined && seen > read.snapshot.timestamp ? { ...read.snapshot, timestamp: seen } : read.snapshot;
    const divergences = liquidationDivergences(evaluateAccount(snapshot, DEFAULT_STRESS), venueLiquidations);
    for (const d of divergences) this.log?.warn('liquidation price differs from the venue', { exchange: this.id, symbol: d.symbol, reason: d.reason });
    return snapshot;
  }

  async fetchHistory(since: number): Promise<AccountHistory> {
    const { model } = await this.accountSettings(this.now());
    // Up to the venue's clock as last seen (clearinghouseState.time), never this host's: rows the venue
    // writes after it come with the next read, which starts here.
    if (this.lastTime === 0) {
      const st = await this.info('clearinghouseState main', { type: 'clearinghouseState', user: this.user }, ClearinghouseStateSchema);
      this.lastTime = st.time;
    }
    const end = this.lastTime;
    const page = <S extends z.ZodType>(type: string, schema: S) => (startTime: number, endTime: number) =>
      this.info(type, { type, user: this.user, startTime, endTime }, schema) as Promise<z.output<S>>;
    const [ledger, funding, fills] = await Promise.all([
      readAllPages('userNonFundingLedgerUpdates', page('userNonFundingLedgerUpdates', LedgerUpdatesSchema), (r, rank) => ledgerId(r, '', rank), since, end, LEDGER_PAGE_LIMIT),
      readAllPages('userFunding', page('userFunding', FundingUpdatesSchema), (r, rank) => `${r.time}:${r.delta.coin}:${rank}`, since, end, FUNDING_PAGE_LIMIT),
      readAllPages('userFillsByTime', page('userFillsByTime', FillsSchema), (r) => String(r.tid), since, end, FILLS_PAGE_LIMIT),
    ]);
    return historyFromHyperliquid(ledger, funding, fills, { address: this.user, model }, since, end);
  }

  private async send(what: string, action: Record<string, unknown>): Promise<z.output<typeof ExchangeResponseSchema>> {
    const nonce = this.ccxt.incrementingNonce();
    const vault = this.vault ? this.vault.replace(/^0x/, '') : undefined;
    // The hash takes the vault's bytes (no 0x, as ccxt's formatVaultAddress); the request names it with 0x, as
    // Hyperliquid's Python SDK sends it (exchange.py `"vaultAddress": self.vault_address`).
    const request: Record<string, unknown> = { action, nonce, signature: this.ccxt.signL1Action(action, nonce, vault), ...(this.vault ? { vaultAddress: this.vault } : {}) };
    let answer: unknown;
    try {
      answer = await this.raw.privatePostExchange(request);
    } catch (err) {
      // ccxt throws on the first failed order of a batch; the statuses are in its message.
      const body = err instanceof Error ? bodyOfCcxtMessage(err.message) : null;
      const parsed = ExchangeResponseSchema.safeParse(body);
      if (parsed.success && parsed.data.status === 'ok') answer = parsed.data;
      else throw classifyCcxtError(err, HYPERLIQUID_ERRORS, what, this.ctx());
    }
    const r = ExchangeResponseSchema.safeParse(answer);
    if (!r.success) throw new ExchangeDataError(`${this.id} ${what}: unexpected answer:\n${formatIssues(r.error)}`);
    if (r.data.status === 'err') {
      const message = r.data.response;
      if (orderErrorKind(message) === 'auth') throw new ExchangeAuthError(`${this.id} ${what}: ${message}`);
      throw new ExchangeDataError(`${this.id} ${what}: ${message}`);
    }
    return r.data;
  }

  private async assetOf(coin: string): Promise<AssetRef> {
    if (!this.assets.has(coin)) await this.fetchSnapshot();
    const a = this.assets.get(coin);
    if (!a) throw new ExchangeDataError(`${this.id}: ${coin} is not in the meta of any dex the account holds positions on`);
    return a;
  }

  /**
   * No cancel-all on Hyperliquid: the open orders (trigger TP/SL orders included: frontendOpenOrders
   * lists them) cancelled by order id in ONE batched cancel action.
   */
  async cancelAllOrders(symbols: string[] | 'all'): Promise<number> {
    const open = await this.info('frontendOpenOrders', { type: 'frontendOpenOrders', user: this.user }, FrontendOpenOrdersSchema);
    const mine = symbols === 'all' ? open : open.filter((o) => symbols.includes(o.coin));
    if (mine.length === 0) return 0;
    const cancels = [];
    for (const o of mine) cancels.push({ a: (await this.assetOf(o.coin)).asset, o: o.oid });
    const res = await this.send('cancel', { type: 'cancel', cancels });
    if (res.status !== 'ok' || res.response.type !== 'cancel') throw new ExchangeDataError(`${this.id} cancel: no cancel statuses in the answer`);
    const statuses = res.response.data.statuses;
    const failed = statuses.filter((s) => s !== 'success');
    if (failed.length > 0) this.log?.warn('some cancels failed', { exchange: this.id, failed: failed.length, first: JSON.stringify(failed[0]) });
    return statuses.length - failed.length;
  }

  /** One reduce-only close: a batch of one (closeBatch). */
  async reduceOnlyMarket(order: OrderRequest): Promise<OrderResult> {
    const [r] = await this.reduceOnlyMarketBatch([order]);
    return r!;
  }

  /**
   * Reduce-only closes of several positions, all in ONE order action per round (an address past its
   * action budget gets one action per 10 s): IOC limits at mark ∓ slippage, sizes clamped to the
   * fresh position and rounded down to szDecimals (close.ts). An IOC that did not fill is not
   * success: the next round re-reads and escalates the slippage. A remainder below the minimum
   * order value is a residual, logged and not retried.
   */
  async reduceOnlyMarketBatch(orders: readonly OrderRequest[]): Promise<OrderResult[]> {
    const state = orders.map((o) => ({ o, filled: 0, cost: 0, id: '', done: false, error: null as string | null }));
    for (let round = 0; ; round++) {
      const slippage = slippageForRound(round);
      const open = state.filter((s) => !s.done);
      if (slippage === null || open.length === 0) break;
      const snap = await this.fetchSnapshot();
      const fresh: FreshPosition[] = snap.positions.map((p) => ({ symbol: p.symbol, side: p.side, contracts: p.contracts, markPrice: p.markPrice }));
      const requests: CloseRequest[] = open.map((s) => ({ symbol: s.o.symbol, side: s.o.positionSide, amount: s.o.amount - s.filled }));
      const plan = planCloses(requests, fresh, (sym) => this.assets.get(sym)?.szDecimals, slippage);
      for (const r of plan.residuals) {
        this.log?.warn('close residual left open', { exchange: this.id, symbol: r.symbol, reason: r.reason });
        for (const s of open) if (s.o.symbol === r.symbol && s.o.positionSide === r.side) Object.assign(s, { done: true, error: r.reason });
      }
      for (const k of plan.skipped) for (const s of open) if (s.o.symbol === k.symbol && s.o.positionSide === k.side) s.done = true;
      if (plan.orders.length === 0) break;
      const wire = [];
      for (const o of plan.orders) wire.push({ a: (await this.assetOf(o.symbol)).asset, b: o.side === 'buy', p: o.price.text, s: o.size.text, r: true, t: { limit: { tif: 'Ioc' } } });
      const res = await this.send('order', { type: 'order', orders: wire, grouping: 'na' });
      if (res.status !== 'ok' || res.response.type !== 'order') throw new ExchangeDataError(`${this.id} order: no order statuses in the answer`);
      const statuses = res.response.data.statuses;
      plan.orders.forEach((o, i) => {
        const s = open.find((x) => x.o.symbol === o.symbol && x.o.positionSide === o.positionSide)!;
        const st = statuses[i];
        if (st && 'filled' in st) {
          s.filled += st.filled.totalSz;
          s.cost += st.filled.totalSz * st.filled.avgPx;
          s.id = String(st.filled.oid);
          if (s.filled >= s.o.amount - 1e-12) s.done = true;
        } else if (st && 'error' in st) {
          const kind = orderErrorKind(st.error);
          if (kind === 'auth') throw new ExchangeAuthError(`${this.id} order: ${st.error}`);
          // Not filled within the limit, or the size was stale: re-read and go again, wider.
          if (kind === 'no-match' || kind === 'stale-size') return;
          Object.assign(s, { done: true, error: st.error });
          this.log?.warn('close order refused', { exchange: this.id, symbol: o.symbol, kind, error: st.error });
        } else if (st && 'resting' in st) {
          // An IOC never rests; if the venue says it did, it is not a close: stop and report.
          Object.assign(s, { done: true, error: `IOC order ${st.resting.oid} rests on the book` });
        } else {
          throw new ExchangeDataError(`${this.id} order: ${statuses.length} statuses for ${plan.orders.length} orders`);
        }
      });
    }
    return state.map((s) => ({
      id: s.id,
      symbol: s.o.symbol,
      side: s.o.side,
      amount: s.o.amount,
      filled: s.filled,
      averagePrice: s.filled > 0 ? s.cost / s.filled : null,
      status: s.filled >= s.o.amount - 1e-12 ? 'closed' : s.filled > 0 ? 'partial' : 'unfilled',
    }));
  }

  async maxMarketQuantity(): Promise<number | null> {
    return null;
  }

  async quantityStep(symbol: string): Promise<number | null> {
    const a = await this.assetOf(symbol).catch(() => null);
    return a ? 10 ** -a.szDecimals : null;
  }

  /**
   * For `riskguard doctor`: reads the account (the master address, never an agent's), the key's
   * standing among the named API wallets, and says loudly when the key is the master's own.
   */
  async diagnose(): Promise<KeyDiagnosis> {
    this.key = null;
    let canRead = true;
    const notes: string[] = [];
    try {
      await this.fetchSnapshot();
    } catch (err) {
      if (!(err instanceof RiskGuardError) || err instanceof ExchangeAuthError) throw err;
      canRead = false;
      notes.push(`cannot read the account: ${err.message}`);
    }
    const s = (this.key as { standing: KeyStanding | null } | null)?.standing ?? null;
    if (s === null) notes.push('could not read the named API wallets (extraAgents): the key\'s standing is unknown');
    else if (s.kind === 'master') notes.push(`MASTER KEY: ${keyProblem(s, this.now())}`);
    else if (s.kind === 'named-agent') {
      notes.push(`key is the named API wallet "${s.name}" of ${this.wallet}, valid until ${new Date(s.validUntil).toISOString()}`);
      const p = keyProblem(s, this.now());
      if (p) notes.push(p);
    } else notes.push(keyProblem(s, this.now())!);
    const expired = s?.kind === 'named-agent' && s.validUntil <= this.now();
    return {
      canRead,
      canTrade: s === null ? null : s.kind === 'master' ? true : s.kind === 'named-agent' ? !expired : null,
      canWithdraw: s === null ? null : s.kind === 'master',
      clockSkewMs: null,
      notes,
    };
  }
}
