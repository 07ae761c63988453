import { describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { typeSchema, type TypeConfig } from '../../../lambdas/core/config/schema.ts';
import { createSource, DynamodbSource, HttpSource, JsonlSource } from '../../../lambdas/adapters/sources/index.ts';
import { startCms } from './cms-server.ts';

function typeWith(source: Record<string, unknown>, extra: Record<string, unknown> = {}): TypeConfig {
  return typeSchema.parse({ name: 'video', source, transform: (doc: unknown) => doc, version: () => 1, ...extra });
}

describe('createSource', () => {
  it('builds the adapter named by the source type', () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });

    const sources = [
      createSource(typeWith({ type: 'http', itemUrl: 'http://cms/{id}', pageUrl: 'http://cms?c={cursor}' })),
      createSource(typeWith({ type: 'dynamodb', tableName: 'cms-videos' }), { dynamodb: client }),
      createSource(typeWith({ type: 'jsonl', path: 'videos.jsonl' })),
    ];

    expect(sources.map((source) => source.constructor)).toEqual([HttpSource, DynamodbSource, JsonlSource]);
  });

  it("identifies documents with the type's id function", async () => {
    const cms = await startCms(() => ({ body: [{ sku: 'P-1' }, { sku: 'P-2' }] }));
    const source = createSource(
      typeWith(
        { type: 'http', itemUrl: `${cms.url}/{id}`, batchUrl: `${cms.url}/?ids={ids}`, pageUrl: `${cms.url}/?c={cursor}` },
        { id: (doc: Record<string, unknown>) => String(doc['sku']) },
      ),
    );

    const found = await source.getMany(['P-1', 'P-2']).finally(() => cms.close());

    expect([...found.keys()]).toEqual(['P-1', 'P-2']);
  });

  it('passes the injected fetch and environment to HTTP sources', async () => {
    const seen: Headers[] = [];
    const fakeFetch: typeof fetch = async (_input, init) => {
      seen.push(new Headers(init?.headers));
      return Response.json({ id: 'v1' });
    };
    const source = createSource(
      typeWith({ type: 'http', itemUrl: 'http://cms/{id}', pageUrl: 'http://cms?c={cursor}', auth: { env: 'TOKEN', header: 'x-token' } }),
      { fetch: fakeFetch, env: { TOKEN: 't0k' } },
    );

    await source.get('v1');

    expect(seen[0]?.get('x-token')).toBe('t0k');
  });
});
