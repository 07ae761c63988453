import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { startFauxqs } from 'fauxqs';

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
  /** Drops every queue, topic, subscription and table. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Credentials the emulators accept; no real account is ever touched with them. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
export const EMULATOR_REGION = 'us-east-1';

/**
 * Starts fauxqs and dynalite in-process on `ports` (0 picks free ports).
 * Nothing to install, no Docker: both are npm packages.
 */
export async function startEmbeddedEmulators(ports: { sqs?: number; dynamodb?: number } = {}): Promise<EmbeddedEmulators> {
  const fauxqs = await startFauxqs({ port: ports.sqs ?? 0, host: '127.0.0.1', logger: false });
  const createDynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
  const dynalite = createDynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynalite.once('error', reject);
    dynalite.listen(ports.dynamodb ?? 0, '127.0.0.1', () => resolve());
  });
  const dynamoPort = (dynalite.address() as AddressInfo).port;
  const sqsUrl = fauxqs.address.replace('localhost', '127.0.0.1');
  return {
    endpoints: { sqs: sqsUrl, sns: sqsUrl, dynamodb: `http://127.0.0.1:${dynamoPort}` },
    async reset() {
      fauxqs.purgeAll();
      await dropAllTables(`http://127.0.0.1:${dynamoPort}`);
    },
    async stop() {
      await fauxqs.stop();
      await new Promise<void>((resolve) => {
        dynalite.close(() => resolve());
        dynalite.closeAllConnections?.();
      });
    },
  };
}

async function dropAllTables(endpoint: string): Promise<void> {
  const call = async (target: string, body: unknown) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${target}`,
        authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: JSON.stringify(body),
    });
    return (await response.json()) as { TableNames?: string[] };
  };
  const { TableNames = [] } = await call('ListTables', {});
  await Promise.all(TableNames.map((TableName) => call('DeleteTable', { TableName })));
}
