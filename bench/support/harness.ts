/**
 * The benchmark's backend: embedded emulators (dynalite + fauxqs) and AWS SDK clients with the
 * call counter attached; and, per scenario, fresh tables and a real HTTP CMS as the source.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createRuntime, type Runtime } from '../../lambdas/adapters/compose/index.ts';
import { createTables } from '../../test/support/tables.ts';
import { defineConfig, type FreshindexConfigInput } from '../../lambdas/core/config/index.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmbeddedEmulators, type EmbeddedEmulators } from '../../lambdas/local/emulators.ts';
import { cmsSource, startCmsServer, type CmsServer } from '../../test/support/cms-server.ts';
import { ApiCallCounter } from './api-calls.ts';
import { startEmulatorThread } from './emulator-thread.ts';
import { transformVideo, TYPE_NAME } from './workload.ts';

/** The shared emulators and counted clients. */
export interface BenchBackend {
  emulators: EmbeddedEmulators;
  calls: ApiCallCounter;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  sns: SNSClient;
  /**
   * Fresh tables, a CMS of its own and a runtime on them, built like the handler's (see compose.ts).
   * With `redisUrl` the runtime keeps its index and control state in that Redis / Valkey instead
   * (`store: { type: 'redis' }`, a key prefix of its own), and no table is created.
   */
  freshStack(label: string, options?: StackOptions): Promise<BenchStack>;
  /** The shared CMS, its config and its request count (for benchmarks that need one source only). */
  cms: CmsServer;
  config: FreshindexConfigInput;
  takeSourceRequests(): number;
  /** Fresh tables and a runtime on them, reading the shared CMS. */
  freshRuntime(label: string): Promise<Runtime>;
  stop(): Promise<void>;
}

/** What one scenario runs on. */
export interface BenchStack {
  config: FreshindexConfigInput;
  runtime: Runtime;
  cms: CmsServer;
  /** HTTP requests the source made since the last call. */
  takeSourceRequests(): number;
}

/** Where a fresh stack keeps its state: DynamoDB (the emulator) by default. */
export interface StackOptions {
  /** A redis:// URL: the stack's runtime uses the Redis store on it. */
  redisUrl?: string;
}

let tableSeq = 0;

/**
 * Starts the emulators (in this thread, or with `emulatorThread` on a worker thread of their own)
 * and attaches the call counter to every client.
 */
export async function startBenchBackend(options: { emulatorThread?: boolean } = {}): Promise<BenchBackend> {
  const emulators = options.emulatorThread ? await startEmulatorThread() : await startEmbeddedEmulators();
  const clientConfig = (endpoint: string) => ({ endpoint, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS, maxAttempts: 3 });
  const dynamodb = new DynamoDBClient(clientConfig(emulators.endpoints.dynamodb));
  const sqs = new SQSClient(clientConfig(emulators.endpoints.sqs));
  const sns = new SNSClient(clientConfig(emulators.endpoints.sns));
  const calls = new ApiCallCounter();
  calls.attach(dynamodb, 'DynamoDB');
  calls.attach(sqs, 'SQS');
  calls.attach(sns, 'SNS');
  const servers: CmsServer[] = [];
  // Redis runtimes hold a connection of their own; DynamoDB ones share the clients closed below.
  const redisRuntimes: Runtime[] = [];

  const stackOn = async (cms: CmsServer, label: string, counter: { requests: number }, options: StackOptions = {}): Promise<BenchStack> => {
    tableSeq += 1;
    const countingFetch: typeof globalThis.fetch = (input, init) => {
      counter.requests += 1;
      return globalThis.fetch(input, init);
    };
    const config = defineConfig({
      ...(options.redisUrl ? { store: { type: 'redis' as const, keyPrefix: `bench-${label}-${tableSeq}:` } } : {}),
      types: [
        {
          name: TYPE_NAME,
          // A generous timeout: the machine is shared, and a benchmark must not measure retries.
          source: cmsSource(cms, { timeoutMs: 10_000 }),
          transform: transformVideo,
          version: (doc) => doc['version'] as number,
        },
      ],
    });
    const tables = { indexTable: `bench-index-${label}-${tableSeq}`, controlTable: `bench-control-${label}-${tableSeq}` };
    if (!options.redisUrl) await createTables(dynamodb, tables);
    const runtime = createRuntime(config, { ...tables, redisUrl: options.redisUrl }, { dynamodb, sourceDeps: { fetch: countingFetch } });
    if (options.redisUrl) redisRuntimes.push(runtime);
    // The pointer is created and cached before measuring: afterwards it costs one GetItem per type
    // per pointerCacheSeconds per instance, whatever the traffic.
    await runtime.pointers.get(TYPE_NAME);
    calls.take();
    const takeSourceRequests = () => {
      const taken = counter.requests;
      counter.requests = 0;
      return taken;
    };
    return { config, runtime, cms, takeSourceRequests };
  };
  const startCms = async () => {
    const cms = await startCmsServer();
    servers.push(cms);
    return cms;
  };
  const sharedCounter = { requests: 0 };
  const shared = await stackOn(await startCms(), 'shared', sharedCounter);

  return {
    emulators,
    calls,
    dynamodb,
    sqs,
    sns,
    freshStack: async (label, options) => stackOn(await startCms(), label, { requests: 0 }, options),
    cms: shared.cms,
    config: shared.config,
    takeSourceRequests: shared.takeSourceRequests,
    freshRuntime: async (label) => (await stackOn(shared.cms, label, sharedCounter)).runtime,
    async stop() {
      await Promise.all(redisRuntimes.map((runtime) => runtime.close()));
      dynamodb.destroy();
      sqs.destroy();
      sns.destroy();
      await Promise.all(servers.map((server) => server.stop()));
      await emulators.stop();
    },
  };
}
