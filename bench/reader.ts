/**
 * The reader benchmark (issue #4): latency (p50, p99) of the reader's `get` and `getMany(100)`
 * against dynalite, next to a bare GetItem / BatchGetItem of the same keys in the same run,
 * interleaved call by call so both see the same machine. The ratio is the reader's overhead:
 * pointer and quarantine caches, request-order results, tombstone handling, JSON parsing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { performance } from 'node:perf_hooks';
import { DynamoIndexStore } from '../lambdas/adapters/dynamodb/index-store.ts';
import { DynamoQuarantineStore } from '../lambdas/adapters/dynamodb/quarantine-store.ts';
import { createTables } from '../lambdas/adapters/dynamodb/tables.ts';
import { contentHash } from '../lambdas/core/hash.ts';
import { initialPointer } from '../lambdas/core/pointer.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmbeddedEmulators } from '../lambdas/local/emulators.ts';
import { createReader } from '../lambdas/reader/index.ts';
import { count, formatTable, quantile, ratio } from './support/table.ts';
import { seededRandom } from '../test/support/random.ts';
import { recordKey } from '../lambdas/adapters/dynamodb/keys.ts';

export interface ReaderBenchOptions {
  /** Records in the index. @default 2_000 */
  records?: number;
  /** Measured `get` calls (and as many bare GetItem calls). @default 1_000 */
  gets?: number;
  /** Measured `getMany(100)` calls (and as many bare BatchGetItem calls). @default 150 */
  batches?: number;
  print?: (line: string) => void;
}

export interface LatencyRow {
  label: string;
  calls: number;
  p50Ms: number;
  p99Ms: number;
  /** DynamoDB calls per operation (after the caches are warm). */
  dynamodbCallsPerOp: number;
}

export interface ReaderBenchResult {
  rows: LatencyRow[];
}

const TYPE = 'video';
const TABLES = { indexTable: 'bench-reader-index', controlTable: 'bench-reader-control' };

