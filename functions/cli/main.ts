import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AccountSnapshotSchema } from '../domain/snapshot.ts';
import { drawdownOf } from '../domain/peak.ts';
import { ConfigError, RiskGuardError } from '../errors.ts';
import { pause, rearm, resume } from '../use-cases/admin.ts';
import { evalReport, renderEval } from './eval.ts';
import { registerGuardCommands } from './guard-commands.ts';
import { registerAgentCommands, withMayTrade } from './agent-commands.ts';
import { registerReplayCommand } from './replay-command.ts';
import { runDemo } from './demo.ts';
import { existsSync } from 'node:fs';
import { parseReplayArg, runPaperCli } from '../../paper/cli.ts';
import { money, pct, table, when } from './format.ts';
import { loadJson, loadPolicy } from './io.ts';
import { openStore, type StoreOptions } from './store.ts';
import { parseHumanAct, storeOptions } from './options.ts';

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
    .requiredOption('--snapshot <file>', 'account snapshot JSON (see README: snapshot format)')
    .option('--policy <file>', 'policy JSON (only what differs from the defaults)')
    .option('--peak <equity>', 'trailing peak equity to measure drawdown from (default: the snapshot equity)', positiveNumber('--peak'))
    .option('--json', 'print one JSON object instead of tables')
    .action((opts: { snapshot: string; policy?: string; peak?: number; json?: boolean }) => {
      const snapshot = loadJson(AccountSnapshotSchema, opts.snapshot, 'snapshot');
      const policy = loadPolicy(opts.policy);
      const report = evalReport(snapshot, policy, opts.peak ?? null, snapshot.timestamp ?? systemClock.now());
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderEval(report)}\n`);
    });

  storeOptions(
    program
      .command('status')
      .description('show each guarded account: level, halted/paused, peak, drawdown, last tick')
      .option('--account <id>', 'only this account')
      .option('--json', 'print JSON'),
  ).action(async (opts: StoreOptions & { account?: string; json?: boolean }) => {
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
            money(s.lastEquity),
            money(s.peakEquity),
            s.lastEquity === null ? '—' : pct(drawdownOf(s.peakEquity, s.lastEquity)),
            s.lastTickAt === null ? 'never' : `${when(s.lastTickAt)} (${Math.round((now - s.lastTickAt) / 1000)} s ago)`,
          ]),
          ['l', 'l', 'l', 'l', 'r', 'r', 'r', 'l'],
        )}\n`,
      );
      for (const s of states) if (s.halted) process.stdout.write(`${s.accountId} is HALTED (${s.haltReason ?? 'no reason recorded'}): re-arm with \`riskguard rearm --account ${s.accountId} --by NAME --reason TEXT\`\n`);
    });
  });

  storeOptions(
    program
      .command('rearm')
      .description('re-arm a halted account (a human act, audited): level OK, peak re-based at the next tick')
      .requiredOption('--account <id>', 'account id')
      .requiredOption('--by <name>', 'who re-arms')
      .requiredOption('--reason <text>', 'why it is safe again'),
  ).action(async (opts: StoreOptions & { account: string; by: string; reason: string }) => {
    const act = parseHumanAct(opts);
    await withStore(opts, async ({ store, where }) => {
      const s = await rearm({ store, clock: systemClock }, act);
      process.stdout.write(`Re-armed ${s.accountId} in ${where} by ${act.by}: level OK, not halted; the next tick sets the new peak.\n`);
    });
  });

  storeOptions(
    program
      .command('pause')
      .description('a maintenance window: alerts continue, no automatic orders until --until (audited)')
      .requiredOption('--account <id>', 'account id')
      .requiredOption('--by <name>', 'who pauses')
      .requiredOption('--reason <text>', 'why')
      .option('--until <time>', 'end: ISO time or a duration like 30m, 2h, 1d', '1h'),
  ).action(async (opts: StoreOptions & { account: string; by: string; reason: string; until: string }) => {
    const act = parseHumanAct(opts);
    const until = parseUntil(opts.until, systemClock.now());
    await withStore(opts, async ({ store, where }) => {
      await pause({ store, clock: systemClock }, { ...act, until });
      process.stdout.write(`Paused ${act.accountId} in ${where} until ${when(until)}: alerts continue, automatic orders are withheld.\n`);
    });
  });

  storeOptions(
    program
      .command('resume')
      .description('end a pause early (audited)')
      .requiredOption('--account <id>', 'account id')
      .requiredOption('--by <name>', 'who resumes')
      .requiredOption('--reason <text>', 'why'),
  ).action(async (opts: StoreOptions & { account: string; by: string; reason: string }) => {
    const act = parseHumanAct(opts);
    await withStore(opts, async ({ store, where }) => {
      await resume({ store, clock: systemClock }, act);
      process.stdout.write(`Resumed ${act.accountId} in ${where}: automatic orders are enabled again.\n`);
    });
  });

  storeOptions(
    program
      .command('events')
      .description("an account's audit log, newest first: decisions, actions, alerts, human acts")
      .requiredOption('--account <id>', 'account id')
      .addOption(new Option('--limit <n>', 'how many').default(20).argParser(positiveInt('--limit')))
      .option('--json', 'print JSON'),
  ).action(async (opts: StoreOptions & { account: string; limit: number; json?: boolean }) => {
    await withStore(opts, async ({ store }) => {
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
  });

  registerGuardCommands(program);
  registerAgentCommands(program);
  registerReplayCommand(program);

  program
    .command('paper')
    .description('run the paper exchange (Binance USDⓈ-M REST subset) standalone, with a demo account')
    .addOption(new Option('--port <n>', 'port on 127.0.0.1 (0 = a free one)').default(8787).argParser((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be 0–65535, got "${v}"`);
      return n;
    }))
    .option('--replay <SYMBOL=FILE...>', 'replay 1-minute candles as mark prices, e.g. BTCUSDT=data/binance-futures-BTCUSDT-1m-2020-03-11_13.csv')
    .addOption(new Option('--speed <x>', 'replay-seconds per wall-second').default(1).argParser(positiveNumber('--speed')))
    .action(async (opts: { port: number; replay?: string[]; speed: number }) => {
      for (const r of opts.replay ?? []) {
        try {
          parseReplayArg(r);
        } catch (err) {
          throw new ConfigError((err as Error).message);
        }
        const file = r.slice(r.indexOf('=') + 1);
        if (!existsSync(file)) throw new ConfigError(`--replay ${r}: no such file ${file}`);
      }
      const ex = await runPaperCli({ port: opts.port, speed: opts.speed, ...(opts.replay ? { replay: opts.replay } : {}) });
      process.stdout.write(
        `\nTo guard the demo account, put its key and secret in the environment variables your config names\n` +
          `(e.g. "credentials": { "apiKeyEnv": "PAPER_API_KEY", "secretEnv": "PAPER_API_SECRET" }) and set "baseUrl": "${ex.url}".\n` +
          `These are paper credentials: they open nothing on a real exchange. Ctrl-C stops.\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await ex.close();
    });

  program
    .command('demo')
    .description('the guard through the real 2025-10-10 crash on the paper exchange, beside the same book unguarded (no keys, no cloud)')
    .option('--json-summary <file>', 'also write the summary as JSON')
    .action(async (opts: { jsonSummary?: string }) => {
      await runDemo(opts.jsonSummary ? { jsonSummary: opts.jsonSummary } : {});
    });
  return program;
}

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
