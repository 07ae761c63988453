/**
 * Concurrent checks of one resource count every difference: the counter is one atomic UpdateItem
 * ADD, never a read-modify-write.
 *
 * Embedded backend only (vitest.config.ts excludes this file from the moto project): moto applies
 * concurrent UpdateItem ADDs to one item without isolation (moto 5.2.1 lost one of 8 in 3 runs of
 * 4), so there it would test moto, not this adapter. dynalite serialises them as DynamoDB does.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DynamoDifferenceCounters } from '../../../lambdas/adapters/dynamodb/checks.ts';
import { createTables } from '../../support/tables.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';

let aws: AwsTestEnv;
let counters: DynamoDifferenceCounters;

beforeAll(async () => {
  aws = await startAws();
  await createTables(aws.dynamodb, { indexTable: 'kindex', controlTable: 'kcontrol' });
  counters = new DynamoDifferenceCounters(DynamoDBDocumentClient.from(aws.dynamodb), 'kcontrol');
});
afterAll(async () => {
  await aws.stop();
});

it('counts concurrent differences without losing one', async () => {
  await Promise.all(Array.from({ length: 8 }, (_, i) => counters.recordDifference('video', 'a', { at: i, summary: `d${i}` }, 100)));

  expect((await counters.get('video', 'a'))?.differences).toBe(8);
});
