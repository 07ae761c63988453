/**
 * The embed step on index writes: the one place the apply path, the rebuild's load and its
 * catch-up replay (and the checker's repairs) give an upsert its vector before it is written.
 */
import type { RecordWrite } from '../records.ts';
import { embedTexts, type EmbedStats } from './embed.ts';
import { EmbeddingError } from './errors.ts';
import type { EmbedStep } from './ports.ts';

type Upsert = Extract<RecordWrite, { kind: 'upsert' }>;

/**
 * An upsert of a type with an `embed` step, as `toUpsert` plans it: the text to embed rides along
 * until the vector is computed (it is never stored).
 */
export type PlannedUpsert = Upsert & { embedText?: string };

/** A write ready for the store (an upsert with its vector), or why it cannot be written. */
export type ReadyWrite<W> = { write: W | Upsert } | { error: unknown };

/**
 * Gives every upsert that carries an `embedText` its vector, in one call of the step for the
 * whole list (cache look-up, then provider batches). Other writes pass through unchanged. An
 * upsert whose embedding failed gets `{ error }` and must not be written: the record stays as
 * it was.
 */
export async function embedWrites<W extends { kind: string }>(
  step: EmbedStep | undefined,
  writes: readonly W[],
  signal?: AbortSignal,
): Promise<{ ready: Array<ReadyWrite<W>>; stats: EmbedStats | undefined }> {
  const indexes = writes.flatMap((write, index) => (embedTextOf(write) === undefined ? [] : [index]));
  const ready: Array<ReadyWrite<W>> = writes.map((write) => ({ write }));
  if (indexes.length === 0) return { ready, stats: undefined };
  if (!step) {
    const error = new EmbeddingError('the type has an embed step but no embedder was composed for it', { retryable: true, widespread: true });
    for (const index of indexes) ready[index] = { error };
    return { ready, stats: undefined };
  }
  const { results, stats } = await embedTexts(step, indexes.map((index) => embedTextOf(writes[index] as W) as string), signal);
  indexes.forEach((index, position) => {
    const result = results[position];
    const { kind: _kind, embedText: _text, ...upsert } = writes[index] as unknown as PlannedUpsert;
    ready[index] = result && 'vector' in result ? { write: { kind: 'upsert', ...upsert, vector: result.vector } } : { error: result?.error };
  });
  return { ready, stats };
}

function embedTextOf(write: { kind: string }): string | undefined {
  return write.kind === 'upsert' ? (write as PlannedUpsert).embedText : undefined;
}
