import { documentId } from './config/load.ts';
import type { TypeConfig } from './config/schema.ts';
import { TransformError } from './errors.ts';
import { contentHash } from './hash.ts';
import type { SourceDoc } from './ports.ts';
import type { RecordWrite } from './records.ts';
import { normalizeVersion } from './version.ts';

export type UpsertWrite = Extract<RecordWrite, { kind: 'upsert' }>;

/**
 * The one path from a source document to an index write, shared by the applier, the rebuild,
 * the checker and the audit, so they can never disagree. Throws `TransformError` when the
 * type's transform or version function rejects the document, or when what `version(doc)`
 * returns is not a version (see `normalizeVersion`): such a document is never written.
 */
export function toUpsert(type: TypeConfig, id: string, doc: SourceDoc): UpsertWrite {
  let record: unknown;
  let rawVersion: unknown;
  try {
    rawVersion = type.version(doc);
    record = type.transform(doc);
  } catch (error) {
    throw new TransformError(type.name, id, { cause: error });
  }
  if (record === undefined || record === null || typeof record !== 'object') {
    throw new TransformError(type.name, id, { cause: new Error('transform must return an object') });
  }
  const version = normalizeVersion(rawVersion);
  if (!version.ok) throw new TransformError(type.name, id, { cause: new Error(`version(doc): ${version.reason}`) });
  return { kind: 'upsert', id, version: version.version, hash: contentHash(record), record };
}

/** `toUpsert` for a document whose id comes from the document itself (scans). */
export function toUpsertFromDoc(type: TypeConfig, doc: SourceDoc): UpsertWrite {
  let id: string;
  try {
    id = documentId(type, doc);
  } catch (error) {
    throw new TransformError(type.name, '(unknown id)', { cause: error });
  }
  return toUpsert(type, id, doc);
}
