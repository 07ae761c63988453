import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConflictError } from '../../core/errors.ts';
import { rollback } from '../../core/rebuild/pointer-ops.ts';
import type { OpsDeps } from '../ports.ts';
import { problemResponses, typeParams } from '../schemas.ts';
import { resolveType } from '../status.ts';

/** Rebuild one type (submits the job); roll one type back. */
export function operationRoutes(app: FastifyInstance, deps: OpsDeps): void {
  app.post<{ Params: { type: string }; Body: { reason?: string } | undefined }>(
    '/v1/types/:type/rebuild',
    {
      schema: {
        summary: 'Rebuild one type',
        description: 'Submits the rebuild job and answers at once (202); follow it with GET /v1/types/{type}. Refused (409) while a build of the type runs.',
        tags: ['operations'],
        params: typeParams,
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { reason: { type: 'string', minLength: 1, maxLength: 200, description: 'Why: kept with the job.' } },
        },
        response: {
          202: {
            type: 'object',
            required: ['type', 'jobId', 'jobName', 'submittedAt', 'status'],
            properties: {
              type: { type: 'string' },
              jobId: { type: 'string' },
              jobName: { type: 'string' },
              submittedAt: { type: 'string', format: 'date-time' },
              status: { type: 'string', description: 'Where to follow the build.' },
            },
          },
          ...problemResponses(400, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { type } = request.params;
      resolveType(deps, type);
      const lease = await deps.leases?.read(type);
      if (lease && lease.expiresAt > deps.clock()) {
        throw new ConflictError(`a build of "${type}" is already running (build ${lease.buildId}, started ${new Date(lease.acquiredAt).toISOString()})`, { type });
      }
      const requestedBy = callerOf(request);
      const reason = request.body?.reason;
      const submitted = await deps.launcher.submit({ type, ...(reason ? { reason } : {}), ...(requestedBy ? { requestedBy } : {}) });
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
      const result = await rollback(deps.store, type, deps.clock);
      deps.pointers.invalidate(type);
      deps.log.info('type rolled back', { type, from: result.from, to: result.to, requestedBy: callerOf(request) });
      return { type, from: result.from, to: result.to };
    },
  );
}

/** The caller's IAM ARN, as API Gateway's IAM authorizer passes it to the Lambda. */
function callerOf(request: FastifyRequest): string | undefined {
  const event = (request as { awsLambda?: { event?: { requestContext?: { authorizer?: { iam?: { userArn?: string } } } } } }).awsLambda?.event;
  return event?.requestContext?.authorizer?.iam?.userArn;
}
