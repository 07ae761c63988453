import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import { createTables } from '../../support/tables.ts';
import { createApplyHandler } from '../../../lambdas/handlers/apply.ts';
import { createLambdaContext } from '../../../lambdas/local/lambda-context.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';

const config = defineConfig({
  types: [
    {
      name: 'video',
      // Nothing listens on port 9: every source read is refused, a transient failure.
      source: { type: 'http', itemUrl: 'http://127.0.0.1:9/docs/{id}', pageUrl: 'http://127.0.0.1:9/docs?cursor={cursor}', retries: 0, timeoutMs: 500 },
      transform: (doc) => ({ title: doc['title'] }),
      version: (doc) => doc['version'] as number,
    },
  ],
});

const record = (messageId: string, body: unknown) => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'x', ApproximateFirstReceiveTimestamp: String(Date.now()) },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:apply',
  awsRegion: 'us-east-1',
});

describe('apply handler observability', () => {
  let aws: AwsTestEnv;
  let handler: ReturnType<typeof createApplyHandler>;
  let metrics: Metrics;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    aws = await startAws();
    const tables = { indexTable: 'obs-index', controlTable: 'obs-control' };
    await createTables(aws.dynamodb, tables);
    const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: 'obs-dlq' }));
    const logger = new Logger({ serviceName: 'apply', logLevel: 'DEBUG' });
    vi.spyOn(console, 'info').mockImplementation(() => {});
    metrics = new Metrics({ namespace: 'test', serviceName: 'apply' });
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      vi.spyOn(logger, level).mockImplementation((message: unknown, ...extra: unknown[]) => {
        lines.push(Object.assign({ message }, ...(extra as object[])));
      });
    }
    handler = createApplyHandler(config, {
      env: { FRESHINDEX_INDEX_TABLE: tables.indexTable, FRESHINDEX_CONTROL_TABLE: tables.controlTable, FRESHINDEX_APPLY_DLQ_URL: QueueUrl },
      dynamodb: aws.dynamodb,
      sqs: aws.sqs,
      logger,
      metrics,
    });
  });
  afterAll(async () => aws.stop());

  it('logs the message id, type and id on every line and counts applied, stale, rejected and freshness lag per type', async () => {
    const added = vi.spyOn(metrics, 'addMetric');
    const dimensions = vi.spyOn(metrics, 'addDimension');
    const occurredAt = new Date(Date.now() - 1_500).toISOString();
    const event = {
      Records: [
        record('m1', { type: 'video', id: 'a', op: 'upsert', version: 2, doc: { id: 'a', version: 2, title: 'A' }, occurredAt }),
        record('m2', { type: 'video', id: 'a', op: 'upsert', version: 1, doc: { id: 'a', version: 1, title: 'old' } }),
        record('m3', { type: 'film', id: 'z', op: 'upsert', version: 1, doc: { id: 'z' } }),
      ],
    } as SQSEvent;

    const response = await handler(event, createLambdaContext({ functionName: 'apply', timeoutMs: 2_000, region: 'us-east-1' }));

    expect(response.batchItemFailures).toEqual([]);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(line).toMatchObject({ messageId: expect.stringMatching(/^m[123]$/), type: expect.any(String), id: expect.any(String) });
    }
    const counted = added.mock.calls.map(([name, , value]) => [name, value]);
    expect(counted).toEqual(expect.arrayContaining([['ApplyApplied', 1], ['ApplySkippedStale', 1], ['ApplyRejected', 1]]));
    expect(dimensions.mock.calls).toEqual(expect.arrayContaining([['type', 'video'], ['type', 'film']]));
    const lag = added.mock.calls.find(([name]) => name === 'ApplyFreshnessLag')?.[2] as number;
    expect(lag).toBeGreaterThanOrEqual(1_500);
  });

  it('reports a failed record as a batch item failure without failing its neighbours', async () => {
    const event = {
      Records: [
        record('n1', { type: 'video', id: 'b', op: 'upsert', version: 1, doc: { id: 'b', version: 1, title: 'B' } }),
        record('n2', { type: 'video', id: 'c', op: 'upsert' }),
      ],
    } as SQSEvent;

    const response = await handler(event, createLambdaContext({ functionName: 'apply', timeoutMs: 2_000, region: 'us-east-1' }));

    // The source refuses connections: reading c fails, b (which carried its document) applies.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'n2' }]);
  });
});
