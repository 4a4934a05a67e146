import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { RiskguardFunction } from './riskguard-function.ts';

/**
 * What a function may do with the table, action by action: a role gets exactly what its handler
 * calls through DynamoStateStore, nothing more.
 * - `get`: GetItem (state, strongly consistent)
 * - `put`: PutItem (conditional state writes, audit appends)
 * - `events`: Query on the table (the audit log)
 * - `listAccounts`: Scan on the sparse state index
 */
export type TableAccess = 'get' | 'put' | 'events' | 'listAccounts';

const ACTIONS: Record<TableAccess, { actions: string[]; onIndex: boolean }> = {
  get: { actions: ['dynamodb:GetItem'], onIndex: false },
  put: { actions: ['dynamodb:PutItem'], onIndex: false },
  events: { actions: ['dynamodb:Query'], onIndex: false },
  listAccounts: { actions: ['dynamodb:Scan'], onIndex: true },
};

/** Which items of the table a function may touch. */
export interface BindTableOptions {
  /** The state index, for `listAccounts`. */
  readonly indexName?: string;
  /**
   * The partition keys (`pk`) the table actions may touch, e.g. `ACCOUNT#main`: an IAM condition
   * on `dynamodb:LeadingKeys` (ForAllValues:StringEquals), DynamoDB's fine-grained access control
   * ("Using IAM policy conditions for fine-grained access control", DynamoDB developer guide).
   * GetItem, PutItem and Query always name one partition key, so the condition always applies.
   * Index scans carry no leading key and are not limited by it. @default any partition
   */
  readonly leadingKeys?: readonly string[];
}

/** Grants the listed table access and sets TABLE_NAME, in one call. */
export function bindTable(fn: RiskguardFunction, table: dynamodb.ITable, access: TableAccess[], opts: BindTableOptions = {}): void {
  const { indexName, leadingKeys } = opts;
  const onTable = access.filter((a) => !ACTIONS[a].onIndex).flatMap((a) => ACTIONS[a].actions);
  const onIndex = access.filter((a) => ACTIONS[a].onIndex).flatMap((a) => ACTIONS[a].actions);
  if (onTable.length > 0) {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: onTable,
        resources: [table.tableArn],
        ...(leadingKeys ? { conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...leadingKeys] } } } : {}),
      }),
    );
  }
  if (onIndex.length > 0) {
    if (!indexName) throw new Error('bindTable: listAccounts needs the state index name');
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: onIndex, resources: [`${table.tableArn}/index/${indexName}`] }));
  }
  fn.fn.addEnvironment('TABLE_NAME', table.tableName);
}

/** Grants sns:Publish (and the KMS use the encrypted topic needs) and sets ALERT_TOPIC_ARN. */
export function bindTopic(fn: RiskguardFunction, topic: sns.ITopic): void {
  topic.grantPublish(fn.role);
  fn.fn.addEnvironment('ALERT_TOPIC_ARN', topic.topicArn);
  Validations.of(fn.role).acknowledge({
    id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason:
      'Publishing to the KMS-encrypted alert topic: SNS generates data keys with the topic key on the publisher\'s behalf. Scoped to that one key (CDK topic.grantPublish).',
  });
}
