import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../functions/cli/store.ts';
import { initialState } from '../../functions/domain/state.ts';
import { quietAwsSdkNodeWarning } from '../../functions/adapters/local-dynamo.ts';

describe('openStore (local state)', () => {
  it('lets a second command reach the state a running process holds, through its endpoint', async () => {
    quietAwsSdkNodeWarning();
    const dbPath = join(mkdtempSync(join(tmpdir(), 'riskguard-store-')), 'db');
    const holder = await openStore({ dbPath });
    try {
      expect(existsSync(`${dbPath}.endpoint.json`)).toBe(true);
      const other = await openStore({ dbPath });
      expect(other.where).toMatch(/held by riskguard process \d+/);
      expect(await other.store.put({ ...initialState('acct'), halted: true }, 0)).toBe(true);
      await other.close();
      expect(await holder.store.get('acct')).toMatchObject({ accountId: 'acct', halted: true, version: 1 });
    } finally {
      await holder.close();
    }
    expect(existsSync(`${dbPath}.endpoint.json`)).toBe(false);
    // Released: the next command opens the folder itself.
    const again = await openStore({ dbPath });
    expect(again.where).toBe(`local state at ${dbPath}`);
    expect(await again.store.get('acct')).toMatchObject({ halted: true });
    await again.close();
  });
});
