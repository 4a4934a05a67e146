import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { configWith, synthRiskguard } from './app-fixture.ts';

// One synthesized app for most of the file (bundling skipped: these tests are about template shape).
const { guardTemplate: guard } = synthRiskguard();

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown>; Effect: string };

/** The statements of the default policy attached to the role whose logical id starts with `rolePrefix`. */
function statementsOf(t: Template, rolePrefix: string): Statement[] {
  const policies = t.findResources('AWS::IAM::Policy');
  const entry = Object.entries(policies).find(([id]) => id.startsWith(`${rolePrefix}DefaultPolicy`));
  if (!entry) throw new Error(`no default policy for ${rolePrefix}: ${Object.keys(policies).join(', ')}`);
  return (entry[1] as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement;
}

const actionsOf = (statements: Statement[]): string[] =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

const functionByService = (t: Template, service: string) => {
  const fns = t.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: service } } },
  });
  const entries = Object.entries(fns);
  expect(entries).toHaveLength(1);
  return { id: entries[0]![0], props: (entries[0]![1] as { Properties: Record<string, unknown> }).Properties };
};

describe('functions', () => {
  it.each([
    ['guard', 256, 90, 'Active'],
    ['watchdog', 256, 40, 'PassThrough'],
    ['status', 256, 10, 'PassThrough'],
  ])('%s: ARM64, Node.js 22, %i MB, %i s, tracing %s, JSON logs in its own log group', (service, memory, timeout, tracing) => {
    const { props } = functionByService(guard, service);
    expect(props).toMatchObject({
      Architectures: ['arm64'],
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      MemorySize: memory,
      Timeout: timeout,
      TracingConfig: { Mode: tracing },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', LogGroup: { Ref: expect.any(String) } },
    });
  });

  it('keeps logs 30 days', () => {
    guard.resourceCountIs('AWS::Logs::LogGroup', 3);
    guard.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('gives the guard its table, topic and config file, and keeps signed URLs and results out of traces', () => {
    const { props } = functionByService(guard, 'guard');
    expect((props.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
      RISKGUARD_CONFIG_FILE: 'riskguard.deployed.json',
      POWERTOOLS_SERVICE_NAME: 'guard',
      POWERTOOLS_METRICS_NAMESPACE: 'riskguard',
      POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      METRICS: 'essential',
      TABLE_NAME: { 'Fn::ImportValue': expect.stringMatching(/Table/) },
      ALERT_TOPIC_ARN: { 'Fn::ImportValue': expect.stringMatching(/AlertTopic/) },
    });
  });

  it('puts no key, secret or key location of the exchange accounts in the template', () => {
    const json = JSON.stringify(guard.toJSON());
    for (const needle of ['apiKey', 'RISKGUARD_MAIN_API_KEY', 'RISKGUARD_MAIN_SECRET', 'secretEnv', 'SecureString']) {
      expect(json).not.toContain(needle);
    }
  });
});

describe('schedules', () => {
  it('invokes the guard once a minute per account with the account id, on time', () => {
    for (const accountId of ['main', 'bot-eth']) {
      guard.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GuardFunction'), 'Arn'] },
          Input: JSON.stringify({ accountId }),
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FailedInvocations'), 'Arn'] } },
        },
      });
    }
  });

  it('runs the watchdog every minute', () => {
    guard.resourceCountIs('AWS::Scheduler::Schedule', 3);
    guard.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadManWatchdogFunction'), 'Arn'] }, Input: '{}' },
    });
  });

  it('follows an account\'s scheduleMinutes', () => {
    const { guardTemplate } = synthRiskguard({
      config: configWith((raw) => {
        (raw.accounts as Record<string, unknown>[])[1]!.scheduleMinutes = 5;
      }),
      nag: false,
    });
    guardTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: { Input: JSON.stringify({ accountId: 'bot-eth' }) },
    });
  });
});

describe('failed invocations', () => {
  it('go to an encrypted, SSL-only queue from Lambda (on-failure destination), without retries', () => {
    guard.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
    guard.allResourcesProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FailedInvocations'), 'Arn'] } } },
    });
    guard.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    guard.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    });
  });
});

