/**
 * `GET /v1/types/{type}/records/{id}/similar`: the nearest records of the live generation, and
 * problem documents for what it cannot answer; `freshindex similar` over it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildOpsApp } from '../../../lambdas/api/app.ts';
import { createRedisStores } from '../../../lambdas/adapters/redis/index.ts';
import { ensurePointer } from '../../../lambdas/core/pointer-cache.ts';
import { createOpsDeps } from '../../../lambdas/handlers/api.ts';
import { createTables } from '../../support/tables.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { useRedis } from '../../support/redis.ts';
import { cliAt, serveOnLoopback } from '../cli/support.ts';

const tables = { indexTable: 'similar-index', controlTable: 'similar-control' };
const type = (name: string) => ({ name, source: { type: 'jsonl' as const, path: '/dev/null' }, transform: (doc: Record<string, unknown>) => doc, version: () => 1 });
const config = { store: { type: 'redis' as const }, types: [type('movie'), type('plain')] };

describe('the similar route of the ops API and freshindex similar', () => {
  const redis = useRedis();
  let aws: AwsTestEnv;
  let app: FastifyInstance;

  beforeAll(async () => {
    aws = await startAws();
    await createTables(aws.dynamodb, tables);
  });
  afterAll(async () => {
    await app?.close();
    await aws.stop();
  });

  beforeEach(async () => {
    await app?.close();
    const stores = createRedisStores({ client: redis.client, tombstoneTtlSeconds: 3600 });
    const pointer = await ensurePointer(stores.store, 'movie', Date.now());
    const vectors: Record<string, number[]> = { alien: [1, 0, 0], aliens: [0.9, 0.1, 0], heat: [0, 1, 0], ronin: [0.1, 0.9, 0] };
    await stores.store.write('movie', pointer.active, Object.entries(vectors).map(([id, vector]) => ({ kind: 'upsert' as const, id, version: 1, hash: `h-${id}`, record: { title: id }, vector: Float32Array.from(vector) })));
    const env = { FRESHINDEX_INDEX_TABLE: tables.indexTable, FRESHINDEX_CONTROL_TABLE: tables.controlTable, FRESHINDEX_REDIS_URL: redis.server.url };
    const deps = createOpsDeps(config, { env, dynamodb: aws.dynamodb, log: { info() {}, error() {} } });
    // The embed step's config lands with its schema (docs/embeddings.md): mark movie as embedding.
    const movie = deps.types.get('movie');
    if (movie) (deps.types as Map<string, typeof movie>).set('movie', { ...movie, config: { ...movie.config, embed: {} } as typeof movie.config });
    app = buildOpsApp(deps);
  });

  it('answers the k nearest records, nearest first, without the record itself', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/types/movie/records/alien/similar?k=2' });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { items: Array<{ id: string; record: unknown; distance: number }>; generation: number; k: number };
    expect(body).toMatchObject({ type: 'movie', id: 'alien', k: 2, generation: 1 });
    expect(body.items.map((item) => item.id)).toEqual(['aliens', 'ronin']);
    expect(body.items[0]?.record).toEqual({ title: 'aliens' });
  });

  it('answers problem documents for an unknown type, an unknown id, a type without embed and a bad k', async () => {
    const statuses = await Promise.all(
      ['/v1/types/nope/records/alien/similar', '/v1/types/movie/records/nobody/similar', '/v1/types/plain/records/x/similar', '/v1/types/movie/records/alien/similar?k=0'].map(async (url) => {
        const response = await app.inject({ method: 'GET', url });
        return [response.statusCode, response.headers['content-type']];
      }),
    );
    expect(statuses).toEqual([404, 404, 400, 400].map((status) => [status, expect.stringContaining('application/problem+json')]));
  });

  it('prints the nearest records with freshindex similar, and exits 3 for an id the index does not hold', async () => {
    const endpoint = await serveOnLoopback(app);
    const found = await cliAt(endpoint, ['similar', 'movie', 'heat', '--k', '1']);
    const missing = await cliAt(endpoint, ['similar', 'movie', 'nobody']);
    expect([found.code, found.stdout], found.stderr).toEqual([0, expect.stringMatching(/1 nearest in generation 1[^\n]*\n\s+0\.\d{3}\s+ronin\s+\{"title":"ronin"\}/)]);
    expect(missing.code).toBe(3);
  });
});
