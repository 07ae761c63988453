/**
 * The embedding benchmark (issue 15), two figures:
 * - re-embedding avoided: a rebuild's load of N documents through the embed step (cache in the
 *   index table, on the embedded DynamoDB emulator), then 5% of the texts changed and a second
 *   rebuild: its provider calls and texts against the first's (goal: calls ≤ 6% of the first);
 * - throughput of the embed step against the local provider at batch 50, 100 and 200 (texts per
 *   second, every text new, cache included).
 * Settings (environment): FRESHINDEX_EMBED_DOCS (default 4000), FRESHINDEX_EMBED_THROUGHPUT_TEXTS
 * (default 4000).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LocalEmbedder } from '../lambdas/adapters/embedders/index.ts';
import { DynamoEmbeddingCache } from '../lambdas/adapters/dynamodb/embedding-cache.ts';
import { validateConfig, type EmbedConfig, type TypeConfig } from '../lambdas/core/config/index.ts';
import { embedTexts } from '../lambdas/core/embed/embed.ts';
import type { Embedder, EmbeddingCache, EmbedStep } from '../lambdas/core/embed/ports.ts';
import type { RecordStore, ScanOptions, Source, SourceDoc } from '../lambdas/core/ports.ts';
import { loadGeneration, ProgressTracker } from '../lambdas/core/rebuild/index.ts';
import type { StoredRecord } from '../lambdas/core/records.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmbeddedEmulators } from '../lambdas/local/emulators.ts';
import { createTables } from '../test/support/tables.ts';
import { formatTable, positiveFromEnv } from './support/table.ts';

const GENRES = ['drama', 'comedy', 'thriller', 'science fiction', 'romance', 'horror', 'documentary', 'animation'];

function movieDoc(i: number, edition = 0): SourceDoc {
  const title = `Movie ${i}${edition ? ` (cut ${edition})` : ''}`;
  return { id: `m${i}`, version: edition + 1, title, genres: [GENRES[i % 8], GENRES[(i * 3) % 8]], director: `Director ${i % 97}` };
}

function movieType(batchSize: number): TypeConfig {
  return validateConfig({
    types: [
      {
        name: 'movie',
        source: { type: 'jsonl', path: '/dev/null' },
        transform: (doc: SourceDoc) => ({ title: doc['title'], genres: doc['genres'] }),
        version: (doc: SourceDoc) => doc['version'] as number,
        embed: { text: (doc: SourceDoc) => `${doc['title']}. ${(doc['genres'] as string[]).join(', ')}. Directed by ${doc['director']}.`, provider: { kind: 'local' }, dimensions: 256, batchSize },
      },
    ],
  }).types[0] as TypeConfig;
}

/** The local embedder, counting calls and texts. */
class Counted implements Embedder {
  readonly maxBatch = Number.MAX_SAFE_INTEGER;
  calls = 0;
  texts = 0;
  readonly #local = new LocalEmbedder(256);
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls++;
    this.texts += texts.length;
    return this.#local.embed(texts);
  }
}

/** A source of documents in memory, scanned by id modulo the segment count. */
function arraySource(docs: readonly SourceDoc[]): Source {
  return {
    stableScan: true,
    async get(id) {
      return docs.find((doc) => doc['id'] === id);
    },
    async getMany(ids) {
      return new Map(docs.filter((doc) => ids.includes(String(doc['id']))).map((doc) => [String(doc['id']), doc]));
    },
    async *scan(options: ScanOptions) {
      const mine = docs.filter((_, index) => index % options.totalSegments === options.segment);
      const size = options.pageSize ?? 500;
      for (let start = 0; start < mine.length; start += size) yield mine.slice(start, start + size);
    },
  } as Source;
}

/** A record store that only counts what the load wrote (the index's own cost is not measured here). */
function countingStore(): RecordStore & { written: number } {
  const store = { written: 0, bulkPut: async (_type: string, _generation: number, records: readonly StoredRecord[]) => void (store.written += records.length) };
  return store as unknown as RecordStore & { written: number };
}

