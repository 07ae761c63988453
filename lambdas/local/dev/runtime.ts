/**
 * `freshindex dev`: the whole pipeline on a laptop. Embedded emulators; the resources of the
 * synthesized template; the apply and verify handlers behind local event-source pollers; the ops
 * API on localhost; the schedules on croner; the rebuild and audit jobs as child processes; the
 * demo movie CMS. `stop()` takes it all down again, leaving no process and no bound port.
 */
import { createDynamoClient, MetricRing } from '../../adapters/compose/index.ts';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startApiServer, type ApiServer } from '../api-server.ts';
import { jobCommands } from '../../jobs/main.ts';
import type { FreshindexConfig } from '../../core/config/index.ts';
import { loadConfigFile } from '../../adapters/config-file/index.ts';
import { describeError } from '../../core/errors.ts';
import { createResourcesFromTemplates, type LocalStacks, type StackTemplate } from '../cloud-assembly.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startEmbeddedEmulators, type EmbeddedEmulators } from '../emulators.ts';
import { startLocalAlerts } from './alerts.ts';
import { startLocalRelay } from './capture.ts';
import { startControlServer, type ControlServer } from './control-server.ts';
import { startDemoCms, type DemoCms } from './demo-cms.ts';
import { runtimeFor, startConsumers, type LogLevel, type RunningConsumers } from './functions.ts';
import { LocalJobs } from './jobs.ts';
import { planPorts, portFree, type DevPorts } from './ports.ts';
import { findRedisServer, startLocalRedis, withLocalRedis, type LocalRedis } from './redis.ts';
import { LocalScheduler } from './scheduler.ts';
import { startLocalStreamCapture } from './stream-capture.ts';
import { sourceEnvironment } from './source-env.ts';
import { removeDevState, writeDevState, type DevState } from './state.ts';
import { planFromTemplates, type DevPlan } from './template-plan.ts';

export interface DevOptions {
  /** Absolute path of the config module (exports `config`). */
  configPath: string;
  /** The synthesized stacks for that config (`cdk synth`, or an in-process synth). */
  synthesize: (configPath: string) => Promise<StackTemplate[]>;
  /** First port (see ports.ts); 0 picks free ports. */
  portBase?: number;
  stateFile: string;
  /** Start the demo movie CMS and point FRESHINDEX_DEMO_CMS_URL at it. @default true */
  demoCms?: boolean;
  /** Rebuild every type that has no index yet, once ready. @default true */
  initialBuild?: boolean;
  /** Log level of the in-process handlers. @default 'INFO' */
  logLevel?: LogLevel;
  /** A DynamoDB with streams (moto_server, DynamoDB Local) instead of the embedded dynalite. @default dynalite */
  dynamodbEndpoint?: string;
  /** Forward the jobs' own output. @default false */
  verbose?: boolean;
  cwd?: string;
  /** Where progress lines go. @default stdout */
  log?: (line: string) => void;
}

/** A running local runtime. */
export interface DevRuntime {
  state: DevState;
  plan: DevPlan;
  local: LocalStacks;
  jobs: LocalJobs;
  /** The jobs started for types without an index. */
  initialJobs: string[];
  /** Stops everything; safe to call twice. */
  stop(): Promise<void>;
}

/** The runtime could not start; the message says why and what to do. */
export class DevStartError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'DevStartError';
  }
}

