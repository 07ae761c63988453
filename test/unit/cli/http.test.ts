import { describe, expect, it } from 'vitest';
import { exitCodeForStatus } from '../../../lambdas/cli/exit-codes.ts';
import { networkReason, problemError } from '../../../lambdas/cli/http.ts';
import { regionOf } from '../../../lambdas/cli/target.ts';

describe('errors of the ops API', () => {
  it('renders a problem document as its detail and status on one line', () => {
    const error = problemError(404, { type: 'urn:freshindex:problem:not-found', title: 'Not found', status: 404, detail: 'unknown resource type\n  "nope"' });

    expect(error.message).toBe('unknown resource type "nope" (HTTP 404)');
    expect(error.exitCode).toBe(3);
  });

  it('falls back to the title when a problem has no detail', () => {
    expect(problemError(503, { title: 'The index store is unavailable', status: 503 }).message).toBe('The index store is unavailable (HTTP 503)');
  });

  it('names the IAM permission on a 403', () => {
    expect(problemError(403, { message: 'Forbidden' }).message).toContain('execute-api:Invoke');
  });

  it.each([
    [400, 2],
    [404, 3],
    [409, 1],
    [422, 1],
    [502, 1],
  ])('maps HTTP %i to exit code %i', (status, code) => {
    expect(exitCodeForStatus(status)).toBe(code);
  });

  it('reads the region of an API Gateway URL', () => {
    expect(regionOf(new URL('https://a1b2c3.execute-api.eu-west-1.amazonaws.com/'))).toBe('eu-west-1');
  });
});

/** An error with a system error code, as Node's sockets and resolver raise them. */
function systemError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('why a request got no answer', () => {
  it('names a refused connection, not the TypeError fetch wraps it in', () => {
    const error = new TypeError('fetch failed', { cause: systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:4562') });

    expect(networkReason(error, 30_000)).toBe('connect ECONNREFUSED 127.0.0.1:4562');
  });

  it('names every address of a host whose addresses all refused (happy eyeballs)', () => {
    const refused = new AggregateError([systemError('ECONNREFUSED', 'connect ECONNREFUSED ::1:4562'), systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:4562')]);
    const error = new TypeError('fetch failed', { cause: refused });

    expect(networkReason(error, 30_000)).toBe('connect ECONNREFUSED ::1:4562; connect ECONNREFUSED 127.0.0.1:4562');
  });

  it('names a host that does not resolve', () => {
    const error = new TypeError('fetch failed', { cause: systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND api.example.invalid') });

    expect(networkReason(error, 30_000)).toBe('getaddrinfo ENOTFOUND api.example.invalid');
  });

  it('adds the code when the message lacks it', () => {
    const error = new TypeError('fetch failed', { cause: systemError('UND_ERR_SOCKET', 'other side closed') });

    expect(networkReason(error, 30_000)).toBe('other side closed (UND_ERR_SOCKET)');
  });

  it('says how long it waited when the request timed out', () => {
    const error = new DOMException('The operation was aborted due to timeout', 'TimeoutError');

    expect(networkReason(error, 30_000)).toBe('no answer within 30 s');
  });
});
