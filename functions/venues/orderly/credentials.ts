import * as z from 'zod';
import type { CredentialSpec } from '../credential-spec.ts';

/**
 * An Orderly account and one of its Orderly keys. The key pair is registered for the account with
 * the wallet's EIP-712 signature (outside riskguard; https://orderly.network/docs/build-on-omnichain/user-flows/wallet-authentication),
 * scoped `read`, `trading` (and `asset` for withdrawals, which a guard must not have).
 */
export interface OrderlyCredentials extends Record<string, string> {
  /** The Orderly account id (0x + 64 hex): one wallet under one broker (front-end). */
  accountId: string;
  /** The ed25519 public key as the venue names it, `ed25519:<base58>`. */
  orderlyKey: string;
  /** The ed25519 private key, base58 (optionally `ed25519:`-prefixed). */
  orderlySecret: string;
}

/** Locally `{ "accountIdEnv", "orderlyKeyEnv", "orderlySecretEnv" }`; in the cloud `{ "accountId", "orderlyKey", "orderlySecret" }`. */
export const ORDERLY_CREDENTIALS: CredentialSpec<OrderlyCredentials> = Object.freeze({
  required: ['accountId', 'orderlyKey', 'orderlySecret'],
  optional: [],
  // The private key signs; the public key names the account in every request, so it is redacted
  // as Binance's API key is (a venue or proxy error may echo it). The account id is public (on-chain).
  secret: ['orderlyKey', 'orderlySecret'],
  formats: {
    accountId: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be an Orderly account id (0x + 64 hex digits)'),
    orderlyKey: z.string().regex(/^(ed25519:)?[1-9A-HJ-NP-Za-km-z]{32,44}$/, 'must be an Orderly key (ed25519:<base58 public key>)'),
    orderlySecret: z.string().regex(/^(ed25519:)?[1-9A-HJ-NP-Za-km-z]{32,88}$/, 'must be a base58 ed25519 private key'),
  },
});
