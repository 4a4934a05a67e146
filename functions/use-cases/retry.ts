import { ExchangeRateLimitError, ExchangeUnavailableError } from '../errors.ts';

export const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Retries transient venue failures (ExchangeUnavailableError: network, timeouts, rate limits)
 * with exponential backoff — at least the Retry-After a rate limit gives — never past `deadline`
 * (ms, by `now`): a wait that would end past it gives up at once. Anything else is thrown at once.
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
      // A rate limit says how long to wait: never sooner (hammering a 429 turns it into a 418 ban).
      const asked = err instanceof ExchangeRateLimitError ? (err.retryAfterMs ?? 0) : 0;
      const delay = Math.max(opts.baseDelayMs * 2 ** i, asked);
      if (i === opts.attempts - 1 || opts.now() + delay > opts.deadline) break;
      await opts.sleep(delay);
    }
  }
  throw lastErr;
}
