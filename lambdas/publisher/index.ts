/**
 * A small typed helper for a TypeScript CMS to publish freshindex change events.
 *
 * @example
 * import { SNSClient } from '@aws-sdk/client-sns';
 * import { ChangePublisher } from 'freshindex/publisher';
 *
 * const publisher = new ChangePublisher({ sns: new SNSClient({}), topicArn: process.env.CHANGE_TOPIC_ARN! });
 * await publisher.upsert('video', 'v-42', { version: 17, doc: videoDocument });
 * await publisher.delete('video', 'v-41', { version: 18 });
 */
export type { ChangeEvent } from '../core/events.ts';
export { changeEventJsonSchema } from '../core/events.ts';
export { InvalidChangeError } from '../core/errors.ts';
export { ChangePublisher, type ChangePublisherOptions, type PublishFailure } from './change-publisher.ts';
export { BufferingPublisher, type BufferingPublisherOptions } from './buffering.ts';
export { ChangeRefusedError, PublisherClosedError } from './errors.ts';
