import { Duration, Size, Stack, Token } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PropChecks } from './checks.ts';
import type { FreshindexConfigFile } from './config.ts';
import type { FreshindexDataResources } from './data.ts';
import { jobImageFromConfig, JOB_BUNDLE } from './job-image.ts';
import { acknowledge, KMS_PUBLISH_ACTIONS } from './nag.ts';
import { createFreshindexVpc, type CacheNetwork } from './network.ts';
import { grantSourceRead } from './source-access.ts';
import { grantStore, storeEnvironment, storeNetwork } from './store.ts';

/** The command prefix of the job container; the job's arguments follow it (`rebuild --type video`). */
export const JOB_COMMAND: readonly string[] = ['node', JOB_BUNDLE];

/** Settings of the Batch jobs (rebuild and audit). */
export interface IndexJobsOptions {
  /**
   * The VPC the Fargate jobs run in (with `store: redis`, the cache's VPC: set it on the data side's `cache.vpc`).
   *
   * @default - the cache's VPC with `store: redis`; else a new VPC: two AZs, private subnets with one NAT gateway, rejected-traffic flow logs
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The subnets of the jobs.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The most vCPUs the compute environment runs at once.
   *
   * @default 16
   */
  readonly maxvCpus?: number;
  /**
   * Whether jobs run on Fargate Spot (cheaper, can be interrupted; a killed build is cleaned up and retried).
   *
   * @default false
   */
  readonly spot?: boolean;
  /**
   * vCPUs of one job.
   *
   * @default 1
   */
  readonly cpu?: number;
  /**
   * Memory of one job.
   *
   * @default Size.gibibytes(2)
   */
  readonly memory?: Size;
  /**
   * How long one attempt may run before Batch stops it.
   *
   * @default Duration.hours(6)
   */
  readonly timeout?: Duration;
  /**
   * Attempts per job (a crashed build is cleaned up by the next attempt).
   *
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * The job image.
   *
   * @default - the job bundled by esbuild at synth from your config, on the public Node.js image, built by `cdk deploy` for linux/arm64 (lib/job-image.ts; synth needs no Docker)
   */
  readonly image?: ecs.ContainerImage;
  /**
   * How long the jobs' logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Extra environment variables of the job container.
   *
   * @default - none
   */
  readonly environment?: Record<string, string>;
}

/** Props of {@link IndexJobs}. */
export interface IndexJobsProps extends IndexJobsOptions {
  /** The user's config file, loaded and validated. */
  readonly config: FreshindexConfigFile;
  /** The store and the alerts and notifications topics. */
  readonly data: Pick<FreshindexDataResources, 'store' | 'alertsTopic' | 'notificationsTopic'>;
  /**
   * Where the jobs run: the store's network, or the one reaching a Postgres source (`sourceNetwork` of `FreshindexCompute`).
   *
   * @default - the store's (the cache's VPC with store: redis, none with DynamoDB)
   */
  readonly network?: CacheNetwork;
}

/**
 * AWS Batch on Fargate (arm64) for the long jobs: the nightly rebuild and the audit, one
 * container (`node dist/job.mjs rebuild|audit --type T`). The job role may read and write the
 * store (both tables, or the cache from inside its VPC), publish alerts and reports, and read the config's sources.
 */
