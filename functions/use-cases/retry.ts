import { ExchangeUnavailableError } from '../errors.ts';

export const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Retries transient venue failures (ExchangeUnavailableError: network, timeouts, rate limits)
 * with exponential backoff, never past `deadline` (ms, by `now`). Anything else is thrown at once.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  opts: { attempts: number; baseDelayMs: number; now: () => number; deadline: number; sleep: (ms: number) => Promise<void> },
): Promise<T> {
  let lastErr: unknown;
  for (let i = 0; i < opts.attempts; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ExchangeUnavailableError)) throw err;
      lastErr = err;
      const delay = opts.baseDelayMs * 2 ** i;
      if (i === opts.attempts - 1 || opts.now() + delay > opts.deadline) break;
      await opts.sleep(delay);
    }
  }
  throw lastErr;
}
