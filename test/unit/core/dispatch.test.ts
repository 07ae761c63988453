/**
 * Dispatch on the in-memory fakes: derived changes of one batch share the apply path's collapse,
 * and the listening type's documents are read from its own source.
 */
import { describe, expect, it } from 'vitest';
import type { ResolvedType } from '../../../lambdas/core/apply.ts';
import { validateConfig, type TypeConfig } from '../../../lambdas/core/config/index.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';
import { dispatchChanges } from '../../../lambdas/core/dispatch.ts';
import { PointerCache } from '../../../lambdas/core/pointer-cache.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { MemoryCatchUpLog, MemoryIndex, MemorySource } from '../../support/memory/index.ts';
import { doc, videoType } from '../rebuild/support/world.ts';

/** A source that remembers every id it was asked for. */
class CountingSource extends MemorySource {
  readonly asked: string[] = [];
  override async getMany(ids: readonly string[]): Promise<Map<string, SourceDoc>> {
    this.asked.push(...ids);
    return super.getMany(ids);
  }
}

function world() {
  const index = new MemoryIndex();
  const cards = new CountingSource([doc('c1', 1), doc('c2', 1)]);
  const { types: [card] } = validateConfig({
    events: ['author'],
    types: [{ ...videoType(), name: 'card', listensTo: { author: (event: ChangeEvent) => (event.id === 'a1' ? ['c1', 'c2'] : ['c1']) } }],
  });
  const types = new Map<string, ResolvedType>([['card', { config: card as TypeConfig, source: cards }]]);
  const deps = { types, pointers: new PointerCache(index, 60_000, Date.now), records: index, catchUp: new MemoryCatchUpLog(), clock: Date.now };
  return { deps, index, cards };
}

describe('dispatch', () => {
  it('reads a card derived from two author events of one batch once, applying it for one and superseding the other', async () => {
    // Prepare
    const { deps, index, cards } = world();

    // Act
    const outcomes = await dispatchChanges(deps, [
      { key: 'm1', change: { type: 'author', id: 'a1', op: 'upsert' } },
      { key: 'm2', change: { type: 'author', id: 'a2', op: 'delete', version: 4 } },
    ]);

    // Assess
    expect(cards.asked.sort()).toEqual(['c1', 'c2']);
    const c1 = [...outcomes.values()].flat().filter((result) => result.change.id === 'c1').map((result) => result.outcome.status).sort();
    expect(c1).toEqual(['applied', 'superseded']);
    const stored = await index.getRecords('card', (await deps.pointers.get('card')).active, ['c1', 'c2']);
    expect([...stored.values()].map((record) => [record.id, record.version, record.deleted])).toEqual([
      ['c1', 1, false],
      ['c2', 1, false],
    ]);
  });
});
