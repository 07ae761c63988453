/**
 * Issue 8, point 1: "faults escaped after one attempt, as if the SDK's client-side retry quota had
 * run dry". It had: a conditional write whose response was lost is retried, meets its own write
 * and answers ConditionalCheckFailed, and the standard strategy never gave back what that retry
 * cost. The clients freshindex makes (createDynamoClient) are refunded by answers too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../../lambdas/adapters/compose/index.ts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoIndexStore } from '../../../lambdas/adapters/dynamodb/index-store.ts';
import { createTables } from '../../support/tables.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { injectDynamoFaults } from '../../support/faults.ts';

describe('the SDK retry quota of freshindex DynamoDB clients', () => {
  let aws: AwsTestEnv;

  beforeAll(async () => {
    aws = await startAws();
  });
  afterAll(async () => aws.stop());

  it('keeps retrying through a long run of lost responses: each answered retry gives back its cost', async () => {
    const tables = { indexTable: 'quota-index', controlTable: 'quota-control' };
    await createTables(aws.dynamodb, tables);
    const client = createDynamoClient(aws.clientConfig('dynamodb'));
    const store = new DynamoIndexStore({ client: DynamoDBDocumentClient.from(client), ...tables, tombstoneTtlSeconds: 3600 });
    injectDynamoFaults(client, { rate: 1, layer: 'below-retry', kinds: ['lost-response'], operations: ['PutItemCommand'] });

    // 60 lost responses, each retried once: 840 tokens of the 500 the quota starts with.
    const results: string[] = [];
    for (let i = 0; i < 60; i++) {
      const record = { n: i };
      const [result] = await store.write('video', 1, [{ kind: 'upsert', id: `q${i}`, version: 1, hash: contentHash(record), record }]).catch((error: unknown) => [`failed: ${String(error)}`]);
      results.push(result as string);
    }

    expect(results.filter((result) => result !== 'unchanged')).toEqual([]);
    client.destroy();
  });
});
