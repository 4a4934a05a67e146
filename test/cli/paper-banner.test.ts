import { afterAll, describe, expect, it } from 'vitest';
import { killAll, startCli } from '../helpers/cli-process.ts';

/** `riskguard paper` as a user starts it: the banner must show the demo account's keys (not redacted). */

afterAll(async () => {
  await killAll();
});

describe('riskguard paper (process)', () => {
  it('prints the admin token and the demo account as export lines a shell can use', async () => {
    const paper = startCli(['paper', '--port', '0']);
    await paper.waitFor(/export PAPER_API_SECRET=\S+/);
    const out = paper.stdout;
    expect(out).toMatch(/^admin token \(X-Paper-Admin\): [0-9a-f]{16,}$/m);
    const key = /^ {2}export PAPER_API_KEY=(\S+)$/m.exec(out)?.[1];
    const secret = /^ {2}export PAPER_API_SECRET=(\S+)$/m.exec(out)?.[1];
    expect(key).toBeDefined();
    expect(secret).toBeDefined();
    expect(key).not.toMatch(/redacted/);
    expect(secret).not.toMatch(/redacted/);
    expect(out).toContain(`apiKey: ${key}`);
    paper.child.kill('SIGTERM');
    expect((await paper.done).code).toBe(0);
  }, 60_000);
});
