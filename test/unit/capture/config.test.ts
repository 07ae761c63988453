import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import { ConfigError } from '../../../lambdas/core/errors.ts';
import { configProblems } from '../../support/config.ts';

const type = { name: 'movie', source: { type: 'jsonl', path: 'm.jsonl' }, transform: (doc: unknown) => doc, version: () => 1 };

function problemsOf(capture: unknown): readonly string[] {
  try {
    validateConfig({ types: [type], capture });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('the capture config', () => {
  it('fills in the defaults of a Postgres capture', () => {
    const config = validateConfig({ types: [type], capture: { postgres: { connection: { env: 'DB_URL' }, tables: [{ table: 'movies', event: 'movie' }] } } });

    expect(config.capture?.postgres).toEqual({
      connection: { env: 'DB_URL' },
      tables: [{ table: 'movies', event: 'movie', idColumn: 'id' }],
      batchSize: 100,
      pollIntervalMs: 1_000,
      retentionHours: 24,
    });
  });

  it('names every problem at once, with its path', () => {
    const problems = problemsOf({
      postgres: {
        connection: { env: 'DB_URL', secretId: 'db' },
        tables: [{ table: 'a.b.c', event: 'Movie' }, { table: 'movies', event: 'movie' }, { table: 'public.movies', event: 'movie' }],
        batchSize: 501,
      },
    });

    expect(problems).toEqual([
      'capture.postgres.connection: set exactly one of secretId or env',
      "capture.postgres.tables[0].table: must be 'table' or 'schema.table'",
      'capture.postgres.tables[0].event: must match ^[a-z][a-z0-9_-]{0,39}$',
      'capture.postgres.batchSize: must be at most 500',
      'capture.postgres.tables[2].table: table "public.movies" is named twice',
    ]);
  });

  it('refuses a capture without tables', () => {
    expect(problemsOf({ postgres: { connection: { env: 'DB_URL' }, tables: [] } })).toEqual(['capture.postgres.tables: name at least one table to capture']);
  });

  it('refuses a captured table whose event no type would hear, as it refuses a stream capture of one', () => {
    const problems = configProblems({
      types: [type, { ...type, name: 'product', source: { type: 'dynamodb', tableName: 'products', capture: { event: 'prodcut' } } }],
      capture: { postgres: { connection: { env: 'DB_URL' }, tables: [{ table: 'movies', event: 'movie' }, { table: 'authors', event: 'author' }] } },
    });

    expect(problems).toEqual([
      'capture.postgres.tables[1].event: unknown event type "author": name a type or declare it in events (a type listening to it in listensTo)',
      'types[1](product).source.capture.event: unknown event type "prodcut": name a type or declare it in events (a type listening to it in listensTo)',
    ]);
  });
});
