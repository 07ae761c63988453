/**
 * The rebuild benchmark's raw baseline in a process of its own, as the job runs in one: a plain
 * BatchWriteItem loop (bench/rebuild.ts `rawBatchWrite`) of BENCH_RAW_SIZE generated records into
 * BENCH_RAW_TABLE at AWS_ENDPOINT_URL_DYNAMODB, BENCH_RAW_CONCURRENCY calls in flight. Prints one
 * line of JSON: `{"itemsPerSecond": N}`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { rawBatchWrite } from '../rebuild.ts';

const client = new DynamoDBClient({});
const itemsPerSecond = await rawBatchWrite(
  DynamoDBDocumentClient.from(client),
  process.env['BENCH_RAW_TABLE'] as string,
  Number(process.env['BENCH_RAW_SIZE']),
  Number(process.env['BENCH_RAW_CONCURRENCY'] ?? 32),
);
client.destroy();
process.stdout.write(`${JSON.stringify({ itemsPerSecond })}\n`);
