import type { VenueFacts } from '../venue.ts';
import { ORDERLY_CREDENTIALS, type OrderlyCredentials } from './credentials.ts';
import { ORDERLY_BUDGET } from './weights.ts';

/**
 * Orderly's API hosts: ccxt's woofipro class calls api-evm.orderly.org (testnet-api-evm in
 * sandbox mode); Orderly's docs name api.orderly.org / testnet-api.orderly.org
 * (https://orderly.network/docs/build-on-omnichain/restful-api/private/get-margin-modes, `servers`).
 * Kept here, not in transport.ts, so the facts never load the venue's ccxt class.
 */
export const ORDERLY_HOSTS: readonly string[] = ['api-evm.orderly.org', 'testnet-api-evm.orderly.org', 'api.orderly.org', 'testnet-api.orderly.org'];

/**
 * Orderly Network perpetuals, as the config, the deployment checks and the redactor know them.
 * No geoBlocked: we found no Orderly document stating that its API refuses requests by region
 * (front-ends built on it may restrict persons by their own terms; that is the operator's duty).
 */
export const ORDERLY_FACTS: VenueFacts<OrderlyCredentials> = Object.freeze({
  id: 'orderly',
  label: 'Orderly Network perpetuals',
  settlement: 'USDC', // USDC is the collateral token
  credentials: ORDERLY_CREDENTIALS,
  budget: ORDERLY_BUDGET,
  hosts: ORDERLY_HOSTS,
  ccxtModule: 'js/src/woofipro.js',
  // The key and account id travel in these headers; the signature too (never in the query).
  redaction: { headers: ['orderly-key', 'orderly-signature', 'orderly-account-id'], params: [] },
});
