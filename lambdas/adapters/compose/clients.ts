/**
 * The SDK clients of one runtime: made here from the deployment's region and endpoints, or
 * injected (tests point them at emulators). Only clients this module made are destroyed on close.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AnswerRefundingRetryStrategy } from '../dynamodb/retry-strategy.ts';

/**
 * A DynamoDB client as freshindex uses it: `config` (region, endpoint, credentials) with the
 * retry strategy set here and nowhere else: 3 attempts per call, the SDK's backoff and retry
 * quota, refunded by answers as well as successes (see adapters/dynamodb/retry-strategy.ts for
 * the arithmetic). A `retryStrategy` or `maxAttempts` in `config` is overridden.
 *
 * @example
 * const dynamodb = createDynamoClient({ endpoint: 'http://127.0.0.1:4567', region: 'us-east-1' });
 */
export function createDynamoClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  const { maxAttempts: _ignored, ...rest } = config;
  return new DynamoDBClient({ ...rest, retryStrategy: new AnswerRefundingRetryStrategy() });
}

/** Where the AWS clients connect: unset fields leave the SDK's own resolution (Lambda's and Batch's environment). */
export interface AwsSettings {
  region?: string | undefined;
  /** Endpoint overrides per service (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_DYNAMODB...): emulators, local runs. */
  endpoints?: { dynamodb?: string | undefined; sqs?: string | undefined; sns?: string | undefined; batch?: string | undefined; cloudwatch?: string | undefined } | undefined;
}

/** Clients a caller injects instead of the defaults. */
export interface InjectedClients {
  /** @default createDynamoClient() with the settings' region and endpoint */
  dynamodb?: DynamoDBClient | undefined;
  sqs?: SQSClient | undefined;
  sns?: SNSClient | undefined;
  batch?: BatchClient | undefined;
  cloudwatch?: CloudWatchClient | undefined;
}

/** The clients of a runtime; the SQS, SNS and Batch ones are made on first use. */
export interface AwsClients {
  dynamodb: DynamoDBClient;
  document: DynamoDBDocumentClient;
  sqs(): SQSClient;
  sns(): SNSClient;
  batch(): BatchClient;
  /** The ops API's metrics reads. */
  cloudwatch(): CloudWatchClient;
  /** Destroys the clients made here (never an injected one). */
  destroy(): void;
}

/** Makes (or takes) the clients a runtime needs. */
export function awsClients(settings: AwsSettings, injected: InjectedClients): AwsClients {
  const owned: Array<{ destroy(): void }> = [];
  const config = (service: keyof NonNullable<AwsSettings['endpoints']>) => {
    const endpoint = settings.endpoints?.[service];
    return { ...(settings.region ? { region: settings.region } : {}), ...(endpoint ? { endpoint } : {}) };
  };
  const made = <T extends { destroy(): void }>(client: T): T => {
    owned.push(client);
    return client;
  };
  const lazy = <T extends { destroy(): void }>(given: T | undefined, make: () => T): (() => T) => {
    let client = given;
    return () => (client ??= made(make()));
  };
  const dynamodb = injected.dynamodb ?? made(createDynamoClient(config('dynamodb')));
  return {
    dynamodb,
    document: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    sqs: lazy(injected.sqs, () => new SQSClient(config('sqs'))),
    sns: lazy(injected.sns, () => new SNSClient(config('sns'))),
    batch: lazy(injected.batch, () => new BatchClient(config('batch'))),
    cloudwatch: lazy(injected.cloudwatch, () => new CloudWatchClient(config('cloudwatch'))),
    destroy: () => {
      for (const client of owned.splice(0)) client.destroy();
    },
  };
}
