import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource } from '../../../lambdas/adapters/sources/index.ts';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import type { Source } from '../../../lambdas/core/ports.ts';
import { startMovieCms, type MovieCms } from '../../../lambdas/local/demo/movie-cms.ts';
import { movieConfig } from '../../../examples/movies/freshindex.config.ts';

/** The demo CMS honours the HTTP source contract: the real HttpSource reads it. */
describe('the demo CMS through the HTTP source of the demo config', () => {
  let cms: MovieCms;
  let source: Source;

  beforeAll(async () => {
    cms = await startMovieCms();
    const [movie] = validateConfig(movieConfig(cms.url)).types;
    if (!movie) throw new Error('the demo config has no type');
    source = createSource(movie);
  });
  afterAll(async () => {
    await cms.close();
  });

  it('reads one movie, and nothing for an unknown id', async () => {
    expect(await source.get('the-land-girls-1998')).toMatchObject({ Title: 'The Land Girls' });
    expect(await source.get('no-such-movie')).toBeUndefined();
  });

  it('reads many movies in one batch', async () => {
    const docs = await source.getMany(['the-land-girls-1998', 'gone-with-the-wind-1939', 'no-such-movie']);
    expect([...docs.keys()].sort()).toEqual(['gone-with-the-wind-1939', 'the-land-girls-1998']);
  });

  it('scans all 3,201 movies in four segments', async () => {
    // Act
    const ids: string[] = [];
    for (let segment = 0; segment < 4; segment += 1) {
      for await (const page of source.scan({ segment, totalSegments: 4, pageSize: 250 })) ids.push(...page.map((doc) => String(doc['id'])));
    }
    // Assess
    expect(new Set(ids).size).toBe(3201);
    expect(ids).toHaveLength(3201);
  });

  it('estimates the size of the collection', async () => {
    expect(await source.estimateCount?.()).toBe(3201);
  });
});