/** Starts the local runtime. On failure, whatever had started is stopped before this throws. */
export async function startDevRuntime(options: DevOptions): Promise<DevRuntime> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stack: Array<{ name: string; stop: () => Promise<void> | void }> = [];
  const stopAll = async () => {
    for (const { name, stop } of stack.reverse().splice(0)) {
      try {
        await stop();
      } catch (error) {
        log(`freshindex dev: stopping ${name} failed: ${describeError(error)}`);
      }
    }
  };
  try {
    const ports = await planPorts(options.portBase);
    await requireFreePorts(ports, options.demoCms !== false);
    const cmsUrl = `http://127.0.0.1:${ports.cms}`;
    // The demo config reads its CMS address when it is imported: set it first.
    if (options.demoCms !== false) process.env['FRESHINDEX_DEMO_CMS_URL'] = cmsUrl;
    const config = await importConfig(options.configPath);

    const emulators: EmbeddedEmulators = await startEmbeddedEmulators({ sqs: ports.sqs, dynamodb: ports.dynamodb }, { dynamodbEndpoint: options.dynamodbEndpoint });
    stack.push({ name: 'the emulators', stop: () => emulators.stop() });
    const clientConfig = (endpoint: string) => ({ endpoint, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS, maxAttempts: 3 });
    const clients = { sqs: new SQSClient(clientConfig(emulators.endpoints.sqs)), sns: new SNSClient(clientConfig(emulators.endpoints.sns)), dynamodb: createDynamoClient(clientConfig(emulators.endpoints.dynamodb)) };
    stack.push({ name: 'the SDK clients', stop: () => Object.values(clients).forEach((client) => client.destroy()) });
    log(`freshindex dev: emulators up (SNS+SQS ${emulators.endpoints.sqs}, DynamoDB ${emulators.endpoints.dynamodb})`);

    const redis = await maybeStartRedis(config, ports.redis, log);
    if (redis) stack.push({ name: 'redis-server', stop: () => redis.stop() });

    log(`freshindex dev: synthesizing the CDK app for ${options.configPath}`);
    const stacks = await options.synthesize(options.configPath);
    const local = await createResourcesFromTemplates(stacks, clients);
    const plan = planFromTemplates(stacks, local, EMULATOR_REGION);
    const created = Object.values(local.resources);
    log(
      `freshindex dev: created from the template: ${count(created, 'topic')} topics, ${count(created, 'queue')} queues, ${count(created, 'subscription')} subscriptions, ${count(created, 'table')} tables; ` +
        `stand-ins: ${local.notCreated.filter((item) => item.disposition === 'stand-in').length}`,
    );

    let cms: DemoCms | undefined;
    if (options.demoCms !== false) {
      cms = await startDemoCms({ port: ports.cms, sns: clients.sns, topicArn: plan.changeTopicArn, onError: (error) => log(`demo CMS: ${describeError(error)}`) });
      stack.push({ name: 'the demo CMS', stop: () => cms?.close() });
      log(`freshindex dev: demo CMS with ${cms.catalog.size} movies at ${cms.url}/movies`);
    }

    const onError = (error: unknown, where: string) => log(`freshindex dev: ${where}: ${describeError(error)}`);
    const metrics = new MetricRing();
    const consumers: RunningConsumers = await startConsumers(plan.functions, config, clients, { ...(redis ? { redisUrl: redis.url } : {}), logLevel: options.logLevel ?? 'INFO', onError, metrics });
    stack.push({ name: 'the queue consumers', stop: () => consumers.stop() });

    const jobs = new LocalJobs({
      configPath: options.configPath,
      cwd: options.cwd ?? process.cwd(),
      verbose: options.verbose ?? false,
      log: (line) => log(`freshindex dev: ${line}`),
      env: {
        ...withLocalRedis(plan.jobEnvironment, redis?.url),
        ...sourceEnvironment(config, process.env),
        AWS_REGION: EMULATOR_REGION,
        AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: emulators.endpoints.dynamodb,
        AWS_ENDPOINT_URL_SNS: emulators.endpoints.sns,
        AWS_ENDPOINT_URL_SQS: emulators.endpoints.sqs,
        POWERTOOLS_METRICS_DISABLED: process.env['POWERTOOLS_METRICS_DISABLED'] ?? 'true',
        ...(process.env['POWERTOOLS_LOG_LEVEL'] ? { POWERTOOLS_LOG_LEVEL: process.env['POWERTOOLS_LOG_LEVEL'] } : {}),
        ...(options.demoCms !== false ? { FRESHINDEX_DEMO_CMS_URL: cmsUrl } : {}),
      },
    });
    stack.push({ name: 'the jobs', stop: () => jobs.stop() });

    const apiFunction = plan.functions.find((planned) => planned.role === 'api');
    const apiEnv = {
      ...withLocalRedis(apiFunction?.fn.environment ?? {}, redis?.url),
      // A local job starts in seconds: a request whose job died before taking the lease holds the type for 2 minutes, not 15.
      FRESHINDEX_REBUILD_RESERVATION_SECONDS: '120',
      // SQS is an emulator here: a dead-letter redrive copies (fauxqs has no message move tasks).
      AWS_ENDPOINT_URL_SQS: emulators.endpoints.sqs,
    };
    const apiRuntime = runtimeFor('api', config, apiEnv, clients);
    stack.push({ name: 'the API runtime', stop: () => apiRuntime.close() });
    const api: ApiServer = await startApiServer({
      config,
      port: ports.api,
      env: apiEnv,
      runtime: apiRuntime,
      launcher: jobs,
      metrics,
      console: true,
      log: { info: () => {}, error: (message, attributes) => log(`ops API: ${message} ${JSON.stringify(attributes ?? {})}`) },
    });
    stack.push({ name: 'the ops API', stop: () => api.close() });

    const alertsTopicArn = plan.jobEnvironment['FRESHINDEX_ALERTS_TOPIC_ARN'];
    if (alertsTopicArn) {
      // No --endpoint in the commands: locally the CLI finds `freshindex dev` by itself.
      const alerts = await startLocalAlerts({ ...clients, alertsTopicArn, region: EMULATOR_REGION, webhooks: process.env['FRESHINDEX_ALERT_WEBHOOKS'], log, onError });
      stack.push({ name: 'the alert delivery', stop: () => alerts.stop() });
      log(`freshindex dev: alerts are printed here${alerts.destinations > 0 ? ` and posted to ${alerts.destinations} webhook(s) of FRESHINDEX_ALERT_WEBHOOKS` : ' (set FRESHINDEX_ALERT_WEBHOOKS to post them to chat webhooks too: docs/alerts.md)'}`);
    }

    const scheduler = new LocalScheduler(
      plan.schedules.map((schedule) => ({ name: schedule.logicalId, expression: schedule.expression, timezone: schedule.timezone, enabled: schedule.enabled, args: schedule.args })),
      (spec) => {
        try {
          jobs.run(spec.args, `schedule:${spec.name}`);
        } catch (error) {
          onError(error, `schedule ${spec.name}`);
        }
      },
    );
    stack.push({ name: 'the scheduler', stop: () => scheduler.stop() });

    const control: ControlServer = await startControlServer({
      jobs,
      scheduler,
      types: config.types.map((type) => type.name),
      commands: Object.keys(jobCommands),
      port: ports.control,
      log: { info: () => {}, error: (message, attributes) => log(`control API: ${message} ${JSON.stringify(attributes ?? {})}`) },
    });
    stack.push({ name: 'the control API', stop: () => control.close() });

    const state: DevState = {
      version: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      configPath: options.configPath,
      types: config.types.map((type) => type.name),
      events: [...config.events],
      apiUrl: api.url,
      controlUrl: control.url,
      ...(cms ? { cmsUrl: cms.url } : {}),
      endpoints: emulators.endpoints,
      region: EMULATOR_REGION,
      changeTopicArn: plan.changeTopicArn,
      tables: plan.tables,
      ...(redis ? { redisUrl: redis.url } : {}),
    };
    await writeDevState(options.stateFile, state);
    stack.push({ name: 'the state file', stop: () => removeDevState(options.stateFile, process.pid) });

    const initialJobs: string[] = [];
    if (options.initialBuild !== false) {
      for (const type of config.types) {
        if (!(await apiRuntime.pointerStore.readPointer(type.name))) initialJobs.push(jobs.run(['rebuild', '--type', type.name], 'startup').id);
      }
    }

    // Captured changes start flowing only now: one applied before this check would create the
    // type's pointer, and the type would never get its initial build (its index mostly empty).
    const capture = await startLocalStreamCapture({ config, local, clients, endpoint: emulators.endpoints.dynamodb, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS, logLevel: options.logLevel ?? 'INFO', log, onError });
    if (capture) stack.push({ name: 'the stream capture', stop: () => capture.stop() });
    if (capture?.tables.length) log(`freshindex dev: capturing the DynamoDB streams of ${capture.tables.join(', ')}`);
    if (config.capture?.postgres) {
      const relay = await startLocalRelay({ capture: config.capture.postgres, sns: clients.sns, topicArn: plan.changeTopicArn, log });
      stack.push({ name: 'the capture relay', stop: () => relay.stop() });
    }

    let stopped: Promise<void> | undefined;
    return { state, plan, local, jobs, initialJobs, stop: () => (stopped ??= stopAll()) };
  } catch (error) {
    await stopAll();
    if (error instanceof DevStartError) throw error;
    throw new DevStartError(describeError(error), { cause: error });
  }
}

