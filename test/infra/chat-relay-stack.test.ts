import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/errors.ts';
import { cloudChatAlerts } from '../../lib/config-file.ts';
import { configWith, synthRiskguard } from './app-fixture.ts';

const chats = {
  telegram: { botTokenEnv: 'TG', botTokenParameter: '/riskguard/telegram', chatId: '-1001234567890' },
  discord: { webhookUrlParameter: '/riskguard/discord' },
  slack: { webhookUrlEnv: 'SLACK', webhookUrlParameter: '/riskguard/slack' },
  ntfy: { topicUrl: 'https://ntfy.sh/riskguard-test', tokenParameter: '/riskguard/ntfy' },
};

// cdk-nag runs in synthRiskguard: any unacknowledged finding would throw here.
const withChats = synthRiskguard({ config: configWith((raw) => Object.assign(raw['alerts'] as object, chats)), nag: true });
const guard = withChats.guardTemplate;

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };

function relayStatements(): Statement[] {
  const policies = guard.findResources('AWS::IAM::Policy');
  const entry = Object.entries(policies).find(([id]) => id.startsWith('ChatRelayRoleDefaultPolicy'));
  if (!entry) throw new Error(`no chat relay policy: ${Object.keys(policies).join(', ')}`);
  return (entry[1] as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement;
}

describe('ChatRelay (cdk-nag clean)', () => {
  it('deploys a relay function that knows the chats by parameter name only', () => {
    const fns = guard.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'chat-relay' } } } });
    const [fn] = Object.values(fns) as { Properties: { Environment: { Variables: Record<string, unknown> }; Timeout: number } }[];
    expect(fn).toBeDefined();
    expect(fn!.Properties.Timeout).toBe(60);
    expect(JSON.parse(fn!.Properties.Environment.Variables['CHAT_CHANNELS'] as string)).toEqual({
      telegram: { botTokenParameter: '/riskguard/telegram', chatId: '-1001234567890' },
      discord: { webhookUrlParameter: '/riskguard/discord' },
      slack: { webhookUrlParameter: '/riskguard/slack' },
      ntfy: { topicUrl: 'https://ntfy.sh/riskguard-test', tokenParameter: '/riskguard/ntfy' },
    });
    expect(fn!.Properties.Environment.Variables['TABLE_NAME']).toBeDefined();
  });

  it('subscribes it to the alert topic (SNS → Lambda) and lets only that topic invoke it', () => {
    guard.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', TopicArn: Match.anyValue(), Endpoint: Match.anyValue() });
    guard.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: Match.anyValue() });
  });

  it('may read exactly the chat parameters, decrypt only through SSM for them, and append to the table', () => {
    const s = relayStatements();
    const ssm = s.find((x) => x.Action === 'ssm:GetParameter')!;
    const arns = JSON.stringify(ssm.Resource);
    for (const p of ['telegram', 'discord', 'slack', 'ntfy']) expect(arns).toContain(`:parameter/riskguard/${p}"`);
    expect(arns).not.toContain('*');
    const kms = s.find((x) => x.Action === 'kms:Decrypt')!;
    expect(kms.Condition!['StringEquals']).toMatchObject({ 'kms:EncryptionContext:PARAMETER_ARN': expect.any(Array) });
    expect(s.flatMap((x) => (Array.isArray(x.Action) ? x.Action : [x.Action]))).toContain('dynamodb:PutItem');
    expect(s.flatMap((x) => (Array.isArray(x.Action) ? x.Action : [x.Action]))).not.toContain('dynamodb:Query');
  });

  it('raises an alarm on the topic when the relay fails', () => {
    guard.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: Match.stringLikeRegexp('^riskguard chat relay failed') });
  });

  it('is not deployed without chats', () => {
    const plain = synthRiskguard({ nag: false }).guardTemplate;
    expect(Object.keys(plain.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'chat-relay' } } } }))).toHaveLength(0);
    plain.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('cloudChatAlerts', () => {
  it('refuses a chat configured only for local runs, naming the parameter to add', () => {
    const config = configWith((raw) => Object.assign(raw['alerts'] as object, { discord: { webhookUrlEnv: 'D' }, ntfy: { topicUrl: 'https://ntfy.sh/x', tokenEnv: 'N' } }));
    expect(() => cloudChatAlerts(config.alerts)).toThrow(ConfigError);
    expect(() => cloudChatAlerts(config.alerts)).toThrow(
      'the cloud chat relay needs SSM parameters:\n  alerts.discord: add webhookUrlParameter (an SSM SecureString holding the webhook URL) for the cloud relay\n  alerts.ntfy: has tokenEnv but no tokenParameter',
    );
  });
});
