import { existsSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoStateStore, documentClientOptions } from '../adapters/dynamo-store.ts';
import { defaultDbPath, levelDbHeld, LOCAL_TABLE_NAME, LocalStateLockedError, startLocalDynamo, type LocalDynamo } from '../adapters/local-dynamo.ts';
import { ConfigError, RiskGuardError } from '../errors.ts';
import type { SnapshotStore, StateStore } from '../ports.ts';
import { DynamoSnapshotStore } from '../adapters/dynamo-snapshot-store.ts';
import { DynamoAgentLog, type AgentLog } from '../adapters/dynamo-agent-log.ts';
import type { AuditEvent, GuardState } from '../domain/state.ts';

export interface StoreOptions {
  /** Deployed table name: talk to AWS with the user's own credentials. */
  table?: string;
  region?: string;
  /** Local state folder (dynalite on disk). */
  dbPath?: string;
  /**
   * Hold the local folder for the life of the process and let other commands use it through
   * this process (`riskguard run`). A second sharing holder of the same folder is refused.
   */
  share?: boolean;
  /** The command named in the holder record (default `run` when sharing, else the CLI's command). */
  holderName?: string;
  /** How long to wait for a folder another command holds briefly (ms). @default 20_000 */
  waitMs?: number;
}

export interface OpenStore {
  store: StateStore;
  /** The last accepted snapshot per account (agents' pre-trade answers). */
  snapshots: SnapshotStore;
  /** The agents' audit log (check_order answers). */
  agentLog: AgentLog;
  /** Human description for status lines, e.g. "local state at ./.riskguard/db". */
  where: string;
  close(): Promise<void>;
}

/** The local folder is held by another process and did not come free in time. Exit 1. */
export class LocalStateBusyError extends RiskGuardError {}

/**
 * The local state folder when it does not exist yet (null with --table, or when it exists). A
 * command that only reads or changes stored state refuses before opening it, so a refusal never
 * leaves an empty folder behind.
 */
export function missingLocalState(opts: StoreOptions): string | null {
  if (opts.table) return null;
  const dbPath = opts.dbPath ?? defaultDbPath();
  return existsSync(dbPath) ? null : dbPath;
}

/** Who holds a local state folder: written atomically beside it (`db.lock`) by the holder. */
export interface FolderHolder {
  pid: number;
  /** The riskguard command, e.g. `run`, `tick`. */
  command: string;
  /** Epoch ms the holder took the folder. */
  since: number;
  /** Set by a sharing holder (`run`, `mcp`) once its dynalite listens: other commands attach here. */
  endpoint?: string;
  /** A holder for its whole life that shares the folder (`run`, `mcp`): a second one is refused. */
  shared?: boolean;
}

/** The holder record beside the folder: `<db>.lock`. */
export const lockFile = (dbPath: string): string => `${resolve(dbPath)}.lock`;

const POLL_MS = 100;
/** A holder record this old whose LevelDB is not open belongs to a dead process (pid reused). */
const STARTUP_GRACE_MS = 60_000;

const localClient = (endpoint: string, timeoutMs?: number) =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      ...(timeoutMs ? { maxAttempts: 1, requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs } } : {}),
    }),
    documentClientOptions,
  );

const describe = (h: FolderHolder) => `riskguard ${h.command} (pid ${h.pid}, since ${new Date(h.since).toISOString().replace(/\.\d{3}Z$/, 'Z')})`;

/** Whether a process with this pid exists (EPERM: it does, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): FolderHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<FolderHolder>;
    if (typeof h.pid !== 'number' || typeof h.since !== 'number' || typeof h.command !== 'string') return null;
    return { pid: h.pid, command: h.command, since: h.since, ...(typeof h.endpoint === 'string' ? { endpoint: h.endpoint } : {}), ...(h.shared === true ? { shared: true } : {}) };
  } catch {
    return null;
  }
}

/** Creates the holder record if none exists (O_EXCL: of two racing processes exactly one wins). */
function tryCreate(path: string, h: FolderHolder): boolean {
  mkdirSync(dirname(path), { recursive: true });
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(h));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Replaces the record atomically (rename), so a reader never sees half a file. */
function rewrite(path: string, h: FolderHolder): void {
  const tmp = `${path}.${process.pid}.${randomBytes(3).toString('hex')}`;
  writeFileSync(tmp, JSON.stringify(h));
  renameSync(tmp, path);
}

