import { Option, type Command } from 'commander';
import { closeAllByHand } from '../use-cases/close-all.ts';
import { runGuardTick } from '../use-cases/run-guard-tick.ts';
import { DEFAULT_ADAPTIVE, intervalSeconds } from '../use-cases/cadence.ts';
import type { TickResult } from '../use-cases/types.ts';
import { ConfigError } from '../errors.ts';
import { money, when } from './format.ts';
import { openLocalGuard, snsNotifier, type LocalGuard } from './runtime.ts';
import { runGroupTick, type GroupTickResult } from '../use-cases/group.ts';
import { ConfigSchema } from '../config.ts';
import { ConsoleNotifier, JsonlNotifier } from '../adapters/local-notifiers.ts';
import type { Notifier } from '../ports.ts';
import { loadJson } from './io.ts';
import type { StoreOptions } from './store.ts';
import { parseHumanAct, parseTopicArn, storeOptions } from './options.ts';

/** One status line per account and tick: time, equity, peak, drawdown, margin ratio, level. */
export function tickLine(r: TickResult): string {
  const dd = r.drawdownPct === null ? '—' : `${r.drawdownPct.toFixed(2)} %`;
  const mr = r.marginRatio === null ? '—' : r.marginRatio.toFixed(4);
  const flags = [r.halted ? 'HALTED' : '', r.paused ? 'PAUSED' : ''].filter(Boolean).join(' ');
  const head = `${when(r.at)}  ${r.accountId}  ${r.status.padEnd(9)} equity ${money(r.equity)}  peak ${money(r.peakEquity)}  drawdown ${dd}  margin ratio ${mr}${flags ? `  ${flags}` : ''}`;
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
  const head = `${when(g.at)}  group:${g.groupId}  ${g.kind.toUpperCase().padEnd(9)} equity ${money(g.equity)}  peak ${money(g.peakEquity)}  drawdown ${dd}`;
  const closed = g.closed.map((c) => `    > closed ${c.accountId}: ${c.done ? 'flat' : `INCOMPLETE ${c.error ?? ''}`}`);
  return [head, ...g.reasons.map((r) => `    ${r}`), ...closed].join('\n');
}

const withAlertOptions = (cmd: Command): Command => storeOptions(cmd, { alerts: true });

