import { dialectFor, type PaperVenue } from './dialects/index.ts';
import { startPaperExchange, type PaperExchange } from './index.ts';

export interface PaperCliOptions {
  /** The venue whose API the exchange speaks (parseVenueArg). Default 'binanceusdm'. */
  venue?: PaperVenue;
  /** Default 0 (a free port). */
  port?: number;
  /** `SYMBOL=FILE` pairs, e.g. `BTCUSDT=data/binance-futures-BTCUSDT-1m-2020-03-11_13.csv`. */
  replay?: string[];
  /** Replay-seconds per wall-second. Default 1. */
  speed?: number;
  host?: string;
  /** Demo account wallet, USDT. Default 10,000. */
  demoWallet?: number;
  /** The demo account's keys (kept across restarts by the caller); generated when absent. */
  demoKeys?: { apiKey: string; secret: string };
  /** Positions to seed the demo account with (base units; entry defaults to the current mark). */
  demoPositions?: DemoPosition[];
  /** Where the banner goes. Default console.log. */
  log?: (line: string) => void;
}

export interface DemoPosition {
  symbol: string;
  side: 'long' | 'short';
  size: number;
  entryPrice?: number;
  marginMode: 'cross' | 'isolated';
  leverage?: number;
  isolatedMargin?: number;
}

/**
 * Parses `--venue`: a venue with a paper dialect. Anything else throws a one-line Error naming the
 * venues that have one (a known venue without a dialect yet, e.g. okx, as well as a typo).
 */
export function parseVenueArg(arg: string): PaperVenue {
  return dialectFor(arg.trim()).venue;
}

/** Parses `SYMBOL=FILE`, the symbol in the venue's naming (Binance: BTCUSDT; Hyperliquid: BTC). */
export function parseReplayArg(arg: string, venue: PaperVenue = 'binanceusdm'): { symbol: string; file: string } {
  const i = arg.indexOf('=');
  const raw = i > 0 ? arg.slice(0, i).trim() : '';
  // Binance symbols are upper case; Hyperliquid coin names keep their case (kPEPE).
  const symbol = venue === 'binanceusdm' ? raw.toUpperCase() : raw;
  const file = i > 0 ? arg.slice(i + 1).trim() : '';
  const problem = symbol === '' ? 'no symbol' : dialectFor(venue).symbolProblem(symbol);
  if (venue === 'binanceusdm' && (!/^[A-Z0-9]{2,20}USDT$/.test(symbol) || file === '')) {
    throw new Error(`--replay expects SYMBOL=FILE with a USDⓈ-M symbol such as BTCUSDT, got "${arg}"`);
  }
  if (problem !== null || file === '') throw new Error(`--replay expects SYMBOL=FILE with ${problem ?? 'a file'}, got "${arg}"`);
  return { symbol, file };
}

/**
 * `riskguard paper`: runs the paper exchange standalone, creates a demo account and prints how to
 * reach it. Returns the running exchange (close() stops it); the caller keeps the process alive.
 */
export async function runPaperCli(opts: PaperCliOptions = {}): Promise<PaperExchange> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const replay = (opts.replay ?? []).map((r) => parseReplayArg(r, opts.venue ?? 'binanceusdm'));
  const speed = opts.speed ?? 1;
  if (!(speed >= 0)) throw new Error(`--speed must be ≥ 0, got ${speed}`);
  const ex = await startPaperExchange({
    venue: opts.venue ?? 'binanceusdm',
    port: opts.port ?? 0,
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    replay,
    speed,
  });
  const positions = (opts.demoPositions ?? []).map((p) => {
    const entryPrice = p.entryPrice ?? ex.engine.mark(p.symbol)?.price;
    if (entryPrice === undefined) throw new Error(`${p.symbol}: no entry price given and no mark to take it from (replay it or give entryPrice)`);
    return { ...p, entryPrice };
  });
  const symbols = Object.fromEntries(positions.map((p) => [p.symbol, { marginMode: p.marginMode, ...(p.leverage ? { leverage: p.leverage } : {}) }]));
  const demo = ex.engine.createAccount({
    label: 'demo',
    walletBalance: opts.demoWallet ?? 10_000,
    ...(opts.demoKeys ?? {}),
    ...(positions.length ? { symbols, positions } : {}),
  });
  const range = ex.engine.replayRange();
  const { dialect } = ex;
  log(`paper exchange (${dialect.title}) listening on ${ex.url}`);
  log(`venue: ${dialect.venue}`);
  log(`admin token (X-Paper-Admin): ${ex.adminToken}`);
  // The venue's own markets say what its accounts hold (an Orderly engine also lists Binance's names).
  const quote = ex.engine.listMarkets().find((m) => dialect.symbolProblem(m.symbol) === null)?.quoteAsset ?? 'USDT';
  log(`demo account ${demo.id}: ${demo.crossWallet} ${quote}`);
  for (const p of positions) log(`  ${p.marginMode} ${p.symbol} ${p.side} ${p.size} @ ${p.entryPrice}${p.leverage ? ` (${p.leverage}x)` : ''}`);
  // Binance's key pair; other venues' credentials are in the export lines alone (Hyperliquid: a wallet and a key).
  if (dialect.venue === 'binanceusdm') {
    log(`  apiKey: ${demo.apiKey}`);
    log(`  secret: ${demo.secret}`);
  }
  // The variables the dialect's config credentials name (Binance: PAPER_API_KEY, PAPER_API_SECRET).
  for (const [name, value] of Object.entries(dialect.credentialsFor(demo).env)) log(`  export ${name}=${value}`);
  if (range !== null) {
    log(`replaying ${replay.map((r) => r.symbol).join(', ')} from ${new Date(ex.engine.now()).toISOString()} to ${new Date(range.end).toISOString()} at ${speed}x`);
  } else {
    log('no replay: set prices with POST /paper/prices');
  }
  log(dialect.clientHint);
  if (range === null || !(speed > 0)) return ex;
  // Progress every tenth of the replay, and a line when it is over (the marks then stay put).
  const span = Math.max(1, range.end - ex.engine.now());
  const from = ex.engine.now();
  let shown = 0;
  const timer = setInterval(() => {
    const now = ex.engine.now();
    const tenth = Math.min(10, Math.floor(((now - from) / span) * 10));
    if (now >= range.end) {
      clearInterval(timer);
      log(`replay finished at ${new Date(range.end).toISOString()}: marks stay at the last prices`);
    } else if (tenth > shown) {
      shown = tenth;
      log(`replay ${tenth * 10} % — market time ${new Date(now).toISOString()}`);
    }
  }, 500);
  timer.unref();
  const close = ex.close.bind(ex);
  return Object.assign(ex, { close: () => (clearInterval(timer), close()) });
}
