import { marketOf, HL_ASSETS, COIN, runtimeAsset } from './markets.ts';
import type { PaperDialect } from '../types.ts';
import { createHyperliquidHandler } from './http.ts';
import { walletsOf } from './keys.ts';

/**
 * The Hyperliquid dialect: POST /info and /exchange on the neutral engine, coin names (BTC, ETH),
 * USDC collateral, EIP-712 signatures verified, hourly funding, margin tables, backstop liquidation.
 * Credentials as riskguard's config names them for Hyperliquid (functions/venues/hyperliquid/credentials.ts):
 * `walletAddressEnv` (the master address) and `privateKeyEnv` (the named agent's key, which can
 * trade but not withdraw), filled from PAPER_HL_WALLET_ADDRESS / PAPER_HL_PRIVATE_KEY.
 */
export const hyperliquid: PaperDialect = {
  venue: 'hyperliquid',
  title: 'Hyperliquid API subset (POST /info, /exchange)',
  clientHint: "point ccxt's hyperliquid class at it: client.urls.api = { public: url, private: url } (walletAddress = the master address, privateKey = the agent key)",
  createHandler: createHyperliquidHandler,
  symbolProblem: (symbol) => (COIN.test(symbol) ? null : 'a Hyperliquid coin name such as BTC'),
  credentialsFor: (acc) => {
    const { master, agent } = walletsOf(acc);
    return {
      credentials: { walletAddressEnv: 'PAPER_HL_WALLET_ADDRESS', privateKeyEnv: 'PAPER_HL_PRIVATE_KEY' },
      env: { PAPER_HL_WALLET_ADDRESS: master.address, PAPER_HL_PRIVATE_KEY: agent.privateKey },
    };
  },
  internalErrorBody: (message) => JSON.stringify({ status: 'err', response: `paper exchange internal error: ${message}` }),
  engineOptions: () => ({
    markets: HL_ASSETS.map(marketOf),
    genericMarket: (symbol, price) => marketOf(runtimeAsset(symbol, price)),
    // Funding every hour; the default rate is the interest part alone, 0.01 % per 8 h paid hourly
    // at an eighth of it (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/funding).
    fundingIntervalMs: 3_600_000,
    fundingRate: 0.0001 / 8,
    // No clearance fee: liquidations are market orders on the book; below 2/3 of maintenance margin
    // the backstop liquidator takes the positions and the margin (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations).
    clearanceFee: 0,
    backstopRatio: 2 / 3,
    // Taker fee of the base tier, 0.045 % (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/fees).
    takerFee: 0.00045,
  }),
};

export { hyperliquidState, type Agent, type ReceivedAction } from './state.ts';
export { walletsOf, AGENT_NAME } from './keys.ts';
