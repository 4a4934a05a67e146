import type { VenueFacts } from '../venue.ts';
import { HYPERLIQUID_CREDENTIALS, type HyperliquidCredentials } from './credentials.ts';
import { HYPERLIQUID_BUDGET } from './weights.ts';

/**
 * Where Hyperliquid's terms restrict *persons*, as far as could be checked (Dec 2026): the United
 * States and Ontario, plus sanctioned places. Source: a third-party summary of the terms
 * (Synpath 0.4.0 release notes: "Hyperliquid's terms bar the US, Ontario and sanctioned places");
 * Hyperliquid's own terms page was not in the reference corpus. The API also has an info request,
 * `legalCheck`, answering whether a user is allowed. This is the operator's legal obligation, shown
 * in docs; it is NOT an API refusal by region, so it does not feed `geoBlocked`.
 */
export const HYPERLIQUID_RESTRICTED_PERSONS: readonly string[] = Object.freeze(['United States', 'Ontario (Canada)', 'sanctioned jurisdictions']);

/** Hyperliquid perpetuals, as the config, the deployment checks and the redactor know it. */
export const HYPERLIQUID_FACTS: VenueFacts<HyperliquidCredentials> = Object.freeze({
  id: 'hyperliquid',
  label: 'Hyperliquid perpetuals',
  settlement: 'USDC', // perps are margined in USDC
  credentials: HYPERLIQUID_CREDENTIALS,
  budget: HYPERLIQUID_BUDGET,
  // Mainnet and testnet API servers (ccxt 4.5.84 hyperliquid.js `urls.api` / `urls.test`).
  hosts: ['api.hyperliquid.xyz', 'api.hyperliquid-testnet.xyz'],
  ccxtModule: 'js/src/hyperliquid.js',
  /*
   * No key header and no signed query string: an action is signed locally with the private key and
   * the signature travels in the JSON body as `"signature": {"r": "0x…", "s": "0x…", "v": 27}`.
   * That signature is not a secret (it authorises one nonce-bound action and is published on chain),
   * and the only short labels that would catch it, `r` and `s`, would garble every log line with an
   * `r=` or `"s":` in it. So nothing generic is registered: the private key itself is registered
   * by value when loaded (credentials.ts marks it secret), and `privateKey` is already a label the
   * redactor knows.
   */
  redaction: { headers: [], params: [] },
  /*
   * Hyperliquid's API documentation (API servers, rate limits, info and exchange endpoints) states
   * no refusal of requests by IP region; the restrictions in its terms concern persons
   * (HYPERLIQUID_RESTRICTED_PERSONS). Nothing is listed until a documented refusal is found:
   * naming us-east-1 etc. here would block deployments the API serves. So no `geoBlocked`.
   */
});
