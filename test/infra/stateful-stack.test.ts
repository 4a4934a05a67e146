import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { configWith, synthRiskguard } from './app-fixture.ts';

// One synthesized app for the file (bundling skipped: this file is about template shape).
const { state } = synthRiskguard();

describe('StatefulStack table', () => {
  it('is on-demand, encrypted, point-in-time recoverable, with the store key design', () => {
    state.resourceCountIs('AWS::DynamoDB::Table', 1);
    state.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('expires audit items through TTL on expiresAt', () => {
    state.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('has the sparse state index listAccounts scans', () => {
    state.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        { IndexName: 'state-index', KeySchema: [{ AttributeName: 'statePk', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
      ],
    });
  });

  it('is retained when the stack is deleted or the table replaced', () => {
    state.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('StatefulStack alert topic', () => {
  it('is encrypted with a customer-managed, rotated key', () => {
    state.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'riskguard',
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertKey'), 'Arn'] },
    });
    state.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('lets CloudWatch alarms use the key, so the dead-man alarms can publish', () => {
    state.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it("grants CloudWatch the key only for this account's alarms (source-account condition)", () => {
    const keys = Object.values(state.findResources('AWS::KMS::Key')) as { Properties: { KeyPolicy: { Statement: { Principal?: { Service?: string }; Condition?: Record<string, Record<string, unknown>> }[] } } }[];
    const grants = keys.flatMap((k) => k.Properties.KeyPolicy.Statement).filter((st) => st.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(grants).toHaveLength(1);
    expect(grants[0]!.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*']] } },
    });
  });

  it('enforces SSL and lets only this account\'s CloudWatch alarms publish as a service', () => {
    state.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          }),
        ]),
      },
    });
  });

  it('subscribes the email and the phone number of the config', () => {
    state.resourceCountIs('AWS::SNS::Subscription', 2);
    state.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'you@example.com' });
    state.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sms', Endpoint: '+14155550123' });
  });

  it('outputs the table name and the topic ARN', () => {
    state.hasOutput('TableName', { Value: { Ref: Match.stringLikeRegexp('^Table') } });
    state.hasOutput('AlertTopicArn', { Value: { Ref: Match.stringLikeRegexp('^AlertTopic') } });
  });
});

describe('StatefulStack with webhooks', () => {
  it('subscribes HTTPS webhooks from the config', () => {
    const { state: withHook } = synthRiskguard({
      config: configWith((raw) => {
        (raw.alerts as Record<string, unknown>).webhooks = ['https://hooks.example.com/riskguard'];
      }),
    });
    withHook.resourceCountIs('AWS::SNS::Subscription', 3);
    withHook.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://hooks.example.com/riskguard' });
    expect(withHook.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'http' } })).toEqual({});
  });
});
