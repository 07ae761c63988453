import { documentId } from './config/load.ts';
import type { TypeConfig } from './config/schema.ts';
import { TransformError } from './errors.ts';
import { embeddingKey } from './embed/text.ts';
import type { PlannedUpsert } from './embed/writes.ts';
import { recordHash } from './hash.ts';
import type { SourceDoc } from './ports.ts';
import type { RecordWrite } from './records.ts';
import { normalizeVersion } from './version.ts';

export type UpsertWrite = Extract<RecordWrite, { kind: 'upsert' }>;

/**
 * The one path from a source document to an index write, shared by the applier, the rebuild,
 * the checker and the audit, so they can never disagree. Throws `TransformError` when the
 * type's transform or version function rejects the document, or when what `version(doc)`
 * returns is not a version (see `normalizeVersion`): such a document is never written.
 *
 * For a type with an `embed` step, the hash covers the embedding key (see `recordHash`) and the
 * write carries `embedText`: `embedWrites` (core/embed) gives it its vector before it is written.
 */
export function toUpsert(type: TypeConfig, id: string, doc: SourceDoc): PlannedUpsert {
  let record: unknown;
  let rawVersion: unknown;
  let embedText: string | undefined;
  try {
    rawVersion = type.version(doc);
    record = type.transform(doc);
    embedText = textToEmbed(type, doc);
  } catch (error) {
    throw new TransformError(type.name, id, { cause: error });
  }
  if (record === undefined || record === null || typeof record !== 'object') {
    throw new TransformError(type.name, id, { cause: new Error('transform must return an object') });
  }
  const version = normalizeVersion(rawVersion);
  if (!version.ok) throw new TransformError(type.name, id, { cause: new Error(`version(doc): ${version.reason}`) });
  if (embedText === undefined || !type.embed) return { kind: 'upsert', id, version: version.version, hash: recordHash(record), record };
  return { kind: 'upsert', id, version: version.version, hash: recordHash(record, embeddingKey(type.embed, embedText)), record, embedText };
}

/** The text the type's `embed` step embeds; throws when `embed.text` gives no text. */
function textToEmbed(type: TypeConfig, doc: SourceDoc): string | undefined {
  if (!type.embed) return undefined;
  const text: unknown = type.embed.text(doc);
  if (typeof text !== 'string') throw new Error(`embed.text(doc) must return a string, not ${text === null ? 'null' : typeof text}`);
  if (text.trim() === '') throw new Error('embed.text(doc) returned an empty text');
  return text;
}

/** `toUpsert` for a document whose id comes from the document itself (scans). */
export function toUpsertFromDoc(type: TypeConfig, doc: SourceDoc): PlannedUpsert {
  let id: string;
  try {
    id = documentId(type, doc);
  } catch (error) {
    throw new TransformError(type.name, '(unknown id)', { cause: error });
  }
  return toUpsert(type, id, doc);
}
