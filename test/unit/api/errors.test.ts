import { describe, expect, it } from 'vitest';
import { SourceError, StoreError } from '../../../lambdas/core/errors.ts';
import { apiWorld } from './support.ts';

describe('errors', () => {
  it('answers an unexpected error with a generic 500 that leaks no stack or message, and logs it', async () => {
    const world = await apiWorld();
    world.status.latestAudit = async () => {
      throw new TypeError('secret internals: cannot read properties of undefined at /var/task/index.js:1:2');
    };

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video' });

    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(['detail', 'instance', 'requestId', 'status', 'title', 'type']);
    expect(body.title).toBe('Internal error');
    expect(response.body).not.toMatch(/secret internals|TypeError|stack|\/var\/task|at /);
    expect(world.log.errors).toEqual([expect.objectContaining({ attributes: expect.objectContaining({ requestId: body.requestId }) })]);
  });

  it('answers a store failure with 503 and without the SDK message', async () => {
    const world = await apiWorld();
    world.index.readPointer = async () => {
      throw new StoreError('DynamoDB GetItem(pointer) failed: ThrottlingException: Rate exceeded for table arn:aws:dynamodb:eu-west-1:123456789012:table/x');
    };

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video' });

    expect(response.statusCode).toBe(503);
    expect(response.json().title).toBe('The index store is unavailable');
    expect(response.body).not.toMatch(/ThrottlingException|arn:aws|123456789012/);
  });

  it('answers a source failure with 502 and without the source message', async () => {
    const world = await apiWorld();
    world.source.get = async () => {
      throw new SourceError('GET https://cms.internal/api/videos/a answered 500: upstream db down', { retryable: true });
    };

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video/records/a' });

    expect(response.statusCode).toBe(502);
    expect(response.body).not.toMatch(/cms\.internal|upstream db/);
  });

  it('answers a route that does not exist with a 404 problem', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v2/types' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ type: 'urn:freshindex:problem:not-found', status: 404, instance: '/v2/types' });
  });

  it('lists every invalid field of a request at once', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'POST', url: '/v1/types/video/rebuild', payload: { reason: '', force: true } });

    expect(response.json().errors.map((error: { field: string }) => error.field).sort()).toEqual(['body.force', 'body.reason']);
  });

  it('answers an over-long URL with a 414 problem that does not echo it', async () => {
    const world = await apiWorld();
    const url = `/v1/types/video/records/${'x'.repeat(3_000)}`;

    const response = await world.app.inject({ method: 'GET', url });

    expect(response.statusCode).toBe(414);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ type: 'urn:freshindex:problem:uri-too-long', status: 414, requestId: expect.any(String) });
    expect(response.body).not.toContain('xxxxxxxxxx');
  });

  it('answers a URL that cannot be decoded with a 400 problem that does not echo it', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/evil%E0%A4%A' });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ type: 'urn:freshindex:problem:invalid-request', detail: 'the request URL is not valid (malformed percent-encoding)' });
    expect(response.body).not.toContain('evil');
  });

  it('answers a wrong method on an existing route with 405 and the methods it allows', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'PUT', url: '/v1/types/video/records/a' });

    expect(response.statusCode).toBe(405);
    expect(response.headers['allow']).toBe('GET, HEAD');
    expect(response.json()).toMatchObject({ type: 'urn:freshindex:problem:method-not-allowed', detail: 'PUT is not allowed here; allowed: GET, HEAD' });
  });

  it('answers 405 for a GET on a POST-only route', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v1/types/video/rollback' });

    expect([response.statusCode, response.headers['allow']]).toEqual([405, 'POST']);
  });
});
