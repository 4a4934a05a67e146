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
  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number | null } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs ?? null;
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
