import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionDeadLetterQueue } from './change-queue.ts';
import { ALERT_SERVICES, type AlertService } from '../lambdas/core/alerts/formatters.ts';
import { PropChecks } from './checks.ts';
import { FreshindexFunction, type FreshindexFunctionOptions } from './function.ts';
import { acknowledge, KMS_SEND_ACTIONS } from './nag.ts';

/** One place alerts are delivered to. */
export interface AlertDestinationProps {
  /** Your name for it (`oncall-slack`): 1 to 64 letters, digits, dots, dashes or underscores; shown in logs and dead letters. */
  readonly name: string;
  /** Its payload: Slack incoming webhook, Teams workflow webhook, DingTalk or Feishu / Lark custom bot, or the alert as JSON. */
  readonly service: AlertService;
  /** The secret holding `{ "url": "https://...", "secret"?: "..." }` (the signing secret of DingTalk and Feishu bots). */
  readonly secret: secretsmanager.ISecret;
}

/** Settings of {@link AlertDelivery} a user chooses. */
export interface AlertDeliveryOptions extends FreshindexFunctionOptions {
  /** Where alerts go; at least one. */
  readonly destinations: readonly AlertDestinationProps[];
  /**
   * How long failed deliveries stay in the dead-letter queue.
   *
   * @default Duration.days(14)
   */
  readonly deadLetterRetention?: Duration;
}

/** Props of {@link AlertDelivery}. */
export interface AlertDeliveryProps extends AlertDeliveryOptions {
  /** Absolute path of the user's config module (the entry's folder is found from it). */
  readonly configFile: string;
  /** The alerts topic the function subscribes to. */
  readonly alertsTopic: sns.ITopic;
  /** The key the dead-letter queue is encrypted with. */
  readonly encryptionKey: kms.IKey;
  /**
   * The ops API URL, named in the CLI commands of each alert (`--endpoint`).
   *
   * @default - the commands name no endpoint
   */
  readonly apiUrl?: string;
  /**
   * The log groups of the apply and verify functions, for the Logs Insights link of each alert.
   *
   * @default - no Logs Insights link
   */
  readonly logGroups?: readonly logs.ILogGroup[];
}

const NAME = /^[\w.-]{1,64}$/;

/**
 * Chat alerts that arrive: a function subscribed to the alerts topic (a Lambda subscription needs
 * no confirmation, unlike an HTTPS one) that formats each alert for its destinations and posts it.
 * A delivery that still fails after its retries lands in the function's own dead-letter queue
 * (encrypted, TLS only) with its reason; an invocation that fails anyway is retried twice by
 * Lambda, then sent to the same queue. The function may read its destinations' secrets and send to
 * that queue, nothing else.
 *
 * @example
 * new AlertDelivery(this, 'Alerts', {
 *   configFile: config.path, alertsTopic: data.alertsTopic, encryptionKey: data.queueKey,
 *   destinations: [{ name: 'oncall', service: 'slack', secret: Secret.fromSecretNameV2(this, 'Slack', 'freshindex/slack') }],
 * });
 */
export class AlertDelivery extends Construct {
  /** The delivery function, its role and log group. */
  public readonly handler: FreshindexFunction;
  /** Deliveries that failed for good, with their reason. */
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AlertDeliveryProps) {
    super(scope, id);
    checkDestinations(this.node.path, props);

    this.deadLetterQueue = functionDeadLetterQueue(this, { encryptionKey: props.encryptionKey, retention: props.deadLetterRetention });
    this.handler = new FreshindexFunction(this, 'Handler', {
      ...props,
      handler: 'alert-delivery',
      memorySize: props.memorySize ?? 256,
      // Five attempts of at most 10 s per destination, all destinations at once, and the backoff between them.
      timeout: Duration.seconds(90),
      description: 'freshindex alert delivery: the alerts topic to chat webhooks',
      environment: {
        ...props.environment,
        FRESHINDEX_ALERT_DESTINATIONS: Stack.of(this).toJsonString(
          props.destinations.map((destination) => ({ name: destination.name, service: destination.service, secretId: destination.secret.secretFullArn ?? destination.secret.secretName })),
        ),
        FRESHINDEX_ALERT_DLQ_URL: this.deadLetterQueue.queueUrl,
        ...(props.apiUrl ? { FRESHINDEX_API_URL: props.apiUrl } : {}),
        ...(props.logGroups?.length ? { FRESHINDEX_LOG_GROUPS: props.logGroups.map((group) => group.logGroupName).join(',') } : {}),
      },
    });
    const fn = this.handler.function;
    fn.configureAsyncInvoke({ retryAttempts: 2, onFailure: new destinations.SqsDestination(this.deadLetterQueue) });
    props.alertsTopic.addSubscription(new subscriptions.LambdaSubscription(fn));
    this.deadLetterQueue.grantSendMessages(fn);
    for (const destination of props.destinations) grantSecretValue(this.handler.role, destination.secret);

    acknowledge(this.handler.role, KMS_SEND_ACTIONS);
    acknowledge(this.deadLetterQueue, {
      'AwsSolutions-SQS3': 'This queue is a dead-letter queue itself: the delivery function sends the deliveries that failed for good to it, and Lambda the invocations that failed.',
    });
  }
}

function checkDestinations(where: string, props: AlertDeliveryProps): void {
  const checks = new PropChecks(where).require(props.destinations.length > 0, 'destinations: give at least one');
  const seen = new Set<string>();
  for (const destination of props.destinations) {
    checks
      .require(NAME.test(destination.name), `destinations: "${destination.name}" must be 1 to 64 letters, digits, dots, dashes or underscores`)
      .require(!seen.has(destination.name), `destinations: "${destination.name}" is named twice`)
      .require(ALERT_SERVICES.includes(destination.service), `destinations: "${destination.name}" has service "${destination.service}", not one of ${ALERT_SERVICES.join(', ')}`);
    seen.add(destination.name);
  }
  checks.durationInRange('deadLetterRetention', props.deadLetterRetention, 60, 1_209_600).throwIfAny();
}

/** `secretsmanager:GetSecretValue` on one secret (and decryption through Secrets Manager when it has its own key). */
function grantSecretValue(role: iam.IRole, secret: secretsmanager.ISecret): void {
  // A secret known by name has no full ARN: Secrets Manager appends six random characters.
  const arn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [arn] }));
  secret.encryptionKey?.grantDecrypt(role);
}
