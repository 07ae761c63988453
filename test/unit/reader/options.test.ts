import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lambdas/core/errors.ts';
import { createReader, type ReaderOptions } from '../../../lambdas/reader/index.ts';

/** The problems `createReader` names for `options`, or none. */
function problemsOf(options: ReaderOptions): readonly string[] {
  try {
    createReader(options);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('createReader options', () => {
  it('names the DynamoDB tables it was not given', () => {
    expect(problemsOf({ indexTable: 'index' })).toEqual(['the reader reads DynamoDB: pass controlTable']);
    expect(problemsOf({})).toEqual(['the reader reads DynamoDB: pass indexTable and controlTable']);
  });

  it('points at store.type when given a Redis client but no store', () => {
    expect(problemsOf({ redis: 'redis://127.0.0.1:6379' })[0]).toContain('pass `store: { type: "redis" }`');
  });

  it('asks for a Redis client or URL when the store is Redis', () => {
    expect(problemsOf({ store: { type: 'redis' }, indexTable: 'index', controlTable: 'control' })[0]).toContain('pass `redis`');
  });

  it('refuses a store it does not know and a key prefix with hash-tag braces', () => {
    expect(problemsOf({ store: { type: 'memcached' } as unknown as ReaderOptions['store'] })[0]).toMatch(/^reader store\.type: /);
    expect(problemsOf({ store: { type: 'redis', keyPrefix: 'a{b}:' }, redis: 'redis://127.0.0.1:1' })[0]).toContain('must not contain "{"');
  });
});
