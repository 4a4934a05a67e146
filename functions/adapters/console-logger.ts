import type { Logger } from '../ports.ts';

const ORDER = { debug: 0, info: 1, warn: 2, error: 3 } as const;
export type LogLevel = keyof typeof ORDER;

/** Names that must never reach a log line, whatever a caller passes. */
const SECRET_KEY = /secret|signature|api[-_]?key|password|token|authorization/i;

export function redact(data: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!data) return data;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : v;
  return out;
}

/** Terminal logger for local runs: plain lines on stderr, at or above `level`. */
export class ConsoleLogger implements Logger {
  constructor(
    private readonly level: LogLevel = 'warn',
    private readonly write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  ) {}

  private log(level: LogLevel, msg: string, data?: Record<string, unknown>) {
    if (ORDER[level] < ORDER[this.level]) return;
    const d = redact(data);
    const tail = d && Object.keys(d).length ? ` ${JSON.stringify(d)}` : '';
    this.write(`${level.toUpperCase()} ${msg}${tail}`);
  }

  debug(msg: string, data?: Record<string, unknown>) {
    this.log('debug', msg, data);
  }
  info(msg: string, data?: Record<string, unknown>) {
    this.log('info', msg, data);
  }
  warn(msg: string, data?: Record<string, unknown>) {
    this.log('warn', msg, data);
  }
  error(msg: string, data?: Record<string, unknown>) {
    this.log('error', msg, data);
  }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
