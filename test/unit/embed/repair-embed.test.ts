/**
 * The checker's view of a type that embeds: a record whose vector was made from another text or
 * model differs from the source, and the repair writes the record with a new vector.
 */
import { describe, expect, it } from 'vitest';
import type { EmbedConfig } from '../../../lambdas/core/config/index.ts';
import { initialPointer } from '../../../lambdas/core/pointer.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { toStoredRecord } from '../../../lambdas/core/records.ts';
import { toUpsert } from '../../../lambdas/core/transform.ts';
import { compare, expectedFrom, repair } from '../../../lambdas/core/verify/compare.ts';
import { CountingEmbedder } from '../../support/embedders.ts';
import { MemoryCatchUpLog, MemoryEmbeddingCache, MemoryIndex } from '../../support/memory/index.ts';
import { doc, TYPE, videoType } from '../rebuild/support/world.ts';

const embedded = (dimensions = 16) => videoType({ embed: { text: (d: SourceDoc) => String(d['title']), provider: { kind: 'local' }, dimensions } });

describe('checking and repairing embedded records', () => {
  it('sees a record embedded with other dimensions as a content difference, and the same embedding as equal', () => {
    const source = doc('a', 1);
    const before = toStoredRecord(TYPE, 1, toUpsert(embedded(16), 'a', source), 0, 3600);

    const otherModel = compare(expectedFrom(embedded(32), 'a', source), before);
    const same = compare(expectedFrom(embedded(16), 'a', source), before);

    expect(otherModel?.kind).toBe('content');
    expect(same).toBeUndefined();
  });

  it('repairs a missing record with its vector', async () => {
    const type = embedded();
    const index = new MemoryIndex();
    const step = { config: type.embed as EmbedConfig, embedder: new CountingEmbedder(16), cache: new MemoryEmbeddingCache() };
    const expected = expectedFrom(type, 'a', doc('a', 1));

    const result = await repair({ records: index, catchUp: new MemoryCatchUpLog(), clock: Date.now }, TYPE, initialPointer(TYPE, 0), 'a', expected, undefined, step);

    expect(result).toBe('written');
    expect((await index.getRecords(TYPE, 1, ['a'])).get('a')?.vector).toHaveLength(16);
  });
});
