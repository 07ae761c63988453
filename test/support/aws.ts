/**
 * The AWS backend of the integration suite: embedded emulators (fauxqs + dynalite) by default,
 * or a moto_server when the `integration-moto` project runs (vitest.config.ts starts it).
 * Every client is the real AWS SDK v3 client, pointed at the backend's endpoint.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { motoEndpoint as workerMotoEndpoint } from './moto.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmbeddedEmulators, type AwsEndpoints } from '../../lambdas/local/emulators.ts';

export interface AwsTestEnv {
  backend: 'embedded' | 'moto';
  endpoints: AwsEndpoints;
  clientConfig(service: keyof AwsEndpoints): { endpoint: string; region: string; credentials: typeof EMULATOR_CREDENTIALS; maxAttempts: number };
  sqs: SQSClient;
  sns: SNSClient;
  dynamodb: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** Forgets every queue, topic and table (between suites). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts (or connects to) the suite's AWS backend. Call in `beforeAll`, stop in `afterAll`.
 * Outside vitest (a benchmark), pass the backend: `startAws({})` starts the embedded emulators.
 */
export async function startAws(backend: { motoEndpoint?: string | undefined } = { motoEndpoint: workerMotoEndpoint() }): Promise<AwsTestEnv> {
  const { motoEndpoint } = backend;
  let endpoints: AwsEndpoints;
  let reset: () => Promise<void>;
  let stop: () => Promise<void>;
  if (motoEndpoint) {
    endpoints = { sqs: motoEndpoint, sns: motoEndpoint, dynamodb: motoEndpoint };
    reset = async () => {
      await fetch(`${motoEndpoint}/moto-api/reset`, { method: 'POST' });
    };
    await reset();
    stop = reset;
  } else {
    const emulators = await startEmbeddedEmulators();
    endpoints = emulators.endpoints;
    reset = emulators.reset;
    stop = emulators.stop;
  }
  const clientConfig = (service: keyof AwsEndpoints) => ({
    endpoint: endpoints[service],
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    maxAttempts: 3,
  });
  const dynamodb = new DynamoDBClient(clientConfig('dynamodb'));
  const sqs = new SQSClient(clientConfig('sqs'));
  const sns = new SNSClient(clientConfig('sns'));
  return {
    backend: motoEndpoint ? 'moto' : 'embedded',
    endpoints,
    clientConfig,
    sqs,
    sns,
    dynamodb,
    doc: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    reset,
    async stop() {
      dynamodb.destroy();
      sqs.destroy();
      sns.destroy();
      await stop();
    },
  };
}
