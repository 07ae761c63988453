/**
 * Index records, the writes that change them, and the version guard that decides whether a
 * write lands. Every store adapter enforces `guard` atomically (a conditional write); this
 * module is the one statement of the rule.
 */

/** A generation: one complete copy of a type's index. Numbers only grow. */
export type Generation = number;

/** What every stored record carries besides its content. */
export interface RecordMeta {
  /** The source version the record was built from. */
  version: number;
  /** Content hash of `record` (see `contentHash`); `"tombstone"` for a deleted resource. */
  hash: string;
  /** True for a tombstone: the resource was deleted at `version`. */
  deleted: boolean;
  /** When the record was written (epoch ms). */
  writtenAt: number;
  /** The generation the record belongs to. */
  generation: Generation;
}

/** A record as the store holds it. `record` is absent on a tombstone. */
export interface StoredRecord<R = unknown> extends RecordMeta {
  type: string;
  id: string;
  record?: R;
  /**
   * The record's embedding (see docs/vectors.md), when its type has an `embed` step. Absent on
   * tombstones. Stores keep it as little-endian float32 (`vectorToBytes`).
   */
  vector?: Float32Array;
  /** Tombstones expire (epoch seconds): by then no late change of that age can still arrive. */
  expiresAt?: number;
}

/** The hash stored on tombstones. */
export const TOMBSTONE_HASH = 'tombstone';

/** A change to one record, in one generation. */
export type RecordWrite =
  | {
      kind: 'upsert';
      id: string;
      version: number;
      /** Covers the record and, when there is one, the embedding (model and text), so a new model rewrites it. */
      hash: string;
      record: unknown;
      /** The record's embedding (the `embed` step sets it). */
      vector?: Float32Array;
    }
  | { kind: 'delete'; id: string; version: number };

/**
 * What became of a write:
 * - `written`: it landed;
 * - `stale`: the store holds a newer version (or a tombstone of the same version);
 * - `unchanged`: the store already holds exactly this (same version, same content).
 */
export type WriteResult = 'written' | 'stale' | 'unchanged';

/**
 * What became of one write of a batch whose other writes may have failed: the version guard's
 * answer, or why this write failed (see `PartialWriteError`).
 */
export type WriteOutcome = WriteResult | { error: unknown };

/**
 * The version guard. An older version never replaces a newer one; an equal version with an
 * equal hash is a no-op; at an equal version a delete wins over an upsert, so a late upsert
 * cannot bring a deleted resource back. An equal version with another hash is written: the
 * transform changed, or the index drifted and is being repaired.
 */
export function guard(stored: Pick<RecordMeta, 'version' | 'hash' | 'deleted'> | undefined, write: RecordWrite): WriteResult {
  if (stored === undefined) return 'written';
  if (stored.version > write.version) return 'stale';
  if (stored.version < write.version) return 'written';
  if (write.kind === 'delete') return stored.deleted ? 'unchanged' : 'written';
  if (stored.deleted) return 'stale';
  return stored.hash === write.hash ? 'unchanged' : 'written';
}

/** Builds the stored form of a write. */
export function toStoredRecord(
  type: string,
  generation: Generation,
  write: RecordWrite,
  now: number,
  tombstoneTtlSeconds: number,
): StoredRecord {
  const meta = { type, id: write.id, generation, version: write.version, writtenAt: now };
  if (write.kind === 'delete') {
    return { ...meta, hash: TOMBSTONE_HASH, deleted: true, expiresAt: Math.floor(now / 1000) + tombstoneTtlSeconds };
  }
  return { ...meta, hash: write.hash, deleted: false, record: write.record, ...(write.vector ? { vector: write.vector } : {}) };
}

/** A vector as little-endian float32 bytes: the stores' compact form of it. */
export function vectorToBytes(vector: Float32Array): Uint8Array {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  vector.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return bytes;
}

/** The vector of `vectorToBytes`'s bytes (copied: the bytes need not be aligned). */
export function vectorFromBytes(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new RangeError(`a vector's bytes come in fours, not ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(bytes.byteLength / 4);
  for (let index = 0; index < vector.length; index++) vector[index] = view.getFloat32(index * 4, true);
  return vector;
}
