/**
 * One resource as operators see it: its index record next to what the source says it should
 * be, and the reindex of one resource through the applier's own path.
 */
import { applyChanges } from '../core/apply.ts';
import { FreshindexError, NotFoundError, TransformError } from '../core/errors.ts';
import { writeTargets } from '../core/pointer.ts';
import type { QuarantineEntry } from '../core/ports.ts';
import type { StoredRecord } from '../core/records.ts';
import { compare, expectedFrom, type Difference, type Expected } from '../core/verify/compare.ts';
import type { OpsDeps } from './ports.ts';
import { resolveType } from './status.ts';

export interface ShownRecord {
  generation: number;
  version: number;
  hash: string;
  deleted: boolean;
  writtenAt: string;
  record?: unknown;
}

export interface RecordInspection {
  type: string;
  id: string;
  /** The active generation, or null when the type was never indexed. */
  generation: number | null;
  index: ShownRecord | null;
  /** What transform(source document now) gives. */
  expected: { found: boolean; version?: number; hash?: string; record?: unknown; transformError?: string };
  comparison: { equal: boolean; difference: Difference | null };
  quarantine: (Omit<QuarantineEntry, 'since'> & { since: string }) | null;
}

/**
 * The record of `type/id` in the active generation, compared with transform(source now).
 * Throws `NotFoundError` (404) when neither the index nor the source knows the resource.
 */
export async function inspectRecord(deps: OpsDeps, type: string, id: string): Promise<RecordInspection> {
  const resolved = resolveType(deps, type);
  const [pointer, doc, quarantined] = await Promise.all([
    deps.pointerStore.readPointer(type),
    resolved.source.get(id),
    deps.quarantine.get(type, id),
  ]);
  const stored = pointer ? (await deps.records.getRecords(type, pointer.active, [id])).get(id) : undefined;
  if (stored === undefined && doc === undefined) throw new NotFoundError(`resource ${type}/${id}`, { type, id });

  let expected: Expected | undefined;
  let transformError: string | undefined;
  try {
    expected = expectedFrom(resolved.config, id, doc);
  } catch (error) {
    if (!(error instanceof TransformError)) throw error;
    transformError = error.message;
  }
  const difference = expected ? compare(expected, stored) : undefined;
  return {
    type,
    id,
    generation: pointer?.active ?? null,
    index: stored ? showRecord(stored) : null,
    expected: expectedView(doc !== undefined, expected, transformError),
    comparison: {
      equal: expected !== undefined && difference === undefined,
      difference: difference ?? (transformError ? { kind: 'content', summary: transformError } : null),
    },
    quarantine: quarantined ? { ...quarantined, since: new Date(quarantined.since).toISOString() } : null,
  };
}

export interface ReindexResult {
  type: string;
  id: string;
  /** The version guard's answer: `applied`, `unchanged` (already right) or `stale` (the index holds newer). */
  outcome: 'applied' | 'stale' | 'unchanged';
  /** `delete` when the source no longer has the resource. */
  op: 'upsert' | 'delete';
  version: number;
}

/** The reason a document cannot be indexed: the API answers 422 with it. */
export class UnprocessableError extends FreshindexError {
  override readonly status = 422;
  constructor(reason: string, context: Record<string, unknown>) {
    super(reason, { context });
    this.name = 'UnprocessableError';
  }
}

/**
 * Reindexes one resource from the source's current document, through the applier's own path
 * (version guard, every live generation, catch-up log while a build runs). A resource the source
 * no longer has is deleted where the index still holds it; an id that neither the source nor any
 * generation the applier writes knows is `NotFoundError` (404), and nothing is written: a
 * mistyped id never leaves a tombstone behind.
 */
export async function reindexRecord(deps: OpsDeps, type: string, id: string): Promise<ReindexResult> {
  const resolved = resolveType(deps, type);
  const doc = await resolved.source.get(id);
  if (doc === undefined && !(await indexKnows(deps, type, id))) throw new NotFoundError(`resource ${type}/${id}`, { type, id });
  const { types, pointers, records, catchUp, clock } = deps;
  // The document just read goes in with the change, so the source is read once.
  const change = { type, id, op: 'upsert' as const, ...(doc !== undefined ? { doc } : {}) };
  const outcomes = await applyChanges({ types, pointers, records, catchUp, clock }, [{ key: 'reindex', change }]);
  const outcome = outcomes.get('reindex');
  if (!outcome) throw new Error(`applyChanges gave no outcome for ${type}/${id}`);
  switch (outcome.status) {
    case 'applied':
    case 'stale':
    case 'unchanged':
      deps.log.info('resource reindexed', { type, id, outcome: outcome.status, op: outcome.op, version: outcome.version });
      return { type, id, outcome: outcome.status, op: outcome.op, version: outcome.version };
    case 'rejected':
      throw new UnprocessableError(outcome.reason, { type, id });
    case 'failed':
      throw outcome.error;
    case 'superseded':
      throw new Error('a single change cannot be superseded');
  }
}

/** Whether a generation the applier writes (active, building) holds a record or tombstone of the id. Reads only. */
async function indexKnows(deps: OpsDeps, type: string, id: string): Promise<boolean> {
  const pointer = await deps.pointerStore.readPointer(type);
  if (!pointer) return false;
  const found = await Promise.all(writeTargets(pointer).map((generation) => deps.records.getRecords(type, generation, [id])));
  return found.some((records) => records.has(id));
}

function showRecord(stored: StoredRecord): ShownRecord {
  return {
    generation: stored.generation,
    version: stored.version,
    hash: stored.hash,
    deleted: stored.deleted,
    writtenAt: new Date(stored.writtenAt).toISOString(),
    ...(stored.deleted ? {} : { record: stored.record }),
  };
}

function expectedView(found: boolean, expected: Expected | undefined, transformError: string | undefined): RecordInspection['expected'] {
  if (transformError) return { found, transformError };
  if (expected?.kind !== 'present') return { found };
  return { found, version: expected.write.version, hash: expected.write.hash, record: expected.write.record };
}
