/**
 * DynamoDB Streams capture in `freshindex dev`: the template's stream-capture function, run
 * in-process with its own environment (the local change topic and capture dead-letter queue),
 * fed by a local stream source per captured table, as Lambda's event source mappings feed it on
 * AWS. The stream comes from the runtime's DynamoDB: dynalite has none, so a captured table is
 * reported and skipped there; with `--dynamodb-endpoint` (moto_server, DynamoDB Local) it runs.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { streamCaptureTargets } from '../../core/capture/dynamodb-stream.ts';
import type { FreshindexConfig } from '../../core/config/index.ts';
import { describeError } from '../../core/errors.ts';
import { createStreamCaptureHandler } from '../../handlers/stream-capture.ts';
import type { LocalStacks } from '../cloud-assembly.ts';
import { DynamodbStreamSource, latestStreamArn } from '../dynamodb-stream-source.ts';
import type { LogLevel } from './functions.ts';

/** What {@link startLocalStreamCapture} needs. */
export interface LocalStreamCaptureOptions {
  config: FreshindexConfig;
  local: LocalStacks;
  clients: { dynamodb: DynamoDBClient; sns: SNSClient; sqs: SQSClient };
  /** The DynamoDB endpoint, for the streams client. */
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  logLevel: LogLevel;
  log: (line: string) => void;
  onError: (error: unknown, where: string) => void;
}

/** The running capture: one stream source per captured table that has a stream. */
export interface LocalStreamCapture {
  /** The tables whose streams are read. */
  tables: string[];
  stop(): Promise<void>;
}

/** Starts the capture of every captured table; `undefined` when the config captures none. */
export async function startLocalStreamCapture(options: LocalStreamCaptureOptions): Promise<LocalStreamCapture | undefined> {
  const targets = streamCaptureTargets(options.config);
  if (targets.length === 0) return undefined;
  const fn = Object.values(options.local.functions).find((candidate) => candidate.environment['FRESHINDEX_CAPTURE_DLQ_URL'] !== undefined);
  if (!fn) throw new Error('the config captures DynamoDB streams but the template has no stream-capture function (one whose environment names FRESHINDEX_CAPTURE_DLQ_URL)');
  const handler = createStreamCaptureHandler(options.config, {
    env: { ...process.env, ...fn.environment },
    sns: options.clients.sns,
    sqs: options.clients.sqs,
    logger: new Logger({ serviceName: 'freshindex-stream-capture', logLevel: options.logLevel }),
  });
  const streams = new DynamoDBStreamsClient({ endpoint: options.endpoint, region: options.region, credentials: options.credentials });
  const sources: Array<{ table: string; source: DynamodbStreamSource }> = [];
  for (const table of [...new Set(targets.map((target) => target.tableName))]) {
    const found = await latestStreamArn(options.clients.dynamodb, table).catch((error: unknown) => ({ ok: false as const, reason: `table ${table}: ${describeError(error)}` }));
    if (!found.ok) {
      options.log(`freshindex dev: stream capture of ${table} not started: ${found.reason}`);
      continue;
    }
    const source = new DynamodbStreamSource({ streams, streamArn: found.arn, handler, startingPosition: 'TRIM_HORIZON', onError: (error, stage) => options.onError(error, `stream capture of ${table} (${stage})`) });
    await source.start();
    sources.push({ table, source });
  }
  return {
    tables: sources.map(({ table }) => table),
    async stop() {
      await Promise.allSettled(sources.map(({ source }) => source.stop()));
      streams.destroy();
    },
  };
}
