import * as z from 'zod';
import type { CredentialSpec } from '../credential-spec.ts';

/**
 * A Hyperliquid signer. `walletAddress` is the account the guard watches (the master account, or
 * the one an API wallet was approved for); `privateKey` signs its actions (the account's own key or,
 * better, an API wallet's, which cannot withdraw); `vaultAddress`, when given, is the vault or
 * sub-account the actions are sent for. Addresses are public identifiers; only the key is secret.
 */
export type HyperliquidCredentials = {
  walletAddress: string;
  privateKey: string;
  vaultAddress?: string;
};

/** `0x` and 40 hex digits: an EVM address (any case; checksums are not required by the API). */
export const ADDRESS_FORMAT = /^0x[0-9a-fA-F]{40}$/;
/** `0x` and 64 hex digits: a secp256k1 private key as wallets export it. */
export const PRIVATE_KEY_FORMAT = /^0x[0-9a-fA-F]{64}$/;

const address = z.string().trim().regex(ADDRESS_FORMAT, 'must be 0x followed by 40 hex digits');
const privateKey = z.string().trim().regex(PRIVATE_KEY_FORMAT, 'must be 0x followed by 64 hex digits');

/**
 * Locally `{ "walletAddressEnv", "privateKeyEnv", "vaultAddressEnv"? }`; in the cloud the stored JSON
 * `{ "walletAddress", "privateKey", "vaultAddress"? }`.
 */
const spec: CredentialSpec<HyperliquidCredentials> = {
  required: ['walletAddress', 'privateKey'],
  optional: ['vaultAddress'],
  // The key signs orders and (for a master key) withdrawals; addresses are on-chain identifiers.
  secret: ['privateKey'],
  formats: { walletAddress: address, privateKey, vaultAddress: address },
};
export const HYPERLIQUID_CREDENTIALS: CredentialSpec<HyperliquidCredentials> = Object.freeze(spec);
