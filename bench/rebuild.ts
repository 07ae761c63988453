/**
 * The rebuild benchmark (issue #3):
 *
 * 1. Throughput: a 100,000-item type loaded by the real job (a child process running
 *    lambdas/jobs/cli.ts, as on AWS Batch) into dynalite, against a raw BatchWriteItem loop
 *    writing the same items into the same dynalite, also in a process of its own
 *    (support/raw-batch-write-child.ts), BENCH_REBUILD_ROUNDS rounds (default 3), who goes first
 *    alternating; medians and min–max of each and of the ratio per round.
 * 2. Memory: the job's peak RSS (VmHWM of the child process) for 100,000 and 1,000,000 items,
 *    with the same 4 scan segments. It must not grow with the size of the source: the load
 *    streams with bounded buffers.
 *
 * The source is generated on the fly by an HTTP server in this process (the CMS contract of
 * docs/sources.md), so a million items need no file. Sizes: BENCH_REBUILD_SIZES=100000,1000000.
 * 3. The Redis load against a raw pipeline, and the load split over 1, 2 and 4 children
 *    (bench/rebuild-scaling.ts).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { recordToItem } from '../lambdas/adapters/dynamodb/index-store.ts';
import { createTables } from '../test/support/tables.ts';
import { contentHash } from '../lambdas/core/hash.ts';
import { toStoredRecord } from '../lambdas/core/records.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmbeddedEmulators } from '../lambdas/local/emulators.ts';
import { benchRebuildScaling } from './rebuild-scaling.ts';
import { batchWriteAll } from './support/batch-write.ts';
import { median, positiveFromEnv } from './support/table.ts';

const CLI = resolve(fileURLToPath(import.meta.url), '../../lambdas/jobs/cli.ts');
const RAW_CHILD = resolve(fileURLToPath(import.meta.url), '../support/raw-batch-write-child.ts');

/** A generated document: deterministic from its number. */
export function generated(n: number): Record<string, unknown> {
  return { id: `g${n}`, v: 1, title: `title of item ${n}`, tags: ['news', `tag${n % 50}`], score: n % 1000, body: 'x'.repeat(200) };
}

const transform = (doc: Record<string, unknown>) => ({ title: doc['title'], tags: doc['tags'], score: doc['score'] });

export const CONFIG_MODULE = `
export const config = {
  pointerCacheSeconds: 1,
  types: [{
    name: 'item',
    source: JSON.parse(process.env.BENCH_SOURCE),
    transform: (doc) => ({ title: doc.title, tags: doc.tags, score: doc.score }),
    version: (doc) => doc.v,
    // The same segments for every size, so the peak memory compares sizes, not concurrencies.
    rebuild: { concurrency: 4 },
  }],
};
`;

/** Serves `size` generated documents: item, batch and segmented pages. */
export async function startGeneratedCms(size: number): Promise<{ server: Server; source: Record<string, unknown> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://bench');
    const number = (id: string) => Number(id.slice(1));
    let body: unknown;
    if (url.pathname.startsWith('/items/')) {
      const n = number(decodeURIComponent(url.pathname.slice(7)));
      body = n >= 0 && n < size ? generated(n) : undefined;
    } else if (url.pathname === '/batch') {
      body = (url.searchParams.get('ids') ?? '').split(',').map(number).filter((n) => n >= 0 && n < size).map(generated);
    } else {
      const segments = Number(url.searchParams.get('segments') ?? 1);
      const segment = Number(url.searchParams.get('segment') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const start = Number(url.searchParams.get('cursor') || 0);
      const items: unknown[] = [];
      let k = start;
      for (; items.length < limit; k++) {
        const n = segment + k * segments;
        if (n >= size) break;
        items.push(generated(n));
      }
      const more = segment + k * segments < size;
      body = { items, total: size, ...(more ? { next: String(k) } : {}) };
    }
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    source: {
      type: 'http',
      itemUrl: `${url}/items/{id}`,
      batchUrl: `${url}/batch?ids={ids}`,
      pageUrl: `${url}/scan?cursor={cursor}&segment={segment}&segments={segments}&limit={limit}`,
      timeoutMs: 60_000,
    },
  };
}

