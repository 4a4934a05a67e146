/**
 * The one redactor: every output boundary (logs, CLI output, alerts, audit writes, JSON results)
 * passes its text through here, locally and in the Lambda alike.
 *
 * Two nets:
 * - **By value**: every secret the process loads (exchange key, secret, private key, passphrase,
 *   bot tokens) is registered with {@link registerSecret} where it is loaded, and any occurrence is
 *   replaced, also URL- or JSON-encoded: an exchange error body that quotes the key verbatim
 *   outside any labelled field is caught too.
 * - **By pattern**: signed-request parameters (`signature=`, `apiKey=`, …), labelled key headers
 *   (each venue module's, e.g. Binance's `X-MBX-APIKEY: …`, see {@link addRedactionHints}), and Telegram-style bot tokens, even when their value was never loaded
 *   here (a venue echoing someone else's key, a stale signature in a URL).
 *
 * @example
 * registerSecret(creds.apiKey, creds.secret);
 * redactText(`GET /fapi/v3/account?timestamp=1&signature=9f8e… key ${creds.apiKey}`);
 * // 'GET /fapi/v3/account?timestamp=1&signature=[redacted] key [redacted]'
 */

/** What replaces a secret. */
export const REDACTED = '[redacted]';

/** Shorter values are not registered: redacting "abc" everywhere would garble output, and no real key is that short. */
export const MIN_SECRET_LENGTH = 6;

/** Keys of structured data whose value is never shown, whatever it is. */
const SECRET_FIELD = /secret|signature|api[-_]?key|password|passphrase|private[-_]?key|token|authorization/i;

/** Parameter names whose value is a secret wherever it appears (venue modules add their own). */
const PARAM_NAMES = new Set(['signature', 'apiKey', 'api_key', 'secret', 'secretKey', 'passphrase', 'password', 'privateKey', 'private_key', 'token']);
/** Labels of secret values in headers and JSON (venue modules add their key headers). */
const LABEL_NAMES = new Set(['apiKey', 'api[-_]key', 'secret', 'secretKey', 'signature', 'passphrase', 'privateKey', 'private[-_]key']);

const escape = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const buildParam = () => new RegExp(`\\b(${[...PARAM_NAMES].join('|')})=([^&\\s"',;]+)`, 'gi');
const buildLabelled = () => new RegExp(`((?:${[...LABEL_NAMES].join('|')})["']?\\s*[:=]\\s*["']?)([A-Za-z0-9+/=_.-]{6,})`, 'gi');
/** `name=value` in query strings and form bodies (ccxt quotes signed URLs in its error messages). */
let PARAM = buildParam();
/** Labelled values in headers and JSON: `X-MBX-APIKEY: abc`, `"apiKey":"abc"`, `'secret': 'abc'`. */
let LABELLED = buildLabelled();

/**
 * A venue's own places for secrets (its key header, its signature parameter), added when the venue
 * module is used (functions/venues/index.ts). Idempotent.
 * @example addRedactionHints({ headers: ['X-MBX-APIKEY'], params: ['signature'] })
 */
export function addRedactionHints(hints: { readonly headers: readonly string[]; readonly params: readonly string[] }): void {
  const before = PARAM_NAMES.size + LABEL_NAMES.size;
  for (const h of hints.headers) {
    PARAM_NAMES.add(escape(h));
    LABEL_NAMES.add(escape(h));
  }
  for (const p of hints.params) {
    PARAM_NAMES.add(escape(p));
    LABEL_NAMES.add(escape(p));
  }
  if (PARAM_NAMES.size + LABEL_NAMES.size !== before) {
    PARAM = buildParam();
    LABELLED = buildLabelled();
  }
}

/** Telegram bot tokens (`123456789:AA…`), alone or in a bot API URL. */
const BOT_TOKEN = /(?<![0-9])\d{6,12}:[A-Za-z0-9_-]{30,}/g;

const secrets = new Set<string>();
/** Longest first, so a secret that contains another is replaced whole. */
let ordered: string[] = [];

/**
 * Registers secrets by value as they are loaded (credentials from the environment, SSM, Secrets
 * Manager). Values shorter than {@link MIN_SECRET_LENGTH} and empty ones are ignored.
 */
export function registerSecret(...values: (string | null | undefined)[]): void {
  let changed = false;
  for (const v of values) {
    if (typeof v !== 'string' || v.trim().length < MIN_SECRET_LENGTH) continue;
    for (const form of [v, v.trim(), encodeURIComponent(v), JSON.stringify(v).slice(1, -1)]) {
      if (form.length >= MIN_SECRET_LENGTH && !secrets.has(form)) {
        secrets.add(form);
        changed = true;
      }
    }
  }
  if (changed) ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
  ordered = [];
}

/** The text with every registered secret and every secret-looking parameter replaced by {@link REDACTED}. */
export function redactText(s: string): string {
  let out = s;
  for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out
    .replace(PARAM, (_m, name: string) => `${name}=${REDACTED}`)
    .replace(LABELLED, (m, label: string, value: string) => (value === REDACTED.slice(1, -1) ? m : `${label}${REDACTED}`))
    .replace(BOT_TOKEN, REDACTED);
}

/**
 * Any value, deeply: strings redacted, fields named like secrets hidden, errors reduced to
 * `{ name, message }` (their stacks and causes may hold request objects with headers).
 */
export function redactValue(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return redactText(v);
  if (v instanceof Error) return { name: v.name, message: redactText(v.message) };
  if (depth > 20 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => redactValue(x, depth + 1));
  // Only plain records are rebuilt (a Date or a Map would lose itself in Object.entries).
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, SECRET_FIELD.test(k) && typeof x === 'string' ? REDACTED : redactValue(x, depth + 1)]),
  );
}

/** A record's fields redacted (for loggers); undefined stays undefined. */
export function redactFields(data: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return data === undefined ? undefined : (redactValue(data) as Record<string, unknown>);
}

/** Same shape, every string field redacted (alerts, audit events). */
export function redactStrings<T extends object>(obj: T): T {
  return redactValue(obj) as T;
}

type Write = NodeJS.WriteStream['write'];
const installed = new WeakSet<NodeJS.WriteStream>();
const originals = new WeakMap<NodeJS.WriteStream, (...args: unknown[]) => boolean>();

/**
 * Writes past the redactor: only for text that is meant to show a credential — the paper
 * exchange's own demo keys in its banner, which open nothing on a real venue.
 */
export function writeUnredacted(stream: NodeJS.WriteStream, text: string): void {
  (originals.get(stream) ?? (stream.write.bind(stream) as (...args: unknown[]) => boolean))(text);
}

/**
 * Puts the redactor between the process and its stdout/stderr: every command's output, its
 * `--json` results and its error lines pass through {@link redactText}. Writes are whole lines
 * here, so a secret is never split across two writes. Idempotent.
 */
export function installOutputRedaction(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (installed.has(stream)) continue;
    installed.add(stream);
    const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    originals.set(stream, original);
    const write = (chunk: unknown, ...rest: unknown[]): boolean => {
      if (typeof chunk === 'string') return original(redactText(chunk), ...rest);
      if (chunk instanceof Uint8Array) return original(redactText(Buffer.from(chunk).toString('utf8')), ...rest);
      return original(chunk, ...rest);
    };
    stream.write = write as Write;
  }
}