/** Removes a dead holder's record; of two processes taking over, one renames it away, the other finds it gone. */
function removeStale(path: string, h: FolderHolder): boolean {
  const aside = `${path}.stale-${h.pid}-${randomBytes(3).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return false;
  }
  rmSync(aside, { force: true });
  return true;
}

async function answers(endpoint: string): Promise<boolean> {
  const client = localClient(endpoint, 1_000);
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

/**
 * A store reached through another process's endpoint: if that process stops while this command
 * runs, say so in one line instead of a socket error.
 */
class AttachedStore implements StateStore {
  constructor(
    private readonly inner: StateStore,
    private readonly lost: () => string,
  ) {}
  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      const text = `${(err as Error)?.name ?? ''} ${(err as Error)?.message ?? ''} ${(err as { code?: string })?.code ?? ''}`;
      if (/ECONNREFUSED|ECONNRESET|socket hang up|EPIPE/i.test(text)) throw new LocalStateBusyError(this.lost(), { cause: err });
      throw err;
    }
  }
  get(id: string) {
    return this.guard(() => this.inner.get(id));
  }
  put(next: GuardState, v: number) {
    return this.guard(() => this.inner.put(next, v));
  }
  append(e: AuditEvent) {
    return this.guard(() => this.inner.append(e));
  }
  events(id: string, limit: number) {
    return this.guard(() => this.inner.events(id, limit));
  }
  listAccounts() {
    return this.guard(() => this.inner.listAccounts());
  }
}

/**
 * The deployed table with --table/--region, else the local dynalite state on disk.
 *
 * A local folder has one holder at a time, named in `<db>.lock` (pid, command, since), created
 * atomically; only the holder opens LevelDB, so two processes never race for it:
 * - `riskguard run` (`share`) holds the folder for its life and publishes its loopback endpoint in
 *   the record: `status`, `rearm`, `pause`, `tick` or `close-all` in another terminal use the
 *   state through it. A second `run` on a folder a live `run` holds is refused (exit 2), naming
 *   the holder: two guards on one state would both act, and the second would depend on the
 *   first's process for its store.
 * - Any other command holds the folder only while it runs; another command waits for it (up to
 *   `waitMs`), then exits 1 with one line naming the holder.
 * - A record whose process is gone (killed) is taken over: the next command opens the folder.
 */
export async function openStore(opts: StoreOptions): Promise<OpenStore> {
  if (opts.table) {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient(opts.region ? { region: opts.region } : {}), documentClientOptions);
    return {
      store: new DynamoStateStore({ tableName: opts.table, client }),
      snapshots: new DynamoSnapshotStore({ tableName: opts.table, client }),
      agentLog: new DynamoAgentLog({ tableName: opts.table, client }),
      where: `table ${opts.table}${opts.region ? ` in ${opts.region}` : ''}`,
      close: async () => client.destroy(),
    };
  }
  const dbPath = opts.dbPath ?? defaultDbPath();
  const where = `local state at ${dbPath}`;
  const path = lockFile(dbPath);
  const me: FolderHolder = { pid: process.pid, command: opts.holderName ?? (opts.share ? 'run' : (process.argv[2] ?? 'riskguard')), since: Date.now(), ...(opts.share ? { shared: true } : {}) };
  const deadline = Date.now() + (opts.waitMs ?? 20_000);
  let last: FolderHolder | null = null;

  for (;;) {
    if (tryCreate(path, me)) {
      let local: LocalDynamo;
      try {
        local = await startLocalDynamo({ dbPath });
      } catch (err) {
        rmSync(path, { force: true });
        // LevelDB held without a record: a riskguard from before the record existed. Wait like for any holder.
        if (!(err instanceof LocalStateLockedError)) throw err;
        if (Date.now() >= deadline) throw new LocalStateBusyError(`${err.message} (no holder record)`, { cause: err });
        await sleep(POLL_MS);
        continue;
      }
      if (opts.share) rewrite(path, { ...me, endpoint: local.endpoint });
      return {
        store: new DynamoStateStore({ tableName: local.tableName, client: local.client }),
        snapshots: new DynamoSnapshotStore({ tableName: local.tableName, client: local.client }),
        agentLog: new DynamoAgentLog({ tableName: local.tableName, client: local.client }),
        where,
        close: async () => {
          await local.close();
          if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    }

    const holder = readHolder(path);
    if (holder === null) {
      // Being written or just removed: look again.
      await sleep(10);
      if (Date.now() >= deadline) throw new LocalStateBusyError(`the ${where} is in use (its holder record ${path} is unreadable); try again`);
      continue;
    }
    last = holder;
    if (!alive(holder.pid) || (await staleRecord(holder, dbPath))) {
      if (removeStale(path, holder)) process.stderr.write(`riskguard: taking over the ${where} from ${describe(holder)}, which is gone\n`);
      continue;
    }
    if (opts.share && (holder.shared === true || holder.command === 'run')) {
      throw new ConfigError(
        `the ${where} is held by ${describe(holder)}: one guard per state folder. Stop that one, or give this one another --db-path`,
      );
    }
    if (!opts.share && holder.endpoint !== undefined && (await answers(holder.endpoint))) {
      const client = localClient(holder.endpoint);
      const held = `${where} (held by ${describe(holder)})`;
      return {
        store: new AttachedStore(
          new DynamoStateStore({ tableName: LOCAL_TABLE_NAME, client }),
          () => `lost the ${where}: ${describe(holder)}, which holds it, stopped while this command used it; run the command again`,
        ),
        snapshots: new DynamoSnapshotStore({ tableName: LOCAL_TABLE_NAME, client }),
        agentLog: new DynamoAgentLog({ tableName: LOCAL_TABLE_NAME, client }),
        where: held,
        close: async () => client.destroy(),
      };
    }
    if (Date.now() >= deadline) {
      throw new LocalStateBusyError(
        `the ${where} is in use by ${describe(last)} and did not come free within ${+((opts.waitMs ?? 20_000) / 1000).toFixed(1)} s; try again when it ends`,
      );
    }
    await sleep(POLL_MS);
  }
}

/**
 * A live pid can be a different process that got a dead holder's pid. A record older than the
 * start-up grace whose LevelDB nobody holds is such a leftover (a holder opens LevelDB right
 * after writing its record).
 */
async function staleRecord(holder: FolderHolder, dbPath: string): Promise<boolean> {
  if (Date.now() - holder.since < STARTUP_GRACE_MS) return false;
  if (holder.endpoint !== undefined && (await answers(holder.endpoint))) return false;
  return !(await levelDbHeld(dbPath));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
