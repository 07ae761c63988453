/** Identifying the documents a source reads. */
import { describeError, PartialReadError, SourceError } from '../../core/errors.ts';
import type { SourceDoc } from '../../core/ports.ts';

/** The id of a document, or a permanent `SourceError` naming where the document came from. */
export function identify(idOf: (doc: SourceDoc) => string, doc: SourceDoc, where: string): string {
  try {
    return idOf(doc);
  } catch (error) {
    throw new SourceError(`a document of the ${where} has no usable id: ${describeError(error)}`, { cause: error, retryable: false, context: { where } });
  }
}

/**
 * `getMany` in chunks of `size` distinct ids, `read` called for each (through `limit` when
 * given). A chunk that fails fails only its own ids: the documents of the others are still
 * returned, in a `PartialReadError` when any failed.
 */
export async function readInChunks(
  ids: readonly string[],
  size: number,
  read: (chunk: string[]) => Promise<Iterable<readonly [string, SourceDoc]>>,
  options: { limit?: <T>(run: () => Promise<T>) => Promise<T>; context?: Record<string, unknown> } = {},
): Promise<Map<string, SourceDoc>> {
  const unique = [...new Set(ids)];
  const found = new Map<string, SourceDoc>();
  const failures = new Map<string, unknown>();
  const run = options.limit ?? ((task) => task());
  const chunks: string[][] = [];
  for (let start = 0; start < unique.length; start += size) chunks.push(unique.slice(start, start + size));
  await Promise.all(
    chunks.map((chunk) =>
      run(async () => {
        try {
          for (const [id, doc] of await read(chunk)) found.set(id, doc);
        } catch (error) {
          for (const id of chunk) failures.set(id, error);
        }
      }),
    ),
  );
  if (failures.size > 0) throw new PartialReadError(found, failures, options.context);
  return found;
}
