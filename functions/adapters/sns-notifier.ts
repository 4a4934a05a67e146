import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { formatAlert, type AlertContext, type FormattableAlert } from '../domain/alert-format.ts';
import type { Notifier } from '../ports.ts';
import { redactStrings } from '../redact.ts';

export interface SnsNotifierOptions {
  /** The alert topic (stack output `AlertTopicArn`). */
  readonly topicArn: string;
  /** @default `new SNSClient({})`: region and credentials from the environment */
  readonly client?: SNSClient;
  /** Table and region, so emails carry a copy-pasteable re-arm command. @default placeholders */
  readonly context?: AlertContext;
}

/**
 * Publishes each alert once to the SNS topic with `MessageStructure: json`: email subscribers get
 * the subject and full body, SMS subscribers ≤ 140 GSM-7 characters, HTTPS webhooks and the chat
 * relay function (Lambda) JSON.
 * SMS go as Transactional (delivered ahead of promotional traffic, also to opted-in DND numbers).
 * Throws when SNS refuses the publish (a missing KMS grant, a deleted topic): the caller decides
 * whether the tick fails.
 */
export class SnsNotifier implements Notifier {
  readonly topicArn: string;
  private readonly client: SNSClient;
  private readonly context: AlertContext;

  constructor({ topicArn, client, context = {} }: SnsNotifierOptions) {
    if (!topicArn) throw new Error('SnsNotifier: topicArn is required');
    this.topicArn = topicArn;
    this.client = client ?? new SNSClient({});
    this.context = context;
  }

  /** Accepts the watchdog's `dead-man` kind too. */
  async notify(alert: FormattableAlert): Promise<void> {
    await this.publish(alert);
  }

  /** Like `notify`, returning the SNS message id. */
  async publish(alert: FormattableAlert): Promise<string | undefined> {
    // Alert text may quote an exchange error body (which may quote the key): redacted here, at the wire.
    const f = redactStrings(formatAlert(redactStrings(alert), this.context));
    const out = await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: f.subject,
        MessageStructure: 'json',
        // `lambda`: the chat relay gets the alert as JSON (summary and body apart), not the email text.
        Message: JSON.stringify({ default: f.email, email: f.email, sms: f.sms, https: f.json, lambda: f.json }),
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        },
      }),
    );
    return out.MessageId;
  }
}
