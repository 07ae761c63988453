import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourcesFromTemplates, readCloudAssembly, type LocalStacks, type StackTemplate } from '../../../lambdas/local/cloud-assembly.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';

const assemblyDir = fileURLToPath(new URL('./fixtures/', import.meta.url));

describe('a cloud assembly of two stacks', () => {
  let aws: AwsTestEnv;
  let stacks: StackTemplate[];
  let local: LocalStacks;
  const prefix = `a${randomUUID().slice(0, 6)}-`;

  beforeAll(async () => {
    aws = await startAws();
    stacks = await readCloudAssembly(assemblyDir);
    local = await createResourcesFromTemplates(stacks, aws, { prefix });
  });
  afterAll(async () => {
    await aws.stop();
  });

  it('reads the stacks in deployment order', () => {
    expect(stacks.map((stack) => stack.stackName)).toEqual(['SmallData', 'SmallCompute']);
  });

  it('resolves an import of one stack to what an earlier stack exported', () => {
    expect(local.functions['VerifyFunctionA1']?.environment).toEqual({ FRESHINDEX_INDEX_TABLE: `${prefix}IndexTable7B8C9D0E` });
  });

  it('finds the local queue of a mapping whose queue lives in another stack', () => {
    const mapping = local.eventSourceMappings.find((candidate) => candidate.logicalId === 'VerifyFunctionSqsEventSourceB2');
    const queue = local.resources['ApplyQueue5E6F7A8B'];
    expect(mapping).toMatchObject({ functionName: 'VerifyFunctionA1', batchSize: 5, queueUrl: queue?.kind === 'queue' ? queue.url : 'missing' });
  });

  it('answers an attribute of a stand-in with its logical id', () => {
    expect(local.functions['ApplyFunction4D5E6F7A']?.environment['FRESHINDEX_JOB_DEFINITION']).toBe('JobQueue2B3C4D5E');
  });
});
