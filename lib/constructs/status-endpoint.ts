import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bindTable } from './bind.ts';
import { accountPk } from '../../functions/adapters/table-schema.ts';
import { RiskguardFunction } from './riskguard-function.ts';

export interface StatusEndpointProps {
  readonly table: dynamodb.ITable;
  readonly deployedConfigFile: string;
  /** IAM principals (role/user ARNs) allowed to call the URL. @default none: grant with IAM yourself */
  readonly callerArns?: readonly string[];
  readonly logRetention?: logs.RetentionDays;
  /** The guarded account ids: the only state items it may read. */
  readonly accountIds: readonly string[];
}

/**
 * "May I trade?" for trading agents: a function URL with AWS_IAM auth (SigV4-signed GET
 * `?account=ID`; POST the agent contract: get_status, check_order, max_order_size). The function
 * can GetItem the table and PutItem only into the agents' audit log partitions (`AGENTLOG#…`, by
 * `dynamodb:LeadingKeys`): it cannot touch guard state, disarm or re-arm anything.
 */
export class StatusEndpoint extends Construct {
  readonly function: RiskguardFunction;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: StatusEndpointProps) {
    super(scope, id);
    this.function = new RiskguardFunction(this, 'Status', {
      name: 'status',
      exchanges: [],
      deployedConfigFile: props.deployedConfigFile,
      memorySize: 256,
      timeout: Duration.seconds(10),
      tracing: 'pass-through',
      noTracingReason:
        'Trading agents may poll it every few seconds: active tracing would record up to one trace a second ($13 a month at list price). Callers that want traces send a sampled X-Amzn-Trace-Id header, which pass-through mode honours.',
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    bindTable(this.function, props.table, ['get'], { leadingKeys: props.accountIds.map(accountPk) });
    // One audit entry per check_order, and nowhere else: guard state lives under ACCOUNT#… keys.
    this.function.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AGENTLOG#*'] } },
      }),
    );
    this.url = this.function.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    for (const arn of props.callerArns ?? []) this.url.grantInvokeUrl(new iam.ArnPrincipal(arn));

    Validations.of(this.function.fn).acknowledge(
      {
        id: 'Serverless-LambdaDLQ',
        reason: 'Invoked synchronously through its function URL: a failure is returned to the caller, there is no event to keep.',
      },
      {
        id: 'Serverless-LambdaAsyncFailureDestination',
        reason: 'Invoked synchronously through its function URL only; there are no asynchronous invocations to route.',
      },
    );
  }
}