export interface JobRun {
  exitCode: number | null;
  peakRssMb: number;
  seconds: number;
  report: { outcome: string; counts: { loaded: number }; throughput: { loadPerSecond: number; overallPerSecond: number }; durationMs: number } | undefined;
}

/** Runs the rebuild job as a child process, sampling its RSS high-water mark. */
/** The rebuild job child's environment: the bench config and its source, the tables on the embedded DynamoDB. */
export function jobChildEnv(configPath: string, source: unknown, tables: { indexTable: string; controlTable: string }, dynamodbEndpoint: string): Record<string, string> {
  return {
    FRESHINDEX_CONFIG: configPath,
    BENCH_SOURCE: JSON.stringify(source),
    FRESHINDEX_INDEX_TABLE: tables.indexTable,
    FRESHINDEX_CONTROL_TABLE: tables.controlTable,
    FRESHINDEX_REBUILD_SETTLE_MARGIN_MS: '100',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_REGION: EMULATOR_REGION,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  };
}

export async function runJobChild(env: Record<string, string>): Promise<JobRun> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'rebuild', '--type', 'item'], {
    env: { ...process.env, ...env, POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let peakKb = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // the process is gone
    }
  };
  const timer = setInterval(sample, 100);
  let report: JobRun['report'];
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('"build report"')) continue;
      report = (JSON.parse(line) as { report: JobRun['report'] }).report;
      sample();
    }
  });
  const exitCode = await new Promise<number | null>((done) => child.once('exit', done));
  clearInterval(timer);
  return { exitCode, peakRssMb: Math.round(peakKb / 1024), seconds: (performance.now() - started) / 1000, report };
}

/** Writes `size` generated records with a plain BatchWriteItem loop (25 per call, `concurrency` calls in flight). */
export async function rawBatchWrite(client: DynamoDBDocumentClient, table: string, size: number, concurrency: number): Promise<number> {
  return batchWriteAll(client, table, size, concurrency, (n) => {
    const record = transform(generated(n));
    return recordToItem(toStoredRecord('item', 2, { kind: 'upsert', id: `g${n}`, version: 1, hash: contentHash(record), record }, Date.now(), 3600));
  });
}

