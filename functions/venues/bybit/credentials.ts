import type { CredentialSpec } from '../credential-spec.ts';

/** A Bybit API key pair (HMAC, system-generated). Never logged, never put in an error message. */
export interface BybitCredentials extends Record<string, string> {
  apiKey: string;
  secret: string;
}

/** Locally `{ "apiKeyEnv", "secretEnv" }`; in the cloud the stored JSON `{ "apiKey", "secret" }`. */
export const BYBIT_CREDENTIALS: CredentialSpec<BybitCredentials> = Object.freeze({
  required: ['apiKey', 'secret'],
  optional: [],
  // The key names the account in every signed request (X-BAPI-API-KEY) and is part of the signed string.
  secret: ['apiKey', 'secret'],
});
