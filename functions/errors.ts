/** The project's error hierarchy; each sets `name` and keeps the underlying `cause`. */
export class RiskGuardError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The venue could not be reached or answered with a transient failure (retryable). */
export class ExchangeUnavailableError extends RiskGuardError {}

/** The venue asked to slow down (429) or banned the IP for a while (418): wait `retryAfterMs`. */
export class ExchangeRateLimitError extends ExchangeUnavailableError {
  readonly retryAfterMs: number | null;
  /** The HTTP status when known: 429 (slow down) or 418 (this IP is banned for a while). */
  readonly status: 429 | 418 | null;
  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number | null; status?: 429 | 418 | null } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs ?? null;
    this.status = options.status ?? null;
  }
}

/** The venue rejected our credentials: alert at once, retrying will not help. */
export class ExchangeAuthError extends RiskGuardError {}

/** The venue answered, but with data the guard cannot trust or model. */
export class ExchangeDataError extends RiskGuardError {}

/** A close-all or reduce ended with positions still open. */
export class CloseAllIncompleteError extends RiskGuardError {}

/** Invalid configuration, policy, snapshot or command-line input. */
export class ConfigError extends RiskGuardError {}
