/**
 * The local embedder of `npm start` and the tests: no model, no network. It is feature hashing,
 * not a language model: words, word pairs and character trigrams of the lower-cased text are
 * hashed (FNV-1a) into `dimensions` signed buckets and the vector is scaled to length 1. Texts that
 * share words and spellings come out close; synonyms do not. Deterministic: the same text gives the
 * same vector on every machine. See docs/embeddings.md, "The local embedder".
 */
import type { Embedder } from '../../core/embed/ports.ts';
import { normalise } from '../../core/embed/text.ts';

/** Weights of the three kinds of features. */
const WEIGHTS = { word: 1, pair: 0.5, trigram: 0.25 } as const;

/** Feature-hashing embeddings of a given length. */
export class LocalEmbedder implements Embedder {
  readonly maxBatch = Number.MAX_SAFE_INTEGER;

  constructor(private readonly dimensions: number) {}

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.vectorOf(text));
  }

  /** The vector of one text. */
  vectorOf(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    const add = (feature: string, weight: number) => {
      const hash = fnv1a(feature);
      const index = hash % this.dimensions;
      vector[index] = (vector[index] as number) + ((hash & 0x80000000) === 0 ? weight : -weight);
    };
    const words = text.toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [];
    words.forEach((word, index) => {
      add(`w:${word}`, WEIGHTS.word);
      if (index > 0) add(`p:${words[index - 1]} ${word}`, WEIGHTS.pair);
      const padded = ` ${word} `;
      for (let start = 0; start + 3 <= padded.length; start++) add(`t:${padded.slice(start, start + 3)}`, WEIGHTS.trigram);
    });
    return normalise(vector);
  }
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
