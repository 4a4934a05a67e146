import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak, TypedDataEncoder } from '../../../node_modules/ccxt/js/src/base/functions/ethabi.js';
import { serialize as msgpack } from '../../../node_modules/ccxt/js/src/base/functions/msgpack.js';
import { addressOfPublicKey } from './keys.ts';

/**
 * Who signed an /exchange request, as Hyperliquid recovers it ("Signing",
 * https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/signing; the Python SDK's
 * signing.py; ccxt 4.5.84 hyperliquid.js actionHash / signL1Action / signUserSignedAction):
 *
 * - L1 actions (order, cancel, scheduleCancel, setReferrer, …): connectionId = keccak256(msgpack(action)
 *   ‖ nonce as 8 bytes big-endian ‖ 0x00, or 0x01 ‖ the vault address's 20 bytes ‖ [0x00 ‖ expiresAfter
 *   as 8 bytes]); the signature is EIP-712 over the domain {name "Exchange", version "1", chainId 1337,
 *   verifyingContract 0x0…0} of `Agent {string source; bytes32 connectionId}`, source "a" on mainnet
 *   and "b" on testnet. The paper is mainnet: "a".
 * - User-signed actions (approveBuilderFee, usdClassTransfer, withdraw3, …): EIP-712 over the domain
 *   {name "HyperliquidSignTransaction", version "1", chainId = the action's signatureChainId,
 *   verifyingContract 0x0…0} of `HyperliquidTransaction:<Name>` with the action's own fields.
 *
 * The action is re-encoded from the parsed JSON with ccxt's msgpack encoder (the venue re-encodes its
 * typed struct); a body changed after signing recovers another address, as at the venue. Nothing
 * here throws for a bad signature: it recovers some address, and the caller decides whether it exists.
 */

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

/** A signature as the venue takes it: `{ r: "0x…", s: "0x…", v: 27 | 28 }`. */
export interface Sig {
  r: string;
  s: string;
  v: number;
}

const bytesOfHex = (h: string): Uint8Array => Buffer.from(h.replace(/^0x/, ''), 'hex');

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

/** The L1 action's connection id (the Python SDK's action_hash). */
export function actionHash(action: unknown, nonce: number, vaultAddress: string | undefined, expiresAfter?: number): Uint8Array {
  const parts: Uint8Array[] = [msgpack(action), u64(nonce)];
  if (vaultAddress === undefined) parts.push(Uint8Array.of(0));
  else parts.push(Uint8Array.of(1), bytesOfHex(vaultAddress));
  if (expiresAfter !== undefined) parts.push(Uint8Array.of(0), u64(expiresAfter));
  return keccak(Buffer.concat(parts));
}

/** The EIP-712 digest: keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(message)). */
function typedDigest(domain: Record<string, unknown>, types: Record<string, { name: string; type: string }[]>, message: Record<string, unknown>): Uint8Array {
  const encoded = TypedDataEncoder.encode(domain, types, message);
  return keccak(bytesOfHex(encoded.slice(-132)));
}

/** The address that produced `sig` over `digest`, lowercase; null when the signature is malformed. */
export function recoverSigner(digest: Uint8Array, sig: Sig): string | null {
  try {
    const r = BigInt(sig.r);
    const s = BigInt(sig.s);
    const rec = Number(sig.v) - 27;
    if (rec !== 0 && rec !== 1) return null;
    const pub = new secp256k1.Signature(r, s, rec).recoverPublicKey(digest).toBytes(false);
    return addressOfPublicKey(pub);
  } catch {
    return null;
  }
}

/** The signer of an L1 action. */
export function l1Signer(action: unknown, nonce: number, sig: Sig, vaultAddress: string | undefined, expiresAfter: number | undefined, mainnet = true): string | null {
  const connectionId = actionHash(action, nonce, vaultAddress, expiresAfter);
  const digest = typedDigest(
    { chainId: 1337, name: 'Exchange', verifyingContract: ZERO_ADDRESS, version: '1' },
    { Agent: [{ name: 'source', type: 'string' }, { name: 'connectionId', type: 'bytes32' }] },
    { source: mainnet ? 'a' : 'b', connectionId },
  );
  return recoverSigner(digest, sig);
}

/** The signed fields of the user-signed actions the paper knows (ccxt's build*Sig types; the SDK's signing.py). */
export const USER_SIGNED_TYPES: Readonly<Record<string, { name: string; fields: { name: string; type: string }[] }>> = {
  approveBuilderFee: {
    name: 'HyperliquidTransaction:ApproveBuilderFee',
    fields: [
      { name: 'hyperliquidChain', type: 'string' },
      { name: 'maxFeeRate', type: 'string' },
      { name: 'builder', type: 'address' },
      { name: 'nonce', type: 'uint64' },
    ],
  },
  usdClassTransfer: {
    name: 'HyperliquidTransaction:UsdClassTransfer',
    fields: [
      { name: 'hyperliquidChain', type: 'string' },
      { name: 'amount', type: 'string' },
      { name: 'toPerp', type: 'bool' },
      { name: 'nonce', type: 'uint64' },
    ],
  },
  withdraw3: {
    name: 'HyperliquidTransaction:Withdraw',
    fields: [
      { name: 'hyperliquidChain', type: 'string' },
      { name: 'destination', type: 'string' },
      { name: 'amount', type: 'string' },
      { name: 'time', type: 'uint64' },
    ],
  },
  userSetAbstraction: {
    name: 'HyperliquidTransaction:UserSetAbstraction',
    fields: [
      { name: 'hyperliquidChain', type: 'string' },
      { name: 'user', type: 'address' },
      { name: 'abstraction', type: 'string' },
      { name: 'nonce', type: 'uint64' },
    ],
  },
};

/** The signer of a user-signed action, or null (unknown type, malformed fields or signature). */
export function userSignedSigner(action: Record<string, unknown>, sig: Sig): string | null {
  const t = USER_SIGNED_TYPES[String(action.type)];
  if (t === undefined) return null;
  try {
    const chainId = Number.parseInt(String(action.signatureChainId), 16);
    const message = Object.fromEntries(t.fields.map((f) => [f.name, action[f.name]]));
    const digest = typedDigest({ chainId, name: 'HyperliquidSignTransaction', verifyingContract: ZERO_ADDRESS, version: '1' }, { [t.name]: t.fields }, message);
    return recoverSigner(digest, sig);
  } catch {
    return null;
  }
}
