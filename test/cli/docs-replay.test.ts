import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** docs/replay.md's example: the command it shows prints the output it shows (but the wall time). */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(join(ROOT, 'docs/replay.md'), 'utf8');

describe('docs/replay.md', { timeout: 120_000 }, () => {
  it('shows what its example command prints, starting at the 2021-05-19 crash', () => {
    const blocks = [...doc.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const command = blocks.find((b) => b.startsWith('npx riskguard replay --portfolio examples/'))!;
    const shown = blocks[blocks.indexOf(command) + 1]!;
    const args = command.replace(/\\\n/g, ' ').trim().split(/\s+/).slice(2);
    expect(args).toContain('2021-05-19T00:00:00Z');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/riskguard.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const wall = /^Replayed in .* s\.$/;
    const strip = (t: string) => t.trimEnd().split('\n').filter((l) => !wall.test(l));
    expect(strip(r.stdout)).toEqual(strip(shown));
    expect(strip(shown).find((l) => l.startsWith('tripped at'))).toMatch(/2021-05-19T/);
  });
});