function count(resources: ReadonlyArray<{ kind: string }>, kind: string): number {
  return resources.filter((resource) => resource.kind === kind).length;
}

async function requireFreePorts(ports: DevPorts, withCms: boolean): Promise<void> {
  const wanted = Object.entries(ports).filter(([name]) => name !== 'redis' && (withCms || name !== 'cms'));
  for (const [name, port] of wanted) {
    if (!(await portFree(port))) {
      throw new DevStartError(`port ${port} (${name}) is already in use: is another \`freshindex dev\` running? Stop it, or pick other ports with --port-base`);
    }
  }
}

async function importConfig(path: string): Promise<FreshindexConfig> {
  try {
    return (await loadConfigFile(path)).config;
  } catch (error) {
    throw new DevStartError(describeError(error), { cause: error });
  }
}

async function maybeStartRedis(config: FreshindexConfig, port: number, log: (line: string) => void): Promise<LocalRedis | undefined> {
  if (config.store.type !== 'redis') return undefined;
  const binary = findRedisServer();
  if (!binary) {
    throw new DevStartError(
      'the config selects the Redis store (store: { type: "redis" }) but redis-server is not on PATH: install Redis (e.g. apt install redis-server, brew install redis) or select store: { type: "dynamodb" }',
    );
  }
  if (!(await portFree(port))) throw new DevStartError(`port ${port} (redis) is already in use: pick other ports with --port-base`);
  const redis = await startLocalRedis(binary, port);
  log(`freshindex dev: the config selects Redis: redis-server ${binary} started at ${redis.url}`);
  return redis;
}
