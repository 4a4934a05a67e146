/** AWS SDK clients and the adapters over them, built once per cold start (traced when sampled). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CredentialsLoader } from '../../adapters/credentials.ts';
import { documentClientOptions } from '../../adapters/dynamo-store.ts';
import { SnsNotifier } from '../../adapters/sns-notifier.ts';
import type { Clock } from '../../ports.ts';
import type { Observability } from './observability.ts';

export const systemClock: Clock = { now: () => Date.now() };

/** The table's document client. */
export function documentClient(o: Observability): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(o.tracer.captureAWSv3Client(new DynamoDBClient({})), documentClientOptions);
}

/** The alert topic's publisher; alerts name the table and region they came from. */
export function topicNotifier(o: Observability, env: { ALERT_TOPIC_ARN: string; TABLE_NAME: string; AWS_REGION: string }): SnsNotifier {
  return new SnsNotifier({
    topicArn: env.ALERT_TOPIC_ARN,
    client: o.tracer.captureAWSv3Client(new SNSClient({})),
    context: { tableName: env.TABLE_NAME, region: env.AWS_REGION },
  });
}

/** Exchange keys from SSM SecureString or Secrets Manager. */
export function credentialsLoader(o: Observability): CredentialsLoader {
  return new CredentialsLoader({
    ssm: o.tracer.captureAWSv3Client(new SSMClient({})),
    secretsManager: o.tracer.captureAWSv3Client(new SecretsManagerClient({})),
  });
}
