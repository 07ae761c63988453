import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import { configProblems } from '../../support/config.ts';

const source = { type: 'jsonl', path: './videos.jsonl' };
const video = { name: 'video', source, transform: (doc: object) => doc, version: () => 1 };

const problemsOf = configProblems;

describe('a type\'s freshness target', () => {
  it('defaults to 60 seconds', () => {
    const config = validateConfig({ types: [video] });

    expect(config.types[0]?.freshnessTargetSeconds).toBe(60);
  });

  it('keeps a target from one second to a day', () => {
    const config = validateConfig({ types: [{ ...video, name: 'click', freshnessTargetSeconds: 1 }, { ...video, name: 'signal', freshnessTargetSeconds: 86_400 }] });

    expect(config.types.map((type) => type.freshnessTargetSeconds)).toEqual([1, 86_400]);
  });

  it.each([
    ['zero', 0],
    ['negative', -5],
    ['fractional', 1.5],
    ['longer than a day', 86_401],
    ['not a number', '60'],
  ])('refuses a %s target, naming the type and the field', (_what, value) => {
    const problems = problemsOf({ types: [video, { ...video, name: 'profile', freshnessTargetSeconds: value }] });

    expect(problems).toEqual([expect.stringMatching(/^types\[1\]\(profile\)\.freshnessTargetSeconds: .*whole number of seconds from 1 to 86400/)]);
  });
});
