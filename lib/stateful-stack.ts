import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { tableKeySchema } from '../functions/adapters/table-schema.ts';

export interface AlertDestinations {
  readonly emails: readonly string[];
  readonly phones: readonly string[];
  readonly webhooks: readonly string[];
}

export interface StatefulStackProps extends StackProps {
  /** Subscriptions of the alert topic (riskguard.config.json `alerts`). */
  readonly alerts: AlertDestinations;
}

/**
 * What outlives a redeploy of the functions: the state table (retained even when the stack is
 * deleted) and the alert topic with its subscriptions.
 */
export class StatefulStack extends Stack {
  readonly table: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly alertKey: kms.Key;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);

    // One table: per-account state (sk STATE) and the audit log (sk EVENT#..., expiring via TTL).
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: tableKeySchema.partitionKey.name, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableKeySchema.sortKey.name, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: tableKeySchema.timeToLiveAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    for (const index of tableKeySchema.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey.name, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    // A customer-managed key: CloudWatch alarms cannot publish to a topic encrypted with the
    // AWS-managed SNS key (its policy cannot be changed), and the dead-man alarms publish here.
    this.alertKey = new kms.Key(this, 'AlertKey', {
      description: 'riskguard alert topic encryption (CloudWatch alarms may use it)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.alertKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToTheEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // Confused deputy: only CloudWatch acting for this account's alarms may use the key. Both
        // keys are carried by CloudWatch's KMS requests for alarm notifications (SNS developer
        // guide, "Enable compatibility between event sources from AWS services and encrypted
        // topics"; unlike EventBridge, which carries neither).
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*` },
        },
      }),
    );

    this.topic = new sns.Topic(this, 'AlertTopic', {
      // SNS puts the display name in front of SMS texts ("riskguard> ..."): keep it short.
      displayName: 'riskguard',
      masterKey: this.alertKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*` },
          StringEquals: { 'aws:SourceAccount': this.account },
        },
      }),
    );
    for (const email of props.alerts.emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const phone of props.alerts.phones) this.topic.addSubscription(new subscriptions.SmsSubscription(phone));
    for (const url of props.alerts.webhooks) {
      this.topic.addSubscription(new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    }
    Validations.of(this.topic).acknowledge({
      id: 'Serverless-SNSRedrivePolicy',
      reason:
        'Subscribers are people (email, SMS) and optional webhooks. SNS retries delivery itself; an undelivered alert raises the AlertDeliveryFailed alarm (NumberOfNotificationsFailed), which is what a human needs; a dead-letter queue would hold alerts nobody reads.',
    });

    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'riskguard rearm/status/events --table' });
    new CfnOutput(this, 'AlertTopicArn', { value: this.topic.topicArn, description: 'SNS topic all alerts go to' });
  }
}
