/**
 * The reader benchmark (issue #9): latency (p50, p99) of the reader's `get` and `getMany(100)`
 * on DynamoDB (dynalite) and on Redis (redis-server), next to the bare client call of the same
 * keys — GetItem / BatchGetItem, GET / MGET — interleaved call by call (who goes first
 * alternates) so both see the same machine. Each round gives a ratio; the table shows the
 * median of the rounds and their min–max. The ratio is the reader's overhead: pointer and
 * quarantine caches, request-order results, tombstone handling, JSON parsing.
 *
 * Settings (environment): FRESHINDEX_READER_ROUNDS (default 3), FRESHINDEX_READER_GETS per
 * round (default 400), FRESHINDEX_READER_BATCHES per round (default 60).
 */
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../test/support/random.ts';
import { dynamoTarget, redisTarget, TYPE, type ReaderTarget } from './reader-targets.ts';
import { count, formatTable, median, positiveFromEnv, quantile, ratio } from './support/table.ts';

export interface ReaderBenchOptions {
  /** Records in the index. @default 2_000 */
  records?: number;
  rounds?: number;
  gets?: number;
  batches?: number;
  print?: (line: string) => void;
}

/** One operation's latency in each round. */
export interface LatencyRow {
  store: string;
  label: string;
  p50Ms: number[];
  p99Ms: number[];
  /** DynamoDB requests per operation once the caches are warm (undefined on Redis). */
  callsPerOp: number | undefined;
}

/** A reader operation against a bare call, one ratio per round. */
export interface RatioRow {
  store: string;
  label: string;
  against: string;
  p50Ratio: number[];
  p99Ratio: number[];
}

export interface ReaderBenchResult {
  rows: LatencyRow[];
  ratios: RatioRow[];
}

