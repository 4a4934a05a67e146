import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/bundle.ts';
import { EXAMPLE_CONFIG_FILE, loadConfigFile } from '../../lib/config-file.ts';

/** A fresh directory holding the example config (and whatever else a test writes). */
function dirWithExample(): string {
  const dir = mkdtempSync(join(tmpdir(), 'riskguard-config-'));
  copyFileSync(join(PROJECT_ROOT, EXAMPLE_CONFIG_FILE), join(dir, EXAMPLE_CONFIG_FILE));
  return dir;
}

describe('loadConfigFile (synth)', () => {
  it('uses the example when there is no riskguard.config.json, and says so', () => {
    const lines: string[] = [];
    const loaded = loadConfigFile({ dir: dirWithExample(), announce: (l) => lines.push(l) });
    expect(loaded).toMatchObject({ name: EXAMPLE_CONFIG_FILE, isExample: true });
    expect(loaded.config.accounts.map((a) => a.id)).toEqual(['main', 'bot-eth']);
    expect(lines).toEqual([
      'riskguard: using riskguard.config.example.json (no riskguard.config.json; copy the example and edit it before deploying for real)',
    ]);
  });

  it('prefers riskguard.config.json', () => {
    const dir = dirWithExample();
    writeFileSync(
      join(dir, 'riskguard.config.json'),
      JSON.stringify({ accounts: [{ id: 'solo', exchange: 'binanceusdm', credentials: { parameterName: '/riskguard/solo' } }] }),
    );
    const lines: string[] = [];
    const loaded = loadConfigFile({ dir, announce: (l) => lines.push(l) });
    expect(loaded).toMatchObject({ name: 'riskguard.config.json', isExample: false });
    expect(loaded.config.accounts[0]).toMatchObject({ id: 'solo', scheduleMinutes: 1 });
    expect(lines).toEqual([`riskguard: using ${join(dir, 'riskguard.config.json')}`]);
  });

  it('lists every problem with its path', () => {
    const dir = dirWithExample();
    writeFileSync(
      join(dir, 'riskguard.config.json'),
      JSON.stringify({
        accounts: [{ id: 'a b', exchange: 'binanceusdm', credentials: { parameterName: 'riskguard/a' } }],
        alerts: { phones: ['0412 345 678'] },
      }),
    );
    expect(() => loadConfigFile({ dir, announce: () => {} })).toThrow(
      /invalid:\n {2}accounts\[0\]\.id: .*\n {2}accounts\[0\]\.credentials\.parameterName: .*\n {2}alerts\.phones\[0\]: must be an E\.164 phone number/,
    );
  });

  it('refuses a context-named file that does not exist', () => {
    expect(() => loadConfigFile({ dir: dirWithExample(), file: 'prod.json', announce: () => {} })).toThrow(/prod\.json \(context riskguard:config\) does not exist/);
  });
});
