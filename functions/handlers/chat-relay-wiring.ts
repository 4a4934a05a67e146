/**
 * Cold-start wiring and the one use case of the chat relay: the Lambda subscribed to the alert
 * topic that posts each alert to the configured chats (SNS HTTPS subscriptions must confirm a
 * subscription link, which chat webhooks cannot do). Chat secrets come from SSM SecureString
 * parameters, read once per cold start; failed posts are retried, then recorded as undelivered
 * alerts in the audit log (`riskguard status --table …` shows them).
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SNSEvent, SNSMessage } from 'aws-lambda';
import * as z from 'zod';
import { buildChatChannels, deliver, undeliveredEvent, type ChatAlertsConfig, type ChatChannel, type RetryOptions } from '../adapters/chat-notifiers.ts';
import { DynamoStateStore, documentClientOptions } from '../adapters/dynamo-store.ts';
import { AlertsConfigSchema } from '../config.ts';
import type { FormattableAlert } from '../domain/alert-format.ts';
import { ConfigError } from '../errors.ts';
import type { StateStore } from '../ports.ts';
import { formatIssues } from '../validation.ts';

/** The chat keys of `alerts`, as the relay's CHAT_CHANNELS environment variable holds them (no secrets: parameter names). */
export const ChatChannelsEnvSchema = AlertsConfigSchema.pick({ telegram: true, discord: true, slack: true, ntfy: true });

const RelayEnvSchema = z.object({
  AWS_REGION: z.string().min(1),
  TABLE_NAME: z.string().min(1),
  CHAT_CHANNELS: z.string().transform((s, ctx) => {
    try {
      return ChatChannelsEnvSchema.parse(JSON.parse(s));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `must be the chat part of alerts as JSON: ${(err as Error).message}` });
      return z.NEVER;
    }
  }),
});

const AlertJsonSchema = z.object({
  accountId: z.string().min(1),
  kind: z.string().min(1),
  level: z.string(),
  summary: z.string(),
  body: z.string(),
  at: z.number(),
});

const AlarmJsonSchema = z.object({
  AlarmName: z.string(),
  NewStateValue: z.string(),
  NewStateReason: z.string().default(''),
  AlarmDescription: z.string().nullish(),
});

/**
 * The alert inside one SNS message: riskguard's alert JSON (the guard's and watchdog's `lambda`
 * rendering), a CloudWatch alarm's state change, or any other text (subject as the summary).
 */
export function alertFromSns(sns: Pick<SNSMessage, 'Message' | 'Subject' | 'Timestamp'>): FormattableAlert {
  const at = Date.parse(sns.Timestamp) || 0;
  let json: unknown = null;
  try {
    json = JSON.parse(sns.Message);
  } catch {
    json = null;
  }
  const alert = AlertJsonSchema.safeParse(json);
  if (alert.success) return alert.data as FormattableAlert;
  const alarm = AlarmJsonSchema.safeParse(json);
  if (alarm.success) {
    const a = alarm.data;
    return { accountId: 'riskguard', kind: 'info', level: a.NewStateValue, summary: `CloudWatch alarm ${a.AlarmName} is ${a.NewStateValue}`, body: [a.NewStateReason, a.AlarmDescription ?? ''].filter(Boolean).join('\n'), at };
  }
  const first = sns.Subject ?? sns.Message.split('\n')[0] ?? '';
  return { accountId: 'riskguard', kind: 'info', level: 'notice', summary: first, body: sns.Subject ? sns.Message : sns.Message.split('\n').slice(1).join('\n'), at };
}

export interface RelayReport {
  alerts: number;
  delivered: string[];
  undelivered: { channel: string; error: string }[];
}

/** Posts each record's alert to every channel (in parallel, each retried); records what fails. */
export async function relay(
  event: SNSEvent,
  deps: { channels: ChatChannel[]; store: StateStore; now: () => number; retry?: RetryOptions },
): Promise<RelayReport> {
  const report: RelayReport = { alerts: 0, delivered: [], undelivered: [] };
  for (const record of event.Records) {
    const alert = alertFromSns(record.Sns);
    report.alerts++;
    const results = await Promise.all(deps.channels.map(async (c) => ({ c, r: await deliver(c, alert, deps.retry) })));
    for (const { c, r } of results) {
      if (r.ok) report.delivered.push(c.name);
      else {
        report.undelivered.push({ channel: c.name, error: r.error });
        await deps.store.append(undeliveredEvent(alert, c.name, r, deps.now()));
      }
    }
  }
  return report;
}

/** Everything the relay needs, built once per cold start; the SSM parameters are read at the first invocation. */
export function chatRelayRuntime() {
  // Its own parse, not wiring/env.ts's: the relay's bundle is kept apart from the guard's modules.
  const parsed = RelayEnvSchema.safeParse(process.env);
  if (!parsed.success) throw new ConfigError(`invalid Lambda environment:\n${formatIssues(parsed.error)}`);
  const env = parsed.data;
  const log = new PowertoolsLogger({ serviceName: 'chat-relay' });
  const ssm = new SSMClient({});
  const store = new DynamoStateStore({ tableName: env.TABLE_NAME, client: DynamoDBDocumentClient.from(new DynamoDBClient({}), documentClientOptions) });
  const chats: ChatAlertsConfig = env.CHAT_CHANNELS;
  let channels: Promise<ChatChannel[]> | null = null;
  const readParameter = async (name: string): Promise<string | undefined> =>
    (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value;
  return {
    log,
    store,
    now: () => Date.now(),
    /** The chat channels, secrets from SSM (read once while warm; a failed read is tried again next time). */
    channels: (): Promise<ChatChannel[]> => {
      if (!channels) {
        channels = buildChatChannels(chats, 'parameter', readParameter).then((b) => b.channels);
        channels.catch(() => (channels = null));
      }
      return channels;
    },
  };
}
