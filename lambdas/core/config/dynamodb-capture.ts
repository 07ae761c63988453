/**
 * `capture` of a DynamoDB source: the table's stream becomes change events on the change topic
 * (docs/cdc.md, "DynamoDB Streams").
 */
import { z } from 'zod';
import { typeNameSchema } from './names.ts';

const SEQUENCE_REFUSED =
  "'sequence' is not offered: a stream record's SequenceNumber has up to 40 digits, past the 2^53 - 1 a version may be, and its order holds within one shard only. Name an attribute every write sets (a counter or a timestamp): version: { attribute: 'updatedAt' }, or leave version out (the applier then reads the table for every change)";

/** Where a captured change's version comes from. */
const captureVersionSchema = z
  .object(
    {
      /** The attribute holding the item's version (a number, a decimal string or an RFC 3339 date-time), in the stream's NewImage and OldImage. */
      attribute: z.string().min(1, { message: 'must name the attribute' }),
    },
    { error: (issue) => (issue.input === 'sequence' ? SEQUENCE_REFUSED : "must be { attribute: 'NAME' }") },
  )
  .strict();

/** What a DynamoDB source's `capture` accepts. */
export const dynamodbCaptureSchema = z
  .object({
    /** The change event type the stream's records become. Default: the type's own name. */
    event: typeNameSchema.optional(),
    /**
     * The version a change carries: `{ attribute }` reads it from the record's NewImage (an
     * upsert) or OldImage (a delete). Without it, events carry no version and the applier reads
     * the table for every change, deletes included.
     */
    version: captureVersionSchema.optional(),
    /**
     * The table's stream ARN (DescribeTable's `LatestStreamArn`). The CDK needs it to wire the
     * stream; the local runtime finds the stream itself.
     */
    streamArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[^/]+\/stream\/.+$/, { message: 'must be a DynamoDB stream ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL)' })
      .optional(),
  })
  .strict();

/** A validated `capture`. */
export type DynamodbCaptureConfig = z.output<typeof dynamodbCaptureSchema>;
