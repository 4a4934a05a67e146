import { canBackstop } from '../use-cases/backstop-sync.ts';
import { Option, type Command } from 'commander';
import { closeAllByHand } from '../use-cases/close-all.ts';
import { runGuardTick } from '../use-cases/run-guard-tick.ts';
import { DEFAULT_ADAPTIVE } from '../use-cases/cadence.ts';
import { guardLoop } from '../use-cases/guard-loop.ts';
import type { TickResult } from '../use-cases/types.ts';
import { ConfigError } from '../errors.ts';
import { money, when } from './format.ts';
import { localChatChannels, openLocalGuard, snsNotifier, type LocalGuard } from './runtime.ts';
import { configuredChats, deliver } from '../adapters/chat-notifiers.ts';
import { runGroupTick, type GroupTickResult } from '../use-cases/group.ts';
import { ConfigSchema } from '../config.ts';
import { ConsoleNotifier, JsonlNotifier } from '../adapters/local-notifiers.ts';
import { loadJson } from './io.ts';
import type { StoreOptions } from './store.ts';
import { parseHumanAct, parseTopicArn, storeOptions } from './options.ts';
import { installOutputRedaction } from '../redact.ts';
import { FailedTickWatch } from '../use-cases/failed-ticks.ts';

/** One status line per account and tick: time, equity, peak, drawdown, margin ratio, level. */
export function tickLine(r: TickResult): string {
  const dd = r.drawdownPct === null ? '—' : `${r.drawdownPct.toFixed(2)} %`;
  const mr = r.marginRatio === null ? '—' : r.marginRatio.toFixed(4);
  const flags = [r.halted ? 'HALTED' : '', r.paused ? 'PAUSED' : ''].filter(Boolean).join(' ');
  const head = `${when(r.at)}  ${r.accountId}  ${r.status.padEnd(9)} equity ${money(r.equity, r.currency)}  peak ${money(r.peakEquity, r.currency)}  drawdown ${dd}  margin ratio ${mr}${flags ? `  ${flags}` : ''}`;
  const tail = [
    ...(r.status === 'UNKNOWN' ? r.reasons.map((x) => `    ! ${x}`) : []),
    ...r.actions.map((a) => `    > ${a}`),
  ];
  return [head, ...tail].join('\n');
}

/** After the members' ticks: each group's combined equity and peak; a breach closes every member. */
async function tickGroups(guard: LocalGuard, results: TickResult[], dryRun: boolean): Promise<GroupTickResult[]> {
  const out: GroupTickResult[] = [];
  for (const group of guard.config.groups) {
    const members = results.filter((r) => guard.accounts.find((a) => a.config.id === r.accountId)?.config.group === group.id);
    if (members.length === 0) continue;
    if (dryRun) continue;
    const any = guard.deps(members[0]!.accountId);
    out.push(
      await runGroupTick(
        { store: any.store, notifier: guard.notifier, clock: any.clock, log: guard.log, exchange: (id) => guard.deps(id).exchange },
        group,
        members,
      ),
    );
  }
  return out;
}

export function groupLine(g: GroupTickResult): string {
  const dd = g.drawdownPct === null ? '—' : `${g.drawdownPct.toFixed(2)} %`;
  const head = `${when(g.at)}  group:${g.groupId}  ${g.kind.toUpperCase().padEnd(9)} equity ${money(g.equity, g.currency)}  peak ${money(g.peakEquity, g.currency)}  drawdown ${dd}`;
  const closed = g.closed.map((c) => `    > closed ${c.accountId}: ${c.done ? 'flat' : `INCOMPLETE ${c.error ?? ''}`}`);
  return [head, ...g.reasons.map((r) => `    ${r}`), ...closed].join('\n');
}

/** A live tick's trip heartbeat (ms): a trip quiet for 3 of these belongs to a dead process. */
const HEARTBEAT_MS = 2_000;

const withAlertOptions = (cmd: Command): Command => storeOptions(cmd, { alerts: true });

