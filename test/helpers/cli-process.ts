/**
 * Runs `node bin/riskguard.mjs …` as a child process without blocking this process's event loop
 * (the paper exchange under test runs here). Every child is tracked; `killAll()` in afterAll (or
 * afterEach) ends whatever is still running, so no test leaves a process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { quietAwsSdkNodeWarning } from '../../functions/adapters/local-dynamo.ts';
import { startPaperExchange, type PaperAccount, type PaperExchange } from '../../paper/index.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the output (stdout + stderr) matches; rejects if the process ends first. */
  waitFor(re: RegExp): Promise<void>;
  /** Resolves on exit with everything it printed. */
  done: Promise<CliResult>;
}

const children = new Set<ChildProcess>();

/** Starts the CLI; the returned `done` resolves on exit (never rejects). */
export function startCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliProcess {
  const child = spawn(process.execPath, [join(ROOT, 'bin/riskguard.mjs'), ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const waiters: { re: RegExp; ok: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.re.test(stdout + stderr)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.ok();
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    check();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    check();
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitFor: (re) =>
      new Promise<void>((ok, fail) => {
        if (re.test(stdout + stderr)) return ok();
        waiters.push({ re, ok });
        void done.then((r) => fail(new Error(`riskguard ${args[0]} exited (${r.code ?? r.signal}) before printing ${re}:\n${r.stdout}\n${r.stderr}`)));
      }),
    done,
  };
}

/** Runs the CLI to completion. */
export const runCli = (args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> => startCli(args, opts).done;

/** Kills every child still running (SIGKILL) and waits for them. */
export async function killAll(): Promise<void> {
  const running = [...children];
  for (const c of running) c.kill('SIGKILL');
  await Promise.all(running.map((c) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('close', () => r())))));
}

/**
 * A paper exchange in this process (BTC at 50,000, stepped by hand) with one 10,000 USDT account
 * holding a cross BTC long of `btc` (10x), and what a CLI process needs to guard it as `main`:
 * its environment and a config naming it.
 */
export async function paperForCli(btc: number): Promise<{
  paper: PaperExchange;
  acc: PaperAccount;
  env: NodeJS.ProcessEnv;
  /** The config JSON for the account `main` (with `extra` top-level keys, e.g. alerts). */
  config(extra?: Record<string, unknown>): string;
}> {
  quietAwsSdkNodeWarning();
  const paper = await startPaperExchange({ speed: 0 });
  paper.engine.setPrices({ BTCUSDT: 50_000 });
  const acc = paper.engine.createAccount({
    walletBalance: 10_000,
    symbols: { BTCUSDT: { marginMode: 'cross', leverage: 10 } },
    positions: [{ symbol: 'BTCUSDT', side: 'long', size: btc, entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
  });
  const config = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ accounts: [{ id: 'main', exchange: 'binanceusdm', baseUrl: paper.url, credentials: { apiKeyEnv: 'PAPER_KEY', secretEnv: 'PAPER_SECRET' } }], ...extra });
  return { paper, acc, env: { PAPER_KEY: acc.apiKey, PAPER_SECRET: acc.secret }, config };
}
