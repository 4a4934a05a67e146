import { credentialsFromEnvSpec } from '../../functions/venues/credential-spec.ts';
import { venueFacts, type SupportedVenue } from '../../functions/venues/catalog.ts';
import { dialectFor, type PaperAccount, type PaperVenue } from '../../paper/index.ts';
import type { AccountSpec } from '../../paper/engine.ts';
import { walletsOf } from '../../paper/dialects/hyperliquid/index.ts';
import { orderlyKeysOf } from '../../paper/dialects/orderly/keys.ts';

/**
 * What the shared venue suite (test/venues/guard-venue-suite.test.ts) needs to know of a venue:
 * its symbol names, where its API reads positions, and credentials it must reject. Everything
 * else — the account, its credentials, prices, faults, the clock — goes through the neutral paper
 * engine and control surface, and the guard through the venue registry: one suite, every venue.
 */
export interface VenueHarness {
  readonly venue: SupportedVenue & PaperVenue;
  /** The venue's names for the suite's two markets. */
  readonly btc: string;
  readonly eth: string;
  /** The request that reads the account's positions (a malformed answer there must stop the guard). */
  readonly positionsEndpoint: string;
  /** Credentials of `acc` the venue must refuse, each with a label, and what the auth alert says. */
  rejected(acc: PaperAccount): { label: string; credentials: Record<string, string> }[];
  readonly authAlert: RegExp;
}

export const BINANCE_HARNESS: VenueHarness = {
  venue: 'binanceusdm',
  btc: 'BTCUSDT',
  eth: 'ETHUSDT',
  positionsEndpoint: '/fapi/v3/positionRisk',
  rejected: (acc) => [
    { label: 'a bad signature (wrong secret)', credentials: { apiKey: acc.apiKey, secret: 'not-the-secret' } },
    { label: 'an unknown API key', credentials: { apiKey: 'no-such-key', secret: acc.secret } },
  ],
  authAlert: /REJECTED the API key/,
};

export const BYBIT_HARNESS: VenueHarness = {
  venue: 'bybit',
  btc: 'BTCUSDT',
  eth: 'ETHUSDT',
  positionsEndpoint: '/v5/position/list',
  rejected: (acc) => [
    { label: 'a bad signature (wrong secret, 10004)', credentials: { apiKey: acc.apiKey, secret: 'not-the-secret' } },
    { label: 'an unknown API key (10003)', credentials: { apiKey: 'no-such-key', secret: acc.secret } },
  ],
  authAlert: /REJECTED the API key/,
};

/** OKX: the control API and the engine keep BTCUSDT; the guard sees BTC-USDT-SWAP in contracts × ctVal. */
export const OKX_HARNESS: VenueHarness = {
  venue: 'okx',
  btc: 'BTCUSDT',
  eth: 'ETHUSDT',
  positionsEndpoint: '/api/v5/account/positions',
  rejected: (acc) => {
    const { env } = dialectFor('okx').credentialsFor(acc);
    return [
      { label: 'a bad signature (wrong secret)', credentials: { apiKey: acc.apiKey, secret: 'not-the-secret', passphrase: env.PAPER_API_PASSPHRASE! } },
      { label: 'an unknown API key', credentials: { apiKey: 'no-such-key', secret: acc.secret, passphrase: env.PAPER_API_PASSPHRASE! } },
      { label: 'a wrong passphrase', credentials: { apiKey: acc.apiKey, secret: acc.secret, passphrase: 'not-the-passphrase' } },
    ];
  },
  authAlert: /REJECTED the API key/,
};

export const HYPERLIQUID_HARNESS: VenueHarness = {
  venue: 'hyperliquid',
  btc: 'BTC',
  eth: 'ETH',
  positionsEndpoint: '/info/clearinghouseState',
  rejected: (acc) => {
    const { master, agent } = walletsOf(acc);
    return [
      // A key the account never approved: Hyperliquid answers "User or API Wallet 0x… does not exist."
      { label: 'a key that is no API wallet of the account', credentials: { walletAddress: master.address, privateKey: `0x${'42'.repeat(32)}` } },
      // The agent's own address reads as an empty account: never "flat".
      { label: "the API wallet's address given as the account", credentials: { walletAddress: agent.address, privateKey: agent.privateKey } },
    ];
  },
  authAlert: /REJECTED the API key/,
};

export const ORDERLY_HARNESS: VenueHarness = {
  venue: 'orderly',
  btc: 'PERP_BTC_USDC',
  eth: 'PERP_ETH_USDC',
  positionsEndpoint: '/v1/positions',
  rejected: (acc) => {
    const own = orderlyKeysOf(acc);
    // A well-formed ed25519 key pair the venue has never seen (base58 of 32 bytes of 7s).
    const stranger = 'ed25519:US517G5965aydkZ46HS38QLi7UQiSojurfbQfKCELFx';
    return [
      { label: 'a bad signature (wrong private key)', credentials: { accountId: own.accountId, orderlyKey: own.orderlyKey, orderlySecret: 'US517G5965aydkZ46HS38QLi7UQiSojurfbQfKCELFx' } },
      { label: 'an unknown Orderly key', credentials: { accountId: own.accountId, orderlyKey: stranger, orderlySecret: own.orderlySecret } },
    ];
  },
  authAlert: /REJECTED the API key/,
};

/** Every venue with a module and a paper dialect: the suite runs once per entry. */
export const VENUE_HARNESSES: readonly VenueHarness[] = [BINANCE_HARNESS, HYPERLIQUID_HARNESS, BYBIT_HARNESS, OKX_HARNESS, ORDERLY_HARNESS];

/**
 * The account's credentials as the guard loads them: from the paper dialect's answer (the config's
 * `credentials` object and its environment), through the venue's own credential spec.
 */
export function credentialsOf(h: VenueHarness, acc: PaperAccount): Record<string, string> {
  const { credentials, env } = dialectFor(h.venue).credentialsFor(acc);
  const r = credentialsFromEnvSpec(venueFacts(h.venue).credentials, credentials, env);
  if (!r.ok) throw new Error(`${h.venue}: the dialect's credentials do not load: ${r.problem}`);
  return r.value;
}

/** 10,000 USDT with a cross BTC long (1 at 50,000) and a cross ETH long (5 at 3,000), 10x, in the venue's names. */
export const btcEthLongs = (h: VenueHarness): AccountSpec => ({
  walletBalance: 10_000,
  symbols: { [h.btc]: { marginMode: 'cross', leverage: 10 }, [h.eth]: { marginMode: 'cross', leverage: 10 } },
  positions: [
    { symbol: h.btc, side: 'long', size: 1, entryPrice: 50_000, marginMode: 'cross', leverage: 10 },
    { symbol: h.eth, side: 'long', size: 5, entryPrice: 3_000, marginMode: 'cross', leverage: 10 },
  ],
});
