/**
 * What the index should hold for one resource, how it differs from what it holds, and the
 * repair. Shared by the per-change checker and the audit.
 */
import type { TypeConfig } from '../config/schema.ts';
import type { EmbedStep } from '../embed/ports.ts';
import { embedWrites } from '../embed/writes.ts';
import { embeddingPartOf, recordHash } from '../hash.ts';
import { writeTargets, type Pointer } from '../pointer.ts';
import type { CatchUpLog, Clock, RecordStore, SourceDoc } from '../ports.ts';
import type { RecordWrite, StoredRecord, WriteResult } from '../records.ts';
import { toUpsert, type UpsertWrite } from '../transform.ts';

/** What the source says the index should hold: a record, or nothing (the resource is deleted). */
export type Expected = { kind: 'present'; write: UpsertWrite } | { kind: 'absent' };

/**
 * The expected state from a source document (`undefined` when the source says not found), through
 * the one transform path. Throws `TransformError` when the transform rejects the document.
 */
export function expectedFrom(type: TypeConfig, id: string, doc: SourceDoc | undefined): Expected {
  return doc === undefined ? { kind: 'absent' } : { kind: 'present', write: toUpsert(type, id, doc) };
}

/**
 * How the index disagrees with the source:
 * - `missing`: the source has the resource, the index has nothing or a tombstone;
 * - `extra`: the index has a live record, the source says the resource does not exist;
 * - `content`: both have it, the contents differ.
 */
export type DifferenceKind = 'missing' | 'extra' | 'content';

export interface Difference {
  kind: DifferenceKind;
  /** One line for logs, alerts and the quarantine entry. */
  summary: string;
  indexVersion?: number;
  sourceVersion?: number;
  /** The hash of the stored record's content, recomputed (never the stored hash attribute). */
  indexHash?: string;
  expectedHash?: string;
}

/**
 * Compares the expected state with the stored record. The stored record's hash is recomputed
 * from its content: a record corrupted in the index, whatever its `hash` attribute says, is caught.
 * `undefined` means equal.
 */
export function compare(expected: Expected, stored: StoredRecord | undefined): Difference | undefined {
  const live = stored !== undefined && !stored.deleted ? stored : undefined;
  if (expected.kind === 'absent') {
    if (!live) return undefined;
    return {
      kind: 'extra',
      summary: `the index holds version ${live.version} but the source says the resource does not exist`,
      indexVersion: live.version,
    };
  }
  const { write } = expected;
  if (!live) {
    const where = stored ? `the index holds a tombstone at version ${stored.version}` : 'the index has no record';
    return {
      kind: 'missing',
      summary: `${where} but the source has version ${write.version}`,
      ...(stored ? { indexVersion: stored.version } : {}),
      sourceVersion: write.version,
      expectedHash: write.hash,
    };
  }
  // The content is rehashed; the embedding part (which text and model the vector is from) is the stored one.
  const indexHash = recordHash(live.record, embeddingPartOf(live.hash));
  if (indexHash === write.hash) return undefined;
  const lying = live.hash !== indexHash ? ` (its stored hash attribute says ${live.hash})` : '';
  return {
    kind: 'content',
    summary: `content differs: index version ${live.version} hashes to ${indexHash}${lying}, the source's version ${write.version} transforms to ${write.hash}`,
    indexVersion: live.version,
    sourceVersion: write.version,
    indexHash,
    expectedHash: write.hash,
  };
}

/**
 * What became of a repair: the version guard's answer for the active generation, or `forced`
 * when the record was corrupted behind an intact hash attribute (the guard, comparing hash
 * attributes, sees nothing to do) and was overwritten unconditionally.
 */
export type RepairResult = WriteResult | 'forced';

/** Whether the repair changed the index: only then may a report say "repaired". */
export function repaired(result: RepairResult | undefined): boolean {
  return result === 'written' || result === 'forced';
}

/** A repair's result in words, for logs and reports: `repaired`, or why nothing was written. */
export function describeRepair(result: RepairResult | undefined): string {
  switch (result) {
    case 'written':
    case 'forced':
      return 'repaired';
    case 'stale':
      return 'not repaired (the index holds a newer version than the source)';
    case 'unchanged':
      return 'not repaired (the index already holds this version)';
    case undefined:
      return 'not repaired';
  }
}

export interface RepairDeps {
  records: RecordStore;
  catchUp: CatchUpLog;
  clock: Clock;
}

/**
 * Writes the expected state, version-guarded, into every generation the pointer names (the
 * building one too, logged for its catch-up first, as the applier does). An extra record becomes
 * a tombstone at its own version: at an equal version a delete wins, a newer upsert still wins.
 * An upsert of a type that embeds gets its vector through `embed` first; when the embedding fails,
 * its error is thrown and nothing is written.
 */
export async function repair(
  deps: RepairDeps,
  type: string,
  pointer: Pointer,
  id: string,
  expected: Expected,
  stored: StoredRecord | undefined,
  embed?: EmbedStep,
): Promise<RepairResult> {
  const write = await withVector(embed, expected.kind === 'present' ? expected.write : { kind: 'delete', id, version: stored?.version ?? 0 });
  if (pointer.building) await deps.catchUp.record(type, pointer.building.generation, [id]);
  const [active] = await Promise.all(writeTargets(pointer).map((generation) => deps.records.write(type, generation, [write])));
  const result = active?.[0] ?? 'stale';
  if (result !== 'unchanged' || write.kind !== 'upsert' || !stored || stored.deleted) return result;
  // Same version, same hash attribute, different content: only an unconditional put repairs it.
  // A newer change racing this put is checked after its own settle delay and repaired then.
  await deps.records.bulkPut(type, pointer.active, [
    { type, id, generation: pointer.active, version: write.version, hash: write.hash, deleted: false, writtenAt: deps.clock(), record: write.record, ...(write.vector ? { vector: write.vector } : {}) },
  ]);
  return 'forced';
}

async function withVector(embed: EmbedStep | undefined, write: RecordWrite): Promise<RecordWrite> {
  const [outcome] = (await embedWrites(embed, [write])).ready;
  if (outcome === undefined || 'error' in outcome) throw outcome?.error;
  return outcome.write;
}
