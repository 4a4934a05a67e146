/**
 * One synthesized riskguard app per test file. Template-shape tests skip bundling (CDK context
 * `aws:cdk:bundling-stacks: []`): bundling the guard with esbuild takes seconds and the shape of
 * the template does not depend on it. test/infra/bundle.test.ts bundles for real.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConfigSchema, type RiskGuardConfig } from '../../functions/config.ts';
import { buildRiskguard, type RiskguardApp } from '../../lib/app.ts';
import { PROJECT_ROOT } from '../../lib/bundle.ts';
import { loadConfigFile } from '../../lib/config-file.ts';

/** The context `cdk synth` uses (cdk.json), so tests synthesize what the CLI would. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

export const exampleConfig = (): RiskGuardConfig =>
  loadConfigFile({ file: join(PROJECT_ROOT, 'riskguard.config.example.json'), announce: () => {} }).config;

/** The example config with changes (validated like a real file). */
export const configWith = (change: (raw: Record<string, unknown>) => void): RiskGuardConfig => {
  const raw = JSON.parse(readFileSync(join(PROJECT_ROOT, 'riskguard.config.example.json'), 'utf8')) as Record<string, unknown>;
  change(raw);
  return ConfigSchema.parse(raw);
};

export interface SynthOptions {
  config?: RiskGuardConfig;
  context?: Record<string, unknown>;
  /** Real esbuild bundling (slow). @default false */
  bundle?: boolean;
  /** Register the cdk-nag packs (synth then fails on unacknowledged findings). @default true */
  nag?: boolean;
}

export interface SynthesizedApp extends RiskguardApp {
  app: App;
  state: Template;
  guardTemplate: Template;
  outdir: string;
}

export function synthRiskguard(opts: SynthOptions = {}): SynthesizedApp {
  const app = new App({
    context: {
      ...cdkJsonContext(),
      ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...opts.context,
    },
  });
  const stacks = buildRiskguard(app, opts.config ?? exampleConfig(), 'riskguard.config.example.json', { nag: opts.nag ?? true });
  const assembly = app.synth();
  return {
    ...stacks,
    app,
    outdir: assembly.directory,
    state: Template.fromStack(stacks.stateful),
    guardTemplate: Template.fromStack(stacks.guard),
  };
}
