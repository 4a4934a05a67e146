/**
 * A DynamoDB for local runs and tests: dynalite (DynamoDB's API over LevelDB) started in this
 * process on a loopback port, with the riskguard table created. No AWS account or credentials.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { RiskGuardError } from '../errors.ts';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClientOptions } from './dynamo-store.ts';
import { ensureTable } from './table-schema.ts';

/** Table name used locally (in AWS the stack names the table). */
export const LOCAL_TABLE_NAME = 'riskguard';

/** The local state directory is in use: LevelDB allows one process (one open handle) at a time. */
export class LocalStateLockedError extends RiskGuardError {
  readonly dbPath: string;
  constructor(dbPath: string, options?: { cause?: unknown }) {
    super(`the local state at ${dbPath} is in use by another riskguard process; stop it or pass --db-path`, options);
    this.dbPath = dbPath;
  }
}

export interface LocalDynamoOptions {
  /** LevelDB directory (created if missing); null or absent = in memory, gone on close. */
  readonly dbPath?: string | null;
  /** Loopback port to listen on. @default 0 (any free port) */
  readonly port?: number;
  /** @default LOCAL_TABLE_NAME */
  readonly tableName?: string;
}

export interface LocalDynamo {
  /** e.g. `http://127.0.0.1:53817` */
  readonly endpoint: string;
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Absolute LevelDB directory, or null when in memory. */
  readonly dbPath: string | null;
  /** Stops the server, closes LevelDB (releasing its lock) and the client. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The default on-disk location: `<cwd>/.riskguard/db`. Project-local so that state follows the
 * project (two checkouts never share a guard state) and `.riskguard/` is in .gitignore, so local
 * state and audit logs are never committed.
 */
export const defaultDbPath = (cwd: string = process.cwd()): string => join(cwd, '.riskguard', 'db');

/**
 * Keeps the AWS SDK's NodeVersionSupportWarning ("...will require node >=22...") out of
 * user-facing output on Node 20. Sets AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true, the
 * switch AWS documents for exactly this warning (aws/aws-sdk-js-v3#7983); nothing else is
 * filtered. Leaves the variable alone when the user has set it (`=false` brings the warning back).
 * Call it before the first SDK client is created: the SDK checks once, when it builds a client.
 */
export function quietAwsSdkNodeWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** The subset of dynalite's API used here (the package ships no types). */
type Dynalite = (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;
interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
}
type LevelCtor = new (location: string, options?: { valueEncoding?: string }) => LevelDb;

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as Dynalite;
// The `level` that dynalite itself depends on, used to check the lock before dynalite opens it.
const { Level } = createRequire(require.resolve('dynalite'))('level') as { Level: LevelCtor };

/**
 * Starts dynalite in this process on 127.0.0.1 and creates the riskguard table if missing.
 * @example
 * const local = await startLocalDynamo({ dbPath: defaultDbPath() });
 * const store = new DynamoStateStore({ tableName: local.tableName, client: local.client });
 * // ...
 * await local.close();
 */
export async function startLocalDynamo({
  dbPath = null,
  port = 0,
  tableName = LOCAL_TABLE_NAME,
}: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const path = dbPath === null ? null : resolve(dbPath);
  if (path !== null) {
    mkdirSync(path, { recursive: true });
    // dynalite opens LevelDB in the background, and a failed open escapes as an unhandled stream
    // error that kills the process; so try the lock first and say why it is taken. (Another
    // process could still take it between this check and dynalite's open: a rare race that ends
    // in that crash rather than in this message.)
    await checkNotLocked(path);
  }

  const server = dynalite({ ...(path !== null ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  try {
    await listen(server, port);
  } catch (err) {
    await releaseUnlistened(server);
    throw err;
  }
  const { port: actualPort } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${actualPort}`;
  const base = new DynamoDBClient({
    endpoint,
    region: 'local',
    // dynalite checks that requests are signed, not by whom.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const client = DynamoDBDocumentClient.from(base, documentClientOptions);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      client.destroy(); // closes the client's keep-alive sockets, so the server can close
      await new Promise<void>((done, fail) => server.close((err) => (err ? fail(err) : done())));
    })();
    return closing;
  };

  try {
    await ensureTable(base, tableName);
  } catch (err) {
    await close();
    throw err;
  }
  return { endpoint, client, tableName, dbPath: path, close };
}

/** Whether another process has the LevelDB folder open (a folder that does not exist is not held). */
export async function levelDbHeld(dbPath: string): Promise<boolean> {
  const path = resolve(dbPath);
  if (!existsSync(path)) return false;
  try {
    await checkNotLocked(path);
    return false;
  } catch (err) {
    if (err instanceof LocalStateLockedError) return true;
    throw err;
  }
}

async function checkNotLocked(path: string): Promise<void> {
  const db = new Level(path, { valueEncoding: 'json' });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') throw new LocalStateLockedError(path, { cause: err });
    throw new Error(`cannot open the local state at ${path}: ${describeError(err)}`, { cause: err });
  }
  await db.close();
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((done, fail) => {
    const onError = (err: NodeJS.ErrnoException) => {
      fail(
        err.code === 'EADDRINUSE'
          ? new Error(`cannot start the local DynamoDB: port ${port} on 127.0.0.1 is in use; pass another port or 0`, { cause: err })
          : err,
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      done();
    });
  });
}

/**
 * dynalite opens LevelDB as soon as it is created but closes it only after its HTTP server has
 * stopped; a server that never listened cannot stop. Listen on a throwaway port, then close.
 */
async function releaseUnlistened(server: Server): Promise<void> {
  await listen(server, 0);
  await new Promise<void>((done, fail) => server.close((err) => (err ? fail(err) : done())));
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
