import { describe, expect, it } from 'vitest';
import { apiWorld } from './support.ts';

describe('GET /v1/openapi.json', () => {
  it('documents every route with its request and response schemas', async () => {
    const world = await apiWorld();

    const document = (await world.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();

    expect(document.openapi).toBe('3.1.0');
    expect(Object.fromEntries(Object.entries(document.paths).map(([path, item]) => [path, Object.keys(item as object).sort()]))).toEqual({
      '/v1/types': ['get'],
      '/v1/types/{type}': ['get'],
      '/v1/types/{type}/records/{id}': ['get'],
      '/v1/types/{type}/records/{id}/reindex': ['post'],
      '/v1/types/{type}/records/{id}/similar': ['get'],
      '/v1/types/{type}/rebuild': ['post'],
      '/v1/types/{type}/audit': ['post'],
      '/v1/types/{type}/rollback': ['post'],
      '/v1/types/{type}/quarantine': ['get'],
      '/v1/types/{type}/quarantine/{id}': ['delete'],
      '/v1/types/{type}/metrics': ['get'],
      '/v1/dead-letters': ['get'],
      '/v1/dead-letters/{queue}': ['delete', 'get'],
      '/v1/dead-letters/{queue}/{messageId}': ['get'],
      '/v1/dead-letters/{queue}/redrive': ['post'],
    });
    const rebuild = document.paths['/v1/types/{type}/rebuild'].post;
    expect(rebuild.requestBody.content['application/json'].schema.properties.reason).toMatchObject({ type: 'string' });
    expect(rebuild.responses['409'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
  });

  it('declares SigV4 as the security scheme of every route', async () => {
    const world = await apiWorld();

    const document = (await world.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();

    expect(document.security).toEqual([{ sigv4: [] }]);
    expect(document.components.securitySchemes.sigv4).toBeDefined();
  });
});
