/**
 * The stream-capture function's parts (docs/cdc.md, "DynamoDB Streams"): the captured tables of
 * the config, the change topic it publishes to (with the `type` message attribute) and its own
 * dead-letter queue. Built here so the handler and `freshindex dev` hold no SDK client.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { streamCaptureTargets, type StreamCapturePorts, type StreamCaptureTarget } from '../../core/capture/dynamodb-stream.ts';
import type { FreshindexConfig } from '../../core/config/index.ts';
import { ConfigError } from '../../core/errors.ts';
import { ChangePublisher } from '../../publisher/index.ts';
import { DeadLetterQueue } from '../sqs/dead-letter.ts';
import { problemsOf, type Environment } from './env.ts';

const optionalUrl = z.url().optional();

/** The stream-capture function's variables. */
export const streamCaptureEnv = z.object({
  AWS_REGION: z.string().min(1).optional(),
  AWS_ENDPOINT_URL: optionalUrl,
  AWS_ENDPOINT_URL_SNS: optionalUrl,
  AWS_ENDPOINT_URL_SQS: optionalUrl,
  /** The change topic the events go to. */
  FRESHINDEX_CHANGE_TOPIC_ARN: z.string().min(1, 'must name the change topic'),
  /** The function's dead-letter queue: records that can never become an event, with their reason. */
  FRESHINDEX_CAPTURE_DLQ_URL: z.string().min(1, 'must name the capture dead-letter queue'),
});

/** The parsed environment of the stream-capture function. */
export type StreamCaptureEnv = z.output<typeof streamCaptureEnv>;

/** Parses the stream-capture function's environment, throwing a `ConfigError` that names every problem. */
export function parseStreamCaptureEnv(env: Environment): StreamCaptureEnv {
  const result = streamCaptureEnv.safeParse(env);
  if (!result.success) throw new ConfigError(problemsOf(result.error));
  return result.data;
}

/** What the capture function runs on. */
export interface StreamCapture {
  targets: StreamCaptureTarget[];
  ports: StreamCapturePorts;
  /** Destroys the clients made here. */
  close(): void;
}

/** Clients a caller may inject (tests and `freshindex dev`: the emulators'). */
export interface StreamCaptureOverrides {
  sns?: SNSClient | undefined;
  sqs?: SQSClient | undefined;
}

/**
 * The capture function's parts for a config and its parsed environment.
 *
 * @example
 * const capture = createStreamCapture(config, parseStreamCaptureEnv(process.env));
 */
export function createStreamCapture(config: FreshindexConfig, env: StreamCaptureEnv, overrides: StreamCaptureOverrides = {}): StreamCapture {
  const owned: Array<{ destroy(): void }> = [];
  const clientConfig = (specific: string | undefined) => ({ ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}), ...((specific ?? env.AWS_ENDPOINT_URL) ? { endpoint: specific ?? env.AWS_ENDPOINT_URL } : {}) });
  const own = <T extends { destroy(): void }>(client: T): T => {
    owned.push(client);
    return client;
  };
  const sns = overrides.sns ?? own(new SNSClient(clientConfig(env.AWS_ENDPOINT_URL_SNS)));
  const sqs = overrides.sqs ?? own(new SQSClient(clientConfig(env.AWS_ENDPOINT_URL_SQS)));
  const publisher = new ChangePublisher({ sns, topicArn: env.FRESHINDEX_CHANGE_TOPIC_ARN });
  const deadLetters = new DeadLetterQueue(sqs, env.FRESHINDEX_CAPTURE_DLQ_URL);
  return {
    targets: streamCaptureTargets(config),
    ports: {
      publish: async (events) => (await publisher.publishMany(events)).map((failure) => failure.index),
      deadLetter: async (record, refused) => {
        const messageId = record.eventID ?? record.dynamodb?.SequenceNumber ?? 'unknown';
        await deadLetters.send(JSON.stringify(record), { reason: refused.reason, messageId, type: refused.type, ...(refused.id ? { id: refused.id } : {}) });
      },
    },
    close: () => {
      for (const client of owned.splice(0)) client.destroy();
    },
  };
}
