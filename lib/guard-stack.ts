import { ArnFormat, CfnOutput, Duration, Stack, Validations, type CfnResource, type StackProps } from 'aws-cdk-lib';
import { GUARD_TIMEOUT_SECONDS } from '../functions/use-cases/run-invocation.ts';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Credentials } from '../functions/config.ts';
import type { DeployedConfig } from '../functions/handlers/deployed-config.ts';
import { writeDeployedConfig } from './bundle.ts';
import { bindTable, bindTopic } from './constructs/bind.ts';
import { accountPk } from '../functions/adapters/table-schema.ts';
import { DeadManSwitch, functionErrorsAlarm, notifyTopic } from './constructs/dead-man.ts';
import { RiskguardFunction } from './constructs/riskguard-function.ts';
import { ScheduledGuard } from './constructs/scheduled-guard.ts';
import { StatusEndpoint } from './constructs/status-endpoint.ts';
import { ChatRelay } from './constructs/chat-relay.ts';
import type { ChatAlertsConfig } from '../functions/adapters/chat-notifiers.ts';

/** Deployment choices (CDK context), kept apart from the risk config. */
export interface GuardOptions {
  /** Guard function memory (MB). Cost scales with it. @default 256 */
  readonly guardMemoryMb?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The guard's CloudWatch metrics: `essential` (Level only, no account dimension: $0.30 a month),
   * `aggregate` (Ticks, Level, MarginRatio, DrawdownPct, Actions: $1.50 a month), `per-account`
   * ($1.50 per account a month) or `off`. The values are always in the structured log, for Logs
   * Insights. @default 'essential'
   */
  readonly metrics?: 'essential' | 'aggregate' | 'per-account' | 'off';
  /** IAM principals allowed to call the status URL. @default none */
  readonly statusCallerArns?: readonly string[];
}

export interface GuardStackProps extends StackProps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  /** riskguard.config.json, resolved (functions/handlers/deployed-config.ts). */
  readonly deployed: DeployedConfig;
  readonly options?: GuardOptions;
  /** Chats for the cloud relay (lib/config-file.ts `cloudChatAlerts`). @default none: no relay */
  readonly chats?: ChatAlertsConfig | null;
}

/**
 * Guard timeout. One invocation ticks (sub-minute while above OK) until 58 s into its minute, then
 * hands over; the extra half minute lets a close-all started late finish instead of being killed
 * mid-way (an overlapping next invocation sees the pending trip and does not act twice).
 */
export const GUARD_TIMEOUT = Duration.seconds(GUARD_TIMEOUT_SECONDS);

/**
 * The functions: the guard (one schedule per account), the dead-man watchdog, the read-only
 * status URL, and the alarms that reach the alert topic.
 */
export class GuardStack extends Stack {
  readonly guard: RiskguardFunction;
  readonly deadMan: DeadManSwitch;
  readonly status: StatusEndpoint;
  readonly deadLetterQueue: sqs.Queue;
  /** Present when the config has chat alerts. */
  readonly chatRelay?: ChatRelay;

  constructor(scope: Construct, id: string, props: GuardStackProps) {
    super(scope, id, props);
    const opts = props.options ?? {};
    const configFile = writeDeployedConfig(props.deployed);
    const retention = opts.logRetention ? { logRetention: opts.logRetention } : {};

    this.deadLetterQueue = new sqs.Queue(this, 'FailedInvocations', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue IS the dead-letter queue: the Scheduler sends undeliverable invocations and Lambda failed asynchronous invocations here.',
      },
      { id: 'Serverless-SQSRedrivePolicy', reason: 'This queue is itself the dead-letter queue; nothing consumes it but a human.' },
    );
    const group = new scheduler.ScheduleGroup(this, 'Schedules');

    this.guard = new RiskguardFunction(this, 'Guard', {
      name: 'guard',
      exchanges: [...new Set(props.deployed.accounts.map((a) => a.config.exchange))],
      deployedConfigFile: configFile,
      memorySize: opts.guardMemoryMb ?? 256,
      timeout: GUARD_TIMEOUT,
      onFailure: this.deadLetterQueue,
      environment: { METRICS: opts.metrics ?? 'essential' },
      tracing: 'active',
      ...retention,
    });
    // The guard reads and writes the configured accounts' partitions only (state and audit log).
    const accountIds = props.deployed.accounts.map((a) => a.config.id);
    bindTable(this.guard, props.table, ['get', 'put', 'events'], { leadingKeys: accountIds.map(accountPk) });
    bindTopic(this.guard, props.topic);
    grantExchangeKeys(this.guard.role, props.deployed.accounts.map((a) => a.config.credentials));

