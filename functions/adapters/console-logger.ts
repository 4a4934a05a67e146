import type { Logger } from '../ports.ts';
import { redactFields, redactText } from '../redact.ts';

const ORDER = { debug: 0, info: 1, warn: 2, error: 3 } as const;
export type LogLevel = keyof typeof ORDER;

/** Fields named like secrets hidden, every string redacted (functions/redact.ts). */
export const redact = redactFields;

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
    this.write(`${level.toUpperCase()} ${redactText(msg)}${tail}`);
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
