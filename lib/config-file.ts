import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConfigSchema, type RiskGuardConfig } from '../functions/config.ts';
import { ConfigError } from '../functions/errors.ts';
import { formatIssues } from '../functions/validation.ts';

/** The file `cdk synth` and `riskguard run` both read. */
export const CONFIG_FILE = 'riskguard.config.json';
/** Shipped with the repository; used when there is no riskguard.config.json. */
export const EXAMPLE_CONFIG_FILE = 'riskguard.config.example.json';

export interface LoadedConfig {
  config: RiskGuardConfig;
  /** Absolute path of the file read. */
  path: string;
  /** Its base name (what the deployed config records). */
  name: string;
  isExample: boolean;
}

export interface LoadConfigOptions {
  /** Directory searched for riskguard.config.json, then the example. @default process.cwd() */
  readonly dir?: string;
  /** An explicit file instead (CDK context `riskguard:config`). */
  readonly file?: string;
  /** Where the "using ..." line goes. @default stderr */
  readonly announce?: (line: string) => void;
}

/**
 * Reads and validates the config for synth: `file` if given, else riskguard.config.json, else
 * the example; says which on stderr. Errors list every problem with its path.
 */
export function loadConfigFile(opts: LoadConfigOptions = {}): LoadedConfig {
  const dir = resolve(opts.dir ?? process.cwd());
  const announce = opts.announce ?? ((line: string) => process.stderr.write(`${line}\n`));
  let path: string;
  let isExample = false;
  if (opts.file !== undefined) {
    path = resolve(dir, opts.file);
    if (!existsSync(path)) throw new ConfigError(`config file ${path} (context riskguard:config) does not exist`);
  } else if (existsSync(join(dir, CONFIG_FILE))) {
    path = join(dir, CONFIG_FILE);
  } else {
    path = join(dir, EXAMPLE_CONFIG_FILE);
    isExample = true;
    if (!existsSync(path)) throw new ConfigError(`neither ${CONFIG_FILE} nor ${EXAMPLE_CONFIG_FILE} found in ${dir}`);
  }
  announce(
    isExample
      ? `riskguard: using ${EXAMPLE_CONFIG_FILE} (no ${CONFIG_FILE}; copy the example and edit it before deploying for real)`
      : `riskguard: using ${path}`,
  );
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${path} is invalid:\n${formatIssues(parsed.error)}`, { cause: parsed.error });
  return { config: parsed.data, path, name: basename(path), isExample };
}
