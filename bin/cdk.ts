/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy --all`. Reads riskguard.config.json (else the
 * example, saying so on stderr); deployment choices come from CDK context (lib/app.ts).
 */
import { App } from 'aws-cdk-lib';
import { buildRiskguard, readContext } from '../lib/app.ts';
import { loadConfigFile } from '../lib/config-file.ts';

const app = new App();
const configFile = readContext(app)['riskguard:config'];
const loaded = loadConfigFile(configFile !== undefined ? { file: configFile } : {});
buildRiskguard(app, loaded.config, loaded.name, { nag: true });
app.synth();