export function registerGuardCommands(program: Command): void {
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
        const r = await runGuardTick(guard.deps(a.config.id), a, opts.dryRun ? { dryRun: true } : {});
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
      .option('--dry-run', 'decide and alert, but place no orders')
      .option('--verbose', 'log every request outcome'),
  ).action(async (opts: StoreOptions & { config: string; interval: number; dryRun?: boolean; verbose?: boolean }) => {
    const guard = await openLocalGuard(opts.config, opts);
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
    const due = new Map(guard.accounts.map((a) => [a.config.id, 0]));
    const latest = new Map<string, TickResult>();
    try {
      while (!stop) {
        const fresh = new Set<string>();
        for (const a of guard.accounts) {
          if (due.get(a.config.id)! > Date.now()) continue;
          let seconds = opts.interval;
          try {
            const r = await runGuardTick(guard.deps(a.config.id), a, opts.dryRun ? { dryRun: true } : {});
            latest.set(a.config.id, r);
            fresh.add(a.config.id);
            process.stdout.write(`${tickLine(r)}\n`);
            // Above OK the same adaptive cadence as in the cloud; a halted account is flat or being flattened each tick.
            if (r.level !== 'OK' && !r.halted) seconds = Math.min(opts.interval, intervalSeconds(r.level, false, a.config.cadence ?? DEFAULT_ADAPTIVE));
          } catch (err) {
            // A failed tick must be loud, and must not stop the other accounts' guard.
            process.stderr.write(`${when(Date.now())}  ${a.config.id}  TICK FAILED: ${(err as Error).message}\n`);
          }
          due.set(a.config.id, Date.now() + seconds * 1000);
        }
        if (fresh.size > 0) {
          // Members not ticked this round count with their last equity; their transfers were already applied.
          const members = [...latest.values()].map((r) => (fresh.has(r.accountId) ? r : { ...r, netTransfers: 0 }));
          try {
            for (const g of await tickGroups(guard, members, opts.dryRun === true)) process.stdout.write(`${groupLine(g)}\n`);
          } catch (err) {
            process.stderr.write(`${when(Date.now())}  GROUP TICK FAILED: ${(err as Error).message}\n`);
          }
        }
        const wait = Math.min(...due.values()) - Date.now();
        for (let t = 0; t < wait && !stop; t += 250) await new Promise((r) => setTimeout(r, Math.min(250, wait - t)));
      }
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
          ? `${opts.account}: FLAT (confirmed by a fresh read). ${r.orders.length} order(s), ${r.cancelled} cancelled; equity ${money(r.equity)}. Account is HALTED until \`riskguard rearm\`.\n`
          : `${opts.account}: INCOMPLETE — still open: ${r.residuals.map((x) => `${x.symbol} ${x.side} ${x.contracts}`).join(', ')}. Errors: ${r.errors.join('; ')}\n`,
      );
      if (!r.done) process.exitCode = 1;
    } finally {
      await guard.close();
    }
  });

  program
    .command('test-alert')
    .description('send one test alert through every configured channel (terminal, JSONL file, and the SNS topic with --topic-arn)')
    .requiredOption('--config <file>', 'riskguard.config.json')
    .option('--topic-arn <arn>', 'the deployed alert topic (stack output AlertTopicArn): reaches every email, phone and webhook', parseTopicArn)
    .option('--region <region>', 'AWS region of the topic (default: from the ARN)')
    .action(async (opts: { config: string; topicArn?: string; region?: string }) => {
      const config = loadJson(ConfigSchema, opts.config, 'config');
      const channels: string[] = ['terminal'];
      const notifiers: Notifier[] = [new ConsoleNotifier()];
      if (config.alerts.jsonlFile) {
        notifiers.push(new JsonlNotifier(config.alerts.jsonlFile));
        channels.push(`JSONL file ${config.alerts.jsonlFile}`);
      }
      if (opts.topicArn) {
        notifiers.push(snsNotifier(opts));
        channels.push(`SNS topic ${opts.topicArn} (${config.alerts.emails.length} email(s), ${config.alerts.phones.length} phone(s), ${config.alerts.webhooks.length} webhook(s) configured)`);
      }
      const at = Date.now();
      for (const n of notifiers) {
        await n.notify({
          accountId: config.accounts[0]!.id,
          kind: 'test',
          level: 'OK',
          summary: 'test alert: if you read this, alerts reach you',
          body: `A test alert from riskguard at ${new Date(at).toISOString()}. Nothing is wrong; no order was placed.`,
          at,
        });
      }
      process.stdout.write(`Test alert sent through: ${channels.join('; ')}.\n`);
      if (!opts.topicArn) process.stdout.write('No --topic-arn given: SMS and email go through the deployed SNS topic only.\n');
      else process.stdout.write('Email subscribers must have confirmed their subscription; SMS needs a spend limit above $0 and, in the SMS sandbox, verified numbers.\n');
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
          const d = await guard.deps(a.config.id).exchange.diagnose();
          const yn = (b: boolean | null) => (b === null ? 'unknown' : b ? 'yes' : 'no');
          const skew = d.clockSkewMs === null ? 'unknown' : `${d.clockSkewMs} ms${Math.abs(d.clockSkewMs) > 1000 ? ' — OUT OF STEP (> 1000 ms): fix the system clock' : ''}`;
          process.stdout.write(`${a.config.id} (${a.config.exchange})\n  can read:     ${yn(d.canRead)}\n  can trade:    ${yn(d.canTrade)}\n  clock skew:   ${skew}\n`);
          if (d.canWithdraw) {
            process.stdout.write(`  can WITHDRAW: YES — RISK: a guard key needs read and trade only. Create a key without withdrawal permission.\n`);
            bad = true;
          } else process.stdout.write(`  can withdraw: ${yn(d.canWithdraw)}\n`);
          for (const n of d.notes) process.stdout.write(`  note: ${n}\n`);
          if (!d.canRead || d.canTrade === false) bad = true;
        }
      } finally {
        await guard.close();
      }
      if (bad) process.exitCode = 1;
    });
}
