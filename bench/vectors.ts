/**
 * The similar-items benchmark (issue #15): recall@10 of the HNSW index (usearch) against exact
 * brute-force search on the same vectors, and the latency (p50, p99) of the engine's search, of
 * the baseline (a competent brute-force scan: normalised Float32Array dot products into a
 * top-k), and of the whole `similar(k=10)` on Redis (engine search, then the candidates read
 * back and re-ranked by exact distance).
 *
 * The vectors are clustered (points around random centres, like embeddings of a catalogue with
 * genres), of the local embedder's default dimension in the demo.
 *
 * Settings (environment): FRESHINDEX_VECTORS_COUNT (default 50_000), FRESHINDEX_VECTORS_DIMENSIONS
 * (default 256), FRESHINDEX_VECTORS_QUERIES (default 200).
 */
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../test/support/random.ts';
import { startRedis } from '../test/support/redis.ts';
import { createRedisStores } from '../lambdas/adapters/redis/index.ts';
import { usearchEngine } from '../lambdas/adapters/vectors/usearch.ts';
import { initialPointer } from '../lambdas/core/pointer.ts';
import type { StoredRecord } from '../lambdas/core/records.ts';
import { SimilarItems } from '../lambdas/core/vectors/index.ts';
import { count, formatTable, positiveFromEnv, quantile } from './support/table.ts';

export interface VectorsBenchOptions {
  vectors?: number;
  dimensions?: number;
  queries?: number;
  print?: (line: string) => void;
}

const K = 10;
const TYPE = 'item';

/** Clustered unit vectors: `n` points around `n / 100` random centres, each moved by noise as large as its centre. */
function clustered(n: number, dimensions: number, random: () => number): Float32Array[] {
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: Math.max(1, Math.floor(n / 100)) }, () => Float32Array.from({ length: dimensions }, gaussian));
  return Array.from({ length: n }, () => {
    const centre = centres[Math.floor(random() * centres.length)] as Float32Array;
    return normalise(Float32Array.from(centre, (value) => value + gaussian()));
  });
}

function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  const scale = 1 / Math.sqrt(norm || 1);
  return vector.map((value) => value * scale);
}

/** The baseline: exact top-k by dot product of unit vectors (= cosine), one pass, a small sorted buffer. */
function bruteForce(vectors: readonly Float32Array[], query: Float32Array, k: number, skip: number): number[] {
  const best: Array<[number, number]> = [];
  for (let index = 0; index < vectors.length; index++) {
    if (index === skip) continue;
    const vector = vectors[index] as Float32Array;
    let dot = 0;
    for (let i = 0; i < vector.length; i++) dot += (vector[i] as number) * (query[i] as number);
    if (best.length < k || dot > (best[best.length - 1] as [number, number])[1]) {
      best.push([index, dot]);
      best.sort((a, b) => b[1] - a[1]);
      if (best.length > k) best.pop();
    }
  }
  return best.map(([index]) => index);
}

function timed<T>(run: () => T, into: number[]): T {
  const started = performance.now();
  const result = run();
  into.push(performance.now() - started);
  return result;
}

function latencyRow(label: string, samples: number[]): string[] {
  const sorted = [...samples].sort((a, b) => a - b);
  return [label, `${(quantile(sorted, 0.5) ?? 0).toFixed(3)} ms`, `${(quantile(sorted, 0.99) ?? 0).toFixed(3)} ms`];
}

/** Runs the benchmark; returns recall@10 and the latencies (ms). */
export async function benchVectors(options: VectorsBenchOptions = {}): Promise<{ recall: number; engine: number[]; brute: number[]; similar: number[] }> {
  const n = options.vectors ?? positiveFromEnv('FRESHINDEX_VECTORS_COUNT', 50_000, { integer: true });
  const dimensions = options.dimensions ?? positiveFromEnv('FRESHINDEX_VECTORS_DIMENSIONS', 256, { integer: true });
  const queries = Math.min(n, options.queries ?? positiveFromEnv('FRESHINDEX_VECTORS_QUERIES', 200, { integer: true }));
  const print = options.print ?? console.log;
  const random = seededRandom(15);
  const vectors = clustered(n, dimensions, random);
  const queryIndexes = Array.from({ length: queries }, () => Math.floor(random() * n));

  const index = usearchEngine()(dimensions, n);
  const buildStarted = performance.now();
  index.addMany(vectors.map((_, position) => position + 1), vectors);
  const buildMs = performance.now() - buildStarted;

  const engine: number[] = [];
  const brute: number[] = [];
  let hits = 0;
  for (const query of queryIndexes) {
    const vector = vectors[query] as Float32Array;
    const found = timed(() => index.search(vector, K + 1), engine).map((match) => match.key - 1).filter((position) => position !== query).slice(0, K);
    const exact = new Set(timed(() => bruteForce(vectors, vector, K, query), brute));
    hits += found.filter((position) => exact.has(position)).length;
  }
  const recall = hits / (queries * K);
  const similar = await similarOnRedis(vectors, queryIndexes);

  print(`${count(n)} clustered vectors of ${dimensions} dimensions, ${queries} queries, k = ${K}; HNSW built in ${(buildMs / 1000).toFixed(1)} s (one batch, every core)`);
  print(`recall@${K} of the HNSW index against exact brute-force search: ${recall.toFixed(3)} (goal ≥ 0.95)`);
  print(
    formatTable(
      ['search', 'p50', 'p99'],
      [latencyRow('HNSW (usearch) search, k+1', engine), latencyRow('baseline: brute-force scan (Float32Array dot products)', brute), latencyRow('similar(k=10) on Redis: search + re-check + exact re-rank', similar)],
    ),
  );
  return { recall, engine, brute, similar };
}

/** similar(k=10) end to end on a redis-server holding the vectors as one generation. */
async function similarOnRedis(vectors: readonly Float32Array[], queryIndexes: readonly number[]): Promise<number[]> {
  const server = await startRedis();
  const client = server.client();
  try {
    const stores = createRedisStores({ client, tombstoneTtlSeconds: 3600 });
    await stores.store.swapPointer(undefined, initialPointer(TYPE, Date.now()));
    const records: StoredRecord[] = vectors.map((vector, position) => ({ type: TYPE, id: `i${position}`, generation: 1, version: 1, hash: `h${position}`, deleted: false, writtenAt: 1, record: { n: position }, vector }));
    for (let start = 0; start < records.length; start += 2_000) await stores.store.bulkPut(TYPE, 1, records.slice(start, start + 2_000));
    const similar = new SimilarItems(
      { records: stores.store, journal: stores.catchUp, engine: usearchEngine() },
      async (type) => [await stores.store.readPointer(type), new Set<string>()],
      Date.now,
      { refreshMs: 3_600_000 },
    );
    await similar.similar(TYPE, 'i0', { k: K }); // builds the index from a scan of the generation
    const samples: number[] = [];
    for (const query of queryIndexes) {
      const started = performance.now();
      await similar.similar(TYPE, `i${query}`, { k: K });
      samples.push(performance.now() - started);
    }
    return samples;
  } finally {
    client.disconnect();
    await server.stop();
  }
}