describe('least privilege', () => {
  it('lets the guard read its keys, read/write its table, publish alerts: nothing else', () => {
    const statements = statementsOf(guard, 'GuardRole');
    expect(actionsOf(statements)).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'kms:Decrypt',
        'kms:Decrypt',
        'kms:GenerateDataKey*',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
        'ssm:GetParameter',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    // "*" only for X-Ray, which has no resource-level permissions.
    for (const s of statements) {
      if (s.Resource === '*') expect(s.Action).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });

  it('grants ssm:GetParameter on exactly the parameters the config names', () => {
    const ssm = statementsOf(guard, 'GuardRole').find((s) => s.Action === 'ssm:GetParameter')!;
    const arns = JSON.stringify(ssm.Resource);
    expect(arns).toContain(':parameter/riskguard/main"');
    expect(arns).toContain(':parameter/riskguard/bot-eth"');
    expect(arns).not.toContain('*');
  });

  it('lets kms:Decrypt work only through SSM and only for those parameters', () => {
    guard.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:Decrypt',
            Condition: {
              StringEquals: {
                'kms:ViaService': { 'Fn::Join': ['', ['ssm.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
                'kms:EncryptionContext:PARAMETER_ARN': Match.arrayWith([
                  { 'Fn::Join': ['', Match.arrayWith([':parameter/riskguard/main'])] },
                  { 'Fn::Join': ['', Match.arrayWith([':parameter/riskguard/bot-eth'])] },
                ]),
              },
            },
          }),
        ]),
      },
    });
  });

  it('uses KMS on the alert key only, to publish to the encrypted topic', () => {
    const kms = statementsOf(guard, 'GuardRole').find((s) => Array.isArray(s.Action) && s.Action.includes('kms:GenerateDataKey*'))!;
    expect(kms.Resource).toEqual({ 'Fn::ImportValue': expect.stringContaining('AlertKey') });
  });

  it('lets the watchdog scan the state index, read and append audit events and publish: nothing else', () => {
    const statements = statementsOf(guard, 'DeadManWatchdogRole');
    expect(actionsOf(statements)).toEqual(
      [
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'kms:Decrypt',
        'kms:GenerateDataKey*',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    const scan = statements.find((s) => s.Action === 'dynamodb:Scan')!;
    expect(JSON.stringify(scan.Resource)).toContain('/index/state-index');
  });

  it('gives the status function read access to the table and writes only to the agent audit log: it cannot disarm or re-arm', () => {
    const statements = statementsOf(guard, 'StatusRole');
    expect(actionsOf(statements)).toEqual(
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort(),
    );
    const put = statements.find((s) => s.Action === 'dynamodb:PutItem')!;
    expect(put.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AGENTLOG#*'] } });
  });

  const leadingKeysOf = (role: string, action: string) =>
    statementsOf(guard, role).find((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action))!.Condition;

  it("limits the guard's table access to the configured accounts' partitions (dynamodb:LeadingKeys)", () => {
    const st = statementsOf(guard, 'GuardRole').find((s) => Array.isArray(s.Action) && s.Action.includes('dynamodb:PutItem'))!;
    expect(st.Action).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    expect(st.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['ACCOUNT#main', 'ACCOUNT#bot-eth'] } });
  });

  it('lets the watchdog write only its own items (WATCHDOG#<account>), never a guard state or audit log', () => {
    expect(leadingKeysOf('DeadManWatchdogRole', 'dynamodb:PutItem')).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['WATCHDOG#main', 'WATCHDOG#bot-eth'] },
    });
    expect(leadingKeysOf('DeadManWatchdogRole', 'dynamodb:Query')).toEqual(leadingKeysOf('DeadManWatchdogRole', 'dynamodb:PutItem'));
    // The index scan (read only) carries no leading key.
    expect(leadingKeysOf('DeadManWatchdogRole', 'dynamodb:Scan')).toBeUndefined();
  });

  it("lets the status function read only the configured accounts' items", () => {
    expect(leadingKeysOf('StatusRole', 'dynamodb:GetItem')).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['ACCOUNT#main', 'ACCOUNT#bot-eth'] },
    });
  });

  it('lets the Scheduler invoke only its target function', () => {
    const policies = guard.findResources('AWS::IAM::Policy');
    const schedulerPolicies = Object.entries(policies).filter(([id]) => id.startsWith('SchedulerRoleForTarget'));
    expect(schedulerPolicies).toHaveLength(2);
    for (const [, p] of schedulerPolicies) {
      const statements = (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement;
      expect(actionsOf(statements)).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    }
  });

  it('reads a Secrets Manager secret instead when the config names secretName', () => {
    const { guardTemplate } = synthRiskguard({
      config: configWith((raw) => {
        const creds = (raw.accounts as { credentials: Record<string, unknown> }[])[0]!.credentials;
        delete creds.parameterName;
        creds.secretName = 'riskguard/main';
      }),
    });
    const statements = statementsOf(guardTemplate, 'GuardRole');
    const get = statements.find((s) => s.Action === 'secretsmanager:GetSecretValue')!;
    expect(JSON.stringify(get.Resource)).toContain(':secret:riskguard/main-??????');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
      }),
    );
  });
});

