import { describe, expect, it } from 'vitest';
import { exitCodeForStatus } from '../../../lambdas/cli/exit-codes.ts';
import { problemError } from '../../../lambdas/cli/http.ts';
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
