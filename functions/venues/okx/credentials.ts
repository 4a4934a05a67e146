import type { CredentialSpec } from '../credential-spec.ts';

/**
 * An OKX v5 API key: key, secret and the passphrase chosen when the key was created (OKX stores
 * only its salted hash and cannot recover it; https://www.okx.com/docs-v5/en/#overview-api-key-creation).
 * Never logged, never put in an error message.
 */
export interface OkxCredentials extends Record<string, string> {
  apiKey: string;
  secret: string;
  passphrase: string;
}

/** Locally `{ "apiKeyEnv", "secretEnv", "passphraseEnv" }`; in the cloud the stored JSON `{ "apiKey", "secret", "passphrase" }`. */
export const OKX_CREDENTIALS: CredentialSpec<OkxCredentials> = Object.freeze({
  required: ['apiKey', 'secret', 'passphrase'],
  optional: [],
  // All three sign or travel with every private request (OK-ACCESS-KEY, -SIGN, -PASSPHRASE).
  secret: ['apiKey', 'secret', 'passphrase'],
});
