/**
 * A local stand-in for Lambda's DynamoDB Streams event source mapping: reads every shard of a
 * table's stream (DescribeStream, GetShardIterator, GetRecords) on an emulator that has streams
 * (moto_server, DynamoDB Local; dynalite has none), hands each batch to the handler as the
 * Lambda event it would get, and moves on only past what the handler reported done. A batch
 * item failure is read again from that record after a pause, as Lambda retries a shard.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as SdkStreamRecord,
  type DynamoDBStreamsClient,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamHandler } from '../handlers/stream-capture.ts';

/** Where a failure happened, for the caller's log. */
export type StreamSourceStage = 'describe' | 'iterator' | 'records' | 'handler';

/** Options of {@link DynamodbStreamSource}. */
export interface DynamodbStreamSourceOptions {
  streams: DynamoDBStreamsClient;
  streamArn: string;
  handler: StreamHandler;
  /** Records per GetRecords call (Lambda's BatchSize). @default 100 */
  batchSize?: number;
  /** Pause between polls of a shard that had nothing new. @default 250 */
  pollIntervalMs?: number;
  /** Where the shards found at start are read from; shards found later are read from their start. @default 'LATEST' */
  startingPosition?: 'LATEST' | 'TRIM_HORIZON';
  /** Pause before a failed batch is read again. @default 1000 */
  retryDelayMs?: number;
  onError?: (error: unknown, stage: StreamSourceStage) => void;
}

/** The stream a table has, or why there is none (dynalite never has one). */
export async function latestStreamArn(dynamodb: DynamoDBClient, tableName: string): Promise<{ ok: true; arn: string } | { ok: false; reason: string }> {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  if (Table?.LatestStreamArn && Table.StreamSpecification?.StreamEnabled !== false) return { ok: true, arn: Table.LatestStreamArn };
  return {
    ok: false,
    reason: `table ${tableName} has no stream on this DynamoDB endpoint: enable one (StreamSpecification { StreamEnabled: true, StreamViewType: NEW_AND_OLD_IMAGES }); the embedded dynalite implements no streams at all, so run the capture against moto_server or DynamoDB Local (docs/cdc.md)`,
  };
}

interface ShardCursor {
  iterator: string | undefined;
  /** The last sequence number the handler finished. */
  done?: string | undefined;
}

/** Polls one stream and invokes the handler with Lambda-shaped events. */
export class DynamodbStreamSource {
  readonly #options: DynamodbStreamSourceOptions;
  readonly #shards = new Map<string, ShardCursor>();
  readonly #finished = new Set<string>();
  #running: Promise<void> | undefined;
  #stop = new AbortController();

  constructor(options: DynamodbStreamSourceOptions) {
    this.#options = options;
  }

  /** Finds the shards and starts polling; resolves once the starting iterators are taken. */
  async start(): Promise<void> {
    await this.#discover(this.#options.startingPosition ?? 'LATEST');
    this.#running = this.#loop();
  }

  /** Stops polling and waits for the batch in hand. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  async #loop(): Promise<void> {
    const interval = this.#options.pollIntervalMs ?? 250;
    let lastDiscovery = Date.now();
    while (!this.#stop.signal.aborted) {
      let busy = false;
      for (const [shardId, cursor] of this.#shards) busy = (await this.#pollShard(shardId, cursor)) || busy;
      if (Date.now() - lastDiscovery > 5_000) {
        lastDiscovery = Date.now();
        await this.#discover('TRIM_HORIZON').catch((error: unknown) => this.#options.onError?.(error, 'describe'));
      }
      if (!busy) await sleep(interval, undefined, { signal: this.#stop.signal }).catch(() => undefined);
    }
  }

  /** Reads one batch of a shard; true when it had records. */
  async #pollShard(shardId: string, cursor: ShardCursor): Promise<boolean> {
    try {
      cursor.iterator ??= await this.#iterator(shardId, cursor.done ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON', cursor.done);
      const page = await this.#options.streams.send(new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: this.#options.batchSize ?? 100 }));
      const records = page.Records ?? [];
      if (records.length > 0 && !(await this.#deliver(shardId, cursor, records))) return true;
      cursor.iterator = page.NextShardIterator;
      if (!page.NextShardIterator) {
        this.#shards.delete(shardId);
        this.#finished.add(shardId);
      }
      return records.length > 0;
    } catch (error) {
      // An expired iterator is taken again after the last record done; anything else is reported and retried.
      cursor.iterator = undefined;
      if (error instanceof ExpiredIteratorException) return false;
      this.#options.onError?.(error, 'records');
      await sleep(this.#options.retryDelayMs ?? 1_000, undefined, { signal: this.#stop.signal }).catch(() => undefined);
      return false;
    }
  }

  /** Hands the records to the handler; false when it reported a failure (the shard is read again from it). */
  async #deliver(shardId: string, cursor: ShardCursor, records: readonly SdkStreamRecord[]): Promise<boolean> {
    const event: DynamoDBStreamEvent = { Records: records.map((record) => lambdaRecord(record, this.#options.streamArn)) };
    let failedAt: string | undefined;
    try {
      failedAt = (await this.#options.handler(event)).batchItemFailures[0]?.itemIdentifier;
    } catch (error) {
      this.#options.onError?.(error, 'handler');
      failedAt = records[0]?.dynamodb?.SequenceNumber;
    }
    if (failedAt === undefined) {
      cursor.done = records.at(-1)?.dynamodb?.SequenceNumber;
      return true;
    }
    const index = records.findIndex((record) => record.dynamodb?.SequenceNumber === failedAt);
    if (index > 0) cursor.done = records[index - 1]?.dynamodb?.SequenceNumber;
    cursor.iterator = await this.#iterator(shardId, 'AT_SEQUENCE_NUMBER', failedAt).catch(() => undefined);
    await sleep(this.#options.retryDelayMs ?? 1_000, undefined, { signal: this.#stop.signal }).catch(() => undefined);
    return false;
  }

  async #iterator(shardId: string, type: ShardIteratorType, sequenceNumber?: string): Promise<string | undefined> {
    const { ShardIterator } = await this.#options.streams.send(
      new GetShardIteratorCommand({ StreamArn: this.#options.streamArn, ShardId: shardId, ShardIteratorType: type, ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}) }),
    );
    return ShardIterator;
  }

  async #discover(position: 'LATEST' | 'TRIM_HORIZON'): Promise<void> {
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.#options.streams.send(new DescribeStreamCommand({ StreamArn: this.#options.streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }));
      for (const shard of StreamDescription?.Shards ?? []) {
        const id = shard.ShardId;
        if (!id || this.#shards.has(id) || this.#finished.has(id)) continue;
        this.#shards.set(id, { iterator: await this.#iterator(id, position) });
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }
}

/** A GetRecords record as Lambda hands it to a function: the stream's ARN, creation time in epoch seconds. */
function lambdaRecord(record: SdkStreamRecord, streamArn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime: created, ...dynamodb } = record.dynamodb ?? {};
  return {
    ...(record as Omit<DynamoDBRecord, 'dynamodb'>),
    eventSourceARN: streamArn,
    dynamodb: { ...(dynamodb as DynamoDBRecord['dynamodb']), ...(created ? { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) } : {}) },
  };
}
