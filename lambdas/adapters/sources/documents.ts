/** Identifying the documents a source reads. */
import { describeError, SourceError } from '../../core/errors.ts';
import type { SourceDoc } from '../../core/ports.ts';

/** The id of a document, or a permanent `SourceError` naming where the document came from. */
export function identify(idOf: (doc: SourceDoc) => string, doc: SourceDoc, where: string): string {
  try {
    return idOf(doc);
  } catch (error) {
    throw new SourceError(`a document of the ${where} has no usable id: ${describeError(error)}`, { cause: error, retryable: false, context: { where } });
  }
}