    for (const account of props.deployed.accounts) {
      new ScheduledGuard(this, `Account-${account.config.id}`, {
        accountId: account.config.id,
        guard: this.guard.fn,
        everyMinutes: account.config.scheduleMinutes,
        deadLetterQueue: this.deadLetterQueue,
        group,
      });
    }

    this.deadMan = new DeadManSwitch(this, 'DeadMan', {
      table: props.table,
      topic: props.topic,
      deployedConfigFile: configFile,
      deadLetterQueue: this.deadLetterQueue,
      group,
      accountIds,
      ...retention,
    });
    // The Scheduler roles (made by aws-scheduler-targets) may invoke the function and its versions.
    for (const fn of [this.guard.fn, this.deadMan.watchdog.fn]) {
      const logicalId = this.resolve((fn.node.defaultChild as CfnResource).logicalId) as string;
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: `The EventBridge Scheduler role may invoke ${fn.node.path} and its versions ("<arn>:*", CDK grantInvoke); no other function.`,
      });
    }

    functionErrorsAlarm(this, 'GuardErrors', {
      fn: this.guard.fn,
      description:
        'riskguard guard function failed (threw, timed out, or could not publish an alert) in 2 of the last 3 minutes. Check its logs; the watchdog also alerts per account when ticks stop.',
      topic: props.topic,
    });
    notifyTopic(
      new cloudwatch.Alarm(this, 'AlertDeliveryFailed', {
        alarmDescription:
          'SNS could not deliver a riskguard alert (NumberOfNotificationsFailed). For SMS check the sandbox, the monthly SMS spend limit and origination identities; for email the subscription confirmation.',
        metric: props.topic.metricNumberOfNotificationsFailed({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      props.topic,
    );

    this.status = new StatusEndpoint(this, 'Status', {
      table: props.table,
      deployedConfigFile: configFile,
      accountIds,
      ...(opts.statusCallerArns ? { callerArns: opts.statusCallerArns } : {}),
      ...retention,
    });

    if (props.chats) {
      this.chatRelay = new ChatRelay(this, 'ChatRelay', {
        topic: props.topic,
        table: props.table,
        chats: props.chats,
        deployedConfigFile: configFile,
        deadLetterQueue: this.deadLetterQueue,
        ...retention,
      });
    }

    new CfnOutput(this, 'GuardFunctionName', { value: this.guard.fn.functionName });
    new CfnOutput(this, 'WatchdogFunctionName', { value: this.deadMan.watchdog.fn.functionName });
    new CfnOutput(this, 'StatusUrl', { value: this.status.url.url, description: 'GET <url>?account=ID, SigV4-signed (service "lambda")' });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
  }
}

/**
 * Read access to each account's exchange key and nothing else: ssm:GetParameter on the exact
 * parameter ARNs, secretsmanager:GetSecretValue on the exact secrets, and kms:Decrypt only
 * through those services (for SSM: only for those parameters). The parameters themselves are made
 * by the user (CloudFormation cannot create SecureString parameters); their values never appear
 * in the template.
 */
export function grantExchangeKeys(role: iam.IRole, credentials: readonly Credentials[]): void {
  const stack = Stack.of(role);
  const parameterArns = credentials
    .flatMap((c) => (c.parameterName !== undefined ? [c.parameterName] : []))
    .map((name) => stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') }));
  const secretArns = credentials
    .flatMap((c) => (c.secretName !== undefined ? [c.secretName] : []))
    // Secrets Manager appends "-" and six random characters to a secret's ARN.
    .map((name) => stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${name}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
  const anyKey = stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
  if (parameterArns.length > 0) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: parameterArns }));
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      reason:
        'The SecureString key is the user\'s (aws/ssm by default) and unknown at synth. kms:Decrypt is limited by kms:ViaService to SSM in this region and by kms:EncryptionContext:PARAMETER_ARN to the named parameters, so it decrypts those parameters and nothing else.',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [anyKey],
        conditions: {
          StringEquals: {
            'kms:ViaService': `ssm.${stack.region}.amazonaws.com`,
            'kms:EncryptionContext:PARAMETER_ARN': parameterArns,
          },
        },
      }),
    );
  }
  if (secretArns.length > 0) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secretArns }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [anyKey],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      reason:
        'The secret\'s key is the user\'s (aws/secretsmanager by default) and unknown at synth. kms:Decrypt is limited by kms:ViaService to Secrets Manager in this region; secretsmanager:GetSecretValue is limited to the named secrets.',
    });
  }
}
