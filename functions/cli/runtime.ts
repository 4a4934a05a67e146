import { ConfigSchema, credentialsFromEnv, resolveAccounts, type RiskGuardConfig } from '../config.ts';
import { ConsoleLogger } from '../adapters/console-logger.ts';
import { LastWriteCachingStore } from '../adapters/cached-store.ts';
import { ConsoleNotifier, FanoutNotifier, JsonlNotifier } from '../adapters/local-notifiers.ts';
import { SnsNotifier } from '../adapters/sns-notifier.ts';
import { buildChatChannels, ChatNotifier, undeliveredEvent, type ChatChannel } from '../adapters/chat-notifiers.ts';
import { SNSClient } from '@aws-sdk/client-sns';
import { ConfigError } from '../errors.ts';
import type { ExchangePort, Logger, Notifier } from '../ports.ts';
import type { GuardDeps, GuardedAccount } from '../use-cases/types.ts';
import { loadJson } from './io.ts';
import { openStore, type OpenStore, type StoreOptions } from './store.ts';

export interface LocalGuard {
  config: RiskGuardConfig;
  accounts: GuardedAccount[];
  store: OpenStore;
  notifier: Notifier;
  log: Logger;
  deps(accountId: string): GuardDeps;
  close(): Promise<void>;
}

/**
 * Everything a local command needs from one config file: resolved accounts, their exchange
 * ports (keys from the environment variables the config names), the store and the notifiers.
 * Validates all of it before anything runs, so bad input changes nothing.
 */
export async function openLocalGuard(
  file: string,
  opts: StoreOptions & { verbose?: boolean; only?: string; topicArn?: string },
): Promise<LocalGuard> {
  const config = loadJson(ConfigSchema, file, 'config');
  let accounts = resolveAccounts(config);
  if (opts.only) {
    accounts = accounts.filter((a) => a.config.id === opts.only);
    if (accounts.length === 0) throw new ConfigError(`no account "${opts.only}" in ${file} (accounts: ${config.accounts.map((a) => a.id).join(', ')})`);
  }
  const log = new ConsoleLogger(opts.verbose ? 'info' : 'warn');
  // Loaded here, not at the top: the venues' ccxt classes are ~0.5 s of start-up that commands
  // without an exchange (status, pause, rearm, events…) should not pay.
  const { createExchange, VenueSharing } = await import('../venues/index.ts');
  const exchanges = new Map<string, ExchangePort>();
  // One copy of each venue's markets for all its accounts.
  const sharing = new VenueSharing();
  for (const a of accounts) {
    const i = config.accounts.indexOf(a.config);
    exchanges.set(a.config.id, createExchange(a.config, credentialsFromEnv(a.config, i), { log, sharing }));
  }
  // Chat secrets come from the environment variables the config names; checked before anything opens.
  const { channels } = await localChatChannels(config);
  const notifiers: Notifier[] = [new ConsoleNotifier()];
  if (config.alerts.jsonlFile) notifiers.push(new JsonlNotifier(config.alerts.jsonlFile));
  if (opts.topicArn) notifiers.push(snsNotifier(opts));
  const store = await openStore(opts);
  const clock = { now: () => Date.now() };
  // A chat post never blocks a tick: it is queued, retried, and what fails is recorded in the audit log (shown by `status`).
  const chats = channels.map(
    (c) => new ChatNotifier(c, { onUndelivered: (a, channel, r) => store.store.append(undeliveredEvent(a, channel, r, clock.now())) }),
  );
  notifiers.push(...chats);
  const notifier = new FanoutNotifier(notifiers);
  // `run` ticks the same accounts again and again: keep the last written state in memory.
  const cached = new LastWriteCachingStore(store.store);
  return {
    config,
    accounts,
    store,
    notifier,
    log,
    deps: (id) => ({ exchange: exchanges.get(id)!, store: cached, notifier, clock, log, snapshots: store.snapshots }),
    close: async () => {
      await Promise.all(chats.map((c) => c.flush()));
      await store.close();
    },
  };
}

/**
 * The chat channels a local run posts to: each configured chat whose `…Env` secret is named
 * (a chat configured only with `…Parameter` is the cloud relay's). A named variable that is not
 * set is a ConfigError.
 */
export function localChatChannels(config: RiskGuardConfig, env: NodeJS.ProcessEnv = process.env): Promise<{ channels: ChatChannel[]; skipped: string[] }> {
  return buildChatChannels(config.alerts, 'env', async (name) => env[name]);
}

/** The deployed alert topic (stack output `AlertTopicArn`): every subscribed email, phone and webhook. */
export function snsNotifier(opts: { topicArn?: string; region?: string; table?: string }): SnsNotifier {
  const region = opts.region ?? regionOfArn(opts.topicArn ?? '');
  return new SnsNotifier({
    topicArn: opts.topicArn!,
    client: new SNSClient(region ? { region } : {}),
    context: { ...(opts.table ? { tableName: opts.table } : {}), ...(region ? { region } : {}) },
  });
}

const regionOfArn = (arn: string): string | undefined => /^arn:aws[a-z-]*:sns:([a-z0-9-]+):/.exec(arn)?.[1];