describe('alarms', () => {
  const topicAction = [{ 'Fn::ImportValue': Match.stringLikeRegexp('AlertTopic') }];

  it('has four alarms, all notifying the alert topic on ALARM and OK', () => {
    guard.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    guard.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: topicAction, OKActions: topicAction });
  });

  it('alarms when the guard function fails in 2 of 3 minutes', () => {
    guard.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^GuardFunction') } }],
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  it('watches the watchdog: errors, and silence with missing data breaching', () => {
    guard.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^DeadManWatchdogFunction') } }],
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
    guard.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^DeadManWatchdogFunction') } }],
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
    });
  });

  it('alarms when SNS fails to deliver an alert', () => {
    guard.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailed',
      Dimensions: [{ Name: 'TopicName', Value: { 'Fn::ImportValue': Match.stringLikeRegexp('TopicName') } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });
});

describe('status endpoint', () => {
  it('is a function URL with AWS_IAM auth', () => {
    guard.resourceCountIs('AWS::Lambda::Url', 1);
    guard.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StatusFunction'), 'Arn'] },
    });
    guard.hasOutput('StatusUrl', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StatusFunctionFunctionUrl'), 'FunctionUrl'] } });
  });

  it('grants the callers named in context, and nobody by default', () => {
    expect(guard.findResources('AWS::Lambda::Permission')).toEqual({});
    const role = 'arn:aws:iam::123456789012:role/trading-agent';
    const { guardTemplate } = synthRiskguard({ context: { 'riskguard:statusCallerArns': role }, nag: false });
    guardTemplate.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      Principal: role,
      FunctionUrlAuthType: 'AWS_IAM',
    });
  });
});

describe('deployment choices from CDK context', () => {
  it('sets the guard memory, the metric dimensions and the log retention', () => {
    const { guardTemplate } = synthRiskguard({
      context: { 'riskguard:guardMemoryMb': 512, 'riskguard:metrics': 'per-account', 'riskguard:logRetentionDays': 14 },
      nag: false,
    });
    guardTemplate.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'guard', METRICS: 'per-account' }) },
    });
    guardTemplate.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
  });

  it('refuses a bad value with the key named', () => {
    expect(() => synthRiskguard({ context: { 'riskguard:guardMemoryMb': 64 }, nag: false })).toThrow(/riskguard:guardMemoryMb/);
  });
});

describe('a mixed Binance + Hyperliquid + Orderly config', () => {
  const mixed = configWith((raw) => {
    (raw.accounts as unknown[]).push({ id: 'hl-agent', exchange: 'hyperliquid', credentials: { parameterName: '/riskguard/hl-agent' } });
    (raw.accounts as unknown[]).push({ id: 'orderly-dual', exchange: 'orderly', credentials: { parameterName: '/riskguard/orderly-dual' } });
  });
  const { guardTemplate: t, guard: stack } = synthRiskguard({ config: mixed });

  it('schedules every account, the Hyperliquid and Orderly ones included', () => {
    t.resourceCountIs('AWS::Scheduler::Schedule', 5);
    for (const id of ['hl-agent', 'orderly-dual']) t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 minute)', Target: { Input: JSON.stringify({ accountId: id }) } });
  });

  it('lets the guard read each venue credentials JSON from its own SSM parameter, and nothing wider', () => {
    const ssm = statementsOf(t, 'GuardRole').find((s) => s.Action === 'ssm:GetParameter')!;
    const arns = JSON.stringify(ssm.Resource);
    for (const p of ['main', 'bot-eth', 'hl-agent', 'orderly-dual']) expect(arns).toContain(`:parameter/riskguard/${p}"`);
    expect(arns).not.toContain('*');
  });

  it('puts no wallet address or key location into the template beyond the parameter ARNs', () => {
    const json = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(json).not.toMatch(/privateKey|walletAddress|orderlySecret|orderlyKey/);
  });
});