async function load(type: TypeConfig, step: EmbedStep, docs: readonly SourceDoc[]): Promise<number> {
  const records = countingStore();
  const progress = new ProgressTracker(Date.now, 60_000, () => {});
  const result = await loadGeneration({
    type, source: arraySource(docs), records, generation: 1, tombstoneTtlSeconds: 3600, sampleSize: 10, clock: Date.now, random: Math.random, progress, embed: step,
    tuning: { segments: 4, pageSize: 500, chunkSize: 100, writesInFlight: 8 },
  });
  if (result.loaded !== docs.length) throw new Error(`loaded ${result.loaded} of ${docs.length}`);
  return result.loaded;
}

async function reembedding(cache: EmbeddingCache, count: number): Promise<string[][]> {
  const type = movieType(100);
  const config = type.embed as EmbedConfig;
  const first = new Counted();
  const docs = Array.from({ length: count }, (_, i) => movieDoc(i));
  await load(type, { config, embedder: first, cache }, docs);
  // Every 20th document by a scrambled order, so the edits fall in every scan segment.
  const changed = docs.map((doc, i) => ((Math.imul(i, 2654435761) >>> 0) % 20 === 0 ? movieDoc(i, 1) : doc));
  const second = new Counted();
  await load(type, { config, embedder: second, cache }, changed);
  const share = (a: number, b: number) => `${((a / b) * 100).toFixed(1)}%`;
  return [
    ['provider calls', String(first.calls), String(second.calls), share(second.calls, first.calls)],
    ['texts embedded', String(first.texts), String(second.texts), share(second.texts, first.texts)],
  ];
}

async function throughput(cache: EmbeddingCache, texts: number): Promise<string[][]> {
  const rows: string[][] = [];
  for (const batchSize of [50, 100, 200]) {
    const config = movieType(batchSize).embed as EmbedConfig;
    const step = { config, embedder: new LocalEmbedder(256), cache };
    const all = Array.from({ length: texts }, (_, i) => `run ${batchSize}: ${movieDoc(i)['title']} drama, comedy. Directed by Director ${i % 97}.`);
    const started = performance.now();
    for (let start = 0; start < all.length; start += 1_000) await embedTexts(step, all.slice(start, start + 1_000));
    const seconds = (performance.now() - started) / 1000;
    rows.push([String(batchSize), String(texts), (texts / seconds).toFixed(0)]);
  }
  return rows;
}

export async function benchEmbed(): Promise<void> {
  const docs = positiveFromEnv('FRESHINDEX_EMBED_DOCS', 4_000, { integer: true });
  const texts = positiveFromEnv('FRESHINDEX_EMBED_THROUGHPUT_TEXTS', 4_000, { integer: true });
  const emulators = await startEmbeddedEmulators();
  const dynamodb = new DynamoDBClient({ endpoint: emulators.endpoints.dynamodb, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS });
  try {
    const tables = { indexTable: 'bench-embed-index', controlTable: 'bench-embed-control' };
    await createTables(dynamodb, tables);
    const document = DynamoDBDocumentClient.from(dynamodb);
    const cache = () => new DynamoEmbeddingCache({ client: document, table: tables.indexTable });
    console.log(`\nre-embedding avoided: two rebuild loads of ${docs} documents, 5% of the texts changed in between (cache: DynamoDB emulator; goal: calls ≤ 6%)`);
    console.log(formatTable(['', 'first rebuild', 'second rebuild', 'second ÷ first'], await reembedding(cache(), docs)));
    console.log(`\nembed step throughput, local provider (feature hashing, 256 dimensions), ${texts} new texts, cache on the DynamoDB emulator`);
    console.log(formatTable(['batch size', 'texts', 'texts/s'], await throughput(cache(), texts)));
  } finally {
    dynamodb.destroy();
    await emulators.stop();
  }
}
