import { randomBytes } from 'node:crypto';
import { maxLeverage, maxNotionalAtLeverage } from '../brackets.ts';
import { roundTo } from '../markets.ts';
import { modeKey, PaperAccount, posKey } from './account.ts';
import { PaperReject } from './reject.ts';
import type { AccountSpec, MarginType, Position, PositionRisk, AccountRisk, PositionSide, PositionSpec, SymbolConfig } from './types.ts';
import { VenueState } from './venue-state.ts';

/** Accounts: creation (with seeded positions), transfers, and per-symbol margin mode / leverage. */
export abstract class AccountBook extends VenueState {
  createAccount(spec: AccountSpec): PaperAccount {
    if (!(spec.walletBalance >= 0 && Number.isFinite(spec.walletBalance))) throw new Error('walletBalance must be ≥ 0');
    const apiKey = spec.apiKey ?? randomBytes(32).toString('hex');
    const secret = spec.secret ?? randomBytes(32).toString('hex');
    if (this.byApiKey.has(apiKey)) throw new Error('apiKey already in use');
    const id = `acct-${this.nextAccount++}`;
    const acc = new PaperAccount(
      id,
      spec.label ?? id,
      apiKey,
      secret,
      spec.hedgeMode ?? false,
      spec.canTrade ?? true,
      spec.enableWithdrawals ?? false,
      this.time,
    );
    for (const [symbol, cfg] of Object.entries(spec.symbols ?? {})) {
      const m = this.market(symbol);
      const leverage = cfg.leverage ?? this.defaultLeverage;
      if (!Number.isInteger(leverage) || leverage < 1 || leverage > maxLeverage(m.brackets)) {
        throw new Error(`${symbol}: leverage must be an integer in 1..${maxLeverage(m.brackets)}`);
      }
      acc.symbolConfig.set(symbol, { marginType: cfg.marginMode === 'isolated' ? 'ISOLATED' : 'CROSSED', leverage });
    }
    acc.mixedMarginModes = spec.mixedMarginModes ?? this.mixedMarginModes;
    for (const p of spec.positions ?? []) this.seedPosition(acc, p);
    acc.crossWallet = spec.walletBalance;
    acc.multiAssetsMargin = spec.multiAssetsMargin ?? false;
    acc.portfolioMargin = spec.portfolioMargin ?? false;
    acc.unifiedAccount = spec.unifiedAccount ?? false;
    if (spec.walletBalance > 0) this.addIncome(acc, '', 'TRANSFER', spec.walletBalance, 'TRANSFER');
    this.accounts.set(id, acc);
    this.byApiKey.set(apiKey, acc);
    this.process();
    return acc;
  }

