/**
 * The local control API: what AWS Batch and EventBridge Scheduler do on AWS, on localhost.
 * `GET /local/v1/jobs`, `GET /local/v1/jobs/{id}`, `POST /local/v1/jobs` (`{ command, type }`),
 * `GET /local/v1/schedules`, `POST /local/v1/schedules/{name}/run`, `GET /local/v1/health`.
 * Errors are problem details, as in the ops API. Loopback only: requests a web page or a rebound
 * host name could send are refused (lambdas/api/loopback.ts).
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { guardLoopback, isLoopbackHost } from '../../api/loopback.ts';
import { installProblemAnswers, routerErrors } from '../../api/routing.ts';
import type { ApiLog } from '../../api/ports.ts';
import { NotFoundError, UnknownTypeError } from '../../core/errors.ts';
import type { LocalJobs } from './jobs.ts';
import type { LocalScheduler } from './scheduler.ts';

export interface ControlServerOptions {
  jobs: LocalJobs;
  scheduler: LocalScheduler;
  /** The config's resource types. */
  types: readonly string[];
  /** The job commands the job entry point knows (`rebuild`, `audit`). */
  commands: readonly string[];
  log: ApiLog;
  port?: number;
  host?: string;
}

export interface ControlServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

const typeParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;

/** Builds the control API (not listening). */
export function buildControlApp(options: ControlServerOptions): FastifyInstance {
  const { jobs, scheduler, types, commands } = options;
  const app = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } }, frameworkErrors: routerErrors });
  installProblemAnswers(app, options.log);
  guardLoopback(app);

  app.get('/local/v1/health', async () => ({ ok: true, pid: process.pid }));
  app.get('/local/v1/jobs', async () => ({ jobs: jobs.list() }));
  app.get<{ Params: { id: string } }>('/local/v1/jobs/:id', { schema: { params: typeParams } }, async (request) => {
    const job = jobs.get(request.params.id);
    if (!job) throw new NotFoundError(`job ${request.params.id}`);
    return job;
  });
  app.post<{ Body: { command: string; type: string } }>(
    '/local/v1/jobs',
    {
      schema: {
        body: {
          type: 'object',
          required: ['command', 'type'],
          additionalProperties: false,
          properties: { command: { type: 'string', enum: [...commands] }, type: { type: 'string', minLength: 1, maxLength: 40 } },
        },
      },
    },
    async (request, reply) => {
      const { command, type } = request.body;
      if (!types.includes(type)) throw new UnknownTypeError(type);
      const job = jobs.run([command, '--type', type], 'cli');
      return reply.code(202).header('location', `/local/v1/jobs/${job.id}`).send(job);
    },
  );
  app.get('/local/v1/schedules', async () => ({ schedules: scheduler.list() }));
  app.post<{ Params: { id: string } }>('/local/v1/schedules/:id/run', { schema: { params: typeParams } }, async (request, reply) => {
    const before = new Set(jobs.list().map((job) => job.id));
    if (!scheduler.fire(request.params.id)) throw new NotFoundError(`schedule ${request.params.id}`);
    const job = jobs.list().find((candidate) => !before.has(candidate.id));
    return reply.code(202).send({ schedule: request.params.id, job: job ?? null });
  });
  return app;
}

/** Starts the control API on loopback. */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) throw new Error(`the local control API has no authentication: it listens on loopback only, not on ${host}`);
  const app = buildControlApp(options);
  await app.listen({ port: options.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://${host}:${port}`, app, close: () => app.close() };
}
