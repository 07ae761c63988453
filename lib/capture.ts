import { Annotations, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { PostgresCaptureConfig } from '../lambdas/core/config/capture.ts';
import { PropChecks } from './checks.ts';
import type { FreshindexConfigFile } from './config.ts';
import { FreshindexFunction, type FreshindexFunctionOptions } from './function.ts';
import { acknowledge, KMS_PUBLISH_ACTIONS } from './nag.ts';
import type { CacheNetwork } from './network.ts';

/** Settings of the change-capture relay (docs/cdc.md). */
export interface CaptureRelayOptions extends FreshindexFunctionOptions {
  /**
   * The VPC of the captured database.
   *
   * @default - the compute's `sourceNetwork` (with its client security group), else the VPC of the rebuild and audit jobs
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The subnets the relay runs in: they must reach the database and SNS (NAT or an SNS endpoint).
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The database's security group: it is made to admit the relay's group on `databasePort`.
   *
   * @default - none: admit `securityGroup` on the database yourself
   */
  readonly databaseSecurityGroup?: ec2.ISecurityGroup;
  /**
   * The database's port.
   *
   * @default 5432
   */
  readonly databasePort?: number;
  /**
   * Whether the schedule runs (disable to pause capture: changes wait in the change table).
   *
   * @default true
   */
  readonly enabled?: boolean;
}

/** Props of {@link CaptureRelay}. */
export interface CaptureRelayProps extends CaptureRelayOptions {
  /** The user's config file, loaded and validated; its `capture.postgres` is relayed. */
  readonly config: FreshindexConfigFile;
  /** The change topic the relay publishes to. */
  readonly changeTopic: sns.ITopic;
  /** The VPC, when neither `vpc` nor `network` is given. */
  readonly defaultVpc: ec2.IVpc;
  /**
   * The network reaching the database already (the compute's `sourceNetwork`), used when `vpc` is
   * not given: its client security group is the relay's.
   *
   * @default - none
   */
  readonly network?: CacheNetwork;
}

/** The function's timeout: one schedule period. Each invocation relays until 5 s before it. */
const RELAY_TIMEOUT = Duration.seconds(60);

/**
 * The Postgres change-capture relay: a function in the database's VPC, invoked every minute by
 * EventBridge, relaying for the whole minute (a round every `pollIntervalMs` when idle), one at a
 * time (reserved concurrency 1). It reads the database's secret and publishes to the change topic,
 * nothing more. docs/cdc.md has the cost and latency against a long-lived Fargate task.
 */
export class CaptureRelay extends Construct {
  public readonly handler: FreshindexFunction;
  /** The relay's security group: the database must admit it. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** The rule invoking the relay every minute. */
  public readonly scheduleRule: events.Rule;

  constructor(scope: Construct, id: string, props: CaptureRelayProps) {
    super(scope, id);
    const capture = props.config.config.capture?.postgres;
    new PropChecks(this.node.path)
      .require(capture !== undefined, 'the config has no capture.postgres to relay')
      .inRange('databasePort', props.databasePort, 1, 65_535)
      .throwIfAny();
    const postgres = capture as PostgresCaptureConfig;
    const network = relayNetwork(this, props);
    this.securityGroup = network.clientSecurityGroup;
    const port = props.databasePort ?? 5432;
    if (props.databaseSecurityGroup) {
      // Here, not on the database's group: that group usually lives in another stack, which must not depend on this one.
      new ec2.CfnSecurityGroupIngress(this, 'DatabaseIngress', {
        groupId: props.databaseSecurityGroup.securityGroupId,
        sourceSecurityGroupId: this.securityGroup.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        description: 'freshindex capture relay',
      });
    }

    this.handler = new FreshindexFunction(this, 'Handler', {
      memorySize: 256,
      ...props,
      handler: 'capture-relay',
      configFile: props.config.path,
      timeout: RELAY_TIMEOUT,
      description: 'freshindex capture relay: Postgres change table to the change topic',
      network,
      environment: { ...props.environment, FRESHINDEX_CHANGE_TOPIC_ARN: props.changeTopic.topicArn },
    });
    const fn = this.handler.function;
    (fn.node.defaultChild as { reservedConcurrentExecutions?: number }).reservedConcurrentExecutions = 1;
    // The next minute's invocation replaces a failed or throttled one: no retries piling up behind it.
    fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(2) });
    props.changeTopic.grantPublish(fn);
    acknowledge(this.handler.role, KMS_PUBLISH_ACTIONS);
    if (postgres.connection.secretId) databaseSecret(this, postgres.connection.secretId).grantRead(fn);
    if (postgres.connection.env) {
      Annotations.of(this).addWarningV2(
        'freshindex:capture-env-connection',
        `capture.postgres reads its database URL from $${postgres.connection.env}; pass it with the compute "environment" prop or use connection.secretId.`,
      );
    }

    this.scheduleRule = new events.Rule(this, 'Schedule', {
      description: 'freshindex capture relay: relays for a minute, every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      enabled: props.enabled ?? true,
      // An invocation throttled behind the previous one is retried by Lambda; a stale one is dropped.
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0, maxEventAge: Duration.minutes(2) })],
    });
  }
}

/** The given VPC with a group of the relay's own; else the sources' network; else the jobs' VPC with a group of its own. */
function relayNetwork(scope: Construct, props: CaptureRelayProps): CacheNetwork {
  if (!props.vpc && props.network) return props.network;
  const vpc = props.vpc ?? props.defaultVpc;
  const clientSecurityGroup = new ec2.SecurityGroup(scope, 'SecurityGroup', { vpc, description: 'freshindex capture relay (admit it on the database)', allowAllOutbound: true });
  return { vpc, subnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, clientSecurityGroup };
}

/** The database's secret from its id: a full ARN, a partial ARN, or a name. */
function databaseSecret(scope: Construct, secretId: string): secretsmanager.ISecret {
  if (!secretId.startsWith('arn:')) return secretsmanager.Secret.fromSecretNameV2(scope, 'DatabaseSecret', secretId);
  const name = Stack.of(scope).splitArn(secretId, ArnFormat.COLON_RESOURCE_NAME).resourceName ?? '';
  return /-[A-Za-z0-9]{6}$/.test(name)
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, 'DatabaseSecret', secretId)
    : secretsmanager.Secret.fromSecretPartialArn(scope, 'DatabaseSecret', secretId);
}
