/**
 * From a portfolio file and price files to paper-exchange accounts: everything a replay checks
 * before it runs, each problem a ConfigError naming the file and the field path.
 */
import { readFileSync } from 'node:fs';
import { maxLeverage, type Bracket } from '../../paper/brackets.ts';
import type { AccountSpec, Candle, EngineOptions, PaperEngine, PositionSpec } from '../../paper/index.ts';
import { defaultMarkets, genericMarket, isMultipleOf, type MarketSpec } from '../../paper/markets.ts';
import { parseCandlesCsv } from '../../paper/replay.ts';
import type { MaintenanceTier, Portfolio } from '../domain/snapshot.ts';
import { ConfigError } from '../errors.ts';

/** One price file: the symbol's 1-minute candles (`timestamp_ms,open,high,low,close[,…]`), replayed as its mark. */
export interface PriceFile {
  symbol: string;
  file: string;
}

export interface LoadedPrices extends PriceFile {
  candles: Candle[];
  /** Open time of the first candle (ms). */
  start: number;
  /** Open time of the last candle + 1 minute (ms). */
  end: number;
}

const SYMBOL = /^[A-Z0-9]{2,20}USDT$/;

/** Reads every price file; unreadable, empty or malformed files are ConfigErrors naming the file. */
export function loadPrices(prices: readonly PriceFile[], symbolProblem?: (symbol: string) => string | null): LoadedPrices[] {
  if (prices.length === 0) throw new ConfigError('no price files: give at least one --prices SYMBOL=FILE');
  const seen = new Set<string>();
  return prices.map(({ symbol, file }) => {
    // The venue's naming when its dialect is given (Hyperliquid: BTC), else the engine's own (BTCUSDT).
    const problem = symbolProblem ? symbolProblem(symbol) : SYMBOL.test(symbol) ? null : '<BASE>USDT, e.g. BTCUSDT';
    if (problem !== null) {
      throw new ConfigError(`--prices ${symbol}=${file}: "${symbol}" is not a symbol the paper exchange lists (${problem})`);
    }
    if (seen.has(symbol)) throw new ConfigError(`--prices: ${symbol} is given twice`);
    seen.add(symbol);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
      throw new ConfigError(`cannot read price file ${file} (${symbol}): ${why}`, { cause: err });
    }
    let candles: Candle[];
    try {
      candles = parseCandlesCsv(text, file);
    } catch (err) {
      throw new ConfigError(`price file ${file} (${symbol}) is not a 1-minute candle CSV: ${(err as Error).message}`, { cause: err });
    }
    const start = candles[0]!.t;
    const end = candles[candles.length - 1]!.t + 60_000;
    return { symbol, file, candles, start, end };
  });
}

/** What the engine needs before accounts exist: bracket overrides and markets for unlisted symbols. */
export interface BookPlan {
  brackets: Record<string, Bracket[]>;
  extraMarkets: MarketSpec[];
  /** The account spec, entries filled from the engine's marks at its current time. */
  spec(engine: PaperEngine, label: string): AccountSpec;
  /** One-line description of each position, for the report. */
  describe(engine: PaperEngine): string[];
}

/** Maintenance tiers given in the portfolio, as a Binance bracket table (the engine liquidates by it). */
function bracketsFrom(tiers: readonly MaintenanceTier[]): Bracket[] {
  return tiers.map((t, i) => ({
    bracket: i + 1,
    initialLeverage: 125,
    notionalFloor: t.notionalFloor,
    notionalCap: tiers[i + 1]?.notionalFloor ?? Number.MAX_SAFE_INTEGER,
    maintMarginRatio: t.rate,
    cum: t.amount,
  }));
}

const sameTiers = (a: readonly MaintenanceTier[], b: readonly MaintenanceTier[]) =>
  a.length === b.length && a.every((t, i) => t.notionalFloor === b[i]!.notionalFloor && t.rate === b[i]!.rate && t.amount === b[i]!.amount);

/**
 * Checks a portfolio against the price files and the paper exchange's rules and plans its
 * account. `where` names the source in messages (e.g. "portfolio file book.json").
 */
