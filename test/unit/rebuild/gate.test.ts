import { describe, expect, it } from 'vitest';
import { verdict } from '../../../lambdas/core/rebuild/gate.ts';
import { toStoredRecord } from '../../../lambdas/core/records.ts';
import { toUpsert } from '../../../lambdas/core/transform.ts';
import { doc, TYPE, videoType } from './support/world.ts';

const type = videoType();
const stored = (v: number, title?: string) => toStoredRecord(TYPE, 2, toUpsert(type, 'a', doc('a', v, title)), 0, 60);

describe('gate sample comparison', () => {
  it('finds a record equal to transform(source) equal', () => {
    expect(verdict(type, 'a', doc('a', 3), stored(3)).kind).toBe('equal');
  });

  it('counts a record older than the source as a change in flight, not a defect', () => {
    expect(verdict(type, 'a', doc('a', 4), stored(3)).kind).toBe('behind');
  });

  it('reports different content at the same version as a mismatch', () => {
    expect(verdict(type, 'a', doc('a', 3), stored(3, 'something else'))).toEqual({ kind: 'mismatch', reason: 'content differs at version 3' });
  });

  it('reports a resource deleted in the source but live in the generation as a mismatch', () => {
    expect(verdict(type, 'a', undefined, stored(3))).toEqual({ kind: 'mismatch', reason: 'deleted in the source but live in the new generation' });
  });

  it('reports a resource missing from the generation as a mismatch', () => {
    expect(verdict(type, 'a', doc('a', 3), undefined)).toEqual({ kind: 'mismatch', reason: 'missing from the new generation' });
  });
});
