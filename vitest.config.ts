import { defineConfig } from 'vitest/config';

/**
 * Three projects, run together by `npm test` (or one with `npx vitest run --project unit`):
 * unit — pure rules and use cases with in-memory ports (seconds);
 * integration — real dynalite, ccxt → the paper exchange over HTTP, CLI processes, replays;
 *   the venue suite (test/venues/) runs once per venue dialect;
 * infra — CDK synth, cdk-nag, the Lambda bundle, handlers through the local harness.
 */
const shared = { testTimeout: 30_000, hookTimeout: 30_000 };
const UNIT = ['test/domain/**/*.test.ts', 'test/use-cases/**/*.test.ts', 'test/redact.test.ts', 'test/venues/hyperliquid/**/*.test.ts'];
const INFRA = ['test/infra/**/*.test.ts'];

export default defineConfig({
  test: {
    ...shared,
    // vitest's default on a 2-core machine is one worker; the integration tests mostly wait on
    // child processes and loopback HTTP, so two run the suite in ~6 min instead of ~9.
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'unit', include: UNIT } },
      { test: { ...shared, name: 'integration', include: ['test/**/*.test.ts'], exclude: [...UNIT, ...INFRA, '**/node_modules/**'] } },
      { test: { ...shared, name: 'infra', include: INFRA } },
    ],
  },
});
