/**
 * How the Lambda functions are bundled: ONE options object per function (`functionBundle`) that
 * both the CDK NodejsFunction (`toNodejsBundling`) and a plain esbuild run (`bundleGuard`, for the
 * benchmark) are derived from, so what is measured is what is deployed.
 *
 * Traps this avoids (measured on this project):
 * - ccxt's index pulls in every exchange (about 10 MB). The bundle aliases `ccxt` to a generated
 *   module that re-exports only the exchange classes the config uses, the error classes from
 *   ccxt's base `errors.js`, and the base `Exchange`. Code keeps importing from 'ccxt'.
 * - ccxt's base needs `protobufjs` (an optional peer) at bundle time: it must be installed;
 *   marking it external breaks the function at run time.
 * - ccxt imports `undici` (540 KB) at run time only to tune its HTTP pool, and falls back to
 *   Node's global fetch (the same engine) when the import fails; `fflate` only off Node. Both are
 *   replaced by a module that throws on import, so the fallback is taken everywhere the bundle
 *   runs (marking them external would make it depend on what sits in node_modules nearby).
 * - ESM output needs a `require` for the CommonJS parts (ws, protobufjs): the banner makes one.
 * - Minified class names would turn `NetworkError` into `Mt` in logs: names are kept.
 * - The AWS SDK v3 is bundled, not taken from the runtime: minified and tree-shaken it loads in
 *   about half the time (a cold import of ~230 ms instead of ~400 ms here), and the version
 *   deployed is the version tested.
 * - ccxt imports `ws` statically for its websocket client, which the guard (REST only) never
 *   constructs: a stand-in whose constructor throws saves 50 KB.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogLevel, OutputFormat, type BundlingOptions, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { SUPPORTED_EXCHANGES } from '../functions/config.ts';
import { DEPLOYED_CONFIG_FILE, type DeployedConfig } from '../functions/handlers/deployed-config.ts';

/** The repository root (holds package.json, package-lock.json, functions/). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The Lambda functions riskguard deploys, by entry file in functions/handlers/. */
export type FunctionName = 'guard' | 'watchdog' | 'status' | 'chat-relay';

type ExchangeId = (typeof SUPPORTED_EXCHANGES)[number];

/** The ccxt module defining each supported exchange class, relative to ccxt's package root. */
const CCXT_EXCHANGE_MODULES: Record<ExchangeId, string> = {
  binanceusdm: 'js/src/binanceusdm.js',
};

/**
 * The esbuild options of one function: exactly the subset NodejsFunction can express, so the
 * two derivations below cannot drift.
 */
export interface FunctionBundle {
  readonly entry: string;
  readonly target: string;
  readonly format: 'esm';
  readonly minify: boolean;
  readonly keepNames: boolean;
  readonly sourcemap: false;
  readonly mainFields: string[];
  readonly banner: string;
  readonly external: string[];
  /** Package → absolute file substitutions (the slim ccxt entry). */
  readonly alias: Record<string, string>;
  readonly logLevel: 'warning';
}

/** Output file name of every bundle (ESM), so the handler is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';

const BANNER =
  "import { createRequire as __riskguardCreateRequire } from 'node:module'; const require = __riskguardCreateRequire(import.meta.url);";

/** Where generated build inputs go (the slim ccxt entry, the deployed config). Content-addressed. */
const BUILD_DIR = join(tmpdir(), 'riskguard-build');

