import type { VenueFacts } from '../venue.ts';
import { BINANCE_CREDENTIALS, type BinanceCredentials } from './credentials.ts';
import { BINANCE_BUDGET } from './weights.ts';

/** Binance USDⓈ-M futures, as the config, the deployment checks and the redactor know it. */
export const BINANCE_FACTS: VenueFacts<BinanceCredentials> = Object.freeze({
  id: 'binanceusdm',
  label: 'Binance USDⓈ-M futures',
  settlement: 'USDT', // the USDT wallet of USDⓈ-M futures
  credentials: BINANCE_CREDENTIALS,
  budget: BINANCE_BUDGET,
  // Production, the futures testnet and demo trading (the hosts ccxt 4.5's binanceusdm knows).
  hosts: ['fapi.binance.com', 'testnet.binancefuture.com', 'demo-fapi.binance.com'],
  ccxtModule: 'js/src/binanceusdm.js',
  // The key travels in this header on every signed request; the signature in the query string.
  redaction: { headers: ['X-MBX-APIKEY'], params: ['signature'] },
  // Requests from US IP addresses get HTTP 451 "Service unavailable from a restricted location
  // according to 'b. Eligibility' in https://www.binance.com/en/terms" (reported from AWS, GCP and
  // GitHub Actions hosts: ccxt/ccxt#15872, #16044). Other restricted countries have no AWS region.
  geoBlocked: {
    regions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'us-gov-east-1', 'us-gov-west-1'],
    why: 'Binance answers requests from US IP addresses with HTTP 451 (restricted location, binance.com/en/terms "b. Eligibility")',
  },
});
