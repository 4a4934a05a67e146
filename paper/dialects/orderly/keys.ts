import { createHash, createPrivateKey, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { PaperAccount } from '../../core/index.ts';

/**
 * Orderly keys of a paper account. An Orderly key is an ed25519 key pair registered for one
 * account with scopes (`read`, `trading`, `asset`) and an expiry; requests carry the public key as
 * `orderly-key: ed25519:<base58>` and an ed25519 signature of the normalized request
 * (https://orderly.network/docs/build-on-omnichain/api-authentication). The paper account's
 * neutral secret seeds the pair, so the control API's answer and the dialect agree without state.
 */

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58(bytes: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)]! + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

export function unbase58(s: string): Uint8Array | null {
  let n = 0n;
  for (const c of s) {
    const i = B58.indexOf(c);
    if (i < 0) return null;
    n = n * 58n + BigInt(i);
  }
  let hex = n === 0n ? '' : n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const lead = s.length - s.replace(/^1+/, '').length;
  return new Uint8Array([...new Uint8Array(lead), ...Buffer.from(hex, 'hex')]);
}

// DER prefixes of an ed25519 PKCS#8 private key and SPKI public key (RFC 8410), before the raw 32 bytes.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

export interface OrderlyKeyPair {
  /** `ed25519:<base58 public key>`, as the `orderly-key` header carries it. */
  orderlyKey: string;
  /** base58 of the 32-byte private seed (ccxt's woofipro `secret`, optionally prefixed `ed25519:`). */
  orderlySecret: string;
  /** The Orderly account id: 0x + 64 hex, as the venue's. */
  accountId: string;
  publicKey: KeyObject;
}

const cache = new WeakMap<PaperAccount, OrderlyKeyPair>();

/** The account's Orderly key pair and account id, derived from its neutral credentials. */
export function orderlyKeysOf(acc: PaperAccount): OrderlyKeyPair {
  const hit = cache.get(acc);
  if (hit !== undefined) return hit;
  const seed = createHash('sha256').update(`orderly-key:${acc.secret}`).digest();
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(priv);
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const pair: OrderlyKeyPair = {
    orderlyKey: `ed25519:${base58(raw)}`,
    orderlySecret: base58(seed),
    accountId: `0x${createHash('sha256').update(`orderly-account:${acc.apiKey}`).digest('hex')}`,
    publicKey,
  };
  cache.set(acc, pair);
  return pair;
}

/** An `orderly-key` header value as a public key, or null when it is not one. */
export function publicKeyOf(header: string): KeyObject | null {
  const raw = unbase58(header.replace(/^ed25519:/, ''));
  if (raw === null || raw.length !== 32) return null;
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

/** Verifies a base64url (or base64) ed25519 signature of `message`. */
export function verifySignature(publicKey: KeyObject, message: string, signature: string): boolean {
  const sig = Buffer.from(signature.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (sig.length !== 64) return false;
  return cryptoVerify(null, Buffer.from(message), publicKey, sig);
}
