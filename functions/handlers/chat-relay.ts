/**
 * The chat relay Lambda, subscribed to the alert topic: posts every alert (and alarm) to the
 * configured Telegram, Discord, Slack and ntfy chats. A chat that fails after retries is recorded
 * as an undelivered alert in the audit log; the invocation still succeeds, so SNS does not
 * redeliver to the chats that did receive it.
 */
import type { SNSEvent } from 'aws-lambda';
import { chatRelayRuntime, relay, type RelayReport } from './chat-relay-wiring.ts';

const rt = chatRelayRuntime();

export const handler = async (event: SNSEvent): Promise<RelayReport> => {
  const report = await relay(event, { channels: await rt.channels(), store: rt.store, now: rt.now });
  if (report.undelivered.length > 0) rt.log.error('chat alert undelivered', { ...report });
  else rt.log.info('chat alerts relayed', { ...report });
  return report;
};
