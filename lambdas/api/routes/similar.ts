import type { FastifyInstance } from 'fastify';
import type { OpsDeps } from '../ports.ts';
import { similarItems } from '../similar.ts';
import { problemResponses, recordParams } from '../schemas.ts';

/** GET the records most similar to one record (its type must have an `embed` step). */
export function similarRoutes(app: FastifyInstance, deps: OpsDeps): void {
  app.get<{ Params: { type: string; id: string }; Querystring: { k: string } }>(
    '/v1/types/:type/records/:id/similar',
    {
      schema: {
        summary: 'Records similar to one record',
        description:
          'The k records nearest to this one by their vectors, in the live generation, nearest first. Tombstones, quarantined ids and the record itself never appear.',
        tags: ['records'],
        params: recordParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { k: { type: 'string', pattern: '^([1-9][0-9]?|100)$', default: '10', description: 'How many records, 1 to 100.' } },
        },
        response: {
          200: {
            type: 'object',
            required: ['type', 'id', 'k', 'generation', 'items'],
            properties: {
              type: { type: 'string' },
              id: { type: 'string' },
              k: { type: 'integer' },
              generation: { type: ['integer', 'null'], description: 'The live generation answered from.' },
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'distance', 'version', 'record'],
                  properties: {
                    id: { type: 'string' },
                    distance: { type: 'number', description: 'Cosine distance (0 = same direction, 2 = opposite).' },
                    version: { type: 'number' },
                    record: {},
                  },
                },
              },
            },
          },
          ...problemResponses(400, 404),
        },
      },
    },
    async (request) => similarItems(deps, request.params.type, request.params.id, Number(request.query.k)),
  );
}