/** Runs the raw BatchWriteItem loop in a process of its own (bench/support/raw-batch-write-child.ts); resolves with its items/s. */
async function runRawChild(dynamodbEndpoint: string, table: string, size: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', RAW_CHILD], {
    env: {
      ...process.env,
      BENCH_RAW_TABLE: table,
      BENCH_RAW_SIZE: String(size),
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      AWS_REGION: EMULATOR_REGION,
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exitCode = await new Promise<number | null>((done) => child.once('exit', done));
  if (exitCode !== 0) throw new Error(`rebuild bench: the raw loop exited ${exitCode}`);
  return (JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as { itemsPerSecond: number }).itemsPerSecond;
}

/** Writes `size` generated documents, one per line, to `path`. */
export async function writeJsonl(path: string, size: number): Promise<void> {
  const out = createWriteStream(path);
  for (let n = 0; n < size; n++) {
    if (!out.write(`${JSON.stringify(generated(n))}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Prints the rebuild benchmark. */
export async function benchRebuild(print: (line: string) => void = console.log): Promise<void> {
  const sizes = (process.env['BENCH_REBUILD_SIZES'] ?? '100000,1000000').split(',').map(Number);
  const throughputSize = sizes[0] ?? 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'freshindex-bench-rebuild-'));
  const configPath = join(dir, 'bench.config.mjs');
  writeFileSync(configPath, CONFIG_MODULE);
  const emulators = await startEmbeddedEmulators();
  const dynamodb = new DynamoDBClient({ endpoint: emulators.endpoints.dynamodb, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS });
  try {
    const rounds = positiveFromEnv('BENCH_REBUILD_ROUNDS', 3, { integer: true });
    // A JSON-lines source: the job reads it in its own process, as the raw loop builds its items in
    // its own, so the two compete only for dynalite (the generated CMS would serve from dynalite's process).
    const jsonl = join(dir, 'items.jsonl');
    await writeJsonl(jsonl, throughputSize);
    print(`load into dynalite, ${throughputSize.toLocaleString('en-US')} items: the job (JSON-lines source) and a raw BatchWriteItem loop (25 per call, 32 in flight), each in its own process, ${rounds} rounds, who goes first alternating`);
    const jobRates: number[] = [];
    const rawRates: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const steps = [
        async () => {
          const tables = { indexTable: `job-index-${round}`, controlTable: `job-control-${round}` };
          await createTables(dynamodb, tables);
          const run = await runJobChild(jobChildEnv(configPath, { type: 'jsonl', path: jsonl }, tables, emulators.endpoints.dynamodb));
          if (run.report?.counts.loaded !== throughputSize) throw new Error(`rebuild bench: the job loaded ${run.report?.counts.loaded ?? 'nothing'} of ${throughputSize} items (exit ${run.exitCode})`);
          jobRates.push(run.report.throughput.loadPerSecond);
        },
        async () => {
          const table = `raw-index-${round}`;
          await createTables(dynamodb, { indexTable: table, controlTable: `raw-control-${round}` });
          rawRates.push(await runRawChild(emulators.endpoints.dynamodb, table, throughputSize));
        },
      ];
      for (const step of round % 2 === 0 ? steps : steps.reverse()) await step();
      print(`  round ${round + 1} (load average ${loadavg()[0]?.toFixed(1)}): job ${Math.round(jobRates[round] ?? 0).toLocaleString('en-US')} items/s, raw ${Math.round(rawRates[round] ?? 0).toLocaleString('en-US')} items/s, ratio ${((jobRates[round] ?? 0) / (rawRates[round] ?? 1)).toFixed(2)}`);
    }
    const spreadOf = (values: number[], format: (value: number) => string) => `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
    const perSecond = (value: number) => Math.round(value).toLocaleString('en-US');
    const ratios = jobRates.map((rate, round) => rate / (rawRates[round] ?? 1));
    print('');
    print('| measure, own process each | items/s, median (min–max) |');
    print('|---|---|');
    print(`| rebuild job, load phase | ${spreadOf(jobRates, perSecond)} |`);
    print(`| raw BatchWriteItem loop | ${spreadOf(rawRates, perSecond)} |`);
    print(`| **ratio job / raw, per round** (goal ≥ 0.9) | **${spreadOf(ratios, (value) => value.toFixed(2))}** |`);
    print('');

    const runs: Array<{ size: number; run: JobRun }> = [];
    for (const size of sizes) {
      const tables = { indexTable: `index-${size}`, controlTable: `control-${size}` };
      await createTables(dynamodb, tables);
      const cms = await startGeneratedCms(size);
      print(`rebuild job (child process): ${size.toLocaleString('en-US')} items...`);
      const run = await runJobChild(jobChildEnv(configPath, cms.source, tables, emulators.endpoints.dynamodb));
      cms.server.close();
      print(`  exit ${run.exitCode}, ${run.report?.outcome ?? 'no report'}, load ${run.report?.throughput.loadPerSecond.toLocaleString('en-US') ?? '?'} items/s, whole build ${run.report?.throughput.overallPerSecond.toLocaleString('en-US') ?? '?'} items/s, peak RSS ${run.peakRssMb} MB`);
      runs.push({ size, run });
    }

    print('| measure | value |');
    print('|---|---|');
    for (const { size, run } of runs) print(`| job peak RSS, ${size.toLocaleString('en-US')} items | ${run.peakRssMb} MB |`);
    if (runs.length > 1) {
      const growth = (runs.at(-1)?.run.peakRssMb ?? 0) / Math.max(1, runs[0]?.run.peakRssMb ?? 1);
      print(`| peak RSS growth, ${runs.at(-1)?.size.toLocaleString('en-US')} vs ${runs[0]?.size.toLocaleString('en-US')} items | ×${growth.toFixed(2)} |`);
    }
    print('');
    print('dynalite runs in this process, next to the generated CMS; the job and the raw loop each in a process of its own.');
    print('');
    await benchRebuildScaling(print, emulators.endpoints.dynamodb);
  } finally {
    dynamodb.destroy();
    await emulators.stop();
  }
}
