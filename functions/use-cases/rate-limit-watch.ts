import { ExchangeRateLimitError } from '../errors.ts';
import type { ExchangePort } from '../ports.ts';

/** A venue's "slow down" (429) or IP ban (418) seen during a tick, with how long it asked to wait. */
export interface RateLimitHit {
  status: 429 | 418 | null;
  /** The longest Retry-After asked (ms); null when the venue gave none. */
  retryAfterMs: number | null;
}

/**
 * The exchange port of one tick, noting every rate-limit answer its reads and orders get (the
 * error still reaches the caller). The venue's limit is per IP, so the caller (the run loop) can
 * hold back every account on that venue, not only the one that was told.
 */
export function watchRateLimits(port: ExchangePort, onHit?: (hit: RateLimitHit) => void): { port: ExchangePort; hit(): RateLimitHit | null } {
  let hit: RateLimitHit | null = null;
  const note = (err: unknown) => {
    if (!(err instanceof ExchangeRateLimitError)) return;
    const longer = Math.max(hit?.retryAfterMs ?? -1, err.retryAfterMs ?? -1);
    // A ban outranks a slow-down: it is what the pause is announced as.
    hit = { status: hit?.status === 418 || err.status === 418 ? 418 : (err.status ?? hit?.status ?? null), retryAfterMs: longer >= 0 ? longer : null };
    onHit?.({ status: err.status, retryAfterMs: err.retryAfterMs });
  };
  const watched = new Proxy(port, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        let out: unknown;
        try {
          out = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          note(err);
          throw err;
        }
        return out instanceof Promise ? out.catch((err: unknown) => (note(err), Promise.reject(err))) : out;
      };
    },
  });
  return { port: watched, hit: () => hit };
}

/** How long to hold a venue after a 429/418 that gave no Retry-After (ms). */
export const DEFAULT_RATE_LIMIT_PAUSE_MS = 5_000;

/** How long (ms) a rate-limit answer holds the venue: its Retry-After, or a short default. */
export const pauseMsOf = (hit: RateLimitHit): number => hit.retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS;

/** "venue answered 418 (IP ban) — Retry-After 30 s" */
export function describeRateLimit(hit: RateLimitHit): string {
  const what = hit.status === 418 ? '418 (IP ban)' : hit.status === 429 ? '429 (too many requests)' : 'a rate limit';
  const after = hit.retryAfterMs === null ? 'no Retry-After' : `Retry-After ${Math.round(hit.retryAfterMs / 1_000)} s`;
  return `venue answered ${what} — ${after}`;
}
