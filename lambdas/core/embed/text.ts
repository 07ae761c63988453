/**
 * The text of a document as the embed step sees it: its cache key, and the rule for a text longer
 * than the model takes (split at word boundaries, chunk vectors averaged and normalised).
 */
import { describeProvider, modelLimits, type EmbedConfig } from '../config/embed.ts';
import { contentHash } from '../hash.ts';

/**
 * What makes two vectors interchangeable: the provider (and endpoint), the model, the dimensions
 * and the length a text is split at. Part of every cache key, so a model change re-embeds everything.
 */
export function embeddingIdentity(config: EmbedConfig): string {
  const { provider } = config;
  const model = provider.kind === 'bedrock' ? provider.model : provider.kind === 'openai' ? `${provider.url}|${provider.model}` : 'feature-hashing-v1';
  return `${provider.kind}|${model}|${config.dimensions}|${maxChars(config)}`;
}

/** The cache key of a text: a hash of the embedding identity and the text itself. */
export function embeddingKey(config: EmbedConfig, text: string): string {
  return contentHash([embeddingIdentity(config), text]);
}

/** The longest piece the step sends in one text: `maxChars`, or the model's own limit. */
export function maxChars(config: EmbedConfig): number {
  return config.maxChars ?? modelLimits(config.provider).maxChars;
}

/**
 * Texts per `Embedder.embed` call: `batchSize`, never more than the embedder takes (Cohere 96 per
 * request; Titan V2 takes one per request, and its embedder runs a batch as concurrent requests).
 */
export function batchLimit(config: EmbedConfig, embedderMax: number): number {
  return Math.max(1, Math.min(config.batchSize, embedderMax));
}

/**
 * Splits `text` into pieces of at most `limit` characters, cut at whitespace (a word longer than
 * `limit` is cut inside). A text within the limit is one piece, unchanged.
 */
export function splitText(text: string, limit: number): string[] {
  if (text.length <= limit) return [text];
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    const cut = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\n'), window.lastIndexOf('\t'));
    const end = cut > 0 ? cut : limit;
    const piece = rest.slice(0, end).trim();
    if (piece.length > 0) pieces.push(piece);
    rest = rest.slice(end).trimStart();
  }
  if (rest.trim().length > 0) pieces.push(rest);
  return pieces;
}

/** The mean of `vectors`, scaled to length 1 (one vector is returned normalised too). */
export function meanNormalised(vectors: readonly Float32Array[]): Float32Array {
  const first = vectors[0] as Float32Array;
  const mean = new Float32Array(first.length);
  for (const vector of vectors) for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] as number) + (vector[i] as number);
  return normalise(mean);
}

/** `vector` scaled to length 1 in place (a zero vector stays zero). */
export function normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / norm;
  return vector;
}

/** The provider in words, for errors. */
export function providerName(config: EmbedConfig): string {
  return describeProvider(config.provider);
}
