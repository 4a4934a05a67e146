import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak } from '../../../node_modules/ccxt/js/src/base/functions/ethabi.js';
import type { PaperAccount } from '../../core/index.ts';

/**
 * The wallets of a paper account: a master wallet (the account's address; its key could withdraw)
 * and one named agent ("API wallet", which can trade but not withdraw), both derived from the
 * account id, so a restarted paper exchange gives an account the same keys. Hyperliquid's
 * "Nonces and API wallets" (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/nonces-and-api-wallets):
 * an agent signs for the master account, reads use the master's address.
 */

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The lowercase 0x address of an uncompressed (65-byte) or compressed secp256k1 public key. */
export function addressOfPublicKey(pub: Uint8Array): string {
  const full = pub.length === 65 ? pub : secp256k1.Point.fromBytes(pub).toBytes(false);
  return `0x${hex(keccak(full.slice(1)).slice(-20))}`;
}

/** The lowercase 0x address of a 0x-prefixed private key. */
export function addressOfKey(privateKey: string): string {
  return addressOfPublicKey(secp256k1.getPublicKey(Buffer.from(privateKey.replace(/^0x/, ''), 'hex'), false));
}

export interface Wallet {
  address: string;
  privateKey: string;
}

/** A deterministic key for `label` (keccak of it, re-hashed in the rare case it is not a valid scalar). */
function derive(label: string): Wallet {
  let k = keccak(utf8(label));
  while (!secp256k1.utils.isValidSecretKey(k)) k = keccak(k);
  const privateKey = `0x${hex(k)}`;
  return { privateKey, address: addressOfKey(privateKey) };
}

/** The agent name riskguard's key is registered under (a named agent is not replaced by an unnamed one). */
export const AGENT_NAME = 'riskguard';

const cache = new Map<string, { master: Wallet; agent: Wallet }>();

/** The master wallet and the named agent of `acc` (derived from its id). */
export function walletsOf(acc: Pick<PaperAccount, 'id'>): { master: Wallet; agent: Wallet } {
  let w = cache.get(acc.id);
  if (w === undefined) {
    w = { master: derive(`riskguard paper hyperliquid master ${acc.id}`), agent: derive(`riskguard paper hyperliquid agent ${acc.id}`) };
    cache.set(acc.id, w);
  }
  return w;
}