/** Runs the benchmark on both stores and prints its two tables. */
export async function benchReader(options: ReaderBenchOptions = {}): Promise<ReaderBenchResult> {
  const print = options.print ?? console.log;
  const settings = {
    records: options.records ?? 2_000,
    rounds: options.rounds ?? positiveFromEnv('FRESHINDEX_READER_ROUNDS', 3, { integer: true }),
    gets: options.gets ?? positiveFromEnv('FRESHINDEX_READER_GETS', 400, { integer: true }),
    batches: options.batches ?? positiveFromEnv('FRESHINDEX_READER_BATCHES', 60, { integer: true }),
  };
  const ids = Array.from({ length: settings.records }, (_, i) => `v-${i}`);
  const result: ReaderBenchResult = { rows: [], ratios: [] };
  for (const start of [dynamoTarget, redisTarget]) {
    const target = await start(ids);
    try {
      const measured = await measureTarget(target, ids, settings);
      result.rows.push(...measured.rows);
      result.ratios.push(...measured.ratios);
    } finally {
      await Promise.all([target.reader.close(), target.withFallback.close()]);
      await target.stop();
    }
  }
  const ms = (values: number[]) => `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
  const times = (values: number[]) => `${ratio(median(values), 1)} (${ratio(Math.min(...values), 1)}–${ratio(Math.max(...values), 1)})`;
  print(
    `reader latency: ${count(settings.records)} records of ~0.5 KB; ${settings.rounds} rounds of ${count(settings.gets)} gets and ` +
      `${count(settings.batches)} batches of 100 random ids, each interleaved with the bare calls of the same keys; median of the rounds (min–max)`,
  );
  print(formatTable(['store', 'operation', 'p50 ms', 'p99 ms', 'requests/op'], result.rows.map((row) => [row.store, row.label, ms(row.p50Ms), ms(row.p99Ms), row.callsPerOp === undefined ? '-' : count(row.callsPerOp)])));
  print('');
  print(formatTable(['store', 'reader', 'against the bare', 'p50 ratio', 'p99 ratio'], result.ratios.map((row) => [row.store, row.label, row.against, times(row.p50Ratio), times(row.p99Ratio)])));
  print('bare calls return raw items (unordered, no record parsing, no pointer or quarantine lookups); the reader resolves all of those.');
  return result;
}

type Settings = { rounds: number; gets: number; batches: number };

async function measureTarget(target: ReaderTarget, ids: readonly string[], settings: Settings): Promise<{ rows: LatencyRow[]; ratios: RatioRow[] }> {
  const pick = seededRandom(42);
  const randomId = () => ids[Math.floor(pick() * ids.length)] as string;
  const randomBatch = () => Array.from({ length: 100 }, randomId);
  // Warm the caches, connections and JIT outside the measurement.
  for (let i = 0; i < 50; i++) {
    await target.reader.get(TYPE, randomId());
    await target.withFallback.getMany(TYPE, randomBatch());
    for (const bare of target.bareMany) await bare.run([...new Set(randomBatch())]);
  }
  const getLabels = ['reader.get', `bare ${target.bareGet.label}`];
  const manyLabels = ['reader.getMany(100)', ...target.bareMany.map((bare) => `bare ${bare.label} (100)`), 'reader.getMany(100), 1% quarantined'];
  const rounds: Array<Map<string, Series>> = [];
  for (let round = 0; round < settings.rounds; round++) {
    const series = new Map([...getLabels, ...manyLabels].map((label) => [label, new Series(target.calls)]));
    const timed = (label: string, run: () => Promise<unknown>) => () => (series.get(label) as Series).time(run);
    for (let i = 0; i < settings.gets; i++) {
      const id = randomId();
      await rotated(i, [timed(getLabels[0] as string, () => target.reader.get(TYPE, id)), timed(getLabels[1] as string, () => target.bareGet.run(id))]);
    }
    for (let i = 0; i < settings.batches; i++) {
      const batch = randomBatch();
      const distinct = [...new Set(batch)];
      await rotated(i, [
        timed(manyLabels[0] as string, () => target.reader.getMany(TYPE, batch)),
        ...target.bareMany.map((bare, b) => timed(manyLabels[b + 1] as string, () => bare.run(distinct))),
        timed(manyLabels.at(-1) as string, () => target.withFallback.getMany(TYPE, batch)),
      ]);
    }
    rounds.push(series);
  }
  const of = (r: Map<string, Series>, label: string) => r.get(label) as Series;
  const rows = [...getLabels, ...manyLabels].map((label) => ({
    store: target.name,
    label,
    p50Ms: rounds.map((r) => of(r, label).quantile(0.5)),
    p99Ms: rounds.map((r) => of(r, label).quantile(0.99)),
    callsPerOp: of(rounds.at(-1) as Map<string, Series>, label).callsPerOp(),
  }));
  const compare = (label: string, against: string): RatioRow => ({
    store: target.name,
    label,
    against,
    p50Ratio: rounds.map((r) => of(r, label).quantile(0.5) / of(r, against).quantile(0.5)),
    p99Ratio: rounds.map((r) => of(r, label).quantile(0.99) / of(r, against).quantile(0.99)),
  });
  const bareManyLabels = manyLabels.slice(1, -1);
  const ratios = [
    compare('reader.get', getLabels[1] as string),
    ...bareManyLabels.map((against) => compare('reader.getMany(100)', against)),
    compare(manyLabels.at(-1) as string, bareManyLabels[0] as string),
  ];
  return { rows, ratios };
}

/** Runs every call in turn, starting at a different one each `i`, so none always goes first. */
async function rotated(i: number, calls: ReadonlyArray<() => Promise<void>>): Promise<void> {
  for (let k = 0; k < calls.length; k++) await (calls[(i + k) % calls.length] as () => Promise<void>)();
}

/** Latency samples of one operation in one round, and the client calls they made. */
class Series {
  readonly #samples: number[] = [];
  #calls = 0;

  constructor(private readonly callCount: () => number | undefined) {}

  async time(run: () => Promise<unknown>): Promise<void> {
    const callsBefore = this.callCount() ?? 0;
    const started = performance.now();
    await run();
    this.#samples.push(performance.now() - started);
    this.#calls += (this.callCount() ?? 0) - callsBefore;
  }

  quantile(q: number): number {
    return quantile([...this.#samples].sort((a, b) => a - b), q) ?? 0;
  }

  callsPerOp(): number | undefined {
    return this.callCount() === undefined ? undefined : this.#calls / Math.max(1, this.#samples.length);
  }
}
