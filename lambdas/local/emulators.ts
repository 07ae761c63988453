import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from 'fauxqs';

const require = createRequire(import.meta.url);

/** Endpoints of AWS-compatible services, real or emulated. */
export interface AwsEndpoints {
  sqs: string;
  sns: string;
  dynamodb: string;
}

/** Running embedded emulators: fauxqs (SNS + SQS) and dynalite (DynamoDB), in this process. */
export interface EmbeddedEmulators {
  endpoints: AwsEndpoints;
  /** Where each one listens: always the loopback interface. */
  listening: { sqs: AddressInfo; dynamodb: AddressInfo };
  /** Drops every queue, topic, subscription and table. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Credentials the emulators accept; no real account is ever touched with them. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
export const EMULATOR_REGION = 'us-east-1';

/** The only interface the emulators listen on: they have no authentication. */
const LOOPBACK = '127.0.0.1';

/** Options of {@link startEmbeddedEmulators}. */
export interface EmulatorOptions {
  /**
   * A DynamoDB to use instead of the embedded dynalite (moto_server, DynamoDB Local): dynalite
   * implements no DynamoDB Streams, so a config that captures a table's stream needs one.
   */
  dynamodbEndpoint?: string | undefined;
}

/**
 * Starts fauxqs and dynalite in-process on `ports` (0 picks free ports), on 127.0.0.1 only.
 * Nothing to install, no Docker: both are npm packages.
 *
 * fauxqs's own `startFauxqs` listens on 0.0.0.0 whatever its `host` option says (that option
 * only names the host in queue URLs), so its Fastify app is built with `buildApp` and listened
 * on loopback here.
 */
export async function startEmbeddedEmulators(ports: { sqs?: number; dynamodb?: number } = {}, options: EmulatorOptions = {}): Promise<EmbeddedEmulators> {
  const fauxqs = buildApp({ logger: false, host: LOOPBACK, defaultRegion: EMULATOR_REGION });
  await fauxqs.listen({ port: ports.sqs ?? 0, host: LOOPBACK });
  let dynamodb: { url: string; address: AddressInfo; close(): Promise<void> };
  try {
    dynamodb = options.dynamodbEndpoint ? externalDynamodb(options.dynamodbEndpoint) : await startDynalite(ports.dynamodb ?? 0);
  } catch (error) {
    await fauxqs.close();
    throw error;
  }
  const listening = { sqs: fauxqs.server.address() as AddressInfo, dynamodb: dynamodb.address };
  const sqsUrl = `http://${LOOPBACK}:${listening.sqs.port}`;
  return {
    endpoints: { sqs: sqsUrl, sns: sqsUrl, dynamodb: dynamodb.url },
    listening,
    async reset() {
      await Promise.all([dropAllQueuesAndTopics(sqsUrl), dropAllTables(dynamodb.url)]);
    },
    async stop() {
      await fauxqs.close();
      await dynamodb.close();
    },
  };
}

async function startDynalite(port: number): Promise<{ url: string; address: AddressInfo; close(): Promise<void> }> {
  const createDynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
  const dynalite = createDynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynalite.once('error', reject);
    dynalite.listen(port, LOOPBACK, () => resolve());
  });
  const address = dynalite.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK}:${address.port}`,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        dynalite.close(() => resolve());
        dynalite.closeAllConnections?.();
      }),
  };
}

/** A DynamoDB this process did not start: nothing to stop. */
function externalDynamodb(endpoint: string): { url: string; address: AddressInfo; close(): Promise<void> } {
  const url = new URL(endpoint);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return { url: url.origin, address: { address: url.hostname, family: 'IPv4', port }, close: async () => {} };
}

const FAKE_SIGNATURE = (service: string) => `AWS4-HMAC-SHA256 Credential=test/20260101/${EMULATOR_REGION}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=x`;
/** dynalite refuses a signature without a date; neither emulator checks it further. */
const SIGNED_AT = '20260101T000000Z';

/** Deletes every queue and every topic (with its subscriptions) through fauxqs's own API. */
async function dropAllQueuesAndTopics(endpoint: string): Promise<void> {
  const sqs = async (action: string, body: unknown) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}`, authorization: FAKE_SIGNATURE('sqs'), 'x-amz-date': SIGNED_AT },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`fauxqs ${action} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { QueueUrls?: string[] };
  };
  const sns = async (params: Record<string, string>) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: FAKE_SIGNATURE('sns'), 'x-amz-date': SIGNED_AT },
      body: new URLSearchParams({ Version: '2010-03-31', ...params }).toString(),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`fauxqs ${params['Action']} answered ${response.status}: ${text}`);
    return text;
  };
  const { QueueUrls = [] } = await sqs('ListQueues', {});
  const topics = [...(await sns({ Action: 'ListTopics' })).matchAll(/<TopicArn>([^<]+)<\/TopicArn>/g)].map((match) => match[1] as string);
  await Promise.all([...QueueUrls.map((QueueUrl) => sqs('DeleteQueue', { QueueUrl })), ...topics.map((TopicArn) => sns({ Action: 'DeleteTopic', TopicArn }))]);
}

/** Deletes every table, and waits until DynamoDB lists none (a deletion is not instant). */
async function dropAllTables(endpoint: string): Promise<void> {
  const call = async (target: string, body: unknown) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${target}`, authorization: FAKE_SIGNATURE('dynamodb'), 'x-amz-date': SIGNED_AT },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`dynalite ${target} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { TableNames?: string[] };
  };
  const { TableNames = [] } = await call('ListTables', {});
  await Promise.all(TableNames.map((TableName) => call('DeleteTable', { TableName })));
  for (let attempt = 0; attempt < 100; attempt++) {
    if (((await call('ListTables', {})).TableNames ?? []).length === 0) return;
    await sleep(20);
  }
}
