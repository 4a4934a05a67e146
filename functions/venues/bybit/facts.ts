import type { VenueFacts } from '../venue.ts';
import { BYBIT_CREDENTIALS, type BybitCredentials } from './credentials.ts';
import { BYBIT_BUDGET } from './weights.ts';

/**
 * Bybit hosts the paper exchange serves: mainnet (api.bybit.com and its twin api.bytick.com),
 * testnet and demo trading (https://bybit-exchange.github.io/docs/v5/guide "REST API Base Endpoint").
 * Kept here, not in transport.ts, so the facts never load the venue's ccxt class.
 */
export const BYBIT_HOSTS: readonly string[] = ['api.bybit.com', 'api.bytick.com', 'api-testnet.bybit.com', 'api-demo.bybit.com'];

/** Bybit (v5, Unified Trading Account, USDT perpetuals), as the config, the deployment checks and the redactor know it. */
export const BYBIT_FACTS: VenueFacts<BybitCredentials> = Object.freeze({
  id: 'bybit',
  label: 'Bybit USDT perpetuals (v5, Unified Trading Account)',
  settlement: 'USDT', // USDT perpetuals
  credentials: BYBIT_CREDENTIALS,
  budget: BYBIT_BUDGET,
  hosts: BYBIT_HOSTS,
  ccxtModule: 'js/src/bybit.js',
  // The key travels in X-BAPI-API-KEY, the signature in X-BAPI-SIGN; nothing secret in the query.
  redaction: { headers: ['X-BAPI-API-KEY', 'X-BAPI-SIGN'], params: [] },
  // "IP addresses located in the US or Mainland China are restricted and will return a 403
  // Forbidden error for requests to Bybit API" (https://bybit-exchange.github.io/docs/v5/guide).
  // Bybit's terms may restrict persons in more places than its API refuses requests from: the
  // operator's obligation, not something a region check can enforce.
  geoBlocked: {
    regions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'us-gov-east-1', 'us-gov-west-1', 'cn-north-1', 'cn-northwest-1'],
    why: 'Bybit answers API requests from US and Mainland China IP addresses with HTTP 403 Forbidden (bybit-exchange.github.io/docs/v5/guide)',
  },
});
