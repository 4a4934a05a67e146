import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStateBusyError, lockFile, openStore } from '../../functions/cli/store.ts';
import { initialState } from '../../functions/domain/state.ts';
import { quietAwsSdkNodeWarning } from '../../functions/adapters/local-dynamo.ts';
import { ConfigError } from '../../functions/errors.ts';

quietAwsSdkNodeWarning();
const freshDb = () => join(mkdtempSync(join(tmpdir(), 'riskguard-store-')), 'db');

describe('openStore (local state folder)', () => {
  it('lets other commands reach the state a running `run` holds, through the endpoint in its holder record', async () => {
    const dbPath = freshDb();
    const holder = await openStore({ dbPath, share: true });
    try {
      const record = JSON.parse(readFileSync(lockFile(dbPath), 'utf8')) as { pid: number; command: string; endpoint: string };
      expect(record).toMatchObject({ pid: process.pid, command: 'run', endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
      const other = await openStore({ dbPath });
      expect(other.where).toMatch(new RegExp(`held by riskguard run \\(pid ${process.pid}, since \\d{4}-`));
      expect(await other.store.put({ ...initialState('acct'), halted: true }, 0)).toBe(true);
      await other.close();
      expect(await holder.store.get('acct')).toMatchObject({ accountId: 'acct', halted: true, version: 1 });
    } finally {
      await holder.close();
    }
    expect(existsSync(lockFile(dbPath))).toBe(false);
    // Released: the next command opens the folder itself.
    const again = await openStore({ dbPath });
    expect(again.where).toBe(`local state at ${dbPath}`);
    expect(await again.store.get('acct')).toMatchObject({ halted: true });
    await again.close();
  });

  it('says in one line that the `run` holding the store stopped, when a command loses it mid-way', async () => {
    const dbPath = freshDb();
    const holder = await openStore({ dbPath, share: true });
    const other = await openStore({ dbPath });
    await holder.close();
    const err = await other.store.get('acct').catch((e: unknown) => e);
    await other.close();
    expect(err).toBeInstanceOf(LocalStateBusyError);
    expect((err as Error).message).toMatch(/^lost the local state at .*: riskguard run \(pid \d+, since .*\), which holds it, stopped while this command used it; run the command again$/);
  });

  it('refuses a second `run` on a folder a live `run` holds, naming it (pid, since)', async () => {
    const dbPath = freshDb();
    const holder = await openStore({ dbPath, share: true });
    try {
      const err = await openStore({ dbPath, share: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(new RegExp(`held by riskguard run \\(pid ${process.pid}, since .*Z\\): one guard per state folder`));
    } finally {
      await holder.close();
    }
  });

  it('makes a command wait for a folder another short command holds, then opens it', async () => {
    const dbPath = freshDb();
    const first = await openStore({ dbPath });
    await first.store.put(initialState('acct'), 0);
    const second = openStore({ dbPath, waitMs: 60_000 });
    await first.close();
    const s = await second;
    expect(s.where).toBe(`local state at ${dbPath}`);
    expect(await s.store.get('acct')).toMatchObject({ version: 1 });
    await s.close();
  });

  it('gives up with one line naming the holder when the folder does not come free', async () => {
    const dbPath = freshDb();
    const first = await openStore({ dbPath });
    try {
      const err = await openStore({ dbPath, waitMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LocalStateBusyError);
      expect((err as Error).message).toMatch(new RegExp(`in use by riskguard \\S+ \\(pid ${process.pid}, since .*\\) and did not come free within 0.3 s; try again`));
      expect((err as Error).message).not.toContain('\n');
    } finally {
      await first.close();
    }
  });

  it('takes over a folder whose holder died (SIGKILL leaves its record behind)', async () => {
    const dbPath = freshDb();
    const first = await openStore({ dbPath, share: true });
    await first.store.put(initialState('acct'), 0);
    await first.close();
    // A record left by a process that no longer exists (this child has exited).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    writeFileSync(lockFile(dbPath), JSON.stringify({ pid: deadPid, command: 'run', since: Date.now(), endpoint: 'http://127.0.0.1:9' }));
    const s = await openStore({ dbPath, share: true });
    try {
      expect(s.where).toBe(`local state at ${dbPath}`);
      expect(await s.store.get('acct')).toMatchObject({ version: 1 });
      expect(JSON.parse(readFileSync(lockFile(dbPath), 'utf8'))).toMatchObject({ pid: process.pid, command: 'run' });
    } finally {
      await s.close();
    }
  });
});
