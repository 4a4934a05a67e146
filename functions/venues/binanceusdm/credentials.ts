import type { CredentialSpec } from '../credential-spec.ts';

/** A Binance API key pair. Never logged, never put in an error message. */
export interface BinanceCredentials extends Record<string, string> {
  apiKey: string;
  secret: string;
}

/** Locally `{ "apiKeyEnv", "secretEnv" }`; in the cloud the stored JSON `{ "apiKey", "secret" }`. */
export const BINANCE_CREDENTIALS: CredentialSpec<BinanceCredentials> = Object.freeze({
  required: ['apiKey', 'secret'],
  optional: [],
  // The key is as secret as the secret: it names the account in every signed request.
  secret: ['apiKey', 'secret'],
});
