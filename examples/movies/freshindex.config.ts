/**
 * The demo config that `npm start` runs: one `movie` type whose source of truth is the demo CMS
 * (examples/movies/cms-server.ts) and whose transform cleans the data set's messy fields.
 *
 * The CMS's address comes from FRESHINDEX_DEMO_CMS_URL (the local runtime sets it to the port it
 * started the CMS on); point it at your own CMS the same way.
 */
import { defineConfig, type FreshindexConfigInput } from '../../lambdas/core/config/index.ts';
import { toMovieRecord } from '../../lambdas/local/demo/movie-record.ts';

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
        // Short enough to watch the checker work during a demo.
        settleDelaySeconds: 5,
        quarantineThreshold: 3,
        rebuild: { schedule: 'cron(0 3 * * ? *)', concurrency: 4 },
        audit: { schedule: 'rate(6 hours)' },
      },
    ],
  });
}

export const config = movieConfig(process.env['FRESHINDEX_DEMO_CMS_URL'] ?? 'http://127.0.0.1:4010');
