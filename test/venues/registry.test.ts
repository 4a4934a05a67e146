import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema, credentialsFromEnv } from '../../functions/config.ts';
import { BinanceUsdmExchange } from '../../functions/venues/binanceusdm/adapter.ts';
import { SharedMarks } from '../../functions/venues/binanceusdm/marks.ts';
import { redirectFetch } from '../../functions/venues/binanceusdm/transport.ts';
import { SUPPORTED_VENUES, VENUE_CATALOG } from '../../functions/venues/catalog.ts';
import { createExchange, venueIds, venueModule, VenueSharing } from '../../functions/venues/index.ts';
import { storedCredentialsSchema } from '../../functions/venues/credential-spec.ts';
import { VENUE_IDS } from '../../functions/venues/venue.ts';
import { startPaperExchange, type PaperExchange } from '../../paper/index.ts';

describe('venue registry', () => {
  it('has a module for every venue the config accepts, and no other', () => {
    expect(venueIds().sort()).toEqual([...SUPPORTED_VENUES].sort());
    for (const id of SUPPORTED_VENUES) {
      const m = venueModule(id);
      // The module is its catalog facts plus a client: one source for both.
      expect(m.credentials).toBe(VENUE_CATALOG[id].credentials);
      expect(m.hosts).toEqual(VENUE_CATALOG[id].hosts);
      expect(VENUE_IDS).toContain(m.id);
    }
  });

  it('refuses a venue without a module in one sentence that names the ones it has', () => {
    expect(() => venueModule('kraken')).toThrow(`exchange "kraken" has no venue module in this build (have: ${venueIds().join(', ')})`);
    expect(venueIds()).toEqual(expect.arrayContaining(['binanceusdm', 'okx']));
  });

  it.each([
    [{ apiKeyEnv: 'K', secretEnv: 'S' }, null],
    [{ parameterName: '/riskguard/main' }, null],
    [{ apiKeyEnv: 'K' }, 'apiKeyEnv, secretEnv go together'],
    [{ walletAddressEnv: 'W', privateKeyEnv: 'P' }, 'Unrecognized key'],
    [{}, 'name where the key lives'],
  ])('checks Binance credentials %j per venue', (credentials, problem) => {
    const r = ConfigSchema.safeParse({ accounts: [{ id: 'a', exchange: 'binanceusdm', credentials }] });
    if (problem === null) expect(r.success).toBe(true);
    else expect(r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')).toContain(problem);
  });

  it.each([
    [{ walletAddressEnv: 'W', privateKeyEnv: 'P' }, null],
    [{ walletAddressEnv: 'W', privateKeyEnv: 'P', vaultAddressEnv: 'V' }, null],
    [{ parameterName: '/riskguard/hl' }, null],
    [{ walletAddressEnv: 'W' }, 'walletAddressEnv, privateKeyEnv go together'],
    [{ apiKeyEnv: 'K', secretEnv: 'S' }, 'Unrecognized key'],
  ])('checks Hyperliquid credentials %j per venue', (credentials, problem) => {
    const r = ConfigSchema.safeParse({ accounts: [{ id: 'a', exchange: 'hyperliquid', credentials }] });
    if (problem === null) expect(r.success).toBe(true);
    else expect(r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')).toContain(problem);
  });

  it('reads Hyperliquid credentials from the environment and the stored JSON, checking their shape without showing values', () => {
    const config = ConfigSchema.parse({ accounts: [{ id: 'h', exchange: 'hyperliquid', credentials: { walletAddressEnv: 'RG_W', privateKeyEnv: 'RG_P' } }] });
    const account = config.accounts[0]!;
    const wallet = `0x${'ab'.repeat(20)}`;
    const key = `0x${'11'.repeat(32)}`;
    expect(credentialsFromEnv(account, 0, { RG_W: wallet, RG_P: key })).toEqual({ walletAddress: wallet, privateKey: key });
    let message = '';
    try {
      credentialsFromEnv(account, 0, { RG_W: wallet, RG_P: 'not-a-key-123' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('RG_P does not hold a valid privateKey');
    expect(message).not.toContain('not-a-key-123');
    const stored = storedCredentialsSchema(VENUE_CATALOG.hyperliquid.credentials);
    expect(stored.safeParse({ walletAddress: wallet, privateKey: key, vaultAddress: `0x${'cd'.repeat(20)}` }).success).toBe(true);
    expect(stored.safeParse({ walletAddress: wallet, privateKey: key, apiKey: 'x' }).success).toBe(false);
    expect(stored.safeParse({ walletAddress: 'bob', privateKey: key }).success).toBe(false);
  });

  it('names the accepted venues when `exchange` is unknown', () => {
    const r = ConfigSchema.safeParse({ accounts: [{ id: 'a', exchange: 'kraken', credentials: { apiKeyEnv: 'K', secretEnv: 'S' } }] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('exchange');
  });

  it('loads credentials from the variables the config names, and says which are missing without values', () => {
    const config = ConfigSchema.parse({ accounts: [{ id: 'a', exchange: 'binanceusdm', credentials: { apiKeyEnv: 'RG_K', secretEnv: 'RG_S' } }] });
    const account = config.accounts[0]!;
    expect(credentialsFromEnv(account, 0, { RG_K: 'key-123456', RG_S: 'secret-123456' })).toEqual({ apiKey: 'key-123456', secret: 'secret-123456' });
    expect(() => credentialsFromEnv(account, 0, { RG_K: 'key-123456' })).toThrow('account a (accounts[0].credentials) environment variable(s) RG_S not set');
  });
});

describe('markets shared per venue', () => {
  let paper: PaperExchange;
  beforeEach(async () => {
    paper = await startPaperExchange({ speed: 0 });
    paper.engine.setPrices({ BTCUSDT: 50_000, ETHUSDT: 3_000 });
  });
  afterEach(async () => paper.close());

  /** Counts exchangeInfo requests at the wire. */
  function counting() {
    const seen: string[] = [];
    const f = redirectFetch(paper.url, (async (url: string | URL | Request, init?: RequestInit) => {
      seen.push(new URL(String(url)).pathname);
      return fetch(url, init);
    }) as typeof fetch);
    return {
      f,
      loads: () => seen.filter((p) => p === '/fapi/v1/exchangeInfo').length,
      markReads: () => seen.filter((p) => p === '/fapi/v1/premiumIndex').length,
    };
  }

  it('reads premiumIndex once for many accounts snapshotting at once, and each still sees its marks', async () => {
    const { f, markReads } = counting();
    const shared = new VenueSharing().for('binanceusdm', paper.url);
    // A host clock that stands still: the answer stays within its reuse window however slowly this machine runs.
    shared.slots.set('marks', new SharedMarks(() => 0));
    const ports = Array.from({ length: 6 }, () => {
      const acc = paper.engine.createAccount({
        walletBalance: 10_000,
        positions: [{ symbol: 'ETHUSDT', side: 'long', size: 1, entryPrice: 3_000, marginMode: 'cross', leverage: 10 }],
      });
      return new BinanceUsdmExchange({ apiKey: acc.apiKey, secret: acc.secret, fetchImplementation: f, shared });
    });
    const snaps = await Promise.all(ports.map((p) => p.fetchSnapshot()));
    expect(markReads()).toBe(1);
    for (const s of snaps) expect(s.positions[0]!.markTimestamp).toBeGreaterThan(0);
    // The watch's read goes through the same path and names every symbol's mark.
    expect(await ports[0]!.fetchMarks()).toMatchObject({ BTCUSDT: 50_000, ETHUSDT: 3_000 });
    // Without sharing, every snapshot reads its own.
    const { f: f2, markReads: markReads2 } = counting();
    const acc = paper.engine.createAccount({ walletBalance: 1_000 });
    await Promise.all([0, 1, 2].map(() => new BinanceUsdmExchange({ apiKey: acc.apiKey, secret: acc.secret, fetchImplementation: f2 }).fetchSnapshot()));
    expect(markReads2()).toBe(3);
  });

  it('loads the market list once for many accounts of one venue, and each still reads its own book', async () => {
    const { f, loads } = counting();
    const sharing = new VenueSharing();
    const shared = sharing.for('binanceusdm', paper.url);
    const ports = Array.from({ length: 5 }, (_, i) => {
      const acc = paper.engine.createAccount({
        walletBalance: 10_000 + i,
        positions: [{ symbol: 'BTCUSDT', side: 'long', size: 0.1 * (i + 1), entryPrice: 50_000, marginMode: 'cross', leverage: 10 }],
      });
      return new BinanceUsdmExchange({ apiKey: acc.apiKey, secret: acc.secret, fetchImplementation: f, shared });
    });
    const snaps = await Promise.all(ports.map((p) => p.fetchSnapshot()));
    expect(loads()).toBe(1);
    expect(snaps.map((s) => s.positions[0]!.contracts)).toEqual([0.1, 0.2, 0.30000000000000004, 0.4, 0.5].map((x) => expect.closeTo(x, 9)));
    // Without sharing, each account loads its own copy.
    const { f: f2, loads: loads2 } = counting();
    const acc = paper.engine.createAccount({ walletBalance: 1_000 });
    await Promise.all([0, 1].map(() => new BinanceUsdmExchange({ apiKey: acc.apiKey, secret: acc.secret, fetchImplementation: f2 }).fetchSnapshot()));
    expect(loads2()).toBe(2);
  });

  it('lets every account see a symbol listed after the markets were loaded, with one reload for all', async () => {
    const { f, loads } = counting();
    const shared = new VenueSharing().for('binanceusdm', paper.url);
    const accs = [0, 1].map(() => paper.engine.createAccount({ walletBalance: 10_000 }));
    const ports = accs.map((a) => new BinanceUsdmExchange({ apiKey: a.apiKey, secret: a.secret, fetchImplementation: f, shared }));
    await Promise.all(ports.map((p) => p.fetchSnapshot()));
    paper.engine.listMarket('NEWUSDT', 2);
    for (const a of accs) paper.engine.placeOrder(a, { symbol: 'NEWUSDT', side: 'BUY', type: 'MARKET', quantity: 100 });
    const snaps = await Promise.all(ports.map((p) => p.fetchSnapshot()));
    expect(snaps.map((s) => s.positions.map((p) => p.symbol))).toEqual([['NEWUSDT'], ['NEWUSDT']]);
    expect(loads()).toBe(2);
  });

  it("keeps the venue's used-weight count per venue, as answered in X-MBX-USED-WEIGHT-1M", async () => {
    const shared = new VenueSharing().for('binanceusdm', paper.url);
    const { f } = counting();
    const [a, b] = [0, 1].map(() => {
      const acc = paper.engine.createAccount({ walletBalance: 1_000 });
      return new BinanceUsdmExchange({ apiKey: acc.apiKey, secret: acc.secret, fetchImplementation: f, shared });
    });
    expect(a!.usedWeight()).toBeNull();
    await a!.fetchSnapshot();
    const seen = a!.usedWeight()!.used;
    expect(seen).toBeGreaterThan(0);
    // The other account of the venue sees the same per-IP count without a request of its own.
    expect(b!.usedWeight()!.used).toBe(seen);
  });

  it('creates ports through the registry with one sharing per process', async () => {
    const sharing = new VenueSharing();
    const acc = paper.engine.createAccount({ walletBalance: 5_000 });
    const account = { id: 'a', exchange: 'binanceusdm', baseUrl: paper.url };
    const p = createExchange(account, { apiKey: acc.apiKey, secret: acc.secret }, { sharing });
    expect((await p.fetchSnapshot()).positions).toEqual([]);
    expect(sharing.for('binanceusdm', paper.url).slots.has('markets')).toBe(true);
  });
});

describe('venue catalog', () => {
  it('loads no venue client: parsing a config imports no ccxt code (every import followed, none shaken off)', async () => {
    const { build } = await import('esbuild');
    const r = await build({
      entryPoints: ['functions/venues/catalog.ts', 'functions/config.ts'],
      bundle: true,
      treeShaking: false,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      outdir: 'out',
      logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.some((p) => p.includes('functions/venues/catalog.ts'))).toBe(true);
    expect(inputs.filter((p) => p.includes('node_modules/ccxt/'))).toEqual([]);
  });
});
