import { accessSync, constants, statSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as z from 'zod';
import { ConfigError } from '../errors.ts';
import { formatIssues } from '../validation.ts';
import { resolvePolicy, type Policy } from '../domain/policy.ts';

export { formatIssues };

/** Reads a text file; a failure is a ConfigError naming the file: "cannot read <what> file F: why". */
export function readTextFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new ConfigError(`cannot read ${what} file ${file}: ${why}`, { cause: err });
  }
}

/** Reads a JSON file; every failure is a ConfigError that names the file (and the field path). */
export function readJsonFile(file: string, what: string): unknown {
  const text = readTextFile(file, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError(`${what} file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, file: string, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ConfigError(`${what} file ${file} is invalid:\n${formatIssues(r.error)}`, { cause: r.error });
  return r.data;
}

export function loadJson<S extends z.ZodType>(schema: S, file: string, what: string): z.output<S> {
  return parseWith(schema, readJsonFile(file, what), file, what);
}

/** A policy file over the defaults (or the defaults alone); violations are reported with their path. */
export function loadPolicy(file: string | undefined): Policy {
  if (!file) return resolvePolicy();
  const raw = readJsonFile(file, 'policy');
  try {
    return resolvePolicy(raw);
  } catch (err) {
    if (err instanceof z.ZodError) throw new ConfigError(`policy file ${file} is invalid:\n${formatIssues(err)}`, { cause: err });
    throw err;
  }
}

/**
 * An output file (--report, --json-summary) checked before the work, not after: its folder exists
 * and is writable, and the path is not a folder or a read-only file. Bad input is a ConfigError.
 */
export function checkWritable(file: string, flag: string): void {
  const path = resolve(file);
  const why = (() => {
    try {
      const st = statSync(path);
      if (st.isDirectory()) return 'is a directory';
      accessSync(path, constants.W_OK);
      return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return (err as NodeJS.ErrnoException).code === 'EACCES' ? 'not writable' : (err as Error).message;
    }
    const dir = dirname(path);
    try {
      if (!statSync(dir).isDirectory()) return `${dir} is not a folder`;
      accessSync(dir, constants.W_OK);
      return null;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? `no such folder ${dir}` : `folder ${dir} is not writable`;
    }
  })();
  if (why) throw new ConfigError(`${flag} ${file}: cannot write there (${why})`);
}
