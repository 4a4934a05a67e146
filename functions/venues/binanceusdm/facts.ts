import type { VenueFacts } from '../venue.ts';
import { BINANCE_CREDENTIALS, type BinanceCredentials } from './credentials.ts';
import { BINANCE_BUDGET } from './weights.ts';

/** Binance USDⓈ-M futures, as the config, the deployment checks and the redactor know it. */
export const BINANCE_FACTS: VenueFacts<BinanceCredentials> = Object.freeze({
  id: 'binanceusdm',
  label: 'Binance USDⓈ-M futures',
  credentials: BINANCE_CREDENTIALS,
  budget: BINANCE_BUDGET,
  // Production, the futures testnet and demo trading (the hosts ccxt 4.5's binanceusdm knows).
  hosts: ['fapi.binance.com', 'testnet.binancefuture.com', 'demo-fapi.binance.com'],
  ccxtModule: 'js/src/binanceusdm.js',
  // The key travels in this header on every signed request; the signature in the query string.
  redaction: { headers: ['X-MBX-APIKEY'], params: ['signature'] },
});