/** Runs the benchmark and prints its table. */
export async function benchReader(options: ReaderBenchOptions = {}): Promise<ReaderBenchResult> {
  const print = options.print ?? console.log;
  const records = options.records ?? 2_000;
  const gets = options.gets ?? 1_000;
  const batches = options.batches ?? 150;
  const emulators = await startEmbeddedEmulators();
  const dynamodb = new DynamoDBClient({ endpoint: emulators.endpoints.dynamodb, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS });
  let calls = 0;
  dynamodb.middlewareStack.add((next) => async (args) => ((calls += 1), next(args)), { step: 'initialize', name: 'countCalls' });
  const doc = DynamoDBDocumentClient.from(dynamodb);
  try {
    await createTables(dynamodb, TABLES);
    const store = new DynamoIndexStore({ client: doc, ...TABLES, tombstoneTtlSeconds: 3600 });
    await store.swapPointer(undefined, initialPointer(TYPE, Date.now()));
    const ids = Array.from({ length: records }, (_, i) => `v-${i}`);
    await store.bulkPut(TYPE, 1, ids.map((id, i) => storedVideo(id, i)));
    const quarantined = ids.filter((_, i) => i % 100 === 7);
    const quarantine = new DynamoQuarantineStore(doc, TABLES.controlTable);
    for (const id of quarantined) await quarantine.add({ type: TYPE, id, since: Date.now(), differences: 3, lastDifference: 'bench', cleanChecks: 0 });

    const reader = createReader({ dynamodb, ...TABLES, pointerCacheMs: 60_000 });
    const withFallback = createReader({
      dynamodb,
      ...TABLES,
      pointerCacheMs: 60_000,
      // An in-memory fallback: the row isolates the reader's own cost of splitting a batch.
      fallback: async (_type, wanted) => new Map(wanted.map((id) => [id, { title: `source ${id}` }])),
    });
    const pick = seededRandom(42);
    const randomId = () => ids[Math.floor(pick() * ids.length)] as string;
    const randomBatch = () => Array.from({ length: 100 }, randomId);

    // Warm the caches, connections and JIT outside the measurement.
    for (let i = 0; i < 50; i++) {
      await reader.get(TYPE, randomId());
      await withFallback.getMany(TYPE, randomBatch());
      await doc.send(new GetCommand({ TableName: TABLES.indexTable, Key: recordKey(TYPE, 1, randomId()) }));
    }

    const measure = { readerGet: new Series(), bareGet: new Series(), readerMany: new Series(), bareMany: new Series(), fallbackMany: new Series() };
    for (let i = 0; i < gets; i++) {
      const id = randomId();
      await measure.readerGet.time(() => reader.get(TYPE, id), () => calls);
      await measure.bareGet.time(() => doc.send(new GetCommand({ TableName: TABLES.indexTable, Key: recordKey(TYPE, 1, id) })), () => calls);
    }
    for (let i = 0; i < batches; i++) {
      const batch = randomBatch();
      const distinct = [...new Set(batch)];
      await measure.readerMany.time(() => reader.getMany(TYPE, batch), () => calls);
      await measure.bareMany.time(
        () => doc.send(new BatchGetCommand({ RequestItems: { [TABLES.indexTable]: { Keys: distinct.map((id) => recordKey(TYPE, 1, id)) } } })),
        () => calls,
      );
      await measure.fallbackMany.time(() => withFallback.getMany(TYPE, batch), () => calls);
    }

    const rows: LatencyRow[] = [
      measure.readerGet.row('reader.get'),
      measure.bareGet.row('bare GetItem'),
      measure.readerMany.row('reader.getMany(100)'),
      measure.bareMany.row('bare BatchGetItem(100)'),
      measure.fallbackMany.row('reader.getMany(100), 1% quarantined'),
    ];
    const baselineOf: Record<string, LatencyRow> = {
      'reader.get': rows[1] as LatencyRow,
      'reader.getMany(100)': rows[3] as LatencyRow,
      'reader.getMany(100), 1% quarantined': rows[3] as LatencyRow,
    };
    print(`reader latency against dynalite: ${count(records)} records of ~0.5 KB; ${count(gets)} gets and ${count(batches)} batches of 100 random ids, interleaved with the bare calls`);
    print(
      formatTable(
        ['operation', 'calls', 'p50 ms', 'p99 ms', 'p50 vs bare', 'p99 vs bare', 'DynamoDB calls/op'],
        rows.map((row) => {
          const baseline = baselineOf[row.label];
          return [
            row.label,
            count(row.calls),
            row.p50Ms.toFixed(2),
            row.p99Ms.toFixed(2),
            baseline ? ratio(row.p50Ms, baseline.p50Ms) : '-',
            baseline ? ratio(row.p99Ms, baseline.p99Ms) : '-',
            count(row.dynamodbCallsPerOp),
          ];
        }),
      ),
    );
    print('bare calls return raw items (unordered for BatchGetItem, no record parsing, no pointer or quarantine lookups); the reader resolves all of those.');
    reader.close();
    withFallback.close();
    return { rows };
  } finally {
    dynamodb.destroy();
    await emulators.stop();
  }
}

class Series {
  readonly #samples: number[] = [];
  #calls = 0;

  async time(run: () => Promise<unknown>, callCount: () => number): Promise<void> {
    const callsBefore = callCount();
    const started = performance.now();
    await run();
    this.#samples.push(performance.now() - started);
    this.#calls += callCount() - callsBefore;
  }

  row(label: string): LatencyRow {
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const at = (q: number) => quantile(sorted, q) ?? 0;
    return { label, calls: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), dynamodbCallsPerOp: this.#calls / Math.max(1, sorted.length) };
  }
}

function storedVideo(id: string, i: number) {
  const record = { title: `Video ${i}`, tags: ['a', 'b', 'c'].map((tag) => `${tag}-${i % 17}`), description: 'x'.repeat(400), duration: i % 3600 };
  return { type: TYPE, id, generation: 1, version: 1, hash: contentHash(record), deleted: false, writtenAt: Date.now(), record };
}
