/**
 * The freshindex CDK app: `npx cdk synth` / `npx cdk deploy --all`.
 *
 * Context (`-c key=value`): `config` (path of the config file; else $FRESHINDEX_CONFIG, else
 * freshindex.config.ts), `alertEmails` and `alertWebhookUrls` (comma-separated), and
 * `alertDestinations`: comma-separated `name:service:secret` (service slack, teams, dingtalk, feishu
 * or webhook; secret a Secrets Manager name or full ARN holding `{ "url", "secret"? }`).
 * Synth needs neither Docker nor AWS credentials: the stacks are environment-agnostic unless
 * CDK_DEFAULT_ACCOUNT/REGION are known, and the job image is only built by `cdk deploy`.
 */
import { App, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FreshindexComputeStack, FreshindexDataStack, loadFreshindexConfig, resolveConfigFile, type AlertDestinationProps } from '../lib/index.ts';

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
  description: 'freshindex: apply and verify functions, Batch rebuild and audit jobs, schedules, ops API, alert delivery',
  config,
  data: data.resources,
  ...(list('alertDestinations').length > 0 ? { alerts: { destinations: list('alertDestinations').map((spec, index) => destinationOf(spec, index)) } } : {}),
});

/** `name:service:secret`, the secret a name or a full ARN (which holds colons itself). */
function destinationOf(spec: string, index: number): AlertDestinationProps {
  const [name = '', service = '', ...rest] = spec.split(':');
  const secretId = rest.join(':');
  if (!name || !service || !secretId) throw new Error(`context alertDestinations: "${spec}" is not name:service:secret (for example oncall:slack:freshindex/slack-oncall)`);
  // An imported secret creates no resource: any stack of the app can hold the reference.
  const id = `AlertSecret${index}`;
  const secret = secretId.startsWith('arn:') ? secretsmanager.Secret.fromSecretCompleteArn(data, id, secretId) : secretsmanager.Secret.fromSecretNameV2(data, id, secretId);
  return { name, service: service as AlertDestinationProps['service'], secret };
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
