import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import * as z from 'zod';

/*
 * What the guard's signing key is to the account it guards. Hyperliquid's "Nonces and API wallets"
 * (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/nonces-and-api-wallets): an
 * API (agent) wallet signs actions for its master account but cannot withdraw; the master's own key
 * can. An unnamed agent is replaced when the owner approves another unnamed one; named agents stay
 * until their `validUntil`. Reads must use the master's address: the agent's own address is an
 * empty account.
 *
 * The two /info reads (shapes as in the typed SDK @nktkas/hyperliquid 0.30,
 * src/api/info/_methods/extraAgents.ts and userRole.ts, and Chainstack's reference
 * https://docs.chainstack.com/reference/hyperliquid-info-user-role):
 * - `{"type":"extraAgents","user":master}` → `[{"address","name","validUntil"}]` (ms since epoch);
 * - `{"type":"userRole","user":addr}` → `{"role":"user"|"vault"|"missing"}`,
 *   `{"role":"agent","data":{"user":master}}` or `{"role":"subAccount","data":{"master":…}}`.
 */

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * The lowercase 0x address of a 0x-prefixed secp256k1 private key (keccak-256 of the uncompressed
 * public key without its 0x04 prefix, last 20 bytes). Null for a key that is not a valid scalar.
 * @example addressOfPrivateKey('0x' + '01'.padStart(64, '0')) === '0x7e5f4552091a69125d5dfcb7b8c2659029395bdf'
 */
export function addressOfPrivateKey(privateKey: string): string | null {
  const bytes = Buffer.from(privateKey.replace(/^0x/, ''), 'hex');
  if (bytes.length !== 32 || !secp256k1.utils.isValidSecretKey(bytes)) return null;
  return `0x${hex(keccak_256(secp256k1.getPublicKey(bytes, false).slice(1)).slice(-20))}`;
}

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/).transform((a) => a.toLowerCase());

/** `extraAgents`: the master's named API wallets. */
export const ExtraAgentsSchema = z.array(z.object({ address, name: z.string(), validUntil: z.number().int().nonnegative() }));
export type ExtraAgent = z.output<typeof ExtraAgentsSchema>[number];

/** `userRole`: what the venue knows an address as. */
export const UserRoleSchema = z.union([
  z.object({ role: z.enum(['user', 'vault', 'missing']) }),
  z.object({ role: z.literal('agent'), data: z.object({ user: address }) }),
  z.object({ role: z.literal('subAccount'), data: z.object({ master: address }) }),
]);
export type UserRole = z.output<typeof UserRoleSchema>;

/** How long before a named agent's expiry the guard starts alerting (ms): a week, daily reminders. */
export const AGENT_EXPIRY_WARNING_MS = 7 * 24 * 3_600_000;
/** The guard re-reads the key's standing at most this often (ms): `extraAgents` weighs 20. */
export const KEY_CHECK_EVERY_MS = 3_600_000;

/** The signing key as the account knows it. */
export type KeyStanding =
  /** The account's own key: it can withdraw. */
  | { kind: 'master' }
  /** A named agent until `validUntil` (ms). */
  | { kind: 'named-agent'; name: string; validUntil: number }
  /** Not among the named agents: an unnamed agent (replaced silently by the next one), or not approved at all. */
  | { kind: 'not-named' };

/**
 * The key's standing: `keyAddress` equal to the guarded `wallet` is the master key; otherwise the
 * named agent with that address, or not named.
 * @example keyStanding('0xa', '0xa', []) // { kind: 'master' }
 */
export function keyStanding(keyAddress: string, wallet: string, agents: readonly ExtraAgent[]): KeyStanding {
  const k = keyAddress.toLowerCase();
  if (k === wallet.toLowerCase()) return { kind: 'master' };
  const named = agents.find((a) => a.address === k);
  return named ? { kind: 'named-agent', name: named.name, validUntil: named.validUntil } : { kind: 'not-named' };
}

/**
 * What is wrong with the key's standing at `now`, as one sentence with numbers, or null when all is
 * well (a named agent more than {@link AGENT_EXPIRY_WARNING_MS} from its expiry).
 */
export function keyProblem(s: KeyStanding, now: number): string | null {
  if (s.kind === 'master') {
    return "the private key is the master wallet's own key: it can WITHDRAW. Approve a named API wallet for riskguard (the API page of app.hyperliquid.xyz) and use its key instead";
  }
  if (s.kind === 'not-named') {
    return 'the key is not a named API wallet of this account: an unnamed agent is silently replaced when the owner approves another, and an unapproved key cannot close. Register riskguard\'s key as a NAMED API wallet';
  }
  const left = s.validUntil - now;
  if (left <= 0) return `the API wallet "${s.name}" expired ${new Date(s.validUntil).toISOString()}: riskguard cannot close. Approve a new named API wallet`;
  if (left <= AGENT_EXPIRY_WARNING_MS) {
    return `the API wallet "${s.name}" expires ${new Date(s.validUntil).toISOString()} (in ${(left / 86_400_000).toFixed(1)} days): approve a new named API wallet before then, or riskguard cannot close`;
  }
  return null;
}

/**
 * Why the guarded address cannot be read as the account, or null: an agent's address reads as an
 * empty account (never "flat"); a missing one has never been used.
 */
export function roleProblem(wallet: string, role: UserRole): string | null {
  if (role.role === 'agent') {
    return `walletAddress ${wallet} is an API wallet of ${role.data.user}: its own account is empty. Set walletAddress to the master address ${role.data.user}`;
  }
  if (role.role === 'missing') return `walletAddress ${wallet} is unknown to Hyperliquid (never deposited to): check the address`;
  return null;
}
