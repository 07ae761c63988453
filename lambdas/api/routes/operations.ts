import type { FastifyInstance, FastifyRequest } from 'fastify';
import { rollback } from '../../core/rebuild/pointer-ops.ts';
import { reserveBuild } from '../../core/rebuild/reservation.ts';
import type { BuildRequest, OpsDeps, SubmittedBuild } from '../ports.ts';
import { problemResponses, typeParams } from '../schemas.ts';
import { resolveType } from '../status.ts';

/** The optional body of a job submission. */
const reasonBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 200, description: 'Why: kept with the job.' } },
};

/** The 202 answer of a submitted job. */
const submittedJob = {
  type: 'object',
  required: ['type', 'jobId', 'jobName', 'submittedAt', 'status'],
  properties: {
    type: { type: 'string' },
    jobId: { type: 'string' },
    jobName: { type: 'string' },
    submittedAt: { type: 'string', format: 'date-time' },
    status: { type: 'string', description: 'Where to follow the job.' },
  },
};

/** Rebuild one type (submits the job); audit one type (submits the job); roll one type back. */
export function operationRoutes(app: FastifyInstance, deps: OpsDeps): void {
  auditRoute(app, deps);
  app.post<{ Params: { type: string }; Body: { reason?: string } | undefined }>(
    '/v1/types/:type/rebuild',
    {
      schema: {
        summary: 'Rebuild one type',
        description: 'Submits the rebuild job and answers at once (202); follow it with GET /v1/types/{type}. Refused (409) from the moment a rebuild of the type is requested until it has run (or its reservation expired because its job never started), and while a build runs.',
        tags: ['operations'],
        params: typeParams,
        body: reasonBody,
        response: {
          202: submittedJob,
          ...problemResponses(400, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { type } = request.params;
      resolveType(deps, type);
      const requestedBy = callerOf(request);
      const reason = request.body?.reason;
      const submitted = await submitReserved(deps, { type, ...(reason ? { reason } : {}), ...(requestedBy ? { requestedBy } : {}) }, request.id);
      deps.log.info('rebuild submitted', { type, jobId: submitted.jobId, reason, requestedBy });
      const status = `/v1/types/${type}`;
      return reply
        .code(202)
        .header('location', status)
        .send({ type, jobId: submitted.jobId, jobName: submitted.jobName, submittedAt: new Date(deps.clock()).toISOString(), status });
    },
  );

  app.post<{ Params: { type: string } }>(
    '/v1/types/:type/rollback',
    {
      schema: {
        summary: 'Roll one type back',
        description:
          'Swaps the active and previous generations with one conditional write (a second rollback returns). ' +
          'Readers see it within their pointer cache lifetime. 409 when there is no previous generation.',
        tags: ['operations'],
        params: typeParams,
        response: {
          200: {
            type: 'object',
            required: ['type', 'from', 'to'],
            properties: {
              type: { type: 'string' },
              from: { type: 'integer', description: 'The generation that served before (now previous).' },
              to: { type: 'integer', description: 'The generation serving now.' },
            },
          },
          ...problemResponses(400, 404, 409),
        },
      },
    },
    async (request) => {
      const { type } = request.params;
      resolveType(deps, type);
      const result = await rollback(deps.pointerStore, type, deps.clock);
      deps.pointers.invalidate(type);
      deps.log.info('type rolled back', { type, from: result.from, to: result.to, requestedBy: callerOf(request) });
      return { type, from: result.from, to: result.to };
    },
  );
}

/**
 * `POST /v1/types/{type}/audit`: submits the audit job of the type (AWS Batch on AWS, a child
 * process locally) and answers at once. `submittedAt` is taken before the submission, so the
 * type's `lastAudit` is this job's report once its `startedAt` is not earlier.
 */
function auditRoute(app: FastifyInstance, deps: OpsDeps): void {
  app.post<{ Params: { type: string }; Body: { reason?: string } | undefined }>(
    '/v1/types/:type/audit',
    {
      schema: {
        summary: 'Audit one type',
        description:
          "Submits the audit job (the whole source compared with the active generation, differences repaired up to the type's audit.maxRepairs) and answers at once (202). " +
          'The report shows as `lastAudit` in GET /v1/types/{type} once the job has run: it is this job\'s when its `startedAt` is not earlier than `submittedAt`.',
        tags: ['operations'],
        params: typeParams,
        body: reasonBody,
        response: { 202: submittedJob, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { type } = request.params;
      resolveType(deps, type);
      const requestedBy = callerOf(request);
      const reason = request.body?.reason;
      const submittedAt = new Date(deps.clock()).toISOString();
      const submitted = await deps.launcher.submit({ type, job: 'audit', ...(reason ? { reason } : {}), ...(requestedBy ? { requestedBy } : {}) });
      deps.log.info('audit submitted', { type, jobId: submitted.jobId, reason, requestedBy });
      const status = `/v1/types/${type}`;
      return reply.code(202).header('location', status).send({ type, jobId: submitted.jobId, jobName: submitted.jobName, submittedAt, status });
    },
  );
}

/** How long a reservation holds when its job never starts (AWS Batch jobs can wait minutes in RUNNABLE). */
export const DEFAULT_RESERVATION_TTL_MS = 15 * 60_000;

/**
 * Reserves the type's next build, then submits its job: 409 while another request's job has not
 * started or a build runs. A submission that fails withdraws the reservation.
 */
async function submitReserved(deps: OpsDeps, build: BuildRequest, requestId: string): Promise<SubmittedBuild> {
  const wanted = { type: build.type, id: requestId, ...(build.requestedBy ? { requestedBy: build.requestedBy } : {}) };
  const reservation = await reserveBuild(deps, wanted, deps.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS);
  let submitted: SubmittedBuild;
  try {
    submitted = await deps.launcher.submit(build);
  } catch (error) {
    await deps.reservations.cancel(reservation).catch((cancelError: unknown) => {
      deps.log.error('could not withdraw the reservation of a failed submission; it expires by itself', { type: build.type, error: String(cancelError) });
    });
    throw error;
  }
  // Only names the job in later 409s: the reservation holds without it.
  await deps.reservations.attach(reservation, submitted.jobId).catch(() => undefined);
  return submitted;
}

/** The caller's IAM ARN, as API Gateway's IAM authorizer passes it to the Lambda. */
function callerOf(request: FastifyRequest): string | undefined {
  const event = (request as { awsLambda?: { event?: { requestContext?: { authorizer?: { iam?: { userArn?: string } } } } } }).awsLambda?.event;
  return event?.requestContext?.authorizer?.iam?.userArn;
}
