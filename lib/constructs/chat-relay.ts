import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ChatAlertsConfig } from '../../functions/adapters/chat-notifiers.ts';
import { chatParameterNames } from '../config-file.ts';
import { bindTable } from './bind.ts';
import { functionErrorsAlarm } from './dead-man.ts';
import { RiskguardFunction } from './riskguard-function.ts';

export interface ChatRelayProps {
  /** The alert topic the relay subscribes to. */
  readonly topic: sns.ITopic;
  /** Undelivered chat alerts are appended to its audit log. */
  readonly table: dynamodb.ITable;
  /** The chats, cloud form (`…Parameter` names, no secrets): lib/config-file.ts `cloudChatAlerts`. */
  readonly chats: ChatAlertsConfig;
  readonly deployedConfigFile: string;
  /** Failed invocations (the SSM read or the audit write failed), and messages SNS could not hand to the function, go here. */
  readonly deadLetterQueue: sqs.IQueue;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Chat alerts in the cloud: a small function subscribed to the alert topic (SNS → Lambda) that
 * posts each alert to Telegram, Discord, Slack and ntfy (functions/handlers/chat-relay.ts). SNS
 * HTTPS subscriptions cannot reach chat webhooks (they must confirm a subscription link), so this
 * relay is how chats are reached. It may read exactly the chats' SSM SecureString parameters and
 * append to the table; its errors raise an alarm on the topic.
 */
export class ChatRelay extends Construct {
  readonly function: RiskguardFunction;

  constructor(scope: Construct, id: string, props: ChatRelayProps) {
    super(scope, id);
    this.function = new RiskguardFunction(this, 'Relay', {
      name: 'chat-relay',
      exchanges: [],
      deployedConfigFile: props.deployedConfigFile,
      memorySize: 256,
      // Up to 3 tries of 10 s per chat (chats in parallel) plus backoff.
      timeout: Duration.seconds(60),
      environment: { CHAT_CHANNELS: JSON.stringify(props.chats) },
      onFailure: props.deadLetterQueue,
      tracing: 'pass-through',
      noTracingReason: 'Runs only when an alert is published; its outcome (delivered or recorded as undelivered) is in its log and the audit log.',
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    bindTable(this.function, props.table, ['put']);
    grantSecureStrings(this.function.role, chatParameterNames(props.chats));
    // SNS retries a Lambda it cannot invoke; what it still cannot deliver goes to the same dead-letter queue.
    props.topic.addSubscription(new subscriptions.LambdaSubscription(this.function.fn, { deadLetterQueue: props.deadLetterQueue }));
    functionErrorsAlarm(this, 'Errors', {
      fn: this.function.fn,
      description: 'riskguard chat relay failed (could not read a chat secret from SSM or record an undelivered alert). Chat alerts may be missing; email and SMS are unaffected. Check its logs.',
      topic: props.topic,
    });
  }
}

/** ssm:GetParameter on exactly these parameters, and kms:Decrypt only through SSM for them. */
function grantSecureStrings(role: iam.IRole, names: readonly string[]): void {
  if (names.length === 0) return;
  const stack = Stack.of(role);
  const arns = names.map((n) => stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: n.replace(/^\//, '') }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: arns }));
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
      conditions: { StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com`, 'kms:EncryptionContext:PARAMETER_ARN': arns } },
    }),
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
    reason:
      "The chat secrets' KMS key is the user's (aws/ssm by default) and unknown at synth. kms:Decrypt is limited by kms:ViaService to SSM in this region and by kms:EncryptionContext:PARAMETER_ARN to the chat parameters.",
  });
}
