import { describe, expect, it } from 'vitest';
import { addressOfPrivateKey, AGENT_EXPIRY_WARNING_MS, ExtraAgentsSchema, keyProblem, keyStanding, roleProblem, UserRoleSchema } from '../../../functions/venues/hyperliquid/keys.ts';

describe('addressOfPrivateKey', () => {
  it.each([
    // Well-known test vectors: private key 1 and 2 (their addresses are quoted across Ethereum tooling).
    [`0x${'1'.padStart(64, '0')}`, '0x7e5f4552091a69125d5dfcb7b8c2659029395bdf'],
    [`0x${'2'.padStart(64, '0')}`, '0x2b5ad5c4795c026514f8317c7a215e218dccd6cf'],
    [`0x${'0'.repeat(64)}`, null],
    ['0x1234', null],
  ])('%s → %s', (key, address) => {
    expect(addressOfPrivateKey(key)).toBe(address);
  });
});

describe('keyStanding and keyProblem', () => {
  const wallet = '0x00000000000000000000000000000000000000aa';
  const agent = '0x00000000000000000000000000000000000000bb';
  const now = 1_800_000_000_000;
  const day = 86_400_000;
  it.each([
    ['the master key', wallet, [], 'master', /can WITHDRAW/],
    ['a named agent far from expiry', agent, [{ address: agent, name: 'riskguard', validUntil: now + 90 * day }], 'named-agent', null],
    ['a named agent expiring in 3 days', agent, [{ address: agent, name: 'riskguard', validUntil: now + 3 * day }], 'named-agent', /expires .* \(in 3\.0 days\)/],
    ['an expired named agent', agent, [{ address: agent, name: 'riskguard', validUntil: now - day }], 'named-agent', /expired/],
    ['an unnamed or unknown agent', agent, [{ address: '0x00000000000000000000000000000000000000cc', name: 'bot', validUntil: now + 90 * day }], 'not-named', /NAMED API wallet/],
  ])('%s', (_, key, agents, kind, problem) => {
    const s = keyStanding(key, wallet.toUpperCase().replace('0X', '0x'), ExtraAgentsSchema.parse(agents));
    expect(s.kind).toBe(kind);
    const p = keyProblem(s, now);
    if (problem === null) expect(p).toBeNull();
    else expect(p).toMatch(problem);
  });

  it('warns exactly from a week before the expiry', () => {
    const s = { kind: 'named-agent' as const, name: 'riskguard', validUntil: now + AGENT_EXPIRY_WARNING_MS };
    expect(keyProblem(s, now - 1)).toBeNull();
    expect(keyProblem(s, now)).not.toBeNull();
  });
});

describe('roleProblem', () => {
  const w = '0x00000000000000000000000000000000000000aa';
  it.each([
    [{ role: 'user' }, null],
    [{ role: 'subAccount', data: { master: '0x00000000000000000000000000000000000000dd' } }, null],
    [{ role: 'agent', data: { user: '0x00000000000000000000000000000000000000DD' } }, /API wallet of 0x0+dd: its own account is empty. Set walletAddress to the master address/],
    [{ role: 'missing' }, /unknown to Hyperliquid/],
  ])('%j', (raw, problem) => {
    const p = roleProblem(w, UserRoleSchema.parse(raw));
    if (problem === null) expect(p).toBeNull();
    else expect(p).toMatch(problem);
  });

  it('refuses an answer of another shape (cannot see, never a guess)', () => {
    expect(UserRoleSchema.safeParse({ role: 'agent' }).success).toBe(false);
    expect(UserRoleSchema.safeParse({ role: 'admin' }).success).toBe(false);
  });
});
