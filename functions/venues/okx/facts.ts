import type { VenueFacts } from '../venue.ts';
import { OKX_CREDENTIALS, type OkxCredentials } from './credentials.ts';
import { OKX_BUDGET } from './weights.ts';

/**
 * OKX's API hosts ccxt 4.5.84's okx class may be pointed at (`hostname`): www.okx.com (ccxt's
 * default), aws.okx.com, my.okx.com (EEA: `myokx`), app.okx.com and us.okx.com (US entity).
 */
export const OKX_HOSTS: readonly string[] = ['www.okx.com', 'aws.okx.com', 'my.okx.com', 'eea.okx.com', 'app.okx.com', 'us.okx.com'];

/** OKX USDT perpetual swaps (v5 API), as the config, the deployment checks and the redactor know it. */
export const OKX_FACTS: VenueFacts<OkxCredentials> = Object.freeze({
  id: 'okx',
  label: 'OKX USDT perpetual swaps',
  settlement: 'USDT', // USDT-margined swaps
  credentials: OKX_CREDENTIALS,
  budget: OKX_BUDGET,
  hosts: OKX_HOSTS,
  ccxtModule: 'js/src/okx.js',
  // Key, signature and passphrase travel in these headers on every private request.
  redaction: { headers: ['OK-ACCESS-KEY', 'OK-ACCESS-SIGN', 'OK-ACCESS-PASSPHRASE'], params: [] },
  // www.okx.com is not reachable from mainland China ("If your server is in mainland, VPN is
  // required": okxapi/python-okx#7, #35, OKX's own SDK repository). US residents are served by
  // OKX's US entity on its own host (app.okx.com / us.okx.com): a US key on www.okx.com answers
  // 50119 "API key doesn't exist" (ccxt/ccxt#26127) — a host choice, not a region block.
  geoBlocked: {
    regions: ['cn-north-1', 'cn-northwest-1'],
    why: "www.okx.com is not reachable from mainland China (OKX's SDK: \"If your server is in mainland, VPN is required\", github.com/okxapi/python-okx/issues/7)",
  },
});
