/**
 * The watchdog Lambda (dead-man's switch), once a minute: alerts on the SNS topic about every
 * account whose guard has not ticked successfully in time, and when it recovers.
 */
import { instrumented } from './wiring/observability.ts';
import { watchdogRuntime } from './wiring/watchdog-runtime.ts';
import { runWatchdog, type WatchdogReport } from './watchdog-check.ts';

const rt = watchdogRuntime();

export const handler = instrumented(rt.o, async (): Promise<WatchdogReport> => {
  const report = await runWatchdog(rt.deps, rt.accounts);
  rt.o.log.info('watchdog run', { ...report });
  // A check or an alert that failed must not pass silently: the watchdog Errors alarm sees this.
  if (report.failures.length > 0) {
    throw new Error(`watchdog failed for ${report.failures.map((f) => `${f.accountId} (${f.error})`).join(', ')}`);
  }
  return report;
});