export class IndexJobs extends Construct {
  public readonly vpc: ec2.IVpc;
  public readonly computeEnvironment: batch.FargateComputeEnvironment;
  public readonly jobQueue: batch.JobQueue;
  public readonly jobDefinition: batch.EcsJobDefinition;
  /** The role the job's code runs with. */
  public readonly jobRole: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: IndexJobsProps) {
    super(scope, id);
    const network = props.network ?? storeNetwork(props.data.store);
    new PropChecks(this.node.path)
      .require(!(props.vpc === undefined && props.vpcSubnets !== undefined), 'vpcSubnets needs vpc')
      .require(
        network === undefined || (props.vpc === undefined && props.vpcSubnets === undefined),
        'with store: redis the jobs run in the cache\'s VPC, with a Postgres source in sourceNetwork\'s: set the data side\'s cache.vpc and cache.vpcSubnets (or sourceNetwork) instead of jobs.vpc',
      )
      .inRange('maxvCpus', props.maxvCpus, 1, 10_000)
      .inRange('retryAttempts', props.retryAttempts, 1, 10)
      .durationInRange('timeout', props.timeout, 60, 14 * 24 * 3600)
      .throwIfAny();

    this.vpc = props.vpc ?? network?.vpc ?? createFreshindexVpc(this, { flowLogRetention: props.logRetention });
    this.computeEnvironment = new batch.FargateComputeEnvironment(this, 'ComputeEnvironment', {
      vpc: this.vpc,
      vpcSubnets: props.vpcSubnets ?? network?.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ...(network ? { securityGroups: [network.clientSecurityGroup] } : {}),
      maxvCpus: props.maxvCpus ?? 16,
      spot: props.spot ?? false,
    });
    this.jobQueue = new batch.JobQueue(this, 'JobQueue', {
      computeEnvironments: [{ computeEnvironment: this.computeEnvironment, order: 1 }],
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'freshindex rebuild and audit jobs',
    });
    const executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'freshindex jobs: pull the image, write the logs',
    });
    const { store, alertsTopic, notificationsTopic } = props.data;
    this.jobDefinition = new batch.EcsJobDefinition(this, 'JobDefinition', {
      container: new batch.EcsFargateContainerDefinition(this, 'Container', {
        image: props.image ?? jobImageFromConfig(this, { configFile: props.config.path }),
        cpu: props.cpu ?? 1,
        memory: props.memory ?? Size.gibibytes(2),
        command: [...JOB_COMMAND, 'rebuild'],
        environment: {
          ...props.environment,
          ...storeEnvironment(store),
          FRESHINDEX_ALERTS_TOPIC_ARN: alertsTopic.topicArn,
          FRESHINDEX_NOTIFICATIONS_TOPIC_ARN: notificationsTopic.topicArn,
        },
        jobRole: this.jobRole,
        executionRole,
        logging: ecs.LogDriver.awsLogs({ streamPrefix: 'job', logGroup: this.logGroup }),
        fargateCpuArchitecture: ecs.CpuArchitecture.ARM64,
        fargateOperatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        assignPublicIp: false,
        readonlyRootFilesystem: true,
        user: 'node',
      }),
      retryAttempts: props.retryAttempts ?? 2,
      timeout: props.timeout ?? Duration.hours(6),
      propagateTags: true,
    });

    grantStore(this.jobRole, store);
    // The rebuild raises the index table's warm throughput before a large load (docs/rebuild.md).
    if (store.type === 'dynamodb') store.indexTable.grant(this.jobRole, 'dynamodb:UpdateTable');
    alertsTopic.grantPublish(this.jobRole);
    notificationsTopic.grantPublish(this.jobRole);
    grantSourceRead(this.jobRole, this, props.config.config.types);
    this.grantArrayJobs();

    // Each acknowledgment on the one role whose policy holds the statement.
    acknowledge(executionRole, {
      'AwsSolutions-IAM5[Resource::*]': 'ecr:GetAuthorizationToken (pulling the job image) supports no resource-level permission; this role only pulls the image and writes the logs.',
    });
    acknowledge(this.jobRole, KMS_PUBLISH_ACTIONS);
  }

  /**
   * A split rebuild (FRESHINDEX_REBUILD_CHILDREN > 1) submits its load as an array job of this job
   * definition on this queue, polls it, and stops it when the build stops (docs/rebuild.md). In a
   * policy of its own, so its acknowledged wildcards cover these actions only.
   */
  private grantArrayJobs(): void {
    const { arn: jobs, finding: jobsFinding } = batchJobArns(this);
    const policy = new iam.Policy(this, 'ArrayJobs', {
      statements: [
        new iam.PolicyStatement({ actions: ['batch:SubmitJob'], resources: [this.jobQueue.jobQueueArn, this.jobDefinition.jobDefinitionArn] }),
        new iam.PolicyStatement({ actions: ['batch:DescribeJobs'], resources: ['*'] }),
        new iam.PolicyStatement({ actions: ['batch:TerminateJob'], resources: [jobs] }),
      ],
    });
    policy.attachToRole(this.jobRole);
    acknowledge(policy, {
      'AwsSolutions-IAM5[Resource::*]': 'batch:DescribeJobs supports no resource-level permission; the split rebuild polls its array job (and reads its own job\'s queue and definition) with it.',
      [jobsFinding]:
        'The array job\'s id is known only once submitted; the split rebuild terminates its own array job when the build stops.',
    });
  }
}

/**
 * The ARN of every AWS Batch job of the stack's account and region (`job/*`: a job's id is known
 * only once submitted), and the cdk-nag finding that names it: cdk-nag shows the ARN as
 * synthesized, literal where the stack's environment is known, `<AWS::…>` where not.
 */
export function batchJobArns(scope: Construct): { arn: string; finding: string } {
  const stack = Stack.of(scope);
  const arn = stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
  const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  return { arn, finding: `AwsSolutions-IAM5[Resource::arn:${shown(stack.partition, 'Partition')}:batch:${shown(stack.region, 'Region')}:${shown(stack.account, 'AccountId')}:job/*]` };
}
