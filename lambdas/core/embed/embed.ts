/**
 * The embed step: a vector per text, computed once per content. Texts are keyed by
 * `embeddingKey` (provider, model, dimensions, text); keys the cache knows cost nothing; the
 * distinct texts left are split when over-long and sent in batches of `batchSize`. See
 * docs/embeddings.md.
 */
import pLimit from 'p-limit';
import { describeError, isRetryable } from '../errors.ts';
import { sendsDimensions } from '../config/embed.ts';
import { EmbeddingError } from './errors.ts';
import type { CachedEmbedding, EmbedStep } from './ports.ts';
import { batchLimit, embeddingKey, maxChars, meanNormalised, providerName, splitText } from './text.ts';

/** A text's vector, or why it has none (an `EmbeddingError` whose `retryable` decides its change's fate). */
export type Embedded = { vector: Float32Array } | { error: unknown };

/** What one call of the step did, for metrics and the bench. */
export interface EmbedStats {
  /** Texts asked for. */
  texts: number;
  /** Distinct texts the cache answered. */
  cached: number;
  /** Distinct texts computed by the provider. */
  computed: number;
  /** Provider calls made (`embed` calls; a failed batch split to find its bad text counts each try). */
  calls: number;
  /** Distinct texts left without a vector (their provider calls failed). */
  failed: number;
}

/** Provider calls of one step call in flight at once. */
const CALLS_IN_FLIGHT = 4;

/**
 * A vector per text, in order. Never throws for one text's sake: a text whose provider call failed
 * gets `{ error }`. A batch refused for good (not retryable) is halved and tried again until the
 * text it refused is alone, so one bad text never takes its neighbours down. The cache is an
 * optimisation: when it cannot be read or written, texts are computed and the result still stands.
 */
export async function embedTexts(step: EmbedStep, texts: readonly string[], signal?: AbortSignal): Promise<{ results: Embedded[]; stats: EmbedStats }> {
  const stats: EmbedStats = { texts: texts.length, cached: 0, computed: 0, calls: 0, failed: 0 };
  const keys = texts.map((text) => embeddingKey(step.config, text));
  const textOf = new Map(keys.map((key, index) => [key, texts[index] as string]));
  const found = await step.cache.get([...textOf.keys()]).catch(() => new Map<string, Float32Array>());
  stats.cached = [...textOf.keys()].filter((key) => found.has(key)).length;
  const missing = [...textOf].filter(([key]) => !found.has(key));
  const limit = maxChars(step.config);
  const piecesOf = new Map(missing.map(([key, text]) => [key, splitText(text, limit)]));
  const pieceVectors = await embedPieces(step, [...new Set([...piecesOf.values()].flat())], stats, signal);
  const computed: CachedEmbedding[] = [];
  const failed = new Map<string, unknown>();
  for (const [key, pieces] of piecesOf) {
    const outcomes = pieces.map((piece) => pieceVectors.get(piece) as Embedded);
    const failure = outcomes.find((outcome): outcome is { error: unknown } => 'error' in outcome);
    if (failure) failed.set(key, failure.error);
    else computed.push({ key, vector: meanNormalised(outcomes.map((outcome) => (outcome as { vector: Float32Array }).vector)) });
  }
  stats.computed = computed.length;
  stats.failed = failed.size;
  if (computed.length > 0) await step.cache.put(computed).catch(() => undefined);
  const vectors = new Map([...found, ...computed.map(({ key, vector }) => [key, vector] as const)]);
  const results = keys.map((key): Embedded => {
    const vector = vectors.get(key);
    return vector ? { vector } : { error: failed.get(key) };
  });
  return { results, stats };
}

/** Vectors of distinct pieces of text, in batches, a few calls at a time. */
async function embedPieces(step: EmbedStep, pieces: readonly string[], stats: EmbedStats, signal?: AbortSignal): Promise<Map<string, Embedded>> {
  const size = batchLimit(step.config, step.embedder.maxBatch);
  const batches: string[][] = [];
  for (let start = 0; start < pieces.length; start += size) batches.push(pieces.slice(start, start + size));
  const out = new Map<string, Embedded>();
  const limit = pLimit(CALLS_IN_FLIGHT);
  await Promise.all(batches.map((batch) => limit(() => embedBatch(step, batch, out, stats, signal))));
  return out;
}

async function embedBatch(step: EmbedStep, batch: readonly string[], out: Map<string, Embedded>, stats: EmbedStats, signal?: AbortSignal): Promise<void> {
  stats.calls++;
  try {
    const vectors = await step.embedder.embed(batch, signal);
    checkShape(step, batch, vectors);
    batch.forEach((piece, index) => out.set(piece, { vector: vectors[index] as Float32Array }));
  } catch (caught) {
    // Out of time (the caller's budget) is transient, whatever the embedder threw: never halved, never a refusal.
    const error = signal?.aborted ? new EmbeddingError(`the embedding call was cut off at the time left for it: ${describeError(caught)}`, { retryable: true, cause: caught }) : caught;
    if (batch.length > 1 && !isRetryable(error)) {
      const half = Math.ceil(batch.length / 2);
      await embedBatch(step, batch.slice(0, half), out, stats, signal);
      await embedBatch(step, batch.slice(half), out, stats, signal);
      return;
    }
    for (const piece of batch) out.set(piece, { error });
  }
}

function checkShape(step: EmbedStep, batch: readonly string[], vectors: readonly Float32Array[]): void {
  const { dimensions } = step.config;
  const context = { provider: providerName(step.config) };
  if (vectors.length !== batch.length) {
    throw new EmbeddingError(`${context.provider} answered ${vectors.length} vectors for ${batch.length} texts`, { retryable: true, context });
  }
  const wrong = vectors.find((vector) => vector.length !== dimensions);
  if (wrong) {
    const { provider } = step.config;
    const hint = provider.kind === 'openai' && !sendsDimensions(provider) ? ` (remove provider.sendDimensions: false to ask the model for ${dimensions}, or set dimensions: ${wrong.length})` : '';
    throw new EmbeddingError(`${context.provider} answered a vector of ${wrong.length} dimensions, the config says ${dimensions}${hint}`, { retryable: false, widespread: true, context });
  }
}
