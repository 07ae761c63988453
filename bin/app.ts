/**
 * The freshindex CDK app: `npx cdk synth` / `npx cdk deploy --all`.
 *
 * Context (`-c key=value`): `config` (path of the config file; else $FRESHINDEX_CONFIG, else
 * freshindex.config.ts), `alertEmails` and `alertWebhookUrls` (comma-separated).
 * Synth needs neither Docker nor AWS credentials: the stacks are environment-agnostic unless
 * CDK_DEFAULT_ACCOUNT/REGION are known, and the job image is only built by `cdk deploy`.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FreshindexComputeStack, FreshindexDataStack, loadFreshindexConfig, resolveConfigFile } from '../lib/index.ts';

const app = new App();
const list = (key: string): string[] =>
  String(app.node.tryGetContext(key) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const config = await loadFreshindexConfig(resolveConfigFile(app.node.tryGetContext('config') as string | undefined));
const env = { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] };

const data = new FreshindexDataStack(app, 'FreshindexData', {
  env,
  description: 'freshindex: index and control tables, change topic, apply and verify queues, alert topics',
  config,
  alertEmails: list('alertEmails'),
  alertWebhookUrls: list('alertWebhookUrls'),
});
new FreshindexComputeStack(app, 'FreshindexCompute', {
  env,
  description: 'freshindex: apply and verify functions, Batch rebuild and audit jobs, schedules, ops API',
  config,
  data: data.resources,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
