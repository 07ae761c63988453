/**
 * The stream-capture handler: a DynamoDB stream (one shard's batch per invocation) → change
 * events on the change topic, each with the `type` message attribute the subscriptions filter on.
 * INSERT and MODIFY become upserts, REMOVE a delete; events carry no document, so the applier
 * reads the table. A record that can never become an event goes to the function's dead-letter
 * queue with its reason while its neighbours are published. When the topic refuses an event, or a
 * dead letter cannot be sent, the handler reports that record as the batch's first failure: Lambda
 * retries from it (what was published again is harmless under the version guard).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { captureStreamRecords } from '../core/capture/dynamodb-stream.ts';
import { validateConfig, type FreshindexConfigInput } from '../core/config/index.ts';
import { createStreamCapture, parseStreamCaptureEnv, type StreamCapture, type StreamCaptureOverrides } from '../adapters/compose/stream-capture.ts';
import type { Environment } from '../adapters/compose/env.ts';

/** What a caller may inject. */
export interface StreamCaptureHandlerOverrides extends StreamCaptureOverrides {
  /** @default process.env */
  env?: Environment;
  /** The parts to run on. @default the composition root's, from `env` */
  capture?: StreamCapture;
  logger?: Logger;
}

/** A DynamoDB-stream-triggered handler with partial batch responses. */
export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

/**
 * Builds the stream-capture Lambda handler for a config. Environment and clients are resolved
 * once, at cold start; a bad config or environment fails then, naming every problem.
 *
 * @example
 * // the generated Lambda entry:
 * import { config } from './freshindex.config.ts';
 * export const handler = createStreamCaptureHandler(config);
 */
export function createStreamCaptureHandler(configInput: FreshindexConfigInput, overrides: StreamCaptureHandlerOverrides = {}): StreamHandler {
  const capture = overrides.capture ?? createStreamCapture(validateConfig(configInput), parseStreamCaptureEnv(overrides.env ?? process.env), overrides);
  const logger = overrides.logger ?? new Logger({ serviceName: 'freshindex-stream-capture' });

  return async (event) => {
    const records = event.Records;
    const result = await captureStreamRecords(capture.targets, records, {
      publish: capture.ports.publish,
      deadLetter: async (record, refused) => {
        await capture.ports.deadLetter(record, refused);
        logger.error('stream record dead-lettered', { reason: refused.reason, type: refused.type, id: refused.id, eventID: record.eventID });
      },
    });
    logger.info('stream records captured', { records: records.length, published: result.published, deadLettered: result.deadLettered });
    if (result.firstFailed === undefined) return { batchItemFailures: [] };
    const failed = records[result.firstFailed];
    logger.error('stream record not captured: retried from it', { error: result.error, eventID: failed?.eventID });
    return { batchItemFailures: [{ itemIdentifier: failed?.dynamodb?.SequenceNumber ?? '' }] };
  };
}
