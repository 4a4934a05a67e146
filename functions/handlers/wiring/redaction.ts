/** What leaves a handler (thrown errors, published alerts) passes the redactor (functions/redact.ts). */
import type { FormattableAlert } from '../../domain/alert-format.ts';
import type { SnsNotifier } from '../../adapters/sns-notifier.ts';
import type { Logger, Notifier } from '../../ports.ts';
import { redactStrings, redactText } from '../../redact.ts';

/** The same error class name and a redacted message, without the cause (a request with its headers). */
export function redactedError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(redactText(String(err)));
  const clean = redactText(err.message);
  if (clean === err.message) return err;
  const out = new Error(clean);
  out.name = err.name;
  out.stack = `${err.name}: ${clean}`;
  return out;
}

/** Publishes alerts redacted and counts (and logs) those that could not be published, so the invocation can fail loudly. */
export class ReportingNotifier implements Notifier {
  failures: string[] = [];
  constructor(
    private readonly inner: SnsNotifier,
    private readonly log: Logger,
  ) {}

  async notify(alert: FormattableAlert): Promise<void> {
    const clean = redactStrings(alert);
    try {
      await this.inner.notify(clean);
    } catch (err) {
      this.failures.push(redactText(`${alert.kind}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`));
      this.log.error('alert could not be published', { account: alert.accountId, kind: alert.kind, error: err });
      throw err;
    }
  }

  /** Throws when any alert of this invocation was lost: the Errors alarm then reaches the topic. */
  throwIfAny(): void {
    const lost = this.failures.splice(0);
    if (lost.length > 0) throw new Error(`${lost.length} alert(s) could not be published: ${lost.join('; ')}`);
  }
}
