import { Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PropChecks } from './checks.ts';
import type { FreshindexConfigFile } from './config.ts';
import type { FreshindexDataResources } from './data.ts';
import type { CacheNetwork } from './network.ts';
import { FreshindexFunction, type FreshindexFunctionOptions } from './function.ts';
import { acknowledge } from './nag.ts';
import { grantSourceRead } from './source-access.ts';
import { grantStore, storeEnvironment, storeNetwork } from './store.ts';

/**
 * The index table actions of the API: record reads (`BatchGetItem`, `GetItem` after a refused
 * conditional write), the reindex's version-guarded `PutItem`, and the `Scan` of `?count=exact`.
 */
export const API_INDEX_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan'] as const;

/**
 * The control table actions of the API: pointers (read, conditional swap on rollback), the
 * catch-up log of a reindex during a build (`BatchWriteItem`), quarantine and checker counters
 * (read, release), build and audit records (read), leases (read) and rebuild reservations
 * (conditional put, update, delete).
 */
export const API_CONTROL_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'] as const;

/**
 * The actions of the API on each dead-letter queue: peek (receive, put back), show, redrive (a
 * message move task, or receive and delete after the send to the consumer queue), purge, depth.
 */
export const API_DEAD_LETTER_ACTIONS = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:ListMessageMoveTasks',
  'sqs:PurgeQueue',
  'sqs:ReceiveMessage',
  'sqs:StartMessageMoveTask',
] as const;

/** The actions of the API on each consumer queue: a redrive sends letters back to it (and reads its ARN). */
export const API_CONSUMER_QUEUE_ACTIONS = ['sqs:GetQueueAttributes', 'sqs:SendMessage'] as const;

/** Settings of the ops API. */
export interface OpsApiOptions extends FreshindexFunctionOptions {
  /**
   * The API function's timeout (API Gateway gives up after 30 s).
   *
   * @default Duration.seconds(29)
   */
  readonly timeout?: Duration;
  /**
   * Steady-state requests per second the API accepts.
   *
   * @default 50
   */
  readonly rateLimit?: number;
  /**
   * Requests the API accepts in a burst.
   *
   * @default 100
   */
  readonly burstLimit?: number;
}

/** Props of {@link OpsApi}. */
export interface OpsApiProps extends OpsApiOptions {
  /** The user's config file, loaded and validated. */
  readonly config: FreshindexConfigFile;
  /** The store, and the apply and verify queues (and the types' own apply queues) whose dead letters the API lists and redrives. */
  readonly data: Pick<FreshindexDataResources, 'store' | 'applyQueue' | 'verifyQueue' | 'queueKey' | 'typeApplyQueues'>;
  /** Where "rebuild one type" submits the job. */
  readonly jobQueue: batch.IJobQueue;
  readonly jobDefinition: batch.IJobDefinition;
  /**
   * Where the function runs: the store's network, or the one reaching a Postgres source (`sourceNetwork` of `FreshindexCompute`).
   *
   * @default - the store's (the cache's VPC with store: redis, none with DynamoDB)
   */
  readonly network?: CacheNetwork;
}

/**
 * The operators' HTTP API: an API Gateway HTTP API whose every route requires IAM (SigV4)
 * authorization, in front of the api function (Fastify through its Lambda adapter), with
 * access logs and throttling. The function may call what it calls on both tables (status,
 * reindex, rollback, quarantine release, rebuild reservations: see `API_INDEX_ACTIONS` and
 * `API_CONTROL_ACTIONS`), submit the rebuild job and read the config's sources.
 *
 * Callers need `execute-api:Invoke` on the API: see {@link OpsApi.grantInvoke}.
 */
export class OpsApi extends Construct {
  public readonly handler: FreshindexFunction;
  public readonly httpApi: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  /** The API's base URL. */
  public readonly url: string;
  public readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: OpsApiProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(29);
    new PropChecks(this.node.path)
      .durationInRange('timeout', timeout, 1, 29)
      .inRange('rateLimit', props.rateLimit, 1, 10_000)
      .inRange('burstLimit', props.burstLimit, 1, 5_000)
      .throwIfAny();

