import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Alert, Notifier } from '../ports.ts';
import { redactStrings, redactText } from '../redact.ts';

/** Prints each alert to the terminal (stderr, so JSON on stdout stays clean). */
export class ConsoleNotifier implements Notifier {
  constructor(private readonly write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)) {}

  async notify(a: Alert): Promise<void> {
    this.write(redactText(`ALERT [${a.accountId}] ${a.kind.toUpperCase()} ${a.level}: ${a.summary}`));
  }
}

/** Appends each alert as one JSON line (local runs: a record to grep, tail or feed elsewhere). */
export class JsonlNotifier implements Notifier {
  constructor(private readonly file: string) {}

  async notify(a: Alert): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify(redactStrings({ ...a, time: new Date(a.at).toISOString() }))}\n`, 'utf8');
  }
}

/** Sends each alert to every notifier; one failing channel does not silence the others. */
export class FanoutNotifier implements Notifier {
  constructor(private readonly notifiers: Notifier[]) {}

  async notify(a: Alert): Promise<void> {
    const results = await Promise.allSettled(this.notifiers.map((n) => n.notify(a)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length === results.length && failed.length > 0) throw failed[0]!.reason;
  }
}

/** Keeps alerts in memory (the demo counts and prints them). */
export class MemoryNotifier implements Notifier {
  readonly alerts: Alert[] = [];

  async notify(a: Alert): Promise<void> {
    this.alerts.push(a);
  }
}
