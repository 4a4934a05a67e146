import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import * as z from 'zod';
import { randomBytes } from 'node:crypto';
import { AccountSnapshotSchema, PortfolioSchema } from '../domain/snapshot.ts';
import { writeUnredacted } from '../redact.ts';
import { drawdownOf } from '../domain/peak.ts';
import { ConfigError, RiskGuardError } from '../errors.ts';
import { pause, rearm, REARM_REBASE_MS, resume, type ActOutcome } from '../use-cases/admin.ts';
import { ConfigSchema } from '../config.ts';
import { ConsoleNotifier, FanoutNotifier, JsonlNotifier } from '../adapters/local-notifiers.ts';
import type { Notifier } from '../ports.ts';
import { snsNotifier } from './runtime.ts';
import { evalReport, renderEval } from './eval.ts';
import { registerGuardCommands } from './guard-commands.ts';
import { registerAgentCommands, withMayTrade } from './agent-commands.ts';
import { registerReplayCommand } from './replay-command.ts';
import { undeliveredLines } from './undelivered.ts';
import { registerInitCommand } from './init-command.ts';
import { existsSync, writeFileSync } from 'node:fs';
import { parseReplayArg, runPaperCli } from '../../paper/cli.ts';
import { loadCandlesFile } from '../../paper/replay.ts';
import { money, pct, table, when } from './format.ts';
import { checkWritable, formatIssues, loadJson, loadPolicy, parseWith, readJsonFile } from './io.ts';
import { rawSnapshotVenue, snapshotFromVenueFile } from '../venues/raw-snapshots.ts';
import { missingLocalState, openStore, type StoreOptions } from './store.ts';
import { actOptions, parseHumanAct, storeOptions, venueOption } from './options.ts';
import type { PaperVenue } from '../../paper/index.ts';

const systemClock = { now: () => Date.now() };

/** Exit codes: 0 done, 1 failed while running, 2 bad input (nothing was changed). */
const EXIT_BAD_INPUT = 2;

