/**
 * The demo config that `npm start` runs: one `movie` type whose source of truth is the demo CMS
 * (examples/movies/cms-server.ts) and whose transform cleans the data set's messy fields. Each
 * movie's title, genre and director are embedded, so `freshindex similar movie <id>` answers.
 *
 * The CMS's address comes from FRESHINDEX_DEMO_CMS_URL (the local runtime sets it to the port it
 * started the CMS on); point it at your own CMS the same way.
 */
import { defineConfig, type FreshindexConfigInput } from '../../lambdas/core/config/index.ts';
import type { SourceDoc } from '../../lambdas/core/ports.ts';
import { toMovieRecord } from './movie-record.ts';

/** The demo config for a movie CMS at `baseUrl` (documents under `/movies`). */
export function movieConfig(baseUrl: string): FreshindexConfigInput {
  const cmsUrl = baseUrl.replace(/\/+$/, '');
  return defineConfig({
    types: [
      {
        name: 'movie',
        source: {
          type: 'http',
          itemUrl: `${cmsUrl}/movies/{id}`,
          batchUrl: `${cmsUrl}/movies?ids={ids}`,
          batchSize: 100,
          pageUrl: `${cmsUrl}/movies?cursor={cursor}&segment={segment}&segments={segments}&limit={limit}`,
          // The demo CMS pages by key (the cursor is the last id served): no reconciliation needed.
          stableCursors: true,
          timeoutMs: 2_000,
        },
        transform: toMovieRecord,
        version: (doc) => doc['updatedAt'] as number,
        // `freshindex similar movie <id>`: title, genre and director, by the local embedder (feature
        // hashing of words: shared words and spellings come out close; see docs/vectors.md).
        embed: { text: movieText, provider: { kind: 'local' }, dimensions: 256 },
        // Short enough to watch the checker work during a demo.
        settleDelaySeconds: 5,
        quarantineThreshold: 3,
        rebuild: { schedule: 'cron(0 3 * * ? *)', concurrency: 4 },
        audit: { schedule: 'rate(6 hours)' },
      },
    ],
  });
}

/** The text of a movie that the demo embeds: its title, genre and director, cleaned as the record is. */
export function movieText(doc: SourceDoc): string {
  const movie = toMovieRecord(doc);
  return [movie.title, movie.genre, movie.director === null ? null : `directed by ${movie.director}`].filter((part) => part !== null).join('. ');
}

export const config = movieConfig(process.env['FRESHINDEX_DEMO_CMS_URL'] ?? 'http://127.0.0.1:4010');
