import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';
import { dueChecks, type ReceivedChange } from '../../../lambdas/core/verify/due.ts';

const SETTLE: Record<string, number> = { video: 60, article: 5 };
const settle = (type: string) => SETTLE[type];
const received = (key: string, change: Partial<ChangeEvent> & { type: string; id: string }, sentAt = 1_000): ReceivedChange => ({ key, change: { op: 'upsert', ...change } as ChangeEvent, sentAt });

describe('the checks an apply batch schedules', () => {
  it('schedules one check per resource, due the settle delay after its latest change was received, for all of its messages', () => {
    const due = dueChecks([received('m1', { type: 'video', id: 'v1' }, 1_000), received('m2', { type: 'video', id: 'v1' }, 3_000), received('m3', { type: 'video', id: 'v1' }, 2_000)], settle);

    expect(due).toEqual([{ request: { type: 'video', id: 'v1', checkAfter: 63_000, trigger: 'change' }, keys: ['m1', 'm2', 'm3'] }]);
  });

  it('tells resources of two types with one id apart, each with its own settle delay', () => {
    const due = dueChecks([received('m1', { type: 'video', id: 'x' }), received('m2', { type: 'article', id: 'x' })], settle);

    expect(due.map(({ request }) => [request.type, request.checkAfter])).toEqual([
      ['video', 61_000],
      ['article', 6_000],
    ]);
  });

  it('schedules nothing for an event of no type, an unknown type, a change addressed to one listener or a type served elsewhere', () => {
    const due = dueChecks(
      [received('m1', { type: 'author', id: 'a1' }), received('m2', { type: 'nope', id: 'n1' }), received('m3', { type: 'video', id: 'v1', listener: 'article' }), received('m4', { type: 'article', id: 'x1' })],
      settle,
      new Set(['video']),
    );

    expect(due).toEqual([]);
  });
});