  protected seedPosition(acc: PaperAccount, p: PositionSpec): void {
    const m = this.market(p.symbol);
    if (!(p.size > 0) || !(p.entryPrice > 0)) throw new Error(`${p.symbol}: size and entryPrice must be > 0`);
    const mode: MarginType = p.marginMode === 'isolated' ? 'ISOLATED' : 'CROSSED';
    const cfg = acc.symbolConfig.get(p.symbol);
    if (cfg !== undefined && cfg.marginType !== mode && !acc.mixedMarginModes) {
      throw new Error(`${p.symbol}: one margin type per symbol; positions disagree (${cfg.marginType} vs ${mode})`);
    }
    const leverage = p.leverage ?? cfg?.leverage ?? this.defaultLeverage;
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > maxLeverage(m.brackets)) {
      throw new Error(`${p.symbol}: leverage must be an integer in 1..${maxLeverage(m.brackets)}`);
    }
    if (acc.mixedMarginModes) {
      // The symbol's configured mode stays the first one seeded (orders carry theirs); each leg keeps its own leverage.
      if (cfg === undefined) acc.symbolConfig.set(p.symbol, { marginType: mode, leverage });
      acc.modeLeverage.set(modeKey(p.symbol, mode), leverage);
    } else {
      acc.symbolConfig.set(p.symbol, { marginType: mode, leverage });
    }
    if (mode === 'ISOLATED' && !(p.isolatedMargin !== undefined && p.isolatedMargin > 0)) {
      throw new Error(`${p.symbol}: isolatedMargin (> 0) is required for an isolated position`);
    }
    if (mode === 'CROSSED' && p.isolatedMargin !== undefined) throw new Error(`${p.symbol}: isolatedMargin is only for isolated positions`);
    const side: PositionSide = acc.dualSide ? (p.side === 'long' ? 'LONG' : 'SHORT') : 'BOTH';
    const key = posKey(p.symbol, side, mode);
    if (acc.positions.has(key)) {
      throw new Error(`${p.symbol}: duplicate ${acc.dualSide ? side : 'one-way'} position (one-way mode holds one net position per symbol and margin mode)`);
    }
    acc.positions.set(key, {
      symbol: p.symbol,
      positionSide: side,
      amt: roundTo(p.side === 'long' ? p.size : -p.size, m.quantityPrecision + 3),
      entryPrice: p.entryPrice,
      marginType: mode,
      isolatedWallet: mode === 'ISOLATED' ? p.isolatedMargin! : 0,
      updateTime: this.time,
    });
    if (!this.marks.has(p.symbol)) this.marks.set(p.symbol, { price: p.entryPrice, time: this.time });
  }

  getAccount(id: string): PaperAccount {
    const acc = this.accounts.get(id);
    if (acc === undefined) throw new Error(`no account "${id}"`);
    return acc;
  }

  findByApiKey(apiKey: string): PaperAccount | undefined {
    return this.byApiKey.get(apiKey);
  }

  listAccounts(): PaperAccount[] {
    return [...this.accounts.values()];
  }

  /** Adds USDT to the cross wallet (income TRANSFER). */
  deposit(id: string, amount: number): void {
    if (!(amount > 0 && Number.isFinite(amount))) throw new Error('amount must be > 0');
    const acc = this.getAccount(id);
    acc.crossWallet += amount;
    this.addIncome(acc, '', 'TRANSFER', amount, 'TRANSFER');
  }

  /** Takes USDT out of the cross wallet (income TRANSFER, negative); at most maxWithdrawAmount. */
  withdraw(id: string, amount: number): void {
    if (!(amount > 0 && Number.isFinite(amount))) throw new Error('amount must be > 0');
    const acc = this.getAccount(id);
    const max = this.accountRisk(acc).maxWithdrawAmount;
    if (amount > max + 1e-9) throw new Error(`withdrawal of ${amount} exceeds maxWithdrawAmount ${max.toFixed(8)}`);
    acc.crossWallet -= amount;
    this.addIncome(acc, '', 'TRANSFER', -amount, 'TRANSFER');
  }

  symbolConfig(acc: PaperAccount, symbol: string): SymbolConfig {
    this.market(symbol);
    return acc.symbolConfig.get(symbol) ?? { marginType: 'CROSSED', leverage: this.defaultLeverage };
  }

  /**
   * The leverage of `symbol`'s leg in `mode`: the account's (symbol, mode) setting where one account
   * holds both legs of a symbol (Orderly), else — or when none was set apart — the symbol's.
   */
  leverageOf(acc: PaperAccount, symbol: string, mode: MarginType | undefined): number {
    const cfg = this.symbolConfig(acc, symbol);
    if (!acc.mixedMarginModes || mode === undefined) return cfg.leverage;
    return acc.modeLeverage.get(modeKey(symbol, mode)) ?? cfg.leverage;
  }

  /**
   * Sets the leverage of `symbol` (Binance, Hyperliquid), or of its `mode` leg alone on an account
   * with mixed modes (Orderly). Refused when a position it governs would exceed the bracket cap.
   */
  setLeverage(acc: PaperAccount, symbol: string, leverage: number, mode?: MarginType): { leverage: number; maxNotionalValue: number; symbol: string } {
    const m = this.market(symbol);
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > maxLeverage(m.brackets)) throw new PaperReject('invalid-leverage');
    const perMode = acc.mixedMarginModes && mode !== undefined;
    const cap = maxNotionalAtLeverage(m.brackets, leverage);
    // A venue with its own initial-margin model (EngineOptions.initialRate) has no bracket cap.
    if (this.initialRate === undefined) {
      for (const p of this.symbolPositions(acc, symbol)) {
        if (perMode && p.marginType !== mode) continue;
        if (Math.abs(p.amt) * this.markOr(symbol, p.entryPrice) > cap) throw new PaperReject('position-above-leverage-cap');
      }
    }
    if (perMode) {
      acc.modeLeverage.set(modeKey(symbol, mode), leverage);
    } else {
      acc.symbolConfig.set(symbol, { ...this.symbolConfig(acc, symbol), leverage });
      for (const k of [modeKey(symbol, 'CROSSED'), modeKey(symbol, 'ISOLATED')]) acc.modeLeverage.delete(k);
    }
    return { leverage, maxNotionalValue: cap, symbol };
  }

  setMarginType(acc: PaperAccount, symbol: string, marginType: MarginType): void {
    const cfg = this.symbolConfig(acc, symbol);
    if (cfg.marginType === marginType) throw new PaperReject('margin-mode-unchanged');
    if (this.symbolPositions(acc, symbol).length > 0) throw new PaperReject('margin-mode-open-position');
    const hasOrders = [...acc.openOrders.values(), ...acc.openAlgoOrders.values()].some((o) => o.symbol === symbol);
    if (hasOrders) throw new PaperReject('margin-mode-open-orders');
    acc.symbolConfig.set(symbol, { ...cfg, marginType });
  }

  setPositionMode(acc: PaperAccount, dualSide: boolean): void {
    if (acc.dualSide === dualSide) throw new PaperReject('position-mode-unchanged');
    if (acc.positions.size > 0 || acc.openOrders.size > 0 || acc.openAlgoOrders.size > 0) throw new PaperReject('position-mode-blocked');
    acc.dualSide = dualSide;
  }

  /** Adds (type 1) or removes (type 2) collateral of an isolated position. */
  modifyIsolatedMargin(acc: PaperAccount, symbol: string, positionSide: PositionSide, amount: number, type: 1 | 2): void {
    const pos = acc.positions.get(posKey(symbol, positionSide, 'ISOLATED'));
    if (pos === undefined || pos.marginType !== 'ISOLATED') {
      throw new PaperReject('no-isolated-position');
    }
    if (!(amount > 0)) throw new PaperReject('invalid-quantity');
    if (type === 1) {
      if (amount > this.accountRisk(acc).availableBalance + 1e-9) throw new PaperReject('insufficient-margin');
      acc.crossWallet -= amount;
      pos.isolatedWallet += amount;
    } else {
      const r = this.positionRisk(acc, pos);
      const removable = pos.isolatedWallet + Math.min(0, r.unrealizedPnl) - r.initialMargin;
      if (amount > removable + 1e-9) throw new PaperReject('isolated-margin-insufficient');
      pos.isolatedWallet -= amount;
      acc.crossWallet += amount;
    }
    pos.updateTime = this.time;
    acc.updateTime = this.time;
  }

  protected abstract symbolPositions(acc: PaperAccount, symbol: string): Position[];
  abstract positionRisk(acc: PaperAccount, pos: Position): PositionRisk;
  abstract accountRisk(acc: PaperAccount): AccountRisk;
}
