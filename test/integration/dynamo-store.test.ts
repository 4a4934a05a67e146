import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoStateStore, StoredDataError } from '../../functions/adapters/dynamo-store.ts';
import {
  LocalStateLockedError,
  defaultDbPath,
  startLocalDynamo,
} from '../../functions/adapters/local-dynamo.ts';
import { accountPk, STATE_SK, TTL_ATTRIBUTE } from '../../functions/adapters/table-schema.ts';
import { initialState, type AuditEvent, type GuardState } from '../../functions/domain/state.ts';
import { uniqueAccountId, useLocalDynamo } from '../helpers/dynalite.ts';

const dynamo = useLocalDynamo();

const T0 = 1_700_000_000_000;

const sampleState = (accountId: string): GuardState => ({
  ...initialState(accountId),
  level: 'DANGER',
  peakEquity: 12_500.5,
  peakAt: T0 - 60_000,
  lastEquity: 11_000,
  halted: true,
  haltedAt: T0,
  haltReason: 'cross margin ratio 0.87 ≥ EMERGENCY 0.85',
  lastTickAt: T0,
  lastOkAt: T0 - 30_000,
  unknownStreak: 2,
  lastBook: [{ symbol: 'BTC/USDT:USDT', side: 'long', marginMode: 'cross', contracts: 0.5, markPrice: 64_000.1 }],
  trip: { id: 'trip-1', kind: 'close-all', startedAt: T0, by: 'guard', reason: 'breach', status: 'pending' },
});

const event = (accountId: string, at: number, message: string, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  accountId,
  at,
  type: 'decision',
  message,
  ...extra,
});

const tempDirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'riskguard-dynamo-'));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('DynamoStateStore state', () => {
  it('round-trips a guard state and stamps version expectedVersion + 1', async () => {
    // Prepare
    const store = dynamo.store();
    const id = uniqueAccountId();
    const state = sampleState(id);

    // Act
    const written = await store.put(state, 0);
    const read = await store.get(id);

    // Assess
    expect(written).toBe(true);
    expect(read).toEqual({ ...state, version: 1 });
  });

  it('round-trips the reduce rule\'s episode (exposure at the peak, deepest step cut)', async () => {
    const store = dynamo.store();
    const id = uniqueAccountId();
    const state = { ...sampleState(id), ladder: { peakAt: 1_700_000_000_000, peakExposure: 39_980.5, cutStep: 1 } };
    expect(await store.put(state, 0)).toBe(true);
    expect((await store.get(id))!.ladder).toEqual(state.ladder);
  });

  it('returns null for an account never stored', async () => {
    expect(await dynamo.store().get(uniqueAccountId())).toBeNull();
  });

  it('refuses a put with a stale version and leaves the item unchanged', async () => {
    const store = dynamo.store();
    const id = uniqueAccountId();
    await store.put(sampleState(id), 0);
    const v1 = await store.get(id);
    expect(await store.put({ ...v1!, level: 'WARNING' }, 1)).toBe(true);

    const staleFromV1 = await store.put({ ...v1!, level: 'EMERGENCY' }, 1);
    const createAgain = await store.put({ ...v1!, level: 'EMERGENCY' }, 0);
    const fromTheFuture = await store.put({ ...v1!, level: 'EMERGENCY' }, 7);

    expect([staleFromV1, createAgain, fromTheFuture]).toEqual([false, false, false]);
    expect(await store.get(id)).toEqual({ ...v1!, level: 'WARNING', version: 2 });
  });

  it('refuses a put with a version for an account that was never stored', async () => {
    const store = dynamo.store();
    const id = uniqueAccountId();
    expect(await store.put(sampleState(id), 3)).toBe(false);
    expect(await store.get(id)).toBeNull();
  });

  it('lets exactly one of 10 concurrent writers from the same read version win', async () => {
    // Prepare
    const store = dynamo.store();
    const id = uniqueAccountId();
    await store.put(sampleState(id), 0);
    const read = (await store.get(id))!;

    // Act: ten ticks that all read version 1 and each write their own marker.
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.put({ ...read, lastTickAt: T0 + i, haltReason: `writer ${i}` }, read.version)),
    );

    // Assess
    const winners = results.flatMap((ok, i) => (ok ? [i] : []));
    expect(winners).toHaveLength(1);
    const stored = await store.get(id);
    expect(stored).toMatchObject({ version: 2, haltReason: `writer ${winners[0]}`, lastTickAt: T0 + winners[0]! });
  });

  it('lets exactly one of 10 concurrent first writes (expectedVersion 0) win', async () => {
    const store = dynamo.store();
    const id = uniqueAccountId();

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.put({ ...initialState(id), haltReason: `creator ${i}` }, 0)),
    );

    const winners = results.flatMap((ok, i) => (ok ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(await store.get(id)).toMatchObject({ version: 1, haltReason: `creator ${winners[0]}` });
  });

  it('rejects a state it could not read back, without writing', async () => {
    const store = dynamo.store();
    const id = uniqueAccountId();

    await expect(store.put({ ...sampleState(id), peakEquity: Number.NaN }, 0)).rejects.toThrow(/peakEquity/);
    await expect(store.put(sampleState(id), -1)).rejects.toThrow(RangeError);
    expect(await store.get(id)).toBeNull();
  });

  it('re-throws errors other than a lost race', async () => {
    const store = new DynamoStateStore({ tableName: 'no-such-table', client: dynamo.client });
    await expect(store.put(sampleState(uniqueAccountId()), 0)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('reports a corrupted state item clearly instead of returning it', async () => {
    // Prepare: an item written by hand with a bad level and a string version.
    const id = uniqueAccountId('corrupt');
    const { version: _v, ...rest } = sampleState(id);
    await dynamo.client.send(
      new PutCommand({
        TableName: dynamo.tableName,
        Item: { ...rest, level: 'PANIC', version: 'one', pk: accountPk(id), sk: STATE_SK, statePk: accountPk(id) },
      }),
    );

    // Act
    const error = await dynamo.store().get(id).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(StoredDataError);
    expect((error as StoredDataError).key).toEqual({ pk: accountPk(id), sk: STATE_SK });
    expect((error as Error).message).toContain(`stored guard state at pk=${accountPk(id)} sk=STATE`);
    expect((error as Error).message).toMatch(/level: Invalid option/);
    expect((error as Error).message).toMatch(/version: Invalid input: expected number/);
  });

  it('reads a state item written before later, defaulted fields existed', async () => {
    const id = uniqueAccountId('older');
    const { lastBook: _b, lastSeenEquity: _s, historyUntil: _h, lastOkAt: _o, ...older } = sampleState(id);
    await dynamo.client.send(
      new PutCommand({ TableName: dynamo.tableName, Item: { ...older, version: 4, pk: accountPk(id), sk: STATE_SK } }),
    );

    expect(await dynamo.store().get(id)).toEqual({
      ...older,
      version: 4,
      lastBook: [],
      lastSeenEquity: null,
      historyUntil: null,
      lastOkAt: null,
    });
  });

  it('reports a state item that is missing a field or has an unknown one', async () => {
    const store = dynamo.store();
    const missing = uniqueAccountId('corrupt');
    const unknown = uniqueAccountId('corrupt');
    const { halted: _h, ...noHalted } = sampleState(missing);
    for (const [id, item] of [
      [missing, noHalted],
      [unknown, { ...sampleState(unknown), haltedForever: true }],
    ] as const) {
      await dynamo.client.send(
        new PutCommand({ TableName: dynamo.tableName, Item: { ...item, pk: accountPk(id), sk: STATE_SK } }),
      );
    }

    await expect(store.get(missing)).rejects.toThrow(/halted: /);
    await expect(store.get(unknown)).rejects.toThrow(/haltedForever/);
  });
});

describe('DynamoStateStore audit log', () => {
  it('lists events newest first and honours the limit', async () => {
    const store = dynamo.store();
    const id = uniqueAccountId();
    const other = uniqueAccountId();
    for (const at of [T0 + 2_000, T0, T0 + 5_000, T0 + 1_000]) await store.append(event(id, at, `at ${at}`));
    await store.append(event(other, T0 + 9_000, 'someone else'));

    const all = await store.events(id, 10);
    const two = await store.events(id, 2);

    expect(all.map((e) => e.at)).toEqual([T0 + 5_000, T0 + 2_000, T0 + 1_000, T0]);
    expect(two.map((e) => e.at)).toEqual([T0 + 5_000, T0 + 2_000]);
    expect(await store.events(id, 0)).toEqual([]);
  });

  it('never overwrites: identical and same-millisecond events are all kept, in append order', async () => {
    const store = dynamo.store();
    const id = uniqueAccountId();
    const same = event(id, T0, 'same');

    await store.append(same);
    await store.append(same);
    for (const n of [1, 2, 3]) await store.append(event(id, T0, `tick ${n}`));

    const events = await store.events(id, 10);
    expect(events.map((e) => e.message)).toEqual(['tick 3', 'tick 2', 'tick 1', 'same', 'same']);
  });

  it('round-trips optional fields and leaves absent ones absent', async () => {
    const store = dynamo.store();
    const id = uniqueAccountId();
    const full = event(id, T0 + 1, 'rearmed', { type: 'rearm', level: 'OK', by: 'alice', data: { ratio: 0.5, symbols: ['BTC/USDT:USDT'] } });
    await store.append(event(id, T0, 'bare'));
    await store.append(full);

    const [newest, oldest] = await store.events(id, 10);

    expect(newest).toEqual(full);
    expect(oldest).toEqual(event(id, T0, 'bare'));
    expect(Object.keys(oldest!)).not.toContain('level');
  });

  it('stores free-form data DynamoDB would reject (NaN, Infinity, Error, undefined)', async () => {
    const store = dynamo.store();
    const id = uniqueAccountId();

    await store.append(
      event(id, T0, 'odd data', { type: 'error', data: { ratio: Number.NaN, cap: Infinity, err: new Error('boom'), gone: undefined } }),
    );

    const [stored] = await store.events(id, 1);
    expect(stored!.data).toEqual({ ratio: 'NaN', cap: 'Infinity', err: { name: 'Error', message: 'boom' } });
  });

  it('puts the TTL attribute (epoch seconds) on audit items and never on the state item', async () => {
    // Prepare
    const id = uniqueAccountId();
    const defaultStore = dynamo.store();
    const shortStore = dynamo.store({ retentionDays: 7 });
    await defaultStore.put(sampleState(id), 0);
    await defaultStore.append(event(id, T0 + 999, 'kept 90 days'));
    await shortStore.append(event(id, T0 + 5_000, 'kept 7 days'));

    // Act: read the raw items.
    const raw = await dynamo.client.send(
      new QueryCommand({
        TableName: dynamo.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': accountPk(id) },
      }),
    );

    // Assess
    const bySk = (prefix: string) => raw.Items!.filter((i) => String(i.sk).startsWith(prefix));
    expect(bySk('STATE')).toHaveLength(1);
    expect(bySk('STATE')[0]).not.toHaveProperty(TTL_ATTRIBUTE);
    const events = bySk('EVENT#');
    expect(events.map((e) => [e.message, e[TTL_ATTRIBUTE]])).toEqual([
      ['kept 90 days', T0 / 1000 + 90 * 86_400],
      ['kept 7 days', T0 / 1000 + 5 + 7 * 86_400],
    ]);
    expect(events[0]!.sk).toMatch(/^EVENT#001700000000999#[0-9a-z]{6}[0-9a-f]{8}$/);
  });

  it('reports a corrupted audit item clearly', async () => {
    const id = uniqueAccountId('corrupt');
    await dynamo.client.send(
      new PutCommand({
        TableName: dynamo.tableName,
        Item: { pk: accountPk(id), sk: `EVENT#${T0}#x`, accountId: id, at: T0, type: 'shrug', message: 7 },
      }),
    );

    await expect(dynamo.store().events(id, 5)).rejects.toThrow(
      new RegExp(`stored audit event at pk=${accountPk(id)} sk=EVENT#${T0}#x .* is invalid: type: .*; message: `),
    );
  });

  it('rejects an event whose time does not fit the key', async () => {
    const store = dynamo.store();
    await expect(store.append(event(uniqueAccountId(), -1, 'before 1970'))).rejects.toThrow(/at: /);
    await expect(store.append(event(uniqueAccountId(), 1.5, 'fractional ms'))).rejects.toThrow(/at: /);
    await expect(store.append(event(uniqueAccountId(), 10 ** 15, 'year 33658'))).rejects.toThrow(RangeError);
  });
});

describe('DynamoStateStore.listAccounts', () => {
  it('returns every stored state, sorted by account, and no audit items', async () => {
    // Prepare: its own instance, so other tests' accounts are not in the way.
    const local = await startLocalDynamo();
    try {
      const store = new DynamoStateStore({ tableName: local.tableName, client: local.client });
      for (const id of ['carol', 'alice', 'bob']) {
        await store.put(sampleState(id), 0);
        for (let i = 0; i < 5; i++) await store.append(event(id, T0 + i, `event ${i}`));
      }
      await store.put({ ...sampleState('bob'), level: 'OK' }, 1);

      // Act
      const accounts = await store.listAccounts();

      // Assess
      expect(accounts.map((s) => [s.accountId, s.version, s.level])).toEqual([
        ['alice', 1, 'DANGER'],
        ['bob', 2, 'OK'],
        ['carol', 1, 'DANGER'],
      ]);
    } finally {
      await local.close();
    }
  });

  it('returns an empty list on an empty table', async () => {
    const local = await startLocalDynamo();
    try {
      expect(await new DynamoStateStore({ tableName: local.tableName, client: local.client }).listAccounts()).toEqual([]);
    } finally {
      await local.close();
    }
  });
});

describe('startLocalDynamo', () => {
  it('keeps state and events on disk across close and restart', async () => {
    // Prepare
    const dbPath = join(tempDir(), 'nested', 'db');
    const first = await startLocalDynamo({ dbPath });
    const store1 = new DynamoStateStore({ tableName: first.tableName, client: first.client });
    await store1.put(sampleState('disk'), 0);
    await store1.append(event('disk', T0, 'before restart'));
    await first.close();

    // Act
    const second = await startLocalDynamo({ dbPath });
    try {
      const store2 = new DynamoStateStore({ tableName: second.tableName, client: second.client });

      // Assess
      expect(second.dbPath).toBe(dbPath);
      expect(await store2.get('disk')).toEqual({ ...sampleState('disk'), version: 1 });
      expect((await store2.events('disk', 5)).map((e) => e.message)).toEqual(['before restart']);
      expect(await store2.put(sampleState('disk'), 1)).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('refuses a path already open in this process, naming it, and frees it on close', async () => {
    const dbPath = tempDir();
    const first = await startLocalDynamo({ dbPath });

    const error = await startLocalDynamo({ dbPath }).catch((e: unknown) => e);
    await first.close();
    await first.close(); // idempotent

    expect(error).toBeInstanceOf(LocalStateLockedError);
    expect((error as Error).message).toBe(
      `the local state at ${dbPath} is in use by another riskguard process; stop it or pass --db-path`,
    );
    const again = await startLocalDynamo({ dbPath });
    await again.close();
  });

  it('refuses a path held by another process', async () => {
    // Prepare: a child process holding the same directory.
    const dbPath = tempDir();
    // .mts: the temp directory has no package.json saying "type": "module".
    const script = join(tempDir(), 'hold.mts');
    const localDynamo = fileURLToPath(new URL('../../functions/adapters/local-dynamo.ts', import.meta.url));
    writeFileSync(
      script,
      `import { startLocalDynamo } from ${JSON.stringify(localDynamo)};\n` +
        `const local = await startLocalDynamo({ dbPath: ${JSON.stringify(dbPath)} });\n` +
        `console.log('ready');\n` +
        `process.stdin.on('end', async () => { await local.close(); process.exit(0); });\n` +
        `process.stdin.resume();\n`,
    );
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      const started = await Promise.race([
        once(child.stdout!, 'data').then(([chunk]) => String(chunk)),
        once(child, 'exit').then(([code]) => `exited with ${code}`),
      ]);
      expect(started).toContain('ready');

      // Act
      const error = await startLocalDynamo({ dbPath }).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(LocalStateLockedError);
    } finally {
      if (child.exitCode === null) {
        child.stdin!.end();
        await once(child, 'exit');
      }
    }
    // Released by the child's close: usable here now.
    const mine = await startLocalDynamo({ dbPath });
    await mine.close();
  });

  it('releases its port on close', async () => {
    const first = await startLocalDynamo();
    const port = Number(new URL(first.endpoint).port);
    await first.close();

    const second = await startLocalDynamo({ port });
    try {
      expect(second.endpoint).toBe(`http://127.0.0.1:${port}`);
    } finally {
      await second.close();
    }
  });

  it('reports a busy port and does not keep the state directory locked', async () => {
    const dbPath = tempDir();
    const busy = await startLocalDynamo();
    const port = Number(new URL(busy.endpoint).port);
    try {
      await expect(startLocalDynamo({ dbPath, port })).rejects.toThrow(`port ${port} on 127.0.0.1 is in use`);
      const after = await startLocalDynamo({ dbPath });
      await after.close();
    } finally {
      await busy.close();
    }
  });

  it('creates the table only when missing', async () => {
    const dbPath = tempDir();
    for (let i = 0; i < 2; i++) {
      const local = await startLocalDynamo({ dbPath });
      expect(local.tableName).toBe('riskguard');
      await local.close();
    }
  });

  it('defaults the on-disk path to .riskguard/db under the working directory', () => {
    expect(defaultDbPath('/home/me/project')).toBe('/home/me/project/.riskguard/db');
  });
});
