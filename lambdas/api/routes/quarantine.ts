import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../core/errors.ts';
import { releaseResource } from '../../core/verify/check.ts';
import type { OpsDeps } from '../ports.ts';
import { problemResponses, recordParams, typeParams } from '../schemas.ts';
import { resolveType } from '../status.ts';

/** List the quarantined resources of a type; release one. */
export function quarantineRoutes(app: FastifyInstance, deps: OpsDeps): void {
  app.get<{ Params: { type: string } }>(
    '/v1/types/:type/quarantine',
    {
      schema: {
        summary: 'Quarantined resources of a type',
        description: 'Resources the checker no longer trusts: readers serve them from the source until they are released.',
        tags: ['quarantine'],
        params: typeParams,
        response: {
          200: {
            type: 'object',
            required: ['type', 'count', 'items'],
            properties: { type: { type: 'string' }, count: { type: 'integer' }, items: { type: 'array', items: { $ref: 'QuarantineEntry#' } } },
          },
          ...problemResponses(400, 404),
        },
      },
    },
    async (request) => {
      const { type } = request.params;
      resolveType(deps, type);
      const entries = await deps.quarantine.list(type);
      return { type, count: entries.length, items: entries.map((entry) => ({ ...entry, since: new Date(entry.since).toISOString() })) };
    },
  );

  app.delete<{ Params: { type: string; id: string } }>(
    '/v1/types/:type/quarantine/:id',
    {
      schema: {
        summary: 'Release a quarantined resource',
        description: "Readers serve it from the index again (within their cache lifetime); the checker's counters restart.",
        tags: ['quarantine'],
        params: recordParams,
        response: {
          200: {
            type: 'object',
            required: ['type', 'id', 'released'],
            properties: { type: { type: 'string' }, id: { type: 'string' }, released: { type: 'boolean', const: true } },
          },
          ...problemResponses(400, 404),
        },
      },
    },
    async (request) => {
      const { type, id } = request.params;
      resolveType(deps, type);
      if (!(await releaseResource(deps, type, id))) throw new NotFoundError(`quarantined resource ${type}/${id}`, { type, id });
      deps.log.info('resource released from quarantine', { type, id });
      return { type, id, released: true };
    },
  );
}
