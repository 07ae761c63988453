import type { FastifyInstance } from 'fastify';
import type { OpsDeps } from '../ports.ts';
import { problemResponses, typeParams } from '../schemas.ts';
import { deadLetterDepths, typeStatus } from '../status.ts';

/** GET /v1/types and GET /v1/types/:type: the status of every type, and of one. */
export function typeRoutes(app: FastifyInstance, deps: OpsDeps): void {
  app.get(
    '/v1/types',
    {
      schema: {
        summary: 'Status of every type',
        description: 'Generations (active, previous, building), record counts, the last build and audit, build progress, quarantined count; and the depth of each dead-letter queue.',
        tags: ['types'],
        response: {
          200: {
            type: 'object',
            required: ['types'],
            properties: { types: { type: 'array', items: { $ref: 'TypeStatus#' } }, deadLetters: { type: 'array', items: { $ref: 'DeadLetterDepth#' } } },
          },
          ...problemResponses(),
        },
      },
    },
    async () => {
      const [types, deadLetters] = await Promise.all([Promise.all([...deps.types.keys()].map((type) => typeStatus(deps, type))), deadLetterDepths(deps)]);
      return { types, deadLetters };
    },
  );

  app.get<{ Params: { type: string }; Querystring: { count: 'reported' | 'exact' } }>(
    '/v1/types/:type',
    {
      schema: {
        summary: 'Status of one type',
        description: 'With `count=exact`, the live generations are scanned and counted now (slow on big types).',
        tags: ['types'],
        params: typeParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { count: { type: 'string', enum: ['reported', 'exact'], default: 'reported', description: 'Where record counts come from.' } },
        },
        response: { 200: { $ref: 'TypeStatus#' }, ...problemResponses(400, 404) },
      },
    },
    async (request) => typeStatus(deps, request.params.type, { exact: request.query.count === 'exact' }),
  );
}