    const { store } = props.data;
    this.handler = new FreshindexFunction(this, 'Handler', {
      ...props,
      handler: 'api',
      configFile: props.config.path,
      timeout,
      network: props.network ?? storeNetwork(store),
      // similar()'s HNSW engine, for types that embed: a native module with prebuilt linux-arm64 binaries (docs/vectors.md).
      ...(props.config.config.types.some((type) => type.embed !== undefined) ? { nodeModules: ['usearch'] } : {}),
      environment: {
        ...props.environment,
        ...storeEnvironment(store),
        FRESHINDEX_JOB_QUEUE: props.jobQueue.jobQueueArn,
        FRESHINDEX_JOB_DEFINITION: props.jobDefinition.jobDefinitionArn,
        FRESHINDEX_DEAD_LETTERS_APPLY_QUEUE_URL: props.data.applyQueue.queue.queueUrl,
        FRESHINDEX_DEAD_LETTERS_APPLY_DLQ_URL: props.data.applyQueue.deadLetterQueue.queueUrl,
        FRESHINDEX_DEAD_LETTERS_VERIFY_QUEUE_URL: props.data.verifyQueue.queue.queueUrl,
        FRESHINDEX_DEAD_LETTERS_VERIFY_DLQ_URL: props.data.verifyQueue.deadLetterQueue.queueUrl,
        ...ownApplyEnvironment(this, props.data.typeApplyQueues ?? {}),
      },
    });
    const fn = this.handler.function;
    // Exactly what the API calls (lambdas/adapters/dynamodb): no streams, no schema reads, no deletes in the index.
    grantStore(fn, store, ({ indexTable, controlTable }) => {
      indexTable.grant(fn, ...API_INDEX_ACTIONS);
      controlTable.grant(fn, ...API_CONTROL_ACTIONS);
      for (const key of new Set([indexTable.encryptionKey, controlTable.encryptionKey])) key?.grantEncryptDecrypt(fn);
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['batch:SubmitJob'], resources: [props.jobQueue.jobQueueArn, props.jobDefinition.jobDefinitionArn] }),
    );
    grantSourceRead(fn, this, props.config.config.types);
    // The console's charts (GET /v1/types/{type}/metrics): GetMetricData supports no resource-level
    // permission, so it has a policy of its own and the wildcard's acknowledgment names only it.
    const metricsRead = new iam.Policy(this, 'MetricsRead', {
      roles: [this.handler.role],
      statements: [new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] })],
    });
    acknowledge(metricsRead, { 'AwsSolutions-IAM5[Resource::*]': 'CloudWatch GetMetricData (the console\'s charts) supports no resource-level permission.' });
    grantDeadLetters(fn, props.data);

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'freshindex operations API (IAM authorization)',
      defaultIntegration: new HttpLambdaIntegration('Integration', fn),
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 50, burstLimit: props.burstLimit ?? 100 },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(this.accessLogs), format: accessLogFormat() },
    });
    this.url = this.stage.url;
  }

  /** Lets `grantee` call every route of the API (`execute-api:Invoke`). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.httpApi.arnForExecuteApi()],
    });
  }
}

/** `FRESHINDEX_DEAD_LETTERS_OWN_APPLY`: the own apply queues and their dead-letter queues, by type (`apply:<type>` in the routes); absent without one. */
function ownApplyEnvironment(scope: Construct, byType: NonNullable<OpsApiProps['data']['typeApplyQueues']>): Record<string, string> {
  const entries = Object.entries(byType).map(([type, ref]) => [type, { queueUrl: ref.queue.queueUrl, dlqUrl: ref.deadLetterQueue.queueUrl }]);
  return entries.length === 0 ? {} : { FRESHINDEX_DEAD_LETTERS_OWN_APPLY: Stack.of(scope).toJsonString(Object.fromEntries(entries)) };
}

/** What the dead-letter routes call, on every dead-letter queue (shared and own), their consumer queues and the queues' key. */
function grantDeadLetters(fn: iam.IGrantable, data: OpsApiProps['data']): void {
  for (const { queue, deadLetterQueue } of [data.applyQueue, data.verifyQueue, ...Object.values(data.typeApplyQueues ?? {})]) {
    deadLetterQueue.grant(fn, ...API_DEAD_LETTER_ACTIONS);
    queue.grant(fn, ...API_CONSUMER_QUEUE_ACTIONS);
  }
  // Receiving decrypts, sending encrypts: no wildcard action, this one key.
  data.queueKey.grant(fn, 'kms:Decrypt', 'kms:GenerateDataKey');
}

function accessLogFormat(): apigw.AccessLogFormat {
  return apigw.AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      requestTime: '$context.requestTime',
      caller: '$context.identity.userArn',
      sourceIp: '$context.identity.sourceIp',
      method: '$context.httpMethod',
      path: '$context.path',
      status: '$context.status',
      latencyMs: '$context.responseLatency',
      integrationError: '$context.integrationErrorMessage',
    }),
  );
}