function writeContentAddressed(name: string, ext: string, content: string): string {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
  const file = join(BUILD_DIR, `${name}-${hash}${ext}`);
  if (!existsSync(file)) {
    mkdirSync(BUILD_DIR, { recursive: true });
    // Write then rename: parallel test workers may write the same file at once.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  }
  return file;
}

function packageRoot(name: string): string {
  let dir = dirname(createRequire(join(PROJECT_ROOT, 'package.json')).resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the package root of ${name}`);
    dir = up;
  }
  return dir;
}

/**
 * Writes the module that stands in for `ccxt` in the bundle: the given exchanges only.
 * @returns its absolute path
 */
export function writeSlimCcxt(exchanges: readonly string[]): string {
  const root = packageRoot('ccxt');
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
  const ids = [...new Set(exchanges)].sort();
  const file = (rel: string) => JSON.stringify(join(root, rel));
  const lines = [
    '// Generated by lib/bundle.ts: ccxt limited to the exchanges riskguard.config.json uses.',
    `import * as errors from ${file('js/src/base/errors.js')};`,
    `import * as functions from ${file('js/src/base/functions.js')};`,
    `import { Exchange } from ${file('js/src/base/Exchange.js')};`,
    `import { Precise } from ${file('js/src/base/Precise.js')};`,
  ];
  for (const id of ids) {
    const rel = CCXT_EXCHANGE_MODULES[id as ExchangeId];
    if (!rel) throw new Error(`no ccxt module known for exchange "${id}" (lib/bundle.ts CCXT_EXCHANGE_MODULES)`);
    lines.push(`import ${id} from ${file(rel)};`);
  }
  lines.push(
    `export * from ${file('js/src/base/errors.js')};`,
    `export const version = ${JSON.stringify(version)};`,
    `export const exchanges = { ${ids.map((id) => `${JSON.stringify(id)}: ${id}`).join(', ')} };`,
    `export { errors, functions, Exchange, Precise, ${ids.join(', ')} };`,
    `export default { version, Exchange, Precise, errors, functions, exchanges: Object.keys(exchanges), ...exchanges, ...errors };`,
    '',
  );
  return writeContentAddressed('ccxt', '.mjs', lines.join('\n'));
}

/** A module that fails on import: for optional dependencies the bundle leaves out. @returns its path */
function writeOmittedModule(name: string, why: string): string {
  const content = `// Generated by lib/bundle.ts: ${name} is not in the Lambda bundle. ${why}\nthrow new Error(${JSON.stringify(`${name} is not bundled: ${why}`)});\n`;
  return writeContentAddressed(`omit-${name}`, '.mjs', content);
}

/** `ws` for a REST-only bundle: importable, but opening a websocket fails loudly. @returns its path */
function writeWsStandIn(): string {
  const content = [
    '// Generated by lib/bundle.ts: the guard uses REST only; ccxt imports ws for its websocket client.',
    "const fail = () => { throw new Error('ws is not bundled: riskguard uses REST only'); };",
    'export default class WebSocket { constructor() { fail(); } }',
    'export const createWebSocketStream = fail;',
    '',
  ].join('\n');
  return writeContentAddressed('ws', '.mjs', content);
}

/** The esbuild options of one function; `exchanges` are the ccxt ids the config uses. */
export function functionBundle(name: FunctionName, exchanges: readonly string[]): FunctionBundle {
  return {
    entry: join(PROJECT_ROOT, 'functions', 'handlers', `${name}.ts`),
    target: 'node22',
    format: 'esm',
    minify: true,
    keepNames: true,
    sourcemap: false,
    mainFields: ['module', 'main'],
    banner: BANNER,
    external: [],
    // Only the guard talks to an exchange; the others never import ccxt.
    alias:
      name === 'guard'
        ? {
            ccxt: writeSlimCcxt(exchanges),
            undici: writeOmittedModule('undici', 'ccxt then uses the global fetch of Node.js.'),
            fflate: writeOmittedModule('fflate', 'ccxt uses it only outside Node.js.'),
            ws: writeWsStandIn(),
          }
        : {},
    logLevel: 'warning',
  };
}

/** Writes the deployed config where the bundling hook copies it from. @returns its path */
export function writeDeployedConfig(config: DeployedConfig): string {
  return writeContentAddressed('deployed', '.json', `${JSON.stringify(config, null, 2)}\n`);
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** NodejsFunction bundling options from the shared spec, plus the config copied into the asset. */
export function toNodejsBundling(spec: FunctionBundle, deployedConfigFile: string): BundlingOptions {
  const hooks: ICommandHooks = {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => [`cp ${shellQuote(deployedConfigFile)} ${shellQuote(join(outputDir, DEPLOYED_CONFIG_FILE))}`],
  };
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    target: spec.target,
    minify: spec.minify,
    keepNames: spec.keepNames,
    sourceMap: spec.sourcemap,
    mainFields: spec.mainFields,
    banner: spec.banner,
    externalModules: spec.external,
    logLevel: LogLevel.WARNING,
    esbuildArgs: Object.keys(spec.alias).length > 0 ? { '--alias': Object.entries(spec.alias).map(([k, v]) => `${k}=${v}`) } : {},
    commandHooks: hooks,
  };
}

/** esbuild's own API options from the same spec (what NodejsFunction passes on the command line). */
export function toEsbuildOptions(spec: FunctionBundle, outdir: string): BuildOptions {
  return {
    entryPoints: [spec.entry],
    bundle: true,
    platform: 'node',
    format: spec.format,
    target: spec.target,
    outfile: join(outdir, BUNDLE_FILE),
    minify: spec.minify,
    keepNames: spec.keepNames,
    sourcemap: spec.sourcemap,
    mainFields: spec.mainFields,
    banner: { js: spec.banner },
    external: spec.external,
    alias: spec.alias,
    logLevel: spec.logLevel,
    absWorkingDir: PROJECT_ROOT,
    metafile: true,
  };
}

export interface GuardBundle {
  /** Absolute path of index.mjs. */
  outfile: string;
  /** Size of index.mjs in bytes (goal ≤ 1.6 MB). */
  bytes: number;
  /** The largest inputs, for size work: [path, bytes in the output]. */
  largest: [string, number][];
  /** Every input file in the bundle (paths relative to the project root). */
  inputs: string[];
  /** Environment under which `import(outfile)` completes its cold start (fake table and topic). */
  env: Record<string, string>;
}

/**
 * Bundles the guard function into `outdir` with exactly the options the NodejsFunction uses, and
 * writes the deployed config next to it, so `import(outfile)` measures a real cold start.
 * @example const b = await bundleGuard('/tmp/guard'); // then: node -e "await import(b.outfile)" with b.env
 */
export async function bundleGuard(outdir: string, config?: DeployedConfig): Promise<GuardBundle> {
  const { build } = await import('esbuild');
  const deployed = config ?? (await exampleDeployedConfig());
  const spec = functionBundle('guard', deployed.accounts.map((a) => a.config.exchange));
  mkdirSync(outdir, { recursive: true });
  const result = await build(toEsbuildOptions(spec, outdir));
  writeFileSync(join(outdir, DEPLOYED_CONFIG_FILE), `${JSON.stringify(deployed, null, 2)}\n`);
  const outfile = join(outdir, BUNDLE_FILE);
  const output = Object.values(result.metafile?.outputs ?? {})[0];
  const largest = Object.entries(output?.inputs ?? {})
    .map(([path, v]): [string, number] => [path, v.bytesInOutput])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15);
  return {
    outfile,
    bytes: statSync(outfile).size,
    largest,
    inputs: Object.keys(output?.inputs ?? {}),
    env: {
      AWS_REGION: 'ap-northeast-1',
      TABLE_NAME: 'riskguard-bench',
      ALERT_TOPIC_ARN: 'arn:aws:sns:ap-northeast-1:123456789012:riskguard-bench',
      RISKGUARD_CONFIG_FILE: DEPLOYED_CONFIG_FILE,
      METRICS: 'aggregate',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      // Only for Node < 22 on the benchmark machine; Lambda runs Node 22.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  };
}

async function exampleDeployedConfig(): Promise<DeployedConfig> {
  const { loadConfigFile } = await import('./config-file.ts');
  const { toDeployedConfig } = await import('../functions/handlers/deployed-config.ts');
  const loaded = loadConfigFile({ file: join(PROJECT_ROOT, 'riskguard.config.example.json'), announce: () => {} });
  return toDeployedConfig(loaded.config, loaded.name);
}
