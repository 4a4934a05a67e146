import { App, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildRiskguard } from '../../lib/app.ts';
import { cdkJsonContext, exampleConfig, synthRiskguard } from './app-fixture.ts';

/**
 * cdk-nag 3 reports through CDK's validation report (Validations.of(app).addPlugins), not
 * through annotations: a finding makes app.synth() throw in memory (and `cdk synth` exit 1).
 * These tests prove both directions: the app passes, and a planted violation fails.
 */

const packs = () => [new AwsSolutionsChecks(), new ServerlessChecks()];

/** Every finding both packs report on a construct tree, acknowledged ones left out. */
function findings(scope: IConstruct): string[] {
  return packs().flatMap((pack) =>
    pack.validateScope(scope).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`)),
  );
}

/** The riskguard app with the nag packs, and a hook to plant something before synth. */
function appWith(plant: (stacks: ReturnType<typeof buildRiskguard>) => void): App {
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  const stacks = buildRiskguard(app, exampleConfig(), 'riskguard.config.example.json', { nag: true });
  plant(stacks);
  return app;
}

describe('cdk-nag AwsSolutions and Serverless', () => {
  // Synthesizing with the packs registered would throw on any unacknowledged finding.
  const { app } = synthRiskguard({ nag: true });

  it('finds nothing unacknowledged in the riskguard app (errors and warnings)', () => {
    expect(findings(app)).toEqual([]);
  });

  it('fails synth on a planted violation (an unencrypted queue without SSL)', () => {
    const planted = appWith(({ guard }) => {
      new sqs.Queue(guard, 'Planted', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    });
    expect(findings(planted)).toEqual(
      expect.arrayContaining([
        'AwsSolutions-SQS2 @ RiskGuard-Guard/Planted/Resource',
        'AwsSolutions-SQS3 @ RiskGuard-Guard/Planted/Resource',
        'AwsSolutions-SQS4 @ RiskGuard-Guard/Planted/Resource',
      ]),
    );
    expect(() => planted.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  it('fails synth on a wildcard grant that nobody acknowledged, despite the acknowledged ones', () => {
    const planted = appWith(({ guard }) => {
      guard.guard.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
    });
    expect(findings(planted)).toContain('AwsSolutions-IAM5[Action::dynamodb:*] @ RiskGuard-Guard/Guard/Role/DefaultPolicy/Resource');
    expect(() => planted.synth()).toThrow(/Action::dynamodb:\*/);
  });

  it('acknowledges only these findings, each with a reason a reviewer can check', () => {
    const acks: { id: string; path: string; reason: string }[] = [];
    const visit = (c: IConstruct) => {
      for (const entry of c.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acks.push({ id: id.replace(/^annotation::/i, ''), path: c.node.path, reason });
        }
      }
      c.node.children.forEach(visit);
    };
    visit(app);
    for (const a of acks) {
      expect(a.reason.length, `${a.id} on ${a.path}`).toBeGreaterThanOrEqual(60);
    }
    const ids = [...new Set(acks.map((a) => a.id.replace(/<[A-Za-z0-9]+\.Arn>/, '<FunctionArn>')))].sort();
    expect(ids).toEqual([
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::<FunctionArn>:*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      'AwsSolutions-L1',
      'AwsSolutions-SQS3',
      'Serverless-LambdaAsyncFailureDestination',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaLatestVersion',
      'Serverless-LambdaTracing',
      'Serverless-SNSRedrivePolicy',
      'Serverless-SQSRedrivePolicy',
      'Serverless-StarPermissions',
    ]);
  });
});
