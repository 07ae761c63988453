import { describe, expect, it } from 'vitest';
import { collapse, type IncomingChange } from '../../../lambdas/core/apply.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';

let seq = 0;
const msg = (change: Partial<ChangeEvent> & Pick<ChangeEvent, 'id'>): IncomingChange => ({
  key: `m${++seq}`,
  change: { type: 'video', op: 'upsert', ...change } as ChangeEvent,
});

describe('collapsing a batch', () => {
  it('keeps one change per resource, the newest by version', () => {
    const older = msg({ id: 'a', version: 2, doc: { id: 'a' } });
    const newest = msg({ id: 'a', version: 7, doc: { id: 'a' } });
    const middle = msg({ id: 'a', version: 5, doc: { id: 'a' } });
    const [group] = collapse([older, newest, middle]);
    expect(group?.winner).toBe(newest);
    expect(group?.members).toEqual([older, newest, middle]);
  });

  it('keeps resources of different types and ids apart', () => {
    const groups = collapse([msg({ id: 'a', version: 1, doc: {} }), msg({ id: 'b', version: 1, doc: {} }), msg({ id: 'a', type: 'article', version: 1, doc: {} })]);
    expect(groups.map((g) => `${g.type}/${g.id}`)).toEqual(['video/a', 'video/b', 'article/a']);
  });

  it('lets a versioned delete beat an older upsert', () => {
    const upsert = msg({ id: 'a', version: 3, doc: { id: 'a' } });
    const remove = msg({ id: 'a', op: 'delete', version: 4 });
    expect(collapse([upsert, remove])[0]?.winner).toBe(remove);
  });

  it('reads the source once when any change of the resource carries no document', () => {
    const withDoc = msg({ id: 'a', version: 9, doc: { id: 'a' } });
    const bare = msg({ id: 'a' });
    const [group] = collapse([withDoc, bare]);
    expect(group?.readSource).toBe(true);
    expect(group?.winner).toBe(bare);
  });

  it('gives ties to the later message', () => {
    const first = msg({ id: 'a', version: 3, doc: { n: 1 } });
    const second = msg({ id: 'a', version: 3, doc: { n: 2 } });
    expect(collapse([first, second])[0]?.winner).toBe(second);
  });

  it('uses the version function of the type for documents without an event version', () => {
    const newer = msg({ id: 'a', doc: { rev: 8 } });
    const older = msg({ id: 'a', doc: { rev: 2 } });
    const byDoc = (change: ChangeEvent) => Number((change.doc as { rev: number }).rev);
    expect(collapse([newer, older], byDoc)[0]?.winner).toBe(newer);
  });
});