export function registerGuardCommands(program: Command): void {
  // Every command's stdout/stderr (status lines, --json results, error lines) passes the redactor:
  // the keys these commands load never reach the terminal, whatever an exchange error quotes.
  installOutputRedaction();
  withAlertOptions(
    program
      .command('tick')
      .description('one guard tick per configured account: read, gate, decide, act, alert, record')
      .requiredOption('--config <file>', 'riskguard.config.json')
      .option('--account <id>', 'only this account')
      .option('--dry-run', 'decide and alert, but place no orders')
      .option('--json', 'print the tick results as JSON')
      .option('--verbose', 'log every request outcome'),
  ).action(async (opts: StoreOptions & { config: string; account?: string; dryRun?: boolean; json?: boolean; verbose?: boolean }) => {
    const guard = await openLocalGuard(opts.config, { ...opts, ...(opts.account ? { only: opts.account } : {}) });
    try {
      const results: TickResult[] = [];
      for (const a of guard.accounts) {
        const r = await runGuardTick(guard.deps(a.config.id), a, { heartbeatEveryMs: HEARTBEAT_MS, ...(opts.dryRun ? { dryRun: true } : {}) });
        results.push(r);
        if (!opts.json) process.stdout.write(`${tickLine(r)}\n`);
      }
      const groups = await tickGroups(guard, results, opts.dryRun === true);
      if (!opts.json) for (const g of groups) process.stdout.write(`${groupLine(g)}\n`);
      if (opts.json) process.stdout.write(`${JSON.stringify(groups.length ? { accounts: results, groups } : results, null, 2)}\n`);
      if (results.some((r) => r.status === 'UNKNOWN')) process.exitCode = 1;
    } finally {
      await guard.close();
    }
  });

  withAlertOptions(
    program
      .command('run')
      .description('the guard loop: every --interval seconds, faster above OK (adaptive cadence); one status line per tick (Ctrl-C stops)')
      .requiredOption('--config <file>', 'riskguard.config.json')
      .addOption(new Option('--interval <s>', 'seconds between ticks').default(60).argParser((v) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 1) throw new ConfigError(`--interval must be at least 1 second, got "${v}"`);
        return n;
      }))
      .addOption(new Option('--concurrency <n>', 'most accounts ticking at once').default(8).argParser((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 256) throw new ConfigError(`--concurrency must be a whole number from 1 to 256, got "${v}"`);
        return n;
      }))
      .option('--dry-run', 'decide and alert, but place no orders')
      .option('--verbose', 'log every request outcome'),
  ).action(async (opts: StoreOptions & { config: string; interval: number; concurrency: number; dryRun?: boolean; verbose?: boolean }) => {
    // `share`: this process holds the local folder for its life (a second `run` on it is refused).
    const guard = await openLocalGuard(opts.config, { ...opts, share: true });
    // A tick that throws (store gone, figures that cannot be written, a bug) is alerted like UNKNOWN ticks.
    const failures = new FailedTickWatch({ notifier: guard.notifier, clock: { now: () => Date.now() }, log: guard.log, store: guard.store.store });
    let stop = false;
    const onSignal = () => {
      stop = true;
      process.stderr.write('stopping after this tick…\n');
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.stderr.write(
      `riskguard: guarding ${guard.accounts.map((a) => a.config.id).join(', ')} every ${opts.interval} s, faster above OK (${guard.store.where})${opts.dryRun ? ' — DRY RUN' : ''}\n`,
    );
    const latest = new Map<string, TickResult>();
    // Group ticks run after a member's tick, one at a time.
    let groups = Promise.resolve();
    const afterTick = (r: TickResult) => {
      latest.set(r.accountId, r);
      groups = groups.then(async () => {
        if (!guard.config.groups.length) return;
        // Members not ticked just now count with their last equity; their transfers were already applied.
        const members = [...latest.values()].map((m) => (m.accountId === r.accountId ? m : { ...m, netTransfers: 0 }));
        try {
          for (const g of await tickGroups(guard, members, opts.dryRun === true)) process.stdout.write(`${groupLine(g)}\n`);
        } catch (err) {
          process.stderr.write(`${when(Date.now())}  GROUP TICK FAILED: ${(err as Error).message}\n`);
        }
      });
      return groups;
    };
    // The mark watch: one venue-wide mark read per venue (through the first account's port that has one).
    // The venue's own count of the IP's weight paces the quiet accounts (shared per venue by the adapter).
    const marks: Record<string, () => Promise<Record<string, number>>> = {};
    const usedWeight: Record<string, () => { used: number; at: number } | null> = {};
    for (const a of guard.accounts) {
      const exchange = guard.deps(a.config.id).exchange;
      if (exchange.fetchMarks && !marks[a.config.exchange]) marks[a.config.exchange] = () => exchange.fetchMarks!();
      if (exchange.usedWeight && !usedWeight[a.config.exchange]) usedWeight[a.config.exchange] = () => exchange.usedWeight!();
    }
    try {
      await guardLoop(
        guard.accounts.map((a) => ({
          id: a.config.id,
          venue: a.config.exchange,
          cadence: a.config.cadence ?? DEFAULT_ADAPTIVE,
          policy: a.policy,
          tick: async ({ onRateLimit }) => {
            const deps = { ...guard.deps(a.config.id), onRateLimit };
            const w = await failures.tick(a, () => runGuardTick(deps, a, { heartbeatEveryMs: HEARTBEAT_MS, ...(opts.dryRun ? { dryRun: true } : {}) }));
            if (w.ok) return w.result;
            throw new Error(`TICK FAILED (${w.streak} in a row${w.alerted ? ', alerted' : ''}): ${w.error}`);
          },
        })),
        {
          okSeconds: opts.interval,
          concurrency: opts.concurrency,
          budgets: (await import('../venues/index.ts')).venueBudgets(),
          marks,
          usedWeight,
          clock: { now: () => Date.now() },
          sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
          stopped: () => stop,
          onResult: (_a, r) => {
            process.stdout.write(`${tickLine(r)}\n`);
            return afterTick(r);
          },
          // Loud, alerted from the 3rd in a row (FailedTickWatch), and the other accounts' guard goes on.
          onError: (a, err) => void process.stderr.write(`${when(Date.now())}  ${a.id}  ${(err as Error).message}\n`),
          // The venue's limit is per IP: every account on it waits; said once per pause.
          onVenuePause: (_venue, message) => void process.stderr.write(`${when(Date.now())}  ${message}\n`),
        },
      );
      await groups;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await guard.close();
    }
  });

  withAlertOptions(
    program
      .command('close-all')
      .description('the panic button: cancel orders, close every position reduce-only, confirm flat, HALT (audited)')
      .requiredOption('--config <file>', 'riskguard.config.json')
      .requiredOption('--account <id>', 'account id')
      .requiredOption('--by <name>', 'who presses the button')
      .requiredOption('--reason <text>', 'why'),
  ).action(async (opts: StoreOptions & { config: string; account: string; by: string; reason: string }) => {
    const act = parseHumanAct(opts);
    const guard = await openLocalGuard(opts.config, { ...opts, only: opts.account });
    try {
      process.stderr.write(`closing all positions of ${opts.account}…\n`);
      const r = await closeAllByHand(guard.deps(opts.account), act);
      process.stdout.write(
        r.done
          ? `${opts.account}: FLAT (confirmed by a fresh read). ${r.orders.length} order(s), ${r.cancelled} cancelled; equity ${money(r.equity, r.finalSnapshot.currency)}. Account is HALTED until \`riskguard rearm\`.\n`
          : `${opts.account}: INCOMPLETE — still open: ${r.residuals.map((x) => `${x.symbol} ${x.side} ${x.contracts}`).join(', ')}. Errors: ${r.errors.join('; ')}\n`,
      );
      if (!r.done) process.exitCode = 1;
    } finally {
      await guard.close();
    }
  });

  program
    .command('test-alert')
    .description('send one test alert through every configured channel (terminal, JSONL file, Telegram/Discord/Slack/ntfy, and the SNS topic with --topic-arn); says which failed')
    .requiredOption('--config <file>', 'riskguard.config.json')
    .option('--topic-arn <arn>', 'the deployed alert topic (stack output AlertTopicArn): reaches every email, phone and webhook, and the chats through the cloud relay', parseTopicArn)
    .option('--region <region>', 'AWS region of the topic (default: from the ARN)')
    .action(async (opts: { config: string; topicArn?: string; region?: string }) => {
      const config = loadJson(ConfigSchema, opts.config, 'config');
      // Every secret checked before anything is sent: a named variable that is not set is bad input.
      const chats = await localChatChannels(config);
      const at = Date.now();
      const alert = {
        accountId: config.accounts[0]!.id,
        kind: 'test' as const,
        level: 'OK',
        summary: 'test alert: if you read this, alerts reach you',
        body: `A test alert from riskguard at ${new Date(at).toISOString()}. Nothing is wrong; no order was placed.`,
        at,
      };
      const results: { channel: string; error: string | null }[] = [];
      const attempt = async (channel: string, send: () => Promise<void>) => {
        try {
          await send();
          results.push({ channel, error: null });
        } catch (err) {
          results.push({ channel, error: (err as Error).message });
        }
      };
      await attempt('terminal', () => new ConsoleNotifier().notify(alert));
      if (config.alerts.jsonlFile) await attempt(`JSONL file ${config.alerts.jsonlFile}`, () => new JsonlNotifier(config.alerts.jsonlFile!).notify(alert));
      for (const c of chats.channels) {
        await attempt(c.name, async () => {
          const r = await deliver(c, alert);
          if (!r.ok) throw new Error(`${r.error} (${r.attempts} attempt(s))`);
        });
      }
      if (opts.topicArn) {
        const a = config.alerts;
        await attempt(
          `SNS topic ${opts.topicArn} (${a.emails.length} email(s), ${a.phones.length} phone(s), ${a.webhooks.length} webhook(s)${configuredChats(a).length ? `, chats through the relay: ${configuredChats(a).join(', ')}` : ''})`,
          () => snsNotifier(opts).notify(alert),
        );
      }
      const failed = results.filter((r) => r.error !== null);
      process.stdout.write(`Test alert for ${alert.accountId}:\n`);
      for (const r of results) process.stdout.write(r.error === null ? `  sent    ${r.channel}\n` : `  FAILED  ${r.channel}: ${r.error}\n`);
      for (const s of chats.skipped) {
        process.stdout.write(
          opts.topicArn
            ? `  cloud   ${s}: posted by the chat relay from the topic; if it fails there it shows in \`riskguard status --table TABLE\`\n`
            : `  skipped ${s}: cloud only; give --topic-arn to test it through the relay\n`,
        );
      }
      if (!opts.topicArn) process.stdout.write('No --topic-arn given: SMS, email and the cloud chat relay go through the deployed SNS topic only.\n');
      else process.stdout.write('Email subscribers must have confirmed their subscription; SMS needs a spend limit above $0 and, in the SMS sandbox, verified numbers.\n');
      if (failed.length > 0) {
        process.stdout.write(`${failed.length} channel(s) FAILED: ${failed.map((f) => f.channel.split(' ')[0]).join(', ')}\n`);
        process.exitCode = 1;
      }
    });

  program
    .command('doctor')
    .description('per account: can it read, can it trade, is the clock in step, and can this key WITHDRAW (a risk)')
    .requiredOption('--config <file>', 'riskguard.config.json')
    .option('--account <id>', 'only this account')
    .action(async (opts: { config: string; account?: string }) => {
      const guard = await openLocalGuard(opts.config, { ...(opts.account ? { only: opts.account } : {}) });
      let bad = false;
      try {
        for (const a of guard.accounts) {
          const port = guard.deps(a.config.id).exchange;
          const d = await port.diagnose();
          const yn = (b: boolean | null) => (b === null ? 'unknown' : b ? 'yes' : 'no');
          // The guard signs with the venue's time (measured at start and after a -1021), so a skew
          // does not blind it; it is still worth fixing (logs and alerts carry this host's time).
          const skew =
            d.clockSkewMs === null
              ? 'unknown'
              : `${d.clockSkewMs > 0 ? '+' : ''}${d.clockSkewMs} ms (this host minus the venue)${Math.abs(d.clockSkewMs) > 1000 ? ' — OUT OF STEP (> 1000 ms): riskguard signs with the venue\'s time, but fix the system clock (NTP)' : ''}`;
          process.stdout.write(`${a.config.id} (${a.config.exchange})\n  can read:     ${yn(d.canRead)}\n  can trade:    ${yn(d.canTrade)}\n  clock skew:   ${skew}\n`);
          if (d.canWithdraw) {
            process.stdout.write(`  can WITHDRAW: YES — RISK: a guard key needs read and trade only. Create a key without withdrawal permission.\n`);
            bad = true;
          } else process.stdout.write(`  can withdraw: ${yn(d.canWithdraw)}\n`);
          // Issue 16: whether the venue module can rest the guard's exchange-side stops.
          const backstops = !canBackstop(port)
            ? `no — riskguard cannot rest stops on ${a.config.exchange}: between ticks (a guard that is late or down) nothing on the exchange acts for it`
            : !a.policy.backstop
              ? 'off (policy backstop: false)'
              : a.policy.dryRun
                ? 'none in dry run'
                : 'yes — one reduce-only stop per position side at its EMERGENCY price, while armed';
          process.stdout.write(`  backstops:    ${backstops}\n`);
          for (const n of d.notes) process.stdout.write(`  note: ${n}\n`);
          if (!d.canRead || d.canTrade === false) bad = true;
        }
      } finally {
        await guard.close();
      }
      if (bad) process.exitCode = 1;
    });
}