function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${v}"`);
    return n;
  };
}

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive whole number, got "${v}"`);
    return n;
  };
}

/** "2025-10-10T21:00:00Z", or a duration from now: "30m", "2h", "1d". */
export function parseUntil(v: string, now: number): number {
  const rel = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(v.trim());
  if (rel) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    return now + Number(rel[1]) * unit;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new ConfigError(`--until "${v}" is neither a time (2025-10-10T21:00:00Z) nor a duration (30m, 2h, 1d)`);
  return t;
}


async function withStore<T>(opts: StoreOptions, fn: (s: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const s = await openStore(opts);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** Runs `look` now and every `everyMs` until SIGINT/SIGTERM. */
async function untilStopped(look: () => Promise<void>, everyMs: number): Promise<void> {
  let stop = false;
  let wake: () => void = () => {};
  const onSignal = () => {
    stop = true;
    wake();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    while (!stop) {
      await look();
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, everyMs);
      });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** By default `status` flags a last tick older than this STALE (the deployed watchdog's default: 2 × 1 min + 30 s). */
const STALE_AFTER_MS = 150_000;

type ActOpts = StoreOptions & { account: string; by: string; reason: string; config?: string; topicArn?: string };

/**
 * Where a human act is alerted, checked before anything is opened: with --config the account must
 * be configured there (and its JSONL file is used); every act is printed and, with --topic-arn,
 * sent to the deployed topic.
 */
function actNotifier(opts: ActOpts): Notifier {
  const notifiers: Notifier[] = [new ConsoleNotifier()];
  if (opts.config) {
    const config = loadJson(ConfigSchema, opts.config, 'config');
    if (!config.accounts.some((a) => a.id === opts.account)) {
      throw new ConfigError(`no account "${opts.account}" in ${opts.config} (accounts: ${config.accounts.map((a) => a.id).join(', ')})`);
    }
    if (config.alerts.jsonlFile) notifiers.push(new JsonlNotifier(config.alerts.jsonlFile));
  }
  if (opts.topicArn) notifiers.push(snsNotifier(opts));
  else if (opts.table) process.stderr.write('note: no --topic-arn: this act is alerted on this terminal only, not to the team (add --topic-arn, stack output AlertTopicArn)\n');
  return new FanoutNotifier(notifiers);
}

/** A command about a stored account refuses before opening (and so creating) a local folder. */
function refuseMissingState(opts: StoreOptions, accountId: string): void {
  const dir = missingLocalState(opts);
  if (dir) throw new ConfigError(`no guard state for account "${accountId}": there is no local state at ${dir} (check --account, --db-path or --table)`);
}

/** The act stands; an undelivered alert is trouble (exit 1). */
function reportAlert(o: ActOutcome): void {
  if (o.alertError === null) return;
  process.stderr.write(`riskguard: the act is recorded, but its alert was NOT delivered: ${o.alertError}\n`);
  process.exitCode = 1;
}

export function buildProgram(): Command {
  const program = new Command('riskguard')
    .description('A risk guard for crypto perpetual-futures accounts: margin, drawdown, graded actions.')
    .showHelpAfterError('(run with --help for usage)')
    // Before any subcommand is added, so they inherit it: usage errors come back as exit code 2.
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });

  program
    .command('eval')
    .description('evaluate one account snapshot: margin per pool, liquidation prices, stress, level and actions')
    .requiredOption('--snapshot <file>', 'account snapshot JSON (see README: snapshot format), or a venue\'s own answers ({"venue":"hyperliquid",…})')
    .option('--policy <file>', 'policy JSON (only what differs from the defaults)')
    .option('--peak <equity>', 'trailing peak equity to measure drawdown from (default: the snapshot equity)', positiveNumber('--peak'))
    .option('--json', 'print one JSON object instead of tables')
    .action((opts: { snapshot: string; policy?: string; peak?: number; json?: boolean }) => {
      const raw = readJsonFile(opts.snapshot, 'snapshot');
      const venue = rawSnapshotVenue(raw);
      let snapshot;
      let venueLiquidations: { symbol: string; price: number | null }[] = [];
      if (venue === null) snapshot = parseWith(AccountSnapshotSchema, raw, opts.snapshot, 'snapshot');
      else {
        try {
          ({ snapshot, venueLiquidations } = snapshotFromVenueFile(venue, raw));
        } catch (err) {
          const why = err instanceof z.ZodError ? formatIssues(err) : (err as Error).message;
          throw new ConfigError(`snapshot file ${opts.snapshot} (${venue}) is invalid:\n${why}`, { cause: err });
        }
      }
      const policy = loadPolicy(opts.policy);
      const report = evalReport(snapshot, policy, opts.peak ?? null, snapshot.timestamp ?? systemClock.now());
      // The venue's own liquidation prices beside the engine's: what `eval` reproduces, and where it differs.
      const venueLines = venueLiquidations.map((v) => {
        const mine = report.positions.find((p) => p.symbol === v.symbol)?.liquidationPrice ?? null;
        return `  ${v.symbol}: venue ${v.price ?? 'none'}, riskguard ${mine === null ? 'none' : mine.toPrecision(8)}`;
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${renderEval(report, venue === 'hyperliquid' ? 'USDC' : undefined)}\n${venueLines.length ? `Liquidation prices (venue vs riskguard):\n${venueLines.join('\n')}\n` : ''}`);
    });

  storeOptions(
    program
      .command('status')
      .description('show each guarded account: level, halted/paused, peak, drawdown, last tick')
      .option('--account <id>', 'only this account')
      .addOption(new Option('--stale-after <s>', 'flag a last tick older than this many seconds as STALE (exit 1)').default(STALE_AFTER_MS / 1000).argParser(positiveNumber('--stale-after')))
      .addOption(new Option('--watch [s]', 'show it again every s seconds (default 5) until Ctrl-C').argParser(positiveNumber('--watch')))
      .option('--json', 'print JSON'),
  ).action(async (opts: StoreOptions & { account?: string; staleAfter: number; json?: boolean; watch?: number | true }) => {
    if (opts.watch === undefined) return statusOnce(opts);
    const every = (opts.watch === true ? 5 : opts.watch) * 1000;
    await untilStopped(async () => {
      process.stdout.write(`\n— ${when(systemClock.now())} (every ${every / 1000} s; Ctrl-C stops)\n`);
      await statusOnce(opts);
    }, every);
    process.exitCode = 0;
  });

  /** One look at the stored states (the store is opened and closed each time: never held between looks). */
  async function statusOnce(opts: StoreOptions & { account?: string; staleAfter: number; json?: boolean }): Promise<void> {
    const staleMs = opts.staleAfter * 1000;
    const missing = missingLocalState(opts);
    if (missing && opts.account) refuseMissingState(opts, opts.account);
    if (missing) {
      process.stdout.write(opts.json ? '[]\n' : `No guarded accounts yet in local state at ${missing}.\n`);
      return;
    }
    await withStore(opts, async ({ store, where }) => {
      const states = opts.account
        ? [await store.get(opts.account)].filter((s) => s !== null)
        : await store.listAccounts();
      if (opts.account && states.length === 0) throw new ConfigError(`no guard state for account "${opts.account}" in ${where}`);
      if (opts.json) {
        const at = systemClock.now();
        process.stdout.write(`${JSON.stringify(states.map((s) => withMayTrade(s, at)), null, 2)}\n`);
        return;
      }
      if (states.length === 0) {
        process.stdout.write(`No guarded accounts yet in ${where}.\n`);
        return;
      }
      const now = systemClock.now();
      process.stdout.write(`${where}\n`);
      process.stdout.write(
        `${table(
          ['account', 'level', 'halted', 'paused until', 'equity', 'peak', 'drawdown', 'last tick'],
          states.map((s) => [
            s.accountId,
            s.level,
            s.halted ? `YES since ${when(s.haltedAt)}` : 'no',
            s.pausedUntil !== null && s.pausedUntil > now ? `${when(s.pausedUntil)} (${s.pausedBy})` : '—',
            money(s.lastEquity, s.currency),
            money(s.peakEquity, s.currency),
            s.lastEquity === null ? '—' : pct(drawdownOf(s.peakEquity, s.lastEquity)),
            s.lastTickAt === null ? 'never' : `${when(s.lastTickAt)} (${Math.round((now - s.lastTickAt) / 1000)} s ago)${now - s.lastTickAt > staleMs ? ' STALE' : ''}`,
          ]),
          ['l', 'l', 'l', 'l', 'r', 'r', 'r', 'l'],
        )}\n`,
      );
      const stale = states.filter((s) => s.lastTickAt === null || now - s.lastTickAt > staleMs);
      for (const s of stale) {
        process.stdout.write(
          `${s.accountId}: STALE — ${s.lastTickAt === null ? 'never ticked' : `last tick ${Math.round((now - s.lastTickAt) / 1000)} s ago (limit ${opts.staleAfter} s)`}: the guard is not watching it (is \`riskguard run\` or the deployed schedule running?)\n`,
        );
      }
      if (stale.length > 0) process.exitCode = 1;
      for (const s of states) if (s.halted) process.stdout.write(`${s.accountId} is HALTED (${s.haltReason ?? 'no reason recorded'}): re-arm with \`riskguard rearm --account ${s.accountId} --by NAME --reason TEXT\`\n`);
      for (const line of await undeliveredLines(store, states.map((s) => s.accountId))) process.stdout.write(`${line}\n`);
    });
  }

  actOptions(
    program
      .command('rearm')
      .description('re-arm a halted account (a human act, audited and alerted): level OK, peak re-based at the next accepted tick')
      .requiredOption('--account <id>', 'account id')
      .requiredOption('--by <name>', 'who re-arms')
      .requiredOption('--reason <text>', 'why it is safe again')
      .option('--force', 'also re-arm an account that is not halted (wipes its drawdown)'),
  ).action(async (opts: ActOpts & { force?: boolean }) => {
    const act = parseHumanAct(opts);
    const notifier = actNotifier(opts);
    refuseMissingState(opts, act.accountId);
    await withStore(opts, async ({ store, where }) => {
      const o = await rearm({ store, clock: systemClock, notifier }, { ...act, ...(opts.force ? { force: true } : {}) });
      process.stdout.write(
        `Re-armed ${act.accountId} in ${where} by ${act.by}: level OK, not halted; the first accepted tick within ${REARM_REBASE_MS / 60_000} min sets the new peak (else it stays at ${money(o.state.peakEquity, o.state.currency)}).\n`,
      );
      reportAlert(o);
    });
  });

  actOptions(
    program
      .command('pause')
      .description('a maintenance window: alerts continue, no automatic orders until --until (audited and alerted)')
      .requiredOption('--account <id>', 'account id')
      .requiredOption('--by <name>', 'who pauses')
      .requiredOption('--reason <text>', 'why')
      .option('--until <time>', 'end: ISO time or a duration like 30m, 2h, 1d', '1h'),
  ).action(async (opts: ActOpts & { until: string }) => {
    const act = parseHumanAct(opts);
    const until = parseUntil(opts.until, systemClock.now());
    if (until <= systemClock.now()) throw new ConfigError(`--until ${opts.until} (${when(until)}) is not in the future`);
    const notifier = actNotifier(opts);
    // A configured account may be paused before its first tick; otherwise it must be stored.
    if (!opts.config) refuseMissingState(opts, act.accountId);
    await withStore(opts, async ({ store, where }) => {
      const o = await pause({ store, clock: systemClock, notifier }, { ...act, until, create: opts.config !== undefined });
      process.stdout.write(`Paused ${act.accountId} in ${where} until ${when(until)}: alerts continue, automatic orders are withheld.\n`);
      reportAlert(o);
    });
  });

  actOptions(
    program
      .command('resume')
      .description('end a pause early (audited and alerted)')
      .requiredOption('--account <id>', 'account id')
      .requiredOption('--by <name>', 'who resumes')
      .requiredOption('--reason <text>', 'why'),
  ).action(async (opts: ActOpts) => {
    const act = parseHumanAct(opts);
    const notifier = actNotifier(opts);
    refuseMissingState(opts, act.accountId);
    await withStore(opts, async ({ store, where }) => {
      const o = await resume({ store, clock: systemClock, notifier }, act);
      process.stdout.write(`Resumed ${act.accountId} in ${where}: automatic orders are enabled again.\n`);
      reportAlert(o);
    });
  });

  storeOptions(
    program
      .command('events')
      .description("an account's audit log, newest first: decisions, actions, alerts, human acts")
      .requiredOption('--account <id>', 'account id')
      .addOption(new Option('--limit <n>', 'how many').default(20).argParser(positiveInt('--limit')))
      .option('--follow', 'then print new events as they are written, until Ctrl-C')
      .option('--json', 'print JSON'),
  ).action(async (opts: StoreOptions & { account: string; limit: number; json?: boolean; follow?: boolean }) => {
    refuseMissingState(opts, opts.account);
    await eventsOnce(opts);
    if (!opts.follow) return;
    // Newest first from the store; printed oldest first as they come (one line each, JSON lines with --json).
    let last = (await withStore(opts, ({ store }) => store.events(opts.account, 1)))[0]?.at ?? 0;
    const seen = new Set<string>();
    await untilStopped(async () => {
      const fresh = (await withStore(opts, ({ store }) => store.events(opts.account, 100))).filter((e) => e.at >= last).reverse();
      for (const e of fresh) {
        const key = `${e.at}|${e.type}|${e.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        process.stdout.write(opts.json ? `${JSON.stringify(e)}\n` : `${when(e.at)}  ${e.type}  ${e.level ?? ''}  ${e.by ?? ''}  ${e.message}\n`);
      }
      if (fresh.length) last = fresh[fresh.length - 1]!.at;
    }, 2_000);
  });

  async function eventsOnce(opts: StoreOptions & { account: string; limit: number; json?: boolean }): Promise<void> {
    await withStore(opts, async ({ store, where }) => {
      if ((await store.get(opts.account)) === null) throw new ConfigError(`no guard state for account "${opts.account}" in ${where}`);
      const events = await store.events(opts.account, opts.limit);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
        return;
      }
      if (events.length === 0) {
        process.stdout.write(`No events for account "${opts.account}".\n`);
        return;
      }
      process.stdout.write(
        `${table(
          ['time', 'type', 'level', 'by', 'message'],
          events.map((e) => [when(e.at), e.type, e.level ?? '', e.by ?? '', e.message]),
          ['l', 'l', 'l', 'l', 'l'],
        )}\n`,
      );
    });
  }

  registerGuardCommands(program);
  registerAgentCommands(program);
  registerReplayCommand(program);
  registerInitCommand(program);

  program
    .command('paper')
    .description('run the paper exchange (default: the Binance USDⓈ-M REST subset) standalone, with a demo account')
    .addOption(venueOption())
    .addOption(new Option('--port <n>', 'port on 127.0.0.1 (0 = a free one)').default(8787).argParser((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be 0–65535, got "${v}"`);
      return n;
    }))
    .option('--replay <SYMBOL=FILE...>', 'replay 1-minute candles as mark prices, e.g. BTCUSDT=data/binance-futures-BTCUSDT-1m-2020-03-11_13.csv')
    .addOption(new Option('--speed <x>', 'replay-seconds per wall-second').default(1).argParser(positiveNumber('--speed')))
    .option('--keys-file <file>', "keep the demo account's keys in this file (created on first use, mode 600): the same keys after a restart")
    .option('--portfolio <file>', 'seed the demo account with a book in the replay portfolio format (crossWalletBalance, positions)')
    .action(async (opts: { venue: PaperVenue; port: number; replay?: string[]; speed: number; keysFile?: string; portfolio?: string }) => {
      // Bad input is found before anything starts (exit 2).
      const book = opts.portfolio ? loadJson(PortfolioSchema, opts.portfolio, 'portfolio') : null;
      const demoKeys = opts.keysFile ? paperKeys(opts.keysFile) : undefined;
      for (const r of opts.replay ?? []) {
        try {
          parseReplayArg(r, opts.venue);
        } catch (err) {
          throw new ConfigError((err as Error).message);
        }
        const file = r.slice(r.indexOf('=') + 1);
        if (!existsSync(file)) throw new ConfigError(`--replay ${r}: no such file ${file}`);
        // A bad CSV is bad input (exit 2), found before the server starts.
        try {
          loadCandlesFile(file);
        } catch (err) {
          throw new ConfigError(`--replay ${r}: not a 1-minute candle CSV (timestamp_ms,open,high,low,close): ${(err as Error).message}`, { cause: err });
        }
      }
      // The banner shows the paper account's own keys (they open nothing on a real exchange): past the redactor.
      const banner = (line: string) => writeUnredacted(process.stdout, `${line}\n`);
      const ex = await runPaperCli({
        venue: opts.venue,
        port: opts.port,
        speed: opts.speed,
        log: banner,
        ...(opts.replay ? { replay: opts.replay } : {}),
        ...(demoKeys ? { demoKeys } : {}),
        ...(book
          ? {
              demoWallet: book.crossWalletBalance,
              demoPositions: book.positions.map((p) => ({
                symbol: p.symbol,
                side: p.side,
                size: p.contracts,
                marginMode: p.marginMode,
                ...(p.entryPrice !== undefined ? { entryPrice: p.entryPrice } : {}),
                ...(p.leverage !== undefined ? { leverage: p.leverage } : {}),
                ...(p.isolatedWallet !== undefined ? { isolatedMargin: p.isolatedWallet } : {}),
              })),
            }
          : {}),
      }).catch((err: unknown) => {
        // A book the paper exchange cannot seed (an unknown symbol, no price) is bad input.
        throw err instanceof Error && opts.portfolio ? new ConfigError(`--portfolio ${opts.portfolio}: ${err.message}`, { cause: err }) : err;
      });
      const demo = ex.engine.listAccounts()[0]!;
      const credentials = Object.entries(ex.dialect.credentialsFor(demo).credentials).map(([k, v]) => `"${k}": "${v}"`).join(', ');
      // Listening for the signal before the last line: whoever reads "Ctrl-C stops" may send it at once.
      const stopped = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      process.stdout.write(
        `\nTo guard the demo account, put its key and secret in the environment variables your config names\n` +
          `(e.g. "credentials": { ${credentials} }) and set "baseUrl": "${ex.url}".\n` +
          `These are paper credentials: they open nothing on a real exchange. Ctrl-C stops.\n`,
      );
      await stopped;
      await ex.close();
    });

  program
    .command('demo')
    .description('the guard through the real 2025-10-10 crash on the paper exchange, beside the same book unguarded (no keys, no cloud)')
    .option('--json-summary <file>', 'also write the summary as JSON')
    .addOption(venueOption('demo'))
    .action(async (opts: { jsonSummary?: string; venue: PaperVenue }) => {
      if (opts.jsonSummary) checkWritable(opts.jsonSummary, '--json-summary');
      // The demos load every venue client: imported when run, not at every start of the CLI.
      if (opts.venue === 'orderly') await (await import('./demo-orderly.ts')).runOrderlyDemo(); // a dual-mode book: Orderly's point
      else await (await import('./demo.ts')).runDemo({ venue: opts.venue, ...(opts.jsonSummary ? { jsonSummary: opts.jsonSummary } : {}) });
    });
  return program;
}

/** The paper demo account's keys, kept in a file across restarts: read it, or create it (mode 600). */
function paperKeys(file: string): { apiKey: string; secret: string } {
  if (existsSync(file)) return loadJson(PaperKeysSchema, file, 'paper keys file');
  const keys = { apiKey: randomBytes(32).toString('hex'), secret: randomBytes(32).toString('hex') };
  try {
    writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw new ConfigError(`--keys-file ${file}: cannot create it: ${(err as Error).message}`, { cause: err });
  }
  return keys;
}

const PaperKeysSchema = z.object({ apiKey: z.string().min(16), secret: z.string().min(16) }).strict();

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A command that finished but found trouble (an UNKNOWN tick, a key that can withdraw) says so.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are "errors" to commander; usage errors are bad input.
      return err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`riskguard: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    const msg = err instanceof RiskGuardError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`riskguard: ${msg}\n`);
    return 1;
  }
}
