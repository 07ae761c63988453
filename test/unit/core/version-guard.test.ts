import { describe, expect, it } from 'vitest';
import { guard, type RecordWrite } from '../../../lambdas/core/records.ts';

const live = (version: number, hash = 'h1') => ({ version, hash, deleted: false });
const tombstone = (version: number) => ({ version, hash: 'tombstone', deleted: true });
const upsert = (version: number, hash = 'h1'): RecordWrite => ({ kind: 'upsert', id: 'a', version, hash, record: {} });
const remove = (version: number): RecordWrite => ({ kind: 'delete', id: 'a', version });

describe('the version guard', () => {
  it.each([
    ['nothing stored, upsert', undefined, upsert(1), 'written'],
    ['nothing stored, delete', undefined, remove(1), 'written'],
    ['older upsert after a newer one', live(5), upsert(4), 'stale'],
    ['newer upsert', live(5), upsert(6), 'written'],
    ['equal version, equal hash', live(5, 'h1'), upsert(5, 'h1'), 'unchanged'],
    ['equal version, other hash (transform changed or repair)', live(5, 'h1'), upsert(5, 'h2'), 'written'],
    ['delete newer than the record', live(5), remove(6), 'written'],
    ['delete at the same version as the record', live(5), remove(5), 'written'],
    ['delete older than the record', live(5), remove(4), 'stale'],
    ['late older upsert after a delete', tombstone(5), upsert(4), 'stale'],
    ['upsert at the version of the delete', tombstone(5), upsert(5, 'h9'), 'stale'],
    ['re-creation after a delete', tombstone(5), upsert(6), 'written'],
    ['the same delete twice', tombstone(5), remove(5), 'unchanged'],
  ] as const)('%s → %s', (_case, stored, write, expected) => {
    expect(guard(stored, write)).toBe(expected);
  });
});
