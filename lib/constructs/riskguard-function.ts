import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionBundle, PROJECT_ROOT, toNodejsBundling, type FunctionName } from '../bundle.ts';
import { DEPLOYED_CONFIG_FILE } from '../../functions/handlers/deployed-config.ts';

export interface RiskguardFunctionProps {
  /** Which handler in functions/handlers/. */
  readonly name: FunctionName;
  /** Exchange ids the bundle must carry (guard only). */
  readonly exchanges: readonly string[];
  /** The deployed config file copied into the bundle (lib/bundle.ts `writeDeployedConfig`). */
  readonly deployedConfigFile: string;
  /** @default 256 */
  readonly memorySize?: number;
  readonly timeout: Duration;
  /** Extra environment; the config file name and Powertools settings are always set. */
  readonly environment?: Record<string, string>;
  /** Asynchronous invocations that fail go here (scheduled functions). @default none (synchronous use) */
  readonly onFailure?: sqs.IQueue;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * `active`: Lambda samples invocations into X-Ray (1 a second and 5 % beyond; Lambda's rate
   * cannot be changed). `pass-through`: traced only when the caller sends a sampled trace header.
   */
  readonly tracing: 'active' | 'pass-through';
  /** Why a function is not actively traced (cdk-nag Serverless-LambdaTracing). */
  readonly noTracingReason?: string;
}

/**
 * A riskguard Lambda function with the house defaults: Node.js 22 on ARM64, bundled locally by
 * esbuild from the shared options in lib/bundle.ts, explicit memory and timeout, X-Ray tracing
 * as chosen, JSON logs into its own log group with a retention, and a role that can write its
 * logs and nothing else until granted more.
 */
export class RiskguardFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RiskguardFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own role instead of the default one: no AWS managed policy, logs only to this group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `riskguard ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    // One options object for the entry and the bundling (and for bundleGuard, the benchmark's).
    const spec = functionBundle(props.name, props.exchanges);
    this.fn = new NodejsFunction(this, 'Function', {
      entry: spec.entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}/package-lock.json`,
      bundling: toNodejsBundling(spec, props.deployedConfigFile),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      tracing: props.tracing === 'active' ? lambda.Tracing.ACTIVE : lambda.Tracing.PASS_THROUGH,
      environment: {
        RISKGUARD_CONFIG_FILE: DEPLOYED_CONFIG_FILE,
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: 'riskguard',
        // Traces must not hold signed exchange URLs or tick results with balances.
        POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        ...(props.tracing === 'active' ? {} : { POWERTOOLS_TRACE_ENABLED: 'false' }),
        ...props.environment,
      },
      ...(props.onFailure
        ? { onFailure: new SqsDestination(props.onFailure), retryAttempts: 0, maxEventAge: Duration.minutes(1) }
        : {}),
    });

    Validations.of(this.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Only X-Ray PutTraceSegments/PutTelemetryRecords (added by CDK for Lambda tracing), which support no resource-level permissions.',
      },
      {
        id: 'Serverless-StarPermissions',
        reason:
          'Same findings as AwsSolutions-IAM5, each acknowledged there with its own evidence (X-Ray actions; KMS use of the alert key; kms:Decrypt through SSM for named parameters only).',
      },
    );
    const runtimeReason =
      'Node.js 22 is pinned on purpose: the bundle targets node22 and its size and cold start are measured on it; move to a newer runtime together with a new benchmark.';
    Validations.of(this.fn).acknowledge(
      { id: 'AwsSolutions-L1', reason: runtimeReason },
      { id: 'Serverless-LambdaLatestVersion', reason: runtimeReason },
    );
    if (props.tracing !== 'active') {
      if (!props.noTracingReason) throw new Error(`RiskguardFunction ${props.name}: say why it is not actively traced`);
      Validations.of(this.fn).acknowledge({ id: 'Serverless-LambdaTracing', reason: props.noTracingReason });
    }
    if (props.onFailure) {
      Validations.of(this.fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'Failed asynchronous invocations go to an on-failure destination (the same SQS queue), which also records the error; a DeadLetterConfig as well would queue every failure twice.',
      });
    }
  }
}
