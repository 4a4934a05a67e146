/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy --all`. Reads riskguard.config.json (else the
 * example, saying so on stderr); deployment choices come from CDK context (lib/app.ts).
 * A config that cannot be deployed ends synth with one line saying what to fix (exit 2), not a stack.
 */
import { App } from 'aws-cdk-lib';
import { buildRiskguard, readContext } from '../lib/app.ts';
import { loadConfigFile } from '../lib/config-file.ts';
import { ConfigError } from '../functions/errors.ts';

try {
  const app = new App();
  const configFile = readContext(app)['riskguard:config'];
  const loaded = loadConfigFile(configFile !== undefined ? { file: configFile } : {});
  const region = process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION;
  buildRiskguard(app, loaded.config, loaded.name, { nag: true, region });
  app.synth();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`riskguard: ${err.message}\n`);
  process.exitCode = 2;
}
