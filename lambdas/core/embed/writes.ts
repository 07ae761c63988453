/**
 * The embed step on index writes: the one place the apply path, the rebuild's load and its
 * catch-up replay (and the checker's repairs) give an upsert its vector before it is written.
 */
import type { RecordWrite } from '../records.ts';
import { embedTexts, type EmbedStats } from './embed.ts';
import { embeddingKey } from './text.ts';
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
    ready[index] = result && 'vector' in result ? { write: withVector(writes[index] as unknown as PlannedUpsert, result.vector) } : { error: result?.error };
  });
  return { ready, stats };
}

/**
 * Splits writes into those ready to store (nothing to embed, or a vector the cache holds) and the
 * upserts whose text must still be embedded (`embedWrites`). Lets a caller gather the misses of
 * many chunks into full provider batches. The cache failing leaves every upsert missing.
 */
export async function fromCache<W extends { kind: string }>(step: EmbedStep | undefined, writes: readonly W[]): Promise<{ ready: Array<W | Upsert>; missing: W[] }> {
  const texts = writes.map(embedTextOf);
  if (!step || texts.every((text) => text === undefined)) return { ready: writes.filter((_, index) => texts[index] === undefined), missing: writes.filter((_, index) => texts[index] !== undefined) };
  const keys = texts.map((text) => (text === undefined ? undefined : embeddingKey(step.config, text)));
  const found = await step.cache.get(keys.filter((key): key is string => key !== undefined)).catch(() => new Map<string, Float32Array>());
  const ready: Array<W | Upsert> = [];
  const missing: W[] = [];
  writes.forEach((write, index) => {
    const key = keys[index];
    const vector = key === undefined ? undefined : found.get(key);
    if (key === undefined) ready.push(write);
    else if (vector) ready.push(withVector(write as unknown as PlannedUpsert, vector));
    else missing.push(write);
  });
  return { ready, missing };
}

function withVector(write: PlannedUpsert, vector: Float32Array): Upsert {
  const { kind: _kind, embedText: _text, ...upsert } = write;
  return { kind: 'upsert', ...upsert, vector };
}

function embedTextOf(write: { kind: string }): string | undefined {
  return write.kind === 'upsert' ? (write as PlannedUpsert).embedText : undefined;
}
