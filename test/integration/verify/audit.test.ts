/**
 * Issue #4's audit, as the job runs it: the real HTTP CMS as the source, the DynamoDB index and
 * control table, reports published on SNS.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime } from '../../../lambdas/adapters/compose/index.ts';
import { createTables } from '../../support/tables.ts';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { runJob } from '../../../lambdas/jobs/main.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { cmsSource, startCmsServer, type CmsServer } from '../../support/cms-server.ts';
import { recordKey } from '../../../lambdas/adapters/dynamodb/keys.ts';

describe('the audit job', () => {
  let aws: AwsTestEnv;
  let cms: CmsServer;

  beforeAll(async () => {
    aws = await startAws();
    cms = await startCmsServer({ hangMs: 500 });
  });
  afterAll(async () => {
    await cms.stop();
    await aws.stop();
  });

  it('reports exactly the planted missing, extra and different records, repairs them and publishes its report', async () => {
    const tables = { indexTable: 'aindex', controlTable: 'acontrol' };
    await createTables(aws.dynamodb, tables);
    const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: 'audit-notifications' }));
    const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: 'audit-inbox' }));
    const queueArn = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
    await aws.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn }));
    const config = defineConfig({
      types: [{ name: 'video', source: cmsSource(cms), transform: (doc) => ({ title: doc['title'] }), version: (doc) => doc['version'] as number, audit: { alertThreshold: 100 }, rebuild: { concurrency: 3 } }],
    });
    const runtime = createRuntime(config, tables, { dynamodb: aws.dynamodb });
    const generation = (await runtime.pointers.get('video')).active;
    for (let i = 0; i < 30; i++) {
      const doc = { id: `v${String(i).padStart(2, '0')}`, version: 1, title: `title ${i}` };
      cms.docs.set(doc.id, doc);
      await runtime.records.write('video', generation, [{ kind: 'upsert', id: doc.id, version: 1, hash: contentHash({ title: doc.title }), record: { title: doc.title } }]);
    }
    const raw = (id: string, record: unknown) => ({ ...recordKey('video', generation, id), type: 'video', id, generation, version: 1, hash: 'planted', deleted: false, writtenAt: 0, record: JSON.stringify(record) });
    await aws.doc.send(new DeleteCommand({ TableName: tables.indexTable, Key: recordKey('video', generation, 'v03') }));
    await aws.doc.send(new DeleteCommand({ TableName: tables.indexTable, Key: recordKey('video', generation, 'v17') }));
    await aws.doc.send(new PutCommand({ TableName: tables.indexTable, Item: raw('ghost', { title: 'nobody' }) }));
    await aws.doc.send(new PutCommand({ TableName: tables.indexTable, Item: raw('v08', { title: 'tampered' }) }));
    const env = { FRESHINDEX_INDEX_TABLE: tables.indexTable, FRESHINDEX_CONTROL_TABLE: tables.controlTable, FRESHINDEX_NOTIFICATIONS_TOPIC_ARN: TopicArn };
    const overrides = { dynamodb: aws.dynamodb, sns: aws.sns, logger: new Logger({ serviceName: 'test-audit', logLevel: 'SILENT' }) };
    const reports = runtime.auditReports;

    const exitCode = await runJob(config, ['audit', '--type', 'video'], env, overrides);

    const report = await reports.latest('video');
    expect(exitCode).toBe(0);
    expect(report).toMatchObject({ sourceCount: 30, missing: 2, extra: 1, different: 1, repaired: 4 });
    expect({ missing: [...(report?.samples.missing ?? [])].sort(), extra: report?.samples.extra, different: report?.samples.different }).toEqual({
      missing: ['v03', 'v17'],
      extra: ['ghost'],
      different: ['v08'],
    });
    expect(await runJob(config, ['audit', '--type', 'video'], env, overrides)).toBe(0);
    expect(await reports.latest('video')).toMatchObject({ missing: 0, extra: 0, different: 0 });
    expect(await reports.history('video', 5)).toHaveLength(2);
    const published = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(published.Messages?.length).toBeGreaterThanOrEqual(1);
  });

  it('publishes AuditDifferences once per audit of a type: the differences found, 0 when clean', async () => {
    const tables = { indexTable: 'mindex', controlTable: 'mcontrol' };
    await createTables(aws.dynamodb, tables);
    const config = defineConfig({
      types: [{ name: 'film', source: cmsSource(cms), transform: (doc) => ({ title: doc['title'] }), version: (doc) => doc['version'] as number, audit: { alertThreshold: 100 } }],
    });
    const runtime = createRuntime(config, tables, { dynamodb: aws.dynamodb });
    const generation = (await runtime.pointers.get('film')).active;
    cms.docs.clear();
    for (const id of ['f1', 'f2', 'f3']) {
      cms.docs.set(id, { id, version: 1, title: id });
      await runtime.records.write('film', generation, [{ kind: 'upsert', id, version: 1, hash: contentHash({ title: id }), record: { title: id } }]);
    }
    await aws.doc.send(new DeleteCommand({ TableName: tables.indexTable, Key: recordKey('film', generation, 'f2') }));
    const metrics = new Metrics({ namespace: 'freshindex', serviceName: 'freshindex-jobs' });
    const added = vi.spyOn(metrics, 'addMetric');
    const dimensions = vi.spyOn(metrics, 'addDimension');
    vi.spyOn(metrics, 'publishStoredMetrics').mockReturnThis();
    const env = { FRESHINDEX_INDEX_TABLE: tables.indexTable, FRESHINDEX_CONTROL_TABLE: tables.controlTable };
    const overrides = { dynamodb: aws.dynamodb, sns: aws.sns, metrics, logger: new Logger({ serviceName: 'test-audit', logLevel: 'SILENT' }) };

    await runJob(config, ['audit', '--type', 'film'], env, overrides);
    await runJob(config, ['audit', '--type', 'film'], env, overrides);

    const published = added.mock.calls.filter(([name]) => name === 'AuditDifferences').map(([, unit, value]) => [unit, value]);
    expect(published).toEqual([['Count', 1], ['Count', 0]]);
    expect(dimensions.mock.calls).toEqual([['type', 'film'], ['type', 'film']]);
  });
});