export function planBook(portfolio: Portfolio, prices: readonly LoadedPrices[], where = 'portfolio', rules: EngineOptions = {}): BookPlan {
  const bad = (path: string, msg: string) => new ConfigError(`${where}: ${path}: ${msg}`);
  const priced = new Map(prices.map((p) => [p.symbol, p]));
  if ((portfolio.collateral ?? []).length > 0) {
    throw bad('collateral', 'the paper exchange models USDT single-asset margin only; move collateral into crossWalletBalance');
  }
  if (!(portfolio.crossWalletBalance >= 0)) throw bad('crossWalletBalance', 'must be ≥ 0 on the paper exchange');
  if (portfolio.positions.length === 0) throw bad('positions', 'no positions: nothing to replay');

  // A venue's own market table (its naming, margin tables, lot sizes) when its rules are given.
  const markets = new Map((rules.markets ?? defaultMarkets()).map((m) => [m.symbol, m]));
  const marketFor = rules.genericMarket ?? genericMarket;
  const extraMarkets: MarketSpec[] = [];
  const brackets: Record<string, Bracket[]> = {};
  const tiersGiven = new Map<string, { tiers: MaintenanceTier[]; index: number }>();
  const bySymbol = new Map<string, { index: number; side: string; marginMode: string; leverage: number }[]>();
  const leverages: number[] = [];

  portfolio.positions.forEach((p, i) => {
    const at = (field: string) => `positions[${i}].${field}`;
    const series = priced.get(p.symbol);
    if (series === undefined) {
      throw bad(at('symbol'), `no price file for ${p.symbol} (add --prices ${p.symbol}=FILE)`);
    }
    if (p.maintenanceMarginBasis === 'entry') {
      throw bad(at('maintenanceMarginBasis'), 'the paper exchange (Binance rules) computes maintenance margin at the mark: "entry" cannot be replayed');
    }
    let market = markets.get(p.symbol);
    if (market === undefined) {
      market = marketFor(p.symbol, series.candles[0]!.o);
      markets.set(p.symbol, market);
      extraMarkets.push(market);
    }
    const tiers =
      p.maintenanceTiers ??
      (p.maintenanceMarginRate !== undefined ? [{ notionalFloor: 0, rate: p.maintenanceMarginRate, amount: p.maintenanceAmount ?? 0 }] : undefined);
    if (tiers !== undefined) {
      const prev = tiersGiven.get(p.symbol);
      if (prev !== undefined && !sameTiers(prev.tiers, tiers)) {
        throw bad(at('maintenanceTiers'), `differs from positions[${prev.index}] on the same symbol: one symbol has one bracket table`);
      }
      tiersGiven.set(p.symbol, { tiers, index: i });
      brackets[p.symbol] = bracketsFrom(tiers);
    }
    const table = brackets[p.symbol] ?? market.brackets;
    const maxLev = maxLeverage(table);
    const leverage = p.leverage ?? Math.min(20, maxLev);
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > maxLev) {
      throw bad(at('leverage'), `must be a whole number from 1 to ${maxLev} for ${p.symbol} on the paper exchange, got ${leverage}`);
    }
    leverages.push(leverage);
    if (!isMultipleOf(p.contracts, market.stepSize)) {
      throw bad(at('contracts'), `${p.contracts} is not a whole number of ${p.symbol}'s lot step ${market.stepSize}`);
    }
    if (p.marginMode === 'isolated' && !((p.isolatedWallet ?? 0) > 0)) {
      throw bad(at('isolatedWallet'), 'must be > 0 for an isolated position on the paper exchange');
    }
    const others = bySymbol.get(p.symbol) ?? [];
    for (const o of others) {
      if (o.side === p.side) throw bad(at('side'), `a second ${p.side} ${p.symbol} position (positions[${o.index}]): one position per symbol and side`);
      if (o.marginMode !== p.marginMode) {
        throw bad(at('marginMode'), `${p.symbol} is ${o.marginMode} in positions[${o.index}]: the paper exchange (like Binance) has one margin mode per symbol`);
      }
      if (o.leverage !== leverage) throw bad(at('leverage'), `${p.symbol} has leverage ${o.leverage} in positions[${o.index}]: one leverage per symbol`);
    }
    others.push({ index: i, side: p.side, marginMode: p.marginMode, leverage });
    bySymbol.set(p.symbol, others);
  });

  // A long and a short on one symbol need Binance's hedge mode.
  const hedgeMode = [...bySymbol.values()].some((l) => l.length > 1);

  return {
    brackets,
    extraMarkets,
    spec(engine, label) {
      const positions: PositionSpec[] = portfolio.positions.map((p, i) => ({
        symbol: p.symbol,
        side: p.side,
        size: p.contracts,
        entryPrice: p.entryPrice ?? engine.markPrice(p.symbol),
        marginMode: p.marginMode,
        leverage: leverages[i]!,
        ...(p.marginMode === 'isolated' ? { isolatedMargin: p.isolatedWallet! } : {}),
      }));
      return { label, walletBalance: portfolio.crossWalletBalance, hedgeMode, positions };
    },
    describe(engine) {
      return portfolio.positions.map((p, i) => {
        const entry = p.entryPrice ?? engine.markPrice(p.symbol);
        const how = p.entryPrice === undefined ? 'first price of the replay' : 'given entry';
        const iso = p.marginMode === 'isolated' ? ` (isolated wallet ${p.isolatedWallet})` : '';
        return `${p.symbol} ${p.side} ${p.contracts} ${p.marginMode}${iso} ${leverages[i]}x @ ${entry} (${how})`;
      });
    },
  };
}
