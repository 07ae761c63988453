import { describe, expect, it } from 'vitest';
import { loadFreshindexConfig } from '../../lib/index.ts';
import { DEPLOY_TIME_VALUE_BYTES, environmentProblem, estimatedBytes } from '../../lib/environment-size.ts';
import { FANOUT_FIXTURE_CONFIG, synthFreshindex } from './support.ts';

const MANY_OWN_QUEUES_CONFIG = new URL('./fixtures/many-own-queues.config.ts', import.meta.url).pathname;

describe("a function's environment size at synth", () => {
  it('refuses a deployment whose ops API environment would pass the 4 KB Lambda allows, naming the variable that grows', async () => {
    const config = await loadFreshindexConfig(MANY_OWN_QUEUES_CONFIG);

    await expect(synthFreshindex({ config })).rejects.toThrow(/over the 4096 bytes Lambda allows; the largest: FRESHINDEX_DEAD_LETTERS_OWN_APPLY \(about \d+ bytes\)/);
  }, 120_000);

  it('synthesizes a deployment with a few own queues', async () => {
    const config = await loadFreshindexConfig(FANOUT_FIXTURE_CONFIG);

    await expect(synthFreshindex({ config })).resolves.toBeDefined();
  }, 120_000);

  it('counts a join part by part and a deploy-time value at its bound', () => {
    const joined = { 'Fn::Join': ['', ['{"click":"', { 'Fn::ImportValue': 'Data:QueueUrl' }, '"}']] };

    expect(estimatedBytes(joined)).toBe('{"click":"'.length + DEPLOY_TIME_VALUE_BYTES + '"}'.length);
    expect(environmentProblem({ SMALL: 'x'.repeat(4000) })).toBeUndefined();
    expect(environmentProblem({ LARGE: 'x'.repeat(4092) })).toMatch(/about 4097 bytes/);
  });
});
