import { describe, expect, it } from 'vitest';
import type { DeadLetterInbox } from '../../../lambdas/core/dead-letters.ts';
import { apiWorld } from './support.ts';

/** An inbox that records what it was asked and holds no letter. */
function recordingInbox(): DeadLetterInbox & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    list: async () => (calls.push('list'), { items: [], scanned: 0, complete: true }),
    show: async () => (calls.push('show'), undefined),
    redrive: async () => (calls.push('redrive'), { method: 'copy', redriven: 0, notDeleted: 0, skippedReplaced: 0, skippedOtherTypes: 0, skippedNewer: 0, complete: true }),
    purge: async () => void calls.push('purge'),
    depth: async () => (calls.push('depth'), { visible: 0, inFlight: 0 }),
  };
}

describe('the dead-letter routes', () => {
  it('answer 501 for a queue this deployment does not name', async () => {
    const world = await apiWorld();

    const response = await world.app.inject({ method: 'GET', url: '/v1/dead-letters/apply' });

    expect(response.statusCode).toBe(501);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('refuse a purge without ?confirm=purge and never reach the queue', async () => {
    const world = await apiWorld();
    const inbox = recordingInbox();
    world.ops.deadLetters = { apply: inbox };

    const response = await world.app.inject({ method: 'DELETE', url: '/v1/dead-letters/apply?confirm=yes' });

    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toMatch(/confirm=purge/);
    expect(inbox.calls).toEqual([]);
  });

  it('refuse a redrive of a type the config does not declare (404) and an unknown queue (400)', async () => {
    const world = await apiWorld();
    const inbox = recordingInbox();
    world.ops.deadLetters = { apply: inbox };

    const unknownType = await world.app.inject({ method: 'POST', url: '/v1/dead-letters/apply/redrive', payload: { type: 'nope' } });
    const unknownQueue = await world.app.inject({ method: 'GET', url: '/v1/dead-letters/rebuild' });

    expect(unknownType.statusCode).toBe(404);
    expect(unknownQueue.statusCode).toBe(400);
    expect(inbox.calls).toEqual([]);
  });

  it('show a queue whose depth cannot be read as such in the status, which still answers', async () => {
    const world = await apiWorld();
    world.ops.deadLetters = { apply: { ...recordingInbox(), depth: async () => Promise.reject(new Error('AccessDenied')) } };

    const response = await world.app.inject({ method: 'GET', url: '/v1/types' });

    expect(response.statusCode).toBe(200);
    expect(response.json().deadLetters).toEqual([
      { queue: 'apply', configured: true, error: 'the depth could not be read (logged)' },
      { queue: 'verify', configured: false },
    ]);
    expect(world.log.errors).toEqual([expect.objectContaining({ message: 'dead-letter queue depth unreadable' })]);
  });
});
